import qs from 'qs';
import { z } from 'zod';
import { type AppFetch, type McpTool, McpToolError, toolsFor } from '../../_shared/mcp.js';

/**
 * Stripe's MCP tools: those of `@stripe/agent-toolkit` 0.7 (names and parameter names;
 * their calls are the ones the toolkit makes), plus retrieve and search tools. Each calls
 * the clone's own API with the MCP caller's secret key and answers the full object or
 * list Stripe returned (the toolkit trims some to ids; an agent can always read more).
 */

/** The clone's Stripe API with the MCP caller's secret key; Stripe errors become tool errors. */
export interface StripeApi {
  call(method: 'GET' | 'POST' | 'DELETE', path: string, params?: Record<string, unknown>): Promise<unknown>;
}

export function stripeApi(fetch: AppFetch): StripeApi {
  return {
    async call(method, path, params = {}) {
      // Stripe's form encoding: `items[0][price]=...`, `evidence[uncategorized_text]=...`.
      const encoded = qs.stringify(params, { arrayFormat: 'indices', skipNulls: true });
      const response =
        method === 'POST'
          ? await fetch(path, {
              method,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: encoded,
            })
          : await fetch(encoded ? `${path}?${encoded}` : path, { method });
      const body = (await response.json()) as { error?: { code?: string; type?: string } };
      if (body.error) throw new McpToolError(body.error.code ?? body.error.type ?? 'api_error', body);
      return body;
    },
  };
}

const tool = toolsFor<StripeApi>();
const id = (what: string) => z.string().describe(what);
const limit = z
  .number()
  .int()
  .min(1)
  .max(100)
  .optional()
  .describe('A limit on the number of objects to be returned. Limit can range between 1 and 100.');
const path = (segment: string) => encodeURIComponent(segment);

/** A tool the clone cannot serve yet: a tool error that says so, in Stripe's error shape. */
function unavailable(what: string) {
  return async (): Promise<never> => {
    throw new McpToolError('not_available_in_clone', {
      error: {
        type: 'invalid_request_error',
        code: 'not_available_in_clone',
        message: `This Stripe clone does not serve ${what} yet.`,
      },
    });
  };
}

/** `search_<thing>`: Stripe's search query language on the resources that have it. */
const search = (resource: string, noun: string) =>
  tool({
    name: `search_${resource}`,
    description: `Search ${noun} with Stripe's search query language (e.g. "email:'jane@example.com'" or "metadata['order']:'42'").`,
    readOnly: true,
    input: z.object({
      query: z.string().describe("The search query, in Stripe's search query language"),
      limit,
      page: z.string().optional().describe('The next_page cursor of a previous search'),
    }),
    run: (args, stripe) => stripe.call('GET', `/v1/${resource}/search`, args),
  });

/** `retrieve_<thing>`: one object by id. */
const retrieve = (name: string, resource: string, param: string, noun: string) =>
  tool({
    name: `retrieve_${name}`,
    description: `Retrieve one ${noun} by its ID.`,
    readOnly: true,
    input: z.object({ [param]: id(`The ID of the ${noun}.`) }),
    run: (args, stripe) => stripe.call('GET', `/v1/${resource}/${path(String(args[param]))}`),
  });

