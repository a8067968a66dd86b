import { stringFrom } from '../../../_shared/crypto.js';
import type { Prng } from '../../../_shared/prng.js';
import type { StripeIds } from '../ids.js';

/** Ids drawn from a seeded PRNG, so a fixture writes the same ids on every seed. */
export function seededIds(prng: Prng): StripeIds {
  return {
    customer: () => `cus_${stringFrom(prng.next, 14)}`,
    request: () => `req_${stringFrom(prng.next, 14)}`,
    invoicePrefix: () => stringFrom(prng.next, 8, 'upperAlnum'),
    object: (prefix, length = 24) => `${prefix}_${stringFrom(prng.next, length)}`,
    secret: (length) => stringFrom(prng.next, length),
  };
}
