import type { Queryable } from '../../_shared/db.js';
import { hash, integer, missing, nullableString, string } from './params.js';
import { findLive, insertObject, listObjects, type StripeObject, saveObject } from './store/objects.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import { newBalanceTransaction } from './views/balance-transaction.js';
import type { ChargeObject } from './views/charge.js';
import {
  type AccountObject,
  newApplicationFee,
  newPayout,
  newTransfer,
  newTransferReversal,
  type PayoutObject,
  type TransferObject,
} from './views/connect.js';

/**
 * Money movement: the platform's balance (what its balance transactions add up to) pays
 * for transfers to connected accounts and payouts to its bank; a destination charge
 * transfers to its connected account and takes the application fee back.
 */

type BalanceTable = 'balance_transactions' | 'connected_balance_transactions';

/** Available and pending amounts per currency of the platform (account null) or a connected account. */
export async function balanceOf(
  db: Queryable,
  now: number,
  account: string | null,
): Promise<{ available: Map<string, number>; pending: Map<string, number> }> {
  const rows = account
    ? await listObjects(db, 'connected_balance_transactions', {
        filters: [{ path: ['_account'], values: [account] }],
      })
    : await listObjects(db, 'balance_transactions', {});
  const available = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const { data } of rows) {
    const target = (data.available_on as number) <= now ? available : pending;
    const code = data.currency as string;
    target.set(code, (target.get(code) ?? 0) + (data.net as number));
  }
  return { available, pending };
}

/** The balance object Stripe answers for those amounts. */
export function balanceObject(amounts: { available: Map<string, number>; pending: Map<string, number> }) {
  const currencies = new Set(['usd', ...amounts.available.keys(), ...amounts.pending.keys()]);
  const funds = (map: Map<string, number>) =>
    [...currencies].sort().map((code) => ({
      amount: map.get(code) ?? 0,
      currency: code,
      source_types: { card: map.get(code) ?? 0 },
    }));
  return {
    object: 'balance',
    available: funds(amounts.available),
    connect_reserved: [...currencies].sort().map((code) => ({ amount: 0, currency: code })),
    livemode: false,
    pending: funds(amounts.pending),
  };
}

async function record(
  tx: Tx,
  table: BalanceTable,
  fields: Parameters<typeof newBalanceTransaction>[0],
  account: string | null = null,
): Promise<StripeObject> {
  const txn = newBalanceTransaction({ availableOn: tx.now, ...fields });
  if (account) txn._account = account;
  await insertObject(tx.db, table, txn);
  return txn;
}

const insufficientFunds = (what: 'transfer' | 'payout') =>
  invalidRequest(
    what === 'transfer'
      ? 'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance'
      : 'You have insufficient funds in your Stripe account for this payout. Your available balance is too low; charges made with the 4000000000000077 test card are available at once.',
    { code: 'balance_insufficient' },
  );

/** When a charge's funds become available (its balance transaction's date). */
async function chargeAvailableOn(tx: Tx, charge: ChargeObject): Promise<number> {
  const txn = charge.balance_transaction
    ? await findLive(tx.db, 'balance_transactions', charge.balance_transaction)
    : null;
  return (txn?.available_on as number | undefined) ?? tx.now;
}

/** A connected account that can receive transfers, or Stripe's error naming `param`. */
export async function transferDestination(tx: Tx, id: string, param = 'destination'): Promise<AccountObject> {
  const account = await findLive<AccountObject>(tx.db, 'accounts', id);
  if (!account) {
    throw invalidRequest(`No such destination: '${id}'`, { code: 'resource_missing', param });
  }
  if (account.capabilities.transfers !== 'active') {
    throw invalidRequest(
      'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      { code: 'insufficient_capabilities_for_transfer', param },
    );
  }
  return account;
}

