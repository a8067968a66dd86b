import { randomString } from '../../_shared/crypto.js';

/** Where new ids come from: random like Stripe's by default, injectable for tests. */
export interface StripeIds {
  customer(): string;
  request(): string;
  invoicePrefix(): string;
}

export const randomStripeIds: StripeIds = {
  customer: () => `cus_${randomString(14)}`,
  request: () => `req_${randomString(14)}`,
  invoicePrefix: () => randomString(8, 'upperAlnum'),
};
