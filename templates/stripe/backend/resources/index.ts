import type { Hono } from 'hono';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { accountLinkRoutes, accountSessionRoutes } from './account-links.js';
import { accountRoutes, connectedBalanceRoutes, platformAccountRoutes } from './accounts.js';
import { meterEventRoutes, meterRoutes } from './billing-meters.js';
import { billingPortalConfigurationRoutes, billingPortalSessionRoutes } from './billing-portal.js';
import { balanceRoutes, balanceTransactionRoutes, chargeRoutes } from './charges.js';
import { checkoutSessionRoutes } from './checkout-sessions.js';
import { couponRoutes } from './coupons.js';
import { creditNoteRoutes } from './credit-notes.js';
import { customerBalanceTransactionRoutes } from './customer-balance-transactions.js';
import { customerSessionRoutes, ephemeralKeyRoutes } from './customer-sessions.js';
import { customerRoutes } from './customers.js';
import { disputeRoutes } from './disputes.js';
import { eventRoutes } from './events.js';
import { fileLinkRoutes, fileRoutes } from './files.js';
import { invoiceItemRoutes, invoicePaymentRoutes, invoiceRoutes } from './invoices.js';
import { paymentIntentRoutes } from './payment-intents.js';
import { paymentLinkRoutes } from './payment-links.js';
import { customerPaymentMethodRoutes, paymentMethodRoutes } from './payment-methods.js';
import { planRoutes } from './plans.js';
import { priceRoutes } from './prices.js';
import { productRoutes } from './products.js';
import { promotionCodeRoutes } from './promotion-codes.js';
import { quoteRoutes } from './quotes.js';
import { refundRoutes } from './refunds.js';
import { reviewRoutes } from './reviews.js';
import { setupIntentRoutes } from './setup-intents.js';
import { shippingRateRoutes } from './shipping-rates.js';
import { countrySpecRoutes, exchangeRateRoutes, taxCodeRoutes } from './static-data.js';
import { subscriptionScheduleRoutes } from './subscription-schedules.js';
import { subscriptionItemRoutes, subscriptionRoutes } from './subscriptions.js';
import { customerTaxIdRoutes, taxIdRoutes } from './tax-ids.js';
import { taxRateRoutes } from './tax-rates.js';
import { testClockRoutes } from './test-clocks.js';
import { mandateRoutes, setupAttemptRoutes, tokenRoutes } from './tokens.js';
import { earlyFraudWarningRoutes, testRefundRoutes, topupRoutes } from './topups.js';
import { applicationFeeRoutes, payoutRoutes, transferRoutes } from './transfers.js';
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
  // With Stripe-Account, the connected account's balance; otherwise on to the platform's.
  ['/balance', connectedBalanceRoutes],
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
  ['/quotes', quoteRoutes],
  ['/subscription_schedules', subscriptionScheduleRoutes],
  ['/billing/meters', meterRoutes],
  ['/billing/meter_events', meterEventRoutes],
  ['/account', platformAccountRoutes],
  ['/accounts', accountRoutes],
  ['/transfers', transferRoutes],
  ['/payouts', payoutRoutes],
  ['/application_fees', applicationFeeRoutes],
  ['/checkout/sessions', checkoutSessionRoutes],
  ['/payment_links', paymentLinkRoutes],
  ['/billing_portal/sessions', billingPortalSessionRoutes],
  ['/billing_portal/configurations', billingPortalConfigurationRoutes],
  ['/promotion_codes', promotionCodeRoutes],
  ['/tax_rates', taxRateRoutes],
  ['/plans', planRoutes],
  ['/shipping_rates', shippingRateRoutes],
  ['/disputes', disputeRoutes],
  ['/credit_notes', creditNoteRoutes],
  ['/customers', customerBalanceTransactionRoutes],
  ['/files', fileRoutes],
  ['/file_links', fileLinkRoutes],
  ['/reviews', reviewRoutes],
  ['/account_links', accountLinkRoutes],
  ['/account_sessions', accountSessionRoutes],
  ['/tax_ids', taxIdRoutes],
  ['/customers', customerTaxIdRoutes],
  ['/customer_sessions', customerSessionRoutes],
  ['/ephemeral_keys', ephemeralKeyRoutes],
  ['/country_specs', countrySpecRoutes],
  ['/exchange_rates', exchangeRateRoutes],
  ['/tax_codes', taxCodeRoutes],
  ['/tokens', tokenRoutes],
  ['/setup_attempts', setupAttemptRoutes],
  ['/mandates', mandateRoutes],
  ['/topups', topupRoutes],
  ['/test_helpers/refunds', testRefundRoutes],
  ['/radar/early_fraud_warnings', earlyFraudWarningRoutes],
];
