import type { Hono } from 'hono';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { balanceRoutes, balanceTransactionRoutes, chargeRoutes } from './charges.js';
import { couponRoutes } from './coupons.js';
import { creditNoteRoutes } from './credit-notes.js';
import { customerBalanceTransactionRoutes } from './customer-balance-transactions.js';
import { customerRoutes } from './customers.js';
import { disputeRoutes } from './disputes.js';
import { eventRoutes } from './events.js';
import { fileLinkRoutes, fileRoutes } from './files.js';
import { invoiceItemRoutes, invoicePaymentRoutes, invoiceRoutes } from './invoices.js';
import { paymentIntentRoutes } from './payment-intents.js';
import { customerPaymentMethodRoutes, paymentMethodRoutes } from './payment-methods.js';
import { priceRoutes } from './prices.js';
import { productRoutes } from './products.js';
import { refundRoutes } from './refunds.js';
import { reviewRoutes } from './reviews.js';
import { setupIntentRoutes } from './setup-intents.js';
import { subscriptionItemRoutes, subscriptionRoutes } from './subscriptions.js';
import { testClockRoutes } from './test-clocks.js';
import { webhookEndpointRoutes } from './webhook-endpoints.js';

/** The route table under /v1: one entry per resource; a new resource adds a line. */
export const RESOURCES: ReadonlyArray<
  readonly [path: string, routes: (deps: ResourceDeps) => Hono<StripeEnv>]
> = [
  ['/customers', customerRoutes],
  ['/products', productRoutes],
  ['/prices', priceRoutes],
  ['/payment_methods', paymentMethodRoutes],
  ['/customers', customerPaymentMethodRoutes],
  ['/setup_intents', setupIntentRoutes],
  ['/payment_intents', paymentIntentRoutes],
  ['/charges', chargeRoutes],
  ['/refunds', refundRoutes],
  ['/balance_transactions', balanceTransactionRoutes],
  ['/balance', balanceRoutes],
  ['/events', eventRoutes],
  ['/webhook_endpoints', webhookEndpointRoutes],
  ['/coupons', couponRoutes],
  ['/invoices', invoiceRoutes],
  ['/invoiceitems', invoiceItemRoutes],
  ['/invoice_payments', invoicePaymentRoutes],
  ['/subscriptions', subscriptionRoutes],
  ['/subscription_items', subscriptionItemRoutes],
  ['/test_helpers/test_clocks', testClockRoutes],
  ['/disputes', disputeRoutes],
  ['/credit_notes', creditNoteRoutes],
  ['/customers', customerBalanceTransactionRoutes],
  ['/files', fileRoutes],
  ['/file_links', fileLinkRoutes],
  ['/reviews', reviewRoutes],
];
