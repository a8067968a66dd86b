import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import type { CloneUnderTest } from './harness.js';
import { openStripeSuite } from './stripe-suite.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
type Json = Record<string, any>;

/**
 * The support surface (#14): disputes, credit notes, customer balance transactions, files
 * and file links, invoices send / preview / add lines, subscription items, pause and
 * resume, all through the official SDK.
 */

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;

const DAY = 86_400;

const keysOf = (object: object) => Object.keys(object).sort();
const expectReferenceKeys = (object: object, type: string) =>
  expect(keysOf(object), type).toEqual([...(STRIPE_REFERENCE_KEYS[type] ?? ['(no reference)'])].sort());

async function raw(method: string, path: string, body?: string) {
  const response = await fetch(`${backend.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.secretKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The event types recorded for one object, oldest first. */
async function eventTypes(objectId: string): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100 });
  return events.data
    .filter((event) => (event.data.object as { id?: string }).id === objectId)
    .map((event) => event.type)
    .reverse();
}

beforeAll(async () => {
  ({ backend, tokens, stripe } = await openStripeSuite('stripe_support', null));
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

async function payingCustomer(card = 'pm_card_visa', extra: Stripe.CustomerCreateParams = {}) {
  const customer = await stripe.customers.create({ name: 'Support', email: 'support@example.com', ...extra });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm };
}

async function monthlyPrice(amount = 2000) {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month' },
    product_data: { name: `Plan ${amount}` },
  });
}

/** An open (finalized, unpaid) invoice of `amount` for a new customer. */
async function openInvoice(amount: number, extra: Stripe.CustomerCreateParams = {}) {
  const customer = await stripe.customers.create({ name: 'Invoiced', email: 'inv@example.com', ...extra });
  await stripe.invoiceItems.create({ customer: customer.id, amount, currency: 'usd', description: 'Work' });
  const draft = await stripe.invoices.create({
    customer: customer.id,
    collection_method: 'send_invoice',
    days_until_due: 30,
    pending_invoice_items_behavior: 'include',
  });
  return { customer, invoice: await stripe.invoices.finalizeInvoice(draft.id) };
}

describe('disputes', () => {
  it('the disputing test card charges, then opens a dispute that evidence wins', async () => {
    const { customer } = await payingCustomer('pm_card_createDispute');
    const balanceBefore = await stripe.balance.retrieve();
    const pi = await stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      customer: customer.id,
      payment_method: (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(pi.status).toBe('succeeded');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge.disputed).toBe(true);
    const [dispute] = (await stripe.disputes.list({ charge: charge.id })).data;
    if (!dispute) throw new Error('no dispute');
    expect(dispute).toMatchObject({
      amount: 4200,
      charge: charge.id,
      payment_intent: pi.id,
      reason: 'fraudulent',
      status: 'needs_response',
      evidence_details: { has_evidence: false, submission_count: 0 },
    });
    expectReferenceKeys(dispute, 'dispute');
    const [withdrawal] = dispute.balance_transactions;
    expect(withdrawal).toMatchObject({ amount: -4200, fee: 1500, net: -5700, type: 'adjustment' });
    expect(await eventTypes(dispute.id)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
    ]);
    // The withdrawal and its fee leave the balance at once.
    const balanceAfter = await stripe.balance.retrieve();
    const usd = (b: Stripe.Balance) => b.available.find((f) => f.currency === 'usd')?.amount ?? 0;
    expect(usd(balanceAfter) - usd(balanceBefore)).toBe(-5700);

    // Staged evidence first, then Stripe's winning test evidence submitted.
    const staged = await stripe.disputes.update(dispute.id, {
      evidence: { customer_name: 'Jane Doe', product_description: 'Annual plan' },
      submit: false,
      metadata: { ticket: 'T-1' },
    });
    expect(staged).toMatchObject({
      status: 'needs_response',
      evidence: { customer_name: 'Jane Doe', uncategorized_text: null },
      evidence_details: { has_evidence: true, submission_count: 0 },
      metadata: { ticket: 'T-1' },
    });
    const won = await stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
    });
    expect(won).toMatchObject({ status: 'won', evidence_details: { submission_count: 1 } });
    expect(won.balance_transactions.map((t) => t.amount)).toEqual([-4200, 4200]);
    expect(await eventTypes(dispute.id)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.updated',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
    ]);
    const late = await stripeError(stripe.disputes.update(dispute.id, { evidence: { customer_name: 'x' } }));
    expect(late).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect((await stripe.disputes.retrieve(dispute.id, { expand: ['charge'] })).charge).toMatchObject({
      id: charge.id,
      object: 'charge',
    });
  });

  it('closing accepts the dispute (lost); losing evidence loses it; an inquiry keeps the money', async () => {
    const { customer, pm } = await payingCustomer('pm_card_createDispute');
    const charge = async () => {
      const pi = await stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      });
      const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
      if (!dispute) throw new Error('no dispute');
      return dispute;
    };
    const first = await charge();
    const closed = await stripe.disputes.close(first.id);
    expect(closed.status).toBe('lost');
    expect((await eventTypes(first.id)).at(-1)).toBe('charge.dispute.closed');
    expect((await stripeError(stripe.disputes.close(first.id))).statusCode).toBe(400);
    const second = await charge();
    expect(
      (await stripe.disputes.update(second.id, { evidence: { uncategorized_text: 'losing_evidence' } }))
        .status,
    ).toBe('lost');
    const third = await charge();
    expect(
      (await stripe.disputes.update(third.id, { evidence: { uncategorized_text: 'Refund policy' } })).status,
    ).toBe('under_review');

    const inquirer = await payingCustomer('pm_card_createDisputeInquiry');
    const pi = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      customer: inquirer.customer.id,
      payment_method: inquirer.pm.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const [inquiry] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    expect(inquiry).toMatchObject({ status: 'warning_needs_response', balance_transactions: [] });
    expect((await stripe.disputes.close(inquiry?.id as string)).status).toBe('warning_closed');
  });

  it('answers malformed dispute requests with Stripe errors', async () => {
    expect((await stripeError(stripe.disputes.retrieve('dp_missing'))).statusCode).toBe(404);
    const [any] = (await stripe.disputes.list({ limit: 1 })).data;
    const bad = await raw('POST', `/v1/disputes/${any?.id}`, 'evidence[not_a_field]=x');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'parameter_unknown', param: 'evidence[not_a_field]' });
    const file = await raw('POST', `/v1/disputes/${any?.id}`, 'evidence[receipt]=file_missing');
    expect(file.status).toBe(400);
    expect((await raw('GET', '/v1/disputes?limit=abc')).status).toBe(400);
    expect((await raw('POST', `/v1/disputes/${any?.id}`, 'submit=maybe')).status).toBe(400);
  });
});

describe('reviews', () => {
  it('the elevated-risk card opens a review that approving closes', async () => {
    const { customer, pm } = await payingCustomer('pm_card_riskLevelElevated');
    const pi = await stripe.paymentIntents.create({
      amount: 3100,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.review).toMatch(/^prv_/);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['review'] });
    const review = charge.review as Stripe.Review;
    expectReferenceKeys(review, 'review');
    expect(review).toMatchObject({ open: true, charge: charge.id, reason: 'rule' });
    expect((await stripe.reviews.list()).data.map((r) => r.id)).toContain(review.id);
    const approved = await stripe.reviews.approve(review.id);
    expect(approved).toMatchObject({ open: false, closed_reason: 'approved', reason: 'approved' });
    expect((await stripe.reviews.list()).data.map((r) => r.id)).not.toContain(review.id);
    expect(await eventTypes(review.id)).toEqual(['review.opened', 'review.closed']);
    expect((await stripeError(stripe.reviews.approve(review.id))).statusCode).toBe(400);
    expect((await stripeError(stripe.reviews.retrieve('prv_missing'))).statusCode).toBe(404);
  });
});

describe('files and file links', () => {
  it('uploads with the SDK, serves the contents, links it, and it becomes dispute evidence', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const file = await stripe.files.create({
      purpose: 'dispute_evidence',
      file: { data: png, name: 'receipt.png', type: 'image/png' },
      file_link_data: { create: true, metadata: { case: 'receipt' } },
    });
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'dispute_evidence',
      filename: 'receipt.png',
      size: png.length,
      type: 'png',
    });
    expectReferenceKeys(file, 'file');
    const [link] = file.links?.data ?? [];
    if (!link) throw new Error('no link');
    expectReferenceKeys(link, 'file_link');
    expect(link).toMatchObject({ file: file.id, expired: false, metadata: { case: 'receipt' } });
    // The link's URL needs no key; the file's own needs the secret key.
    const viaLink = await fetch(new URL(link.url as string, backend.url));
    expect(viaLink.status).toBe(200);
    expect(Buffer.from(await viaLink.arrayBuffer())).toEqual(png);
    const contents = await fetch(new URL(`/v1/files/${file.id}/contents`, backend.url), {
      headers: { authorization: `Bearer ${tokens.secretKey}` },
    });
    expect(contents.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await contents.arrayBuffer())).toEqual(png);

    expect((await stripe.files.retrieve(file.id)).links?.data.map((l) => l.id)).toEqual([link.id]);
    expect((await stripe.files.list({ purpose: 'dispute_evidence' })).data.map((f) => f.id)).toContain(
      file.id,
    );
    const second = await stripe.fileLinks.create({ file: file.id, metadata: { n: '2' } });
    expect((await stripe.fileLinks.list({ file: file.id })).data.map((l) => l.id)).toEqual([
      second.id,
      link.id,
    ]);
    const expired = await stripe.fileLinks.update(second.id, { expires_at: 'now' });
    expect(expired.expired).toBe(true);
    expect((await fetch(new URL(second.url as string, backend.url))).status).toBe(404);
    expect((await stripe.fileLinks.list({ file: file.id, expired: false })).data.map((l) => l.id)).toEqual([
      link.id,
    ]);

    const { customer, pm } = await payingCustomer('pm_card_createDispute');
    const pi = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const [dispute] = (await stripe.disputes.list({ payment_intent: pi.id })).data;
    const updated = await stripe.disputes.update(dispute?.id as string, {
      evidence: { receipt: file.id, customer_email_address: 'jane@example.com' },
      submit: true,
    });
    expect(updated).toMatchObject({ status: 'under_review', evidence: { receipt: file.id } });

    const logo = await stripe.files.create({
      purpose: 'business_logo',
      file: { data: png, name: 'logo.png', type: 'image/png' },
    });
    // Evidence takes files uploaded for disputes only (this dispute is under review anyway).
    const pi2 = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const [open] = (await stripe.disputes.list({ payment_intent: pi2.id })).data;
    const wrong = await stripeError(
      stripe.disputes.update(open?.id as string, { evidence: { receipt: logo.id } }),
    );
    expect(wrong).toMatchObject({ statusCode: 400, param: 'evidence[receipt]' });
  });

  it('refuses uploads without a file or with a bad purpose', async () => {
    const missingFile = await raw('POST', '/v1/files', 'purpose=dispute_evidence');
    expect(missingFile.status).toBe(400);
    expect(missingFile.body.error).toMatchObject({ code: 'parameter_missing', param: 'file' });
    const badPurpose = await stripeError(
      stripe.files.create({
        purpose: 'nonsense' as Stripe.FileCreateParams.Purpose,
        file: { data: Buffer.from('x'), name: 'a.pdf', type: 'application/pdf' },
      }),
    );
    expect(badPurpose).toMatchObject({ statusCode: 400, param: 'purpose' });
    const text = await stripeError(
      stripe.files.create({
        purpose: 'dispute_evidence',
        file: { data: Buffer.from('hello'), name: 'note.txt', type: 'text/plain' },
      }),
    );
    expect(text).toMatchObject({ statusCode: 400, param: 'file' });
    expect((await raw('GET', '/links/not-a-token%00')).status).toBe(404);
    expect((await stripeError(stripe.fileLinks.create({ file: 'file_missing' }))).statusCode).toBe(400);
  });
});

describe('customer balance transactions', () => {
  it('credits a customer and applies the balance to the next invoice', async () => {
    const { customer } = await payingCustomer();
    const credit = await stripe.customers.createBalanceTransaction(customer.id, {
      amount: -2500,
      currency: 'usd',
      description: 'Goodwill credit',
      metadata: { ticket: 'T-9' },
    });
    expect(credit).toMatchObject({
      amount: -2500,
      ending_balance: -2500,
      type: 'adjustment',
      customer: customer.id,
      description: 'Goodwill credit',
    });
    expectReferenceKeys(credit, 'customer_balance_transaction');
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      balance: -2500,
    });

    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    const invoice = await stripe.invoices.finalizeInvoice(draft.id);
    expect(invoice).toMatchObject({
      total: 1000,
      starting_balance: -2500,
      ending_balance: -1500,
      amount_due: 0,
      status: 'paid',
    });
    const list = await stripe.customers.listBalanceTransactions(customer.id);
    expect(list.data.map((t) => [t.type, t.amount, t.ending_balance, t.invoice])).toEqual([
      ['applied_to_invoice', 1000, -1500, invoice.id],
      ['adjustment', -2500, -2500, null],
    ]);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      balance: -1500,
    });

    const updated = await stripe.customers.updateBalanceTransaction(customer.id, credit.id, {
      description: 'Goodwill credit (outage)',
    });
    expect(updated.description).toBe('Goodwill credit (outage)');
    const fetched = await stripe.customers.retrieveBalanceTransaction(customer.id, credit.id, {
      expand: ['customer'],
    });
    expect(fetched.customer).toMatchObject({ id: customer.id, object: 'customer' });

    // A debit is added to what the next invoice asks for.
    await stripe.customers.createBalanceTransaction(customer.id, { amount: 2000, currency: 'usd' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: 'usd' });
    const next = await stripe.invoices.finalizeInvoice(
      (await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' })).id,
    );
    expect(next).toMatchObject({ starting_balance: 500, ending_balance: 0, amount_due: 1500 });
  });

  it('answers malformed balance transactions with Stripe errors', async () => {
    const customer = await stripe.customers.create({ name: 'Bad input' });
    const noCurrency = await raw('POST', `/v1/customers/${customer.id}/balance_transactions`, 'amount=100');
    expect(noCurrency.body.error).toMatchObject({ code: 'parameter_missing', param: 'currency' });
    const nan = await raw(
      'POST',
      `/v1/customers/${customer.id}/balance_transactions`,
      'amount=ten&currency=usd',
    );
    expect(nan.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount' });
    expect(
      (
        await stripeError(
          stripe.customers.createBalanceTransaction('cus_missing', { amount: 1, currency: 'usd' }),
        )
      ).statusCode,
    ).toBe(404);
    expect(
      (await stripeError(stripe.customers.retrieveBalanceTransaction(customer.id, 'cbtxn_missing')))
        .statusCode,
    ).toBe(404);
  });
});

describe('credit notes', () => {
  it('a credit note before payment lowers what the invoice asks for, down to paid', async () => {
    const { invoice } = await openInvoice(5000);
    const line = invoice.lines.data[0];
    const preview = await stripe.creditNotes.preview({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: line?.id as string, amount: 1500 }],
    });
    expect(preview).toMatchObject({ amount: 1500, type: 'pre_payment', status: 'issued' });
    expect((await stripe.invoices.retrieve(invoice.id)).amount_remaining).toBe(5000);
    const previewLines = await stripe.creditNotes.listPreviewLineItems({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: line?.id as string, amount: 1500 }],
    });
    expect(previewLines.data.map((l) => l.amount)).toEqual([1500]);

    const note = await stripe.creditNotes.create({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: line?.id as string, amount: 1500 }],
      reason: 'order_change',
      memo: 'Partial credit',
    });
    expectReferenceKeys(note, 'credit_note');
    const [noteLine] = note.lines.data;
    expectReferenceKeys(noteLine as object, 'credit_note_line_item');
    expect(note).toMatchObject({
      amount: 1500,
      pre_payment_amount: 1500,
      post_payment_amount: 0,
      type: 'pre_payment',
      number: `${invoice.number}-CN-01`,
      customer_balance_transaction: null,
    });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
      status: 'open',
      amount_due: 3500,
      amount_remaining: 3500,
      pre_payment_credit_notes_amount: 1500,
    });
    expect((await stripe.creditNotes.listLineItems(note.id)).data.map((l) => l.id)).toEqual([noteLine?.id]);
    expect((await stripe.creditNotes.list({ invoice: invoice.id })).data.map((n) => n.id)).toEqual([note.id]);
    expect((await stripe.creditNotes.update(note.id, { memo: 'Changed' })).memo).toBe('Changed');

    const voided = await stripe.creditNotes.voidCreditNote(note.id);
    expect(voided).toMatchObject({ status: 'void' });
    expect(voided.voided_at).not.toBeNull();
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({
      amount_remaining: 5000,
      pre_payment_credit_notes_amount: 0,
    });
    expect(await eventTypes(note.id)).toEqual([
      'credit_note.created',
      'credit_note.updated',
      'credit_note.voided',
    ]);

    const rest = await stripe.creditNotes.create({ invoice: invoice.id, amount: 5000 });
    expect(rest.number).toBe(`${invoice.number}-CN-02`);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_remaining: 0 });
  });

  it('a credit note after payment credits the balance or refunds the charge', async () => {
    const { customer } = await payingCustomer();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 8000, currency: 'usd' });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    const paid = await stripe.invoices.pay(draft.id);
    expect(paid.status).toBe('paid');

    const credit = await stripe.creditNotes.create({
      invoice: paid.id,
      lines: [{ type: 'custom_line_item', unit_amount: 2500, quantity: 1, description: 'Goodwill' }],
    });
    expect(credit).toMatchObject({ type: 'post_payment', post_payment_amount: 2500, refunds: [] });
    expect(credit.customer_balance_transaction).toMatch(/^cbtxn_/);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      balance: -2500,
    });
    const [txn] = (await stripe.customers.listBalanceTransactions(customer.id)).data;
    expect(txn).toMatchObject({
      type: 'credit_note',
      amount: -2500,
      credit_note: credit.id,
      invoice: paid.id,
    });

    const refund = await stripe.creditNotes.create({ invoice: paid.id, amount: 3000, refund_amount: 3000 });
    expect(refund.refunds).toHaveLength(1);
    const refundId = refund.refunds[0]?.refund as string;
    expect(await stripe.refunds.retrieve(refundId)).toMatchObject({ amount: 3000, status: 'succeeded' });
    expect(await stripe.invoices.retrieve(paid.id)).toMatchObject({ post_payment_credit_notes_amount: 5500 });

    const tooMuch = await stripeError(stripe.creditNotes.create({ invoice: paid.id, amount: 2600 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount' });
    const split = await stripeError(
      stripe.creditNotes.create({ invoice: paid.id, amount: 1000, refund_amount: 300, credit_amount: 300 }),
    );
    expect(split.statusCode).toBe(400);
    // Voiding a credit to the balance takes the credit back.
    await stripe.creditNotes.voidCreditNote(credit.id);
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ balance: 0 });
  });

  it('answers malformed credit notes with Stripe errors', async () => {
    const { invoice } = await openInvoice(1000);
    const cases: Array<[string, Json]> = [
      ['amount=100', { code: 'parameter_missing', param: 'invoice' }],
      [`invoice=${invoice.id}`, { code: 'parameter_missing', param: 'amount' }],
      [`invoice=${invoice.id}&amount=abc`, { code: 'parameter_invalid_integer', param: 'amount' }],
      [`invoice=${invoice.id}&lines[0][type]=bogus`, { param: 'lines[0][type]' }],
      [
        `invoice=${invoice.id}&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]=il_x`,
        { code: 'resource_missing' },
      ],
      ['invoice=in_missing&amount=1', { code: 'resource_missing', param: 'invoice' }],
      [`invoice=${invoice.id}&amount=100&credit_amount=100`, { param: 'credit_amount' }],
    ];
    for (const [body, error] of cases) {
      const answer = await raw('POST', '/v1/credit_notes', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toMatchObject(error);
    }
    expect((await raw('GET', `/v1/credit_notes/preview?invoice=${invoice.id}&amount=-5`)).status).toBe(400);
    expect((await stripeError(stripe.creditNotes.retrieve('cn_missing'))).statusCode).toBe(404);
  });
});

describe('invoices: send, preview, lines', () => {
  it('sends an invoice (finalizing a draft) with invoice.sent', async () => {
    const customer = await stripe.customers.create({ name: 'Sent', email: 'sent@example.com' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: 'usd' });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
      pending_invoice_items_behavior: 'include',
    });
    const sent = await stripe.invoices.sendInvoice(draft.id);
    expect(sent).toMatchObject({ status: 'open', amount_due: 1200 });
    expect(sent.number).not.toBeNull();
    expect(await eventTypes(draft.id)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.sent']);
    const anonymous = await stripe.customers.create({ name: 'No email' });
    await stripe.invoiceItems.create({ customer: anonymous.id, amount: 100, currency: 'usd' });
    const other = await stripe.invoices.create({
      customer: anonymous.id,
      pending_invoice_items_behavior: 'include',
    });
    expect((await stripeError(stripe.invoices.sendInvoice(other.id))).statusCode).toBe(400);
    expect((await stripeError(stripe.invoices.sendInvoice('in_missing'))).statusCode).toBe(404);
  });

  it('adds, updates and removes lines of a draft', async () => {
    const customer = await stripe.customers.create({ name: 'Lines', email: 'lines@example.com' });
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 700,
      product_data: { name: 'Widget' },
    });
    const draft = await stripe.invoices.create({ customer: customer.id });
    const added = await stripe.invoices.addLines(draft.id, {
      lines: [
        { amount: 1500, description: 'Consulting' },
        { pricing: { price: price.id }, quantity: 3 },
      ],
      invoice_metadata: { batch: '7' },
    });
    expect(added.lines.data.map((line) => line.amount)).toEqual([1500, 2100]);
    expect(added).toMatchObject({ total: 3600, metadata: { batch: '7' } });
    const [consulting, widgets] = added.lines.data;
    const updated = await stripe.invoices.updateLines(draft.id, {
      lines: [{ id: widgets?.id as string, quantity: 1, description: 'One widget' }],
    });
    expect(updated.lines.data.map((line) => [line.amount, line.description])).toEqual([
      [1500, 'Consulting'],
      [700, 'One widget'],
    ]);
    const removed = await stripe.invoices.removeLines(draft.id, {
      lines: [{ id: consulting?.id as string, behavior: 'unassign' }],
    });
    expect(removed).toMatchObject({ total: 700 });
    // Unassigned, the item is pending again.
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((item) => item.amount)).toEqual([1500]);
    const bad = await raw('POST', `/v1/invoices/${draft.id}/add_lines`, 'lines[0][quantity]=2');
    expect(bad.body.error).toMatchObject({ code: 'parameter_missing', param: 'lines[0][amount]' });
    const finalized = await stripe.invoices.finalizeInvoice(draft.id);
    const late = await stripeError(stripe.invoices.addLines(finalized.id, { lines: [{ amount: 1 }] }));
    expect(late).toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
  });

  it('previews the next invoice of a subscription change, prorations included, writing nothing', async () => {
    const { customer } = await payingCustomer();
    const basic = await monthlyPrice(1000);
    const pro = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const eventsBefore = (await stripe.events.list({ limit: 100 })).data.length;
    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: pro.id }],
        proration_date: item.current_period_start + DAY,
      },
    });
    expectReferenceKeys(preview, 'invoice');
    expect(preview).toMatchObject({
      status: 'draft',
      subscription: sub.id,
      billing_reason: 'subscription_cycle',
    });
    const amounts = preview.lines.data.map((line) => line.amount);
    // Next month at the new price, plus the credit and charge for the rest of this one.
    expect(amounts).toContain(3000);
    expect(amounts.filter((a) => a < 0)).toHaveLength(1);
    expect(amounts.filter((a) => a > 0 && a !== 3000)).toHaveLength(1);
    expect(preview.total).toBe(amounts.reduce((a, b) => a + b, 0));
    // Nothing happened: same price, no pending items, no events.
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.price.id).toBe(basic.id);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
    expect((await stripe.events.list({ limit: 100 })).data.length).toBe(eventsBefore);

    const now = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 2 }], proration_behavior: 'always_invoice' },
    });
    expect(now.billing_reason).toBe('subscription_update');
    expect(now.lines.data.every((line) => line.amount !== 1000)).toBe(true);
    const plain = await stripe.invoices.createPreview({
      customer: customer.id,
      invoice_items: [{ amount: 450, description: 'Extra' }],
    });
    expect(plain).toMatchObject({ total: 450, subscription: null });
    const missing = await raw('POST', '/v1/invoices/create_preview', 'currency=usd');
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'customer' });
    const bad = await raw(
      'POST',
      '/v1/invoices/create_preview',
      `subscription=${sub.id}&subscription_details[nope]=1`,
    );
    expect(bad.body.error).toMatchObject({ code: 'parameter_unknown' });
  });
});

describe('subscription items and collection', () => {
  it('creates, updates and deletes items with prorations', async () => {
    const { customer } = await payingCustomer();
    const seats = await monthlyPrice(1000);
    const addon = await monthlyPrice(500);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: seats.id }] });
    const created = await stripe.subscriptionItems.create({
      subscription: sub.id,
      price: addon.id,
      quantity: 2,
      proration_behavior: 'none',
      metadata: { kind: 'addon' },
    });
    expectReferenceKeys(created, 'subscription_item');
    expect(created).toMatchObject({ subscription: sub.id, quantity: 2, metadata: { kind: 'addon' } });
    expect((await stripe.subscriptionItems.list({ subscription: sub.id })).data).toHaveLength(2);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);

    const updated = await stripe.subscriptionItems.update(created.id, { quantity: 3 });
    expect(updated.quantity).toBe(3);
    const prorations = (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(prorations.map((item) => Math.sign(item.amount)).sort()).toEqual([-1, 1]);

    const invoiced = await stripe.subscriptionItems.update(created.id, {
      quantity: 1,
      proration_behavior: 'always_invoice',
    });
    expect(invoiced.quantity).toBe(1);
    const latest = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(latest.billing_reason).toBe('subscription_update');

    const deleted = await stripe.subscriptionItems.del(created.id, { proration_behavior: 'none' });
    expect(deleted).toEqual({ id: created.id, object: 'subscription_item', deleted: true });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.id)).toEqual([
      sub.items.data[0]?.id,
    ]);
    const last = await stripeError(stripe.subscriptionItems.del(sub.items.data[0]?.id as string));
    expect(last.statusCode).toBe(400);
    const twice = await stripeError(
      stripe.subscriptionItems.create({ subscription: sub.id, price: seats.id }),
    );
    expect(twice).toMatchObject({ statusCode: 400, param: 'items[0][price]' });
    expect(
      (await stripeError(stripe.subscriptionItems.update('si_missing', { quantity: 2 }))).statusCode,
    ).toBe(404);
    const noPrice = await raw('POST', '/v1/subscription_items', `subscription=${sub.id}`);
    expect(noPrice.body.error).toMatchObject({ code: 'parameter_missing', param: 'price' });
  });

  it('pause_collection voids renewals until it is lifted; a trial without a card pauses and resumes', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const customer = await stripe.customers.create({
      name: 'Paused',
      email: 'paused@example.com',
      test_clock: clock.id,
    });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const price = await monthlyPrice(1500);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
    });
    const paused = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    expect(paused.pause_collection).toEqual({ behavior: 'void', resumes_at: null });
    const advance = async (days: number) => {
      const current = await stripe.testHelpers.testClocks.retrieve(clock.id);
      await stripe.testHelpers.testClocks.advance(clock.id, {
        frozen_time: current.frozen_time + days * DAY,
      });
      return stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    };
    const renewed = await advance(32);
    expect((renewed.latest_invoice as Stripe.Invoice).status).toBe('void');
    await stripe.subscriptions.update(sub.id, { pause_collection: '' });
    const collected = await advance(31);
    expect((collected.latest_invoice as Stripe.Invoice).status).toBe('paid');

    const trialing = await stripe.subscriptions.create({
      customer: (await stripe.customers.create({ name: 'No card', test_clock: clock.id })).id,
      items: [{ price: price.id }],
      trial_period_days: 3,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    const notPaused = await stripeError(stripe.subscriptions.resume(trialing.id));
    expect(notPaused.statusCode).toBe(400);
    const current = await stripe.testHelpers.testClocks.retrieve(clock.id);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: current.frozen_time + 4 * DAY });
    expect((await stripe.subscriptions.retrieve(trialing.id)).status).toBe('paused');
    expect(await eventTypes(trialing.id)).toContain('customer.subscription.paused');
    const card = await stripe.paymentMethods.attach('pm_card_visa', {
      customer: trialing.customer as string,
    });
    await stripe.subscriptions.update(trialing.id, { default_payment_method: card.id });
    // billing_cycle_anchor defaults to now: a new period, invoiced and charged.
    const resumed = await stripe.subscriptions.resume(trialing.id, { expand: ['latest_invoice'] });
    expect(resumed.status).toBe('active');
    expect(resumed.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 1500 });
    expect(await eventTypes(trialing.id)).toContain('customer.subscription.resumed');
    const bad = await raw('POST', `/v1/subscriptions/${sub.id}`, 'pause_collection[behavior]=sometimes');
    expect(bad.body.error).toMatchObject({ param: 'pause_collection[behavior]' });
  });

  it('default_incomplete: latest_invoice.confirmation_secret pays the invoice when confirmed', async () => {
    const customer = await stripe.customers.create({ name: 'Elements', email: 'elements@example.com' });
    const price = await monthlyPrice(2500);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
      expand: ['latest_invoice.confirmation_secret'],
    });
    expect(sub.status).toBe('incomplete');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    const secret = invoice.confirmation_secret as { client_secret: string; type: string };
    expect(secret.type).toBe('payment_intent');
    const piId = secret.client_secret.split('_secret_')[0] as string;
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const pi = await stripe.paymentIntents.confirm(piId, { payment_method: pm.id });
    expect(pi).toMatchObject({ status: 'succeeded', amount: 2500 });
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    const paid = await stripe.invoices.retrieve(invoice.id, { expand: ['confirmation_secret'] });
    expect(paid.confirmation_secret).toBeNull();
  });
});

describe('MCP tools', () => {
  it('list_disputes, update_dispute and send_invoice call the clone', async () => {
    const client = new Client({ name: 'stripe-support-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${backend.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${tokens.secretKey}` } },
      }),
    );
    const call = async (name: string, args: Json) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      return {
        isError: result.isError === true,
        body: JSON.parse((result.content[0] as { text: string }).text),
      };
    };
    try {
      const { customer, pm } = await payingCustomer('pm_card_createDispute');
      const pi = await stripe.paymentIntents.create({
        amount: 900,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      });
      const listed = await call('list_disputes', { payment_intent: pi.id });
      expect(listed.isError).toBe(false);
      const [dispute] = listed.body.data;
      expect(dispute).toMatchObject({ status: 'needs_response', payment_intent: pi.id });
      const updated = await call('update_dispute', {
        dispute: dispute.id,
        evidence: { uncategorized_text: 'winning_evidence' },
        submit: true,
      });
      expect(updated.body).toMatchObject({ id: dispute.id, status: 'won' });
      const { invoice } = await openInvoice(800);
      expect((await call('send_invoice', { invoice: invoice.id })).body).toMatchObject({
        id: invoice.id,
        status: 'open',
      });
      expect(await eventTypes(invoice.id)).toContain('invoice.sent');
      const missing = await call('update_dispute', { dispute: 'dp_missing' });
      expect(missing).toMatchObject({ isError: true, body: { error: { code: 'resource_missing' } } });
    } finally {
      await client.close();
    }
  });
});

