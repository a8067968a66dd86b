import { randomString } from '../../_shared/crypto.js';

/** Where new ids come from: random like Stripe's by default, injectable for tests. */
export interface StripeIds {
  customer(): string;
  request(): string;
  invoicePrefix(): string;
  /** Any other object: `<prefix>_<random>` (`pi_3Pg...`, `prod_Q...`). */
  object(prefix: string, length?: number): string;
  /** Random text for client secrets and webhook signing secrets. */
  secret(length: number): string;
}

export const randomStripeIds: StripeIds = {
  customer: () => `cus_${randomString(14)}`,
  request: () => `req_${randomString(14)}`,
  invoicePrefix: () => randomString(8, 'upperAlnum'),
  object: (prefix, length = 24) => `${prefix}_${randomString(length)}`,
  secret: (length) => randomString(length),
};
