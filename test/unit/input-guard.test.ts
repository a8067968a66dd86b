import { describe, expect, it } from 'vitest';
import { findUnsafeInput } from '../../templates/_shared/input-guard.js';
import { amount, chargeAmount, decimal, integer } from '../../templates/stripe/backend/params.js';
import { bracketPath } from '../../templates/stripe/backend/request-params.js';
import { StripeError } from '../../templates/stripe/backend/stripe-error.js';

const deep = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) as unknown;

describe('findUnsafeInput', () => {
  it('finds a NUL byte in a value or a key, at any depth, with its path', () => {
    expect(findUnsafeInput({ a: 'fine', b: ['x', 'y\u0000'] }, 64)).toEqual({ kind: 'nul', path: ['b', 1] });
    expect(findUnsafeInput({ a: { 'k\u0000': 1 } }, 64)).toEqual({ kind: 'nul', path: ['a', 'k\u0000'] });
    expect(findUnsafeInput('\u0000', 64)).toEqual({ kind: 'nul', path: [] });
    expect(findUnsafeInput({ a: 'fine', n: 1, t: true, z: null }, 64)).toBeNull();
  });

  it('refuses nesting past the limit without recursing (200,000 levels)', () => {
    expect(findUnsafeInput({ a: deep(3) }, 3)).toBeNull();
    expect(findUnsafeInput({ a: deep(4) }, 3)).toEqual({ kind: 'depth', path: ['a', 0, 0, 0] });
    expect(findUnsafeInput({ attachments: deep(200_000) }, 64)?.kind).toBe('depth');
  });
});

describe('Stripe numbers', () => {
  const refusal = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (error instanceof StripeError)
        return { status: error.status, message: error.message, ...error.details };
      throw error;
    }
    throw new Error('expected a StripeError');
  };

  it('integers are decimal digits: hex, exponents and fractions are Invalid integer', () => {
    for (const text of ['0x10', '1e3', '16.0', 'Infinity', '', '9999999999999999'])
      expect(refusal(() => integer(text, 'limit'))).toMatchObject({
        status: 400,
        code: 'parameter_invalid_integer',
        param: 'limit',
        message: `Invalid integer: ${text}`,
      });
    expect(integer('16', 'limit')).toBe(16);
    expect(integer('-3', 'balance')).toBe(-3);
    expect(refusal(() => integer('101', 'x', { max: 100 }))).toMatchObject({
      message: 'This value must be less than or equal to 100.',
    });
  });

  it('decimals are digits with an optional fraction', () => {
    for (const text of ['0x10', '1e1', 'Infinity', 'NaN', ' 16', '1,5'])
      expect(refusal(() => decimal(text, 'percent_off'))).toMatchObject({
        param: 'percent_off',
        message: `Invalid decimal: ${text}`,
      });
    expect(decimal('16.5', 'percent_off')).toBe(16.5);
    expect(decimal('.5', 'percent_off')).toBe(0.5);
  });

  it('amounts stop at eight digits', () => {
    expect(amount('99999999', 'unit_amount')).toBe(99_999_999);
    expect(refusal(() => amount('100000000', 'unit_amount'))).toMatchObject({
      param: 'unit_amount',
      message: 'This value must be less than or equal to 99999999.',
    });
    expect(refusal(() => chargeAmount('99999999999', 'amount'))).toMatchObject({
      code: 'amount_too_large',
      param: 'amount',
      message: 'Amount must be no more than $999,999.99',
    });
  });

  it('names a nested parameter in bracket notation', () => {
    expect(bracketPath(['metadata', 'plan'])).toBe('metadata[plan]');
    expect(bracketPath(['items', 0, 'price'])).toBe('items[0][price]');
  });
});