export async function createTransfer(
  tx: Tx,
  input: {
    amount: number;
    currency: string;
    destination: AccountObject;
    description: string | null;
    metadata: Record<string, string>;
    sourceTransaction: ChargeObject | null;
    transferGroup: string | null;
  },
): Promise<TransferObject> {
  if (input.sourceTransaction === null) {
    const { available } = await balanceOf(tx.db, tx.now, null);
    if ((available.get(input.currency) ?? 0) < input.amount) throw insufficientFunds('transfer');
  }
  // Funds transferred from a charge move when the charge's own funds become available.
  const availableOn = input.sourceTransaction ? await chargeAvailableOn(tx, input.sourceTransaction) : tx.now;
  const id = tx.ids.object('tr');
  const txn = await record(tx, 'balance_transactions', {
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: -input.amount,
    currency: input.currency,
    description: input.description,
    fee: 0,
    source: id,
    type: 'transfer',
    availableOn,
  });
  const payment = tx.ids.object('py');
  await record(
    tx,
    'connected_balance_transactions',
    {
      id: tx.ids.object('txn'),
      created: tx.now,
      amount: input.amount,
      currency: input.currency,
      description: null,
      fee: 0,
      source: payment,
      type: 'payment',
      availableOn,
    },
    input.destination.id,
  );
  const transfer = newTransfer({
    id,
    created: tx.now,
    amount: input.amount,
    currency: input.currency,
    destination: input.destination.id,
    destinationPayment: payment,
    balanceTransaction: txn.id,
    description: input.description,
    metadata: input.metadata,
    sourceTransaction: input.sourceTransaction?.id ?? null,
    transferGroup: input.transferGroup,
  });
  await insertObject(tx.db, 'transfers', transfer);
  await tx.emit('transfer.created', transfer);
  return transfer;
}

/** Takes `amount` (default: what is left) back from a transfer's connected account. */
export async function reverseTransfer(
  tx: Tx,
  transfer: TransferObject,
  amount: number | null,
  metadata: Record<string, string>,
): Promise<StripeObject> {
  const left = transfer.amount - transfer.amount_reversed;
  const value = amount ?? left;
  if (left <= 0) {
    throw invalidRequest(`Transfer ${transfer.id} has already been reversed.`, {
      code: 'transfer_already_reversed',
    });
  }
  if (value > left) {
    throw invalidRequest(
      `Reversal amount (${value}) is greater than the amount that can be reversed on the transfer (${left}).`,
      { param: 'amount' },
    );
  }
  const { available } = await balanceOf(tx.db, tx.now, transfer.destination);
  if ((available.get(transfer.currency) ?? 0) < value) {
    throw invalidRequest('The connected account has insufficient funds to cover this reversal.', {
      code: 'balance_insufficient',
    });
  }
  const id = tx.ids.object('trr');
  const txn = await record(tx, 'balance_transactions', {
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: value,
    currency: transfer.currency,
    description: null,
    fee: 0,
    source: id,
    type: 'transfer',
  });
  await record(
    tx,
    'connected_balance_transactions',
    {
      id: tx.ids.object('txn'),
      created: tx.now,
      amount: -value,
      currency: transfer.currency,
      description: null,
      fee: 0,
      source: id,
      type: 'payment',
    },
    transfer.destination,
  );
  const reversal = newTransferReversal({
    id,
    created: tx.now,
    amount: value,
    currency: transfer.currency,
    transfer: transfer.id,
    balanceTransaction: txn.id,
    metadata,
  });
  const before = structuredClone(transfer);
  transfer.amount_reversed += value;
  transfer.reversed = transfer.amount_reversed >= transfer.amount;
  transfer.reversals = {
    ...transfer.reversals,
    data: [reversal, ...transfer.reversals.data],
    total_count: transfer.reversals.total_count + 1,
  };
  await saveObject(tx.db, 'transfers', transfer);
  await tx.emit('transfer.reversed', transfer, previousAttributes(before, transfer));
  return reversal;
}

export async function createPayout(
  tx: Tx,
  input: {
    amount: number;
    currency: string;
    description: string | null;
    method: 'standard' | 'instant';
    metadata: Record<string, string>;
    statementDescriptor: string | null;
  },
): Promise<PayoutObject> {
  const { available } = await balanceOf(tx.db, tx.now, null);
  if ((available.get(input.currency) ?? 0) < input.amount) throw insufficientFunds('payout');
  const id = tx.ids.object('po');
  const txn = await record(tx, 'balance_transactions', {
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: -input.amount,
    currency: input.currency,
    description: input.description ?? 'STRIPE PAYOUT',
    fee: 0,
    source: id,
    type: 'payout',
  });
  const payout = newPayout({
    id,
    created: tx.now,
    amount: input.amount,
    currency: input.currency,
    balanceTransaction: txn.id,
    description: input.description,
    method: input.method,
    metadata: input.metadata,
    statementDescriptor: input.statementDescriptor,
    destination: 'ba_1AsymTestBankAcct0000',
  });
  await insertObject(tx.db, 'payouts', payout);
  await tx.emit('payout.created', payout);
  return payout;
}

/** A payout is pending until its arrival date, then paid (answers show it; see render.ts). */
export const payoutStatus = (payout: StripeObject, now: number): string =>
  payout.status === 'pending' && (payout.arrival_date as number) <= now ? 'paid' : (payout.status as string);

