import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../templates/_shared/db.js';
import { expansionPlans, present, render } from '../../templates/stripe/backend/render.js';
import { copyVisible, type StripeObject, stripHidden } from '../../templates/stripe/backend/store/objects.js';

// Derived expansions that read hidden fields load nothing from the database.
const noDatabase = {} as Queryable;

describe('Stripe answers hide the clone bookkeeping', () => {
  it('drops the underscore fields and keeps the others in order', () => {
    const stored: StripeObject = {
      id: 'in_1',
      object: 'invoice',
      _payment_intents: ['pi_1'],
      amount_due: 5,
      metadata: {},
    };
    expect(Object.keys(stripHidden(stored))).toEqual(['id', 'object', 'amount_due', 'metadata']);
    const out: Record<string, unknown> = {};
    expect(copyVisible(stored, out)).toBe(true);
    expect(out).toEqual({ id: 'in_1', object: 'invoice', amount_due: 5, metadata: {} });
    expect(copyVisible({ id: 'cus_1', object: 'customer', name: '_x' }, {})).toBe(false);
  });

  it('copies own fields only, not ones the prototype carries', () => {
    const stored = Object.assign(Object.create({ inherited: true }), { id: 'cus_1', object: 'customer' });
    expect(stripHidden(stored)).toEqual({ id: 'cus_1', object: 'customer' });
  });

  it('presents a fresh object by its top level and a stored one as a deep copy', () => {
    const stored: StripeObject = { id: 'cus_1', object: 'customer', metadata: { a: '1' } };
    const fresh = present(stored, 0, { fresh: true });
    expect(fresh).not.toBe(stored);
    expect(fresh.metadata).toBe(stored.metadata);
    const copied = present(stored, 0);
    expect(copied).toEqual(stored);
    expect(copied.metadata).not.toBe(stored.metadata);
    expect(present({ id: 'we_1', object: 'webhook_endpoint', secret: 'whsec_x' }, 0)).not.toHaveProperty(
      'secret',
    );
  });

  it('expands a derived field from the hidden fields behind the answer', async () => {
    const discount = { id: 'di_1', object: 'discount', _source: 'coupon' };
    const stored: StripeObject = {
      id: 'in_1',
      object: 'invoice',
      discounts: ['di_1'],
      _discounts: [discount],
    };
    const plans = expansionPlans({ expand: ['discounts'] }, 'invoice');
    const answer = await render(noDatabase, stored, plans, 0, { fresh: true });
    expect(answer.discounts).toEqual([{ id: 'di_1', object: 'discount' }]);
    expect(answer).not.toHaveProperty('_discounts');
  });

  it('expands a derived field of an object with no hidden fields from the answer itself', async () => {
    const stored: StripeObject = { id: 'in_2', object: 'invoice', discounts: [] };
    const answer = await render(noDatabase, stored, expansionPlans({ expand: ['discounts'] }, 'invoice'), 0);
    expect(answer.discounts).toEqual([]);
  });
});