describe('acme-corp seed', () => {
  it('has disputes (one needing a response, due ahead), credit notes and a goodwill credit', async () => {
    const seeded = await backend.admin('/seed', { fixture: 'acme-corp' });
    expect(seeded.status).toBe(200);
    const disputes = (await stripe.disputes.list({ limit: 100 })).data;
    expect(disputes.map((d) => d.status).sort()).toEqual(['lost', 'needs_response', 'under_review', 'won']);
    const open = disputes.find((d) => d.status === 'needs_response') as Stripe.Dispute;
    expectReferenceKeys(open, 'dispute');
    // The timeline is live: the open dispute's evidence is due after now.
    expect(open.evidence_details.due_by as number).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect((await stripe.charges.retrieve(open.charge as string)).disputed).toBe(true);
    const notes = (await stripe.creditNotes.list({ limit: 100 })).data;
    expect(notes.map((n) => n.type).sort()).toEqual(['post_payment', 'post_payment', 'pre_payment']);
    const customers = (await stripe.customers.list({ limit: 100 })).data;
    const credited: string[] = [];
    for (const customer of customers) {
      const txns = await stripe.customers.listBalanceTransactions(customer.id);
      if (txns.data.some((t) => t.description === 'Goodwill credit for the April outage'))
        credited.push(customer.id);
    }
    expect(credited).toHaveLength(1);
  }, 240_000);
});
