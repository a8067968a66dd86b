import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { liveCustomer, markPaid } from '../billing.js';
import { adjustCustomerBalance } from '../customer-balance.js';
import { pageOf } from '../list.js';
import {
  amount,
  hash,
  integer,
  isHash,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { refundCharge } from '../payments.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, insertObject, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { InvoiceObject } from '../views/billing.js';
import type { ChargeObject } from '../views/charge.js';
import type { PaymentIntentObject } from '../views/payment-intent.js';
import {
  type CreditNoteLineObject,
  type CreditNoteObject,
  newCreditNote,
  newCreditNoteLine,
} from '../views/support.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

/**
 * Credit notes: a credit against a finalized invoice. Before payment it lowers what the
 * invoice still asks for (`pre_payment`); after, it is refunded, credited to the
 * customer's balance or settled out of band (`post_payment`).
 */

const PARAMS = [
  'amount',
  'credit_amount',
  'effective_at',
  'email_type',
  'expand',
  'invoice',
  'lines',
  'memo',
  'metadata',
  'out_of_band_amount',
  'reason',
  'refund_amount',
  'shipping_cost',
];

const REASONS = ['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory'] as const;

const LINE_KEYS = [
  'amount',
  'description',
  'invoice_line_item',
  'metadata',
  'quantity',
  'tax_amounts',
  'tax_rates',
  'type',
  'unit_amount',
  'unit_amount_decimal',
];

interface Plan {
  note: CreditNoteObject;
  invoice: InvoiceObject;
  refund: number;
  credit: number;
}

const money = (n: number) => `$${(n / 100).toFixed(2)}`;

/** What a credit note with these parameters would be, and how it splits; writes nothing. */
async function planCreditNote(db: Queryable, tx: Pick<Tx, 'ids' | 'now'>, params: Params, lock: boolean) {
  if (params.invoice === undefined) missing('invoice');
  const invoiceId = string(params.invoice, 'invoice');
  const invoice = await findLive<InvoiceObject>(db, 'invoices', invoiceId, { forUpdate: lock });
  if (!invoice)
    throw invalidRequest(`No such invoice: '${invoiceId}'`, { code: 'resource_missing', param: 'invoice' });
  if (!['open', 'paid', 'uncollectible'].includes(invoice.status)) {
    throw invalidRequest(
      `You can only create credit notes for open, paid or uncollectible invoices; this one is ${invoice.status}.`,
      { code: 'invoice_not_editable', param: 'invoice' },
    );
  }
  const id = tx.ids.object('cn');
  const lines: CreditNoteLineObject[] = [];
  if (params.lines !== undefined) {
    const raw = Array.isArray(params.lines)
      ? params.lines
      : isHash(params.lines)
        ? Object.values(params.lines)
        : null;
    if (raw === null) throw invalidRequest('Invalid array', { param: 'lines' });
    for (const [index, item] of raw.entries()) {
      const at = `lines[${index}]`;
      const line = hash(item, at, LINE_KEYS);
      if (line.type === undefined) missing(`${at}[type]`);
      const type = oneOf(line.type, `${at}[type]`, ['invoice_line_item', 'custom_line_item'] as const);
      const quantity =
        line.quantity === undefined ? null : integer(line.quantity, `${at}[quantity]`, { min: 1 });
      const lineMetadata = metadata(line.metadata, `${at}[metadata]`);
      if (type === 'invoice_line_item') {
        if (line.invoice_line_item === undefined) missing(`${at}[invoice_line_item]`);
        const lineId = string(line.invoice_line_item, `${at}[invoice_line_item]`);
        const source = invoice.lines.data.find((each) => each.id === lineId);
        if (!source) {
          throw invalidRequest(`No such invoice line item: '${lineId}' on invoice ${invoice.id}`, {
            code: 'resource_missing',
            param: `${at}[invoice_line_item]`,
          });
        }
        const value =
          line.amount !== undefined
            ? amount(line.amount, `${at}[amount]`, { min: 1 })
            : quantity !== null
              ? Math.round((source.amount / Math.max(1, source.quantity)) * quantity)
              : source.amount;
        lines.push(
          newCreditNoteLine({
            id: tx.ids.object('cnli'),
            amount: value,
            description: source.description,
            quantity: quantity ?? source.quantity,
            invoiceLineItem: source.id,
            unitAmount: null,
            metadata: lineMetadata,
          }),
        );
      } else {
        if (line.unit_amount === undefined) missing(`${at}[unit_amount]`);
        if (line.description === undefined) missing(`${at}[description]`);
        const unit = amount(line.unit_amount, `${at}[unit_amount]`, { min: 1 });
        lines.push(
          newCreditNoteLine({
            id: tx.ids.object('cnli'),
            amount: unit * (quantity ?? 1),
            description: string(line.description, `${at}[description]`, { max: 5000 }),
            quantity: quantity ?? 1,
            invoiceLineItem: null,
            unitAmount: unit,
            metadata: lineMetadata,
          }),
        );
      }
    }
  }
  const fromLines = lines.reduce((sum, line) => sum + line.amount, 0);
  let total: number;
  if (params.amount !== undefined) {
    total = amount(params.amount, 'amount', { min: 1 });
    if (lines.length > 0 && total !== fromLines) {
      throw invalidRequest(`The amount (${total}) must equal the sum of the lines (${fromLines}).`, {
        param: 'amount',
      });
    }
  } else if (lines.length > 0) total = fromLines;
  else {
    throw invalidRequest('You must pass one of `amount` or `lines` to create a credit note.', {
      code: 'parameter_missing',
      param: 'amount',
    });
  }
  const credited = invoice.pre_payment_credit_notes_amount + invoice.post_payment_credit_notes_amount;
  const creditable = invoice.total - credited;
  if (total > creditable) {
    throw invalidRequest(
      `The credit note's total (${money(total)}) is more than the invoice's remaining creditable amount (${money(creditable)}).`,
      { param: params.amount !== undefined ? 'amount' : 'lines' },
    );
  }
  const pre = invoice.status === 'paid' ? 0 : Math.min(total, invoice.amount_remaining);
  const post = total - pre;
  const read = (name: string) => (params[name] === undefined ? null : amount(params[name], name, { min: 0 }));
  let refund = read('refund_amount') ?? 0;
  let credit = read('credit_amount');
  const outOfBand = read('out_of_band_amount');
  if (post === 0 && (refund > 0 || (credit ?? 0) > 0)) {
    throw invalidRequest(
      'This invoice has not been paid: a credit note lowers what it asks for, and cannot refund or credit the balance.',
      { param: refund > 0 ? 'refund_amount' : 'credit_amount' },
    );
  }
  // Stripe credits what is left of a paid invoice's credit note to the customer's balance.
  if (credit === null) credit = Math.max(0, post - refund - (outOfBand ?? 0));
  if (refund + credit + (outOfBand ?? 0) !== post) {
    throw invalidRequest(
      `The sum of refund_amount, credit_amount and out_of_band_amount (${money(refund + credit + (outOfBand ?? 0))}) must equal the credit note's post-payment amount (${money(post)}).`,
      { param: 'credit_amount' },
    );
  }
  refund = Math.max(0, refund);
  const { rows } = await db.query<{ count: string }>(
    `SELECT count(*) FROM credit_notes WHERE data->>'invoice' = $1`,
    [invoice.id],
  );
  const sequence = Number(rows[0]?.count ?? 0) + 1;
  const note = newCreditNote({
    id,
    created: tx.now,
    currency: invoice.currency,
    customer: invoice.customer,
    invoice: invoice.id,
    number: `${invoice.number ?? invoice.id}-CN-${String(sequence).padStart(2, '0')}`,
    amount: total,
    lines,
    memo: params.memo === undefined ? null : nullableString(params.memo, 'memo', { max: 5000 }),
    metadata: metadata(params.metadata),
    reason: params.reason === undefined ? null : oneOf(params.reason, 'reason', REASONS),
    prePayment: pre,
    postPayment: post,
    outOfBand,
  });
  if (params.effective_at !== undefined) note.effective_at = integer(params.effective_at, 'effective_at');
  return { note, invoice, refund, credit } satisfies Plan;
}

/** The charge that paid an invoice (its last succeeded payment intent's). */
async function paidCharge(tx: Tx, invoice: InvoiceObject): Promise<ChargeObject | null> {
  for (const piId of [...(invoice._payment_intents ?? [])].reverse()) {
    const pi = await findLive<PaymentIntentObject>(tx.db, 'payment_intents', piId);
    if (pi?.status !== 'succeeded' || !pi.latest_charge) continue;
    return findLive<ChargeObject>(tx.db, 'charges', pi.latest_charge, { forUpdate: true });
  }
  return null;
}

async function issue(tx: Tx, plan: Plan): Promise<CreditNoteObject> {
  const { note, invoice, refund, credit } = plan;
  const before = structuredClone(invoice);
  if (refund > 0) {
    const charge = await paidCharge(tx, invoice);
    if (!charge) {
      throw invalidRequest(`Invoice ${invoice.id} was not paid by a charge that can be refunded.`, {
        param: 'refund_amount',
      });
    }
    const made = await refundCharge(tx, charge, { amount: refund, reason: null, metadata: {} });
    note.refunds = [
      { amount_refunded: refund, payment_record_refund: null, refund: made.id, type: 'refund' },
    ];
  }
  await insertObject(tx.db, 'credit_notes', note);
  if (credit > 0) {
    const customer = await liveCustomer(tx, invoice.customer);
    const txn = await adjustCustomerBalance(tx, customer, {
      amount: -credit,
      type: 'credit_note',
      currency: note.currency,
      creditNote: note.id,
      invoice: invoice.id,
    });
    note.customer_balance_transaction = txn.id;
    await saveObject(tx.db, 'credit_notes', note);
  }
  invoice.pre_payment_credit_notes_amount += note.pre_payment_amount;
  invoice.post_payment_credit_notes_amount += note.post_payment_amount;
  invoice.amount_due -= note.pre_payment_amount;
  invoice.amount_remaining -= note.pre_payment_amount;
  await saveObject(tx.db, 'invoices', invoice);
  await tx.emit('credit_note.created', note);
  await tx.emit('invoice.updated', invoice, previousAttributes(before, invoice));
  // Credited in full before it was paid: nothing is left to pay.
  if (note.pre_payment_amount > 0 && invoice.amount_remaining === 0 && invoice.status === 'open') {
    await markPaid(tx, invoice);
  }
  return note;
}

/** Issues a credit note as `POST /v1/credit_notes` would with these parameters. */
export async function createCreditNote(tx: Tx, params: Params): Promise<CreditNoteObject> {
  return issue(tx, await planCreditNote(tx.db, tx, params, true));
}

/** /v1/credit_notes: preview (and its lines), create, retrieve, update, list, void, lines. */
export function creditNoteRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  const preview = async (params: Params) =>
    planCreditNote(deps.pool, { ids: deps.ids, now: Math.floor(deps.now() / 1000) }, params, false);

  routes.get('/preview', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, PARAMS);
    expansionPlans(params, 'credit_note');
    const { note } = await preview(params);
    return c.json(await answer(deps, params, note));
  });

  routes.get('/preview/lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [...PARAMS, 'ending_before', 'limit', 'starting_after']);
    const { ending_before, limit, starting_after, expand, ...rest } = params;
    const { note } = await preview(rest);
    return c.json(
      pageOf(
        note.lines.data,
        { ending_before, limit, starting_after },
        {
          url: '/v1/credit_notes/preview/lines',
          noun: 'credit_note_line_item',
        },
      ),
    );
  });

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, PARAMS);
    expansionPlans(params, 'credit_note');
    const note = await transact(deps, c, (tx) => createCreditNote(tx, params));
    return c.json(await answer(deps, params, note));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'credit_notes',
        type: 'credit_note',
        noun: 'credit_note',
        url: '/v1/credit_notes',
        params: ['customer', 'customer_account', 'invoice'],
        filters: (params) => [...stringFilter(params, 'customer'), ...stringFilter(params, 'invoice')],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'credit_notes', 'credit_note'));

  routes.get('/:id/lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const note = await mustFind<CreditNoteObject>(
      deps.pool,
      'credit_notes',
      'credit_note',
      c.req.param('id'),
    );
    return c.json(pageOf(note.lines.data, params, { url: note.lines.url, noun: 'credit_note_line_item' }));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'memo', 'metadata']);
    expansionPlans(params, 'credit_note');
    const note = await transact(deps, c, async (tx) => {
      const current = await mustFind<CreditNoteObject>(
        tx.db,
        'credit_notes',
        'credit_note',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      const next = structuredClone(current);
      if (params.memo !== undefined) next.memo = nullableString(params.memo, 'memo', { max: 5000 });
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'credit_notes', next);
      await tx.emit('credit_note.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, note));
  });

  routes.post('/:id/void', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'credit_note');
    const note = await transact(deps, c, async (tx) => {
      const current = await mustFind<CreditNoteObject>(
        tx.db,
        'credit_notes',
        'credit_note',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.status === 'void') {
        throw invalidRequest(`Credit note ${current.id} has already been voided.`, {
          code: 'credit_note_already_voided',
        });
      }
      if (current.refunds.length > 0) {
        throw invalidRequest('A credit note that refunded a payment cannot be voided.', {
          code: 'credit_note_not_voidable',
        });
      }
      const invoice = await mustFind<InvoiceObject>(tx.db, 'invoices', 'invoice', current.invoice, {
        forUpdate: true,
      });
      if (current.pre_payment_amount > 0 && invoice.status !== 'open') {
        throw invalidRequest(
          `The invoice this credit note lowered is ${invoice.status} now, so the credit note cannot be voided.`,
          { code: 'credit_note_not_voidable' },
        );
      }
      const next = structuredClone(current);
      next.status = 'void';
      next.voided_at = tx.now;
      if (current.customer_balance_transaction) {
        const customer = await liveCustomer(tx, current.customer);
        await adjustCustomerBalance(tx, customer, {
          amount: current.post_payment_amount - (current.out_of_band_amount ?? 0),
          type: 'credit_note',
          currency: current.currency,
          creditNote: current.id,
          invoice: invoice.id,
        });
      }
      const invoiceBefore = structuredClone(invoice);
      invoice.pre_payment_credit_notes_amount -= current.pre_payment_amount;
      invoice.post_payment_credit_notes_amount -= current.post_payment_amount;
      invoice.amount_due += current.pre_payment_amount;
      invoice.amount_remaining += current.pre_payment_amount;
      await saveObject(tx.db, 'invoices', invoice);
      await saveObject(tx.db, 'credit_notes', next);
      await tx.emit('credit_note.voided', next, previousAttributes(current, next));
      await tx.emit('invoice.updated', invoice, previousAttributes(invoiceBefore, invoice));
      return next;
    });
    return c.json(await answer(deps, params, note));
  });

  return routes;
}