export const STRIPE_MCP_TOOLS: McpTool<StripeApi>[] = [
  // The agent toolkit's tools.
  tool({
    name: 'create_customer',
    description: 'This tool will create a customer in Stripe.',
    input: z.object({
      name: z.string().describe('The name of the customer'),
      email: z.string().email().optional().describe('The email of the customer'),
    }),
    run: (args, stripe) => stripe.call('POST', '/v1/customers', args),
  }),
  tool({
    name: 'list_customers',
    description: 'This tool will fetch a list of Customers from Stripe.',
    readOnly: true,
    input: z.object({
      limit,
      email: z
        .string()
        .optional()
        .describe("A case-sensitive filter on the list based on the customer's email field."),
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/customers', args),
  }),
  tool({
    name: 'create_product',
    description: 'This tool will create a product in Stripe.',
    input: z.object({
      name: z.string().describe('The name of the product.'),
      description: z.string().optional().describe('The description of the product.'),
    }),
    run: (args, stripe) => stripe.call('POST', '/v1/products', args),
  }),
  tool({
    name: 'list_products',
    description: 'This tool will fetch a list of Products from Stripe.',
    readOnly: true,
    input: z.object({ limit }),
    run: (args, stripe) => stripe.call('GET', '/v1/products', args),
  }),
  tool({
    name: 'create_price',
    description:
      'This tool will create a price in Stripe. If a product has not already been specified, a product should be created first.',
    input: z.object({
      product: id('The ID of the product to create the price for.'),
      unit_amount: z.number().int().describe('The unit amount of the price in cents.'),
      currency: z.string().describe('The currency of the price.'),
    }),
    run: (args, stripe) => stripe.call('POST', '/v1/prices', args),
  }),
  tool({
    name: 'list_prices',
    description: 'This tool will fetch a list of Prices from Stripe.',
    readOnly: true,
    input: z.object({ product: id('The ID of the product to list prices for.').optional(), limit }),
    run: (args, stripe) => stripe.call('GET', '/v1/prices', args),
  }),
  tool({
    name: 'create_payment_link',
    description: 'This tool will create a payment link in Stripe.',
    input: z.object({
      price: id('The ID of the price to create the payment link for.'),
      quantity: z.number().int().describe('The quantity of the product to include.'),
      redirect_url: z.string().optional().describe('The URL to redirect to after the payment is completed.'),
    }),
    // As the toolkit does: one line item, and a redirect after completion when given.
    run: ({ price, quantity, redirect_url }, stripe) =>
      stripe.call('POST', '/v1/payment_links', {
        line_items: [{ price, quantity }],
        ...(redirect_url ? { after_completion: { type: 'redirect', redirect: { url: redirect_url } } } : {}),
      }),
  }),
  tool({
    name: 'create_invoice',
    description: 'This tool will create an invoice in Stripe.',
    input: z.object({
      customer: id('The ID of the customer to create the invoice for.'),
      days_until_due: z.number().int().optional().describe('The number of days until the invoice is due.'),
    }),
    // As the toolkit does: an invoice the customer pays from a sent invoice.
    run: (args, stripe) =>
      stripe.call('POST', '/v1/invoices', { ...args, collection_method: 'send_invoice' }),
  }),
  tool({
    name: 'list_invoices',
    description: 'This tool will fetch a list of Invoices from Stripe.',
    readOnly: true,
    input: z.object({ customer: id('The ID of the customer to list invoices for.').optional(), limit }),
    run: (args, stripe) => stripe.call('GET', '/v1/invoices', args),
  }),
  tool({
    name: 'create_invoice_item',
    description: 'This tool will create an invoice item in Stripe.',
    input: z.object({
      customer: id('The ID of the customer to create the invoice item for.'),
      price: id('The ID of the price for the item.'),
      invoice: id('The ID of the invoice to create the item for.'),
    }),
    run: (args, stripe) => stripe.call('POST', '/v1/invoiceitems', args),
  }),
  tool({
    name: 'finalize_invoice',
    description: 'This tool will finalize an invoice in Stripe.',
    input: z.object({ invoice: id('The ID of the invoice to finalize.') }),
    run: (args, stripe) => stripe.call('POST', `/v1/invoices/${path(args.invoice)}/finalize`),
  }),
  tool({
    name: 'send_invoice',
    description: 'This tool will send an invoice to its customer in Stripe.',
    input: z.object({ invoice: id('The ID of the invoice to send.') }),
    run: (args, stripe) => stripe.call('POST', `/v1/invoices/${path(args.invoice)}/send`),
  }),
  tool({
    name: 'retrieve_balance',
    description: 'This tool will retrieve the balance from Stripe. It takes no input.',
    readOnly: true,
    input: z.object({}),
    run: (_args, stripe) => stripe.call('GET', '/v1/balance'),
  }),
  tool({
    name: 'create_refund',
    description: 'This tool will refund a payment intent in Stripe.',
    input: z.object({
      payment_intent: id('The ID of the PaymentIntent to refund.'),
      amount: z.number().int().optional().describe('The amount to refund in cents.'),
    }),
    run: (args, stripe) => stripe.call('POST', '/v1/refunds', args),
  }),
  tool({
    name: 'list_payment_intents',
    description: 'This tool will list payment intents in Stripe.',
    readOnly: true,
    input: z.object({
      customer: id('The ID of the customer to list payment intents for.').optional(),
      limit,
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/payment_intents', args),
  }),
  tool({
    name: 'list_subscriptions',
    description: 'This tool will list all subscriptions in Stripe.',
    readOnly: true,
    input: z.object({
      customer: id('The ID of the customer to list subscriptions for.').optional(),
      price: id('The ID of the price to list subscriptions for.').optional(),
      status: z
        .enum([
          'active',
          'past_due',
          'unpaid',
          'canceled',
          'incomplete',
          'incomplete_expired',
          'trialing',
          'all',
        ])
        .optional()
        .describe('The status of the subscriptions to retrieve.'),
      limit,
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/subscriptions', args),
  }),
  tool({
    name: 'cancel_subscription',
    description: 'This tool will cancel a subscription in Stripe.',
    input: z.object({ subscription: id('The ID of the subscription to cancel.') }),
    run: (args, stripe) => stripe.call('DELETE', `/v1/subscriptions/${path(args.subscription)}`),
  }),
  tool({
    name: 'update_subscription',
    description: 'This tool will update an existing subscription in Stripe.',
    input: z.object({
      subscription: id('The ID of the subscription to update.'),
      proration_behavior: z
        .enum(['create_prorations', 'none', 'always_invoice', 'none_implicit'])
        .optional()
        .describe('Determines how to handle prorations when the subscription items change.'),
      items: z
        .array(
          z.object({
            id: z.string().optional().describe('The ID of the subscription item to modify.'),
            price: z.string().optional().describe('The ID of the price to switch to.'),
            quantity: z
              .number()
              .int()
              .min(1)
              .optional()
              .describe('The quantity of the plan to subscribe to.'),
            deleted: z.boolean().optional().describe('Whether to delete this item.'),
          }),
        )
        .optional()
        .describe('A list of subscription items to update, add, or remove.'),
    }),
    run: ({ subscription, ...params }, stripe) =>
      stripe.call('POST', `/v1/subscriptions/${path(subscription)}`, params),
  }),
  tool({
    name: 'list_coupons',
    description: 'This tool will fetch a list of Coupons from Stripe.',
    readOnly: true,
    input: z.object({ limit }),
    run: (args, stripe) => stripe.call('GET', '/v1/coupons', args),
  }),
  tool({
    name: 'create_coupon',
    description: 'This tool will create a coupon in Stripe. Use one of percent_off or amount_off, not both.',
    input: z.object({
      name: z.string().describe('Name of the coupon displayed to customers on invoices or receipts'),
      percent_off: z
        .number()
        .min(0)
        .max(100)
        .optional()
        .describe(
          'The percentage discount to apply (between 0 and 100; required if amount_off is not passed)',
        ),
      // Required in the toolkit's schema although its own description makes it optional.
      amount_off: z
        .number()
        .optional()
        .describe(
          'The amount to subtract from an invoice total, in cents (required if percent_off is not passed)',
        ),
      currency: z
        .string()
        .optional()
        .default('USD')
        .describe('Three-letter ISO code for the currency of amount_off (required if amount_off is passed)'),
      duration: z
        .enum(['once', 'repeating', 'forever'])
        .optional()
        .default('once')
        .describe('How long the discount will last'),
      duration_in_months: z
        .number()
        .optional()
        .describe('The number of months the discount will last if duration is repeating'),
    }),
    // Stripe takes a currency only with an amount off.
    run: ({ currency, ...args }, stripe) =>
      stripe.call(
        'POST',
        '/v1/coupons',
        args.amount_off === undefined ? args : { ...args, currency: currency.toLowerCase() },
      ),
  }),
  tool({
    name: 'list_disputes',
    description: 'This tool will fetch a list of disputes in Stripe.',
    readOnly: true,
    input: z.object({
      charge: z
        .string()
        .optional()
        .describe('Only return disputes associated to the charge specified by this charge ID.'),
      payment_intent: z
        .string()
        .optional()
        .describe('Only return disputes associated to the PaymentIntent specified by this PaymentIntent ID.'),
      limit,
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/disputes', args),
  }),
  tool({
    name: 'update_dispute',
    description: 'When you receive a dispute, this tool updates its evidence or submits it.',
    input: z.object({
      dispute: id('The ID of the dispute to update'),
      evidence: z
        .object({
          cancellation_policy_disclosure: z.string().max(20_000).optional(),
          duplicate_charge_explanation: z.string().max(20_000).optional(),
          uncategorized_text: z.string().max(20_000).optional(),
        })
        .optional()
        .describe('Evidence to upload, to respond to a dispute.'),
      submit: z.boolean().optional().describe('Whether to immediately submit evidence to the bank.'),
    }),
    run: ({ dispute, ...args }, stripe) => stripe.call('POST', `/v1/disputes/${path(dispute)}`, args),
  }),
  tool({
    name: 'search_stripe_documentation',
    description:
      "This tool will search Stripe's documentation for an answer to a question about integrating with Stripe.",
    readOnly: true,
    input: z.object({
      question: z.string().describe('The user question about integrating with Stripe.'),
      language: z
        .enum(['dotnet', 'go', 'java', 'node', 'php', 'ruby', 'python', 'curl'])
        .optional()
        .describe('The programming language to search for in the documentation.'),
    }),
    // The clone is offline by design: it has no documentation to search.
    run: unavailable('a documentation search'),
  }),

  // Finding things: retrieve by id, search where Stripe has search, the lists the toolkit lacks.
  retrieve('customer', 'customers', 'customer', 'customer'),
  search('customers', 'customers'),
  retrieve('product', 'products', 'product', 'product'),
  search('products', 'products'),
  retrieve('price', 'prices', 'price', 'price'),
  search('prices', 'prices'),
  retrieve('invoice', 'invoices', 'invoice', 'invoice'),
  search('invoices', 'invoices'),
  retrieve('payment_intent', 'payment_intents', 'payment_intent', 'PaymentIntent'),
  search('payment_intents', 'PaymentIntents'),
  retrieve('subscription', 'subscriptions', 'subscription', 'subscription'),
  search('subscriptions', 'subscriptions'),
  retrieve('coupon', 'coupons', 'coupon', 'coupon'),
  retrieve('charge', 'charges', 'charge', 'charge'),
  retrieve('refund', 'refunds', 'refund', 'refund'),
  tool({
    name: 'list_charges',
    description: 'This tool will fetch a list of Charges from Stripe.',
    readOnly: true,
    input: z.object({
      customer: id('Only return charges for this customer ID.').optional(),
      payment_intent: id('Only return charges for this PaymentIntent ID.').optional(),
      limit,
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/charges', args),
  }),
  tool({
    name: 'list_refunds',
    description: 'This tool will fetch a list of Refunds from Stripe.',
    readOnly: true,
    input: z.object({
      payment_intent: id('Only return refunds for this PaymentIntent ID.').optional(),
      limit,
    }),
    run: (args, stripe) => stripe.call('GET', '/v1/refunds', args),
  }),
];