/** Cancels a pending payout: its amount goes back to the available balance. */
export async function cancelPayout(tx: Tx, payout: PayoutObject): Promise<PayoutObject> {
  if (payoutStatus(payout, tx.now) !== 'pending') {
    throw invalidRequest(
      `Payouts can only be canceled while they are pending. This payout has a status of ${payoutStatus(payout, tx.now)}.`,
      { code: 'payout_not_cancelable' },
    );
  }
  const txn = await record(tx, 'balance_transactions', {
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: payout.amount,
    currency: payout.currency,
    description: 'STRIPE PAYOUT CANCEL',
    fee: 0,
    source: payout.id,
    type: 'payout_cancel',
  });
  const before = structuredClone(payout);
  payout.status = 'canceled';
  payout.failure_balance_transaction = txn.id;
  await saveObject(tx.db, 'payouts', payout);
  await tx.emit('payout.canceled', payout, previousAttributes(before, payout));
  return payout;
}

/**
 * A destination charge just captured: its amount (or `transfer_data[amount]`) goes to
 * the connected account, and the application fee comes back to the platform.
 */
export async function settleDestinationCharge(tx: Tx, charge: ChargeObject): Promise<void> {
  const data = charge.transfer_data as { amount: number | null; destination: string } | null;
  if (!data) return;
  const destination = await findLive<AccountObject>(tx.db, 'accounts', data.destination);
  if (!destination) throw resourceMissing('account', data.destination, 'transfer_data[destination]');
  await createTransfer(tx, {
    amount: data.amount ?? charge.amount_captured,
    currency: charge.currency,
    destination,
    description: null,
    metadata: {},
    sourceTransaction: charge,
    transferGroup: (charge.transfer_group as string | null) ?? null,
  });
  const fee = charge.application_fee_amount as number | null;
  if (!fee) return;
  const availableOn = await chargeAvailableOn(tx, charge);
  const feeId = tx.ids.object('fee');
  const txn = await record(tx, 'balance_transactions', {
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: fee,
    currency: charge.currency,
    description: null,
    fee: 0,
    source: feeId,
    type: 'application_fee',
    availableOn,
  });
  await record(
    tx,
    'connected_balance_transactions',
    {
      id: tx.ids.object('txn'),
      created: tx.now,
      amount: -fee,
      currency: charge.currency,
      description: null,
      fee: 0,
      source: feeId,
      type: 'application_fee',
      availableOn,
    },
    destination.id,
  );
  const applicationFee = newApplicationFee({
    id: feeId,
    created: tx.now,
    account: destination.id,
    amount: fee,
    currency: charge.currency,
    charge: charge.id,
    balanceTransaction: txn.id,
  });
  await insertObject(tx.db, 'application_fees', applicationFee);
  charge.application_fee = feeId;
  await tx.emit('application_fee.created', applicationFee);
}

/**
 * `transfer_data`, `application_fee_amount` and `transfer_group` of a payment intent: a
 * destination charge, checked against its connected account and amount.
 */
export async function applyDestination(
  tx: Tx,
  pi: StripeObject,
  params: Record<string, unknown>,
): Promise<void> {
  if (params.transfer_group !== undefined)
    pi.transfer_group = nullableString(params.transfer_group, 'transfer_group');
  if (params.transfer_data !== undefined) {
    const data = hash(params.transfer_data, 'transfer_data', ['amount', 'destination']);
    if (data.destination === undefined) missing('transfer_data[destination]');
    const destination = await transferDestination(
      tx,
      string(data.destination, 'transfer_data[destination]'),
      'transfer_data[destination]',
    );
    const amount =
      data.amount === undefined ? null : integer(data.amount, 'transfer_data[amount]', { min: 1 });
    if (amount !== null && amount > (pi.amount as number)) {
      throw invalidRequest('The transfer amount must be no more than the payment amount.', {
        param: 'transfer_data[amount]',
      });
    }
    pi.transfer_data = { amount, destination: destination.id };
  }
  if (params.application_fee_amount !== undefined) {
    const fee = integer(params.application_fee_amount, 'application_fee_amount', { min: 0 });
    if (pi.transfer_data === null) {
      throw invalidRequest(
        'Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).',
        { param: 'application_fee_amount' },
      );
    }
    if (fee > (pi.amount as number)) {
      throw invalidRequest('The application fee must be no more than the payment amount.', {
        param: 'application_fee_amount',
      });
    }
    pi.application_fee_amount = fee;
  }
}
