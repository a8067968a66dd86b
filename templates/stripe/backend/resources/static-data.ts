import { Hono } from 'hono';
import { listEnvelope, listWindow } from '../list.js';
import { rejectUnknown } from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { resourceMissing } from '../stripe-error.js';

/**
 * Reference data Stripe serves read-only and the clone answers from tables in code: country
 * specs, exchange rates and product tax codes. Lists page in the tables' order, like Stripe's.
 */
type Entry = Record<string, unknown> & { id: string; object: string };

function staticRoutes(table: readonly Entry[], noun: string, url: string): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const window = listWindow(params);
    const cursorId = window.startingAfter ?? window.endingBefore;
    let start = 0;
    let end = table.length;
    if (cursorId !== null) {
      const at = table.findIndex((entry) => entry.id === cursorId);
      if (at < 0)
        throw resourceMissing(noun, cursorId, window.startingAfter ? 'starting_after' : 'ending_before');
      if (window.startingAfter) start = at + 1;
      else end = at;
    }
    const page = window.endingBefore
      ? table.slice(Math.max(start, end - window.limit), end)
      : table.slice(start, start + window.limit);
    const hasMore = window.endingBefore ? end - window.limit > start : start + window.limit < end;
    return c.json(listEnvelope(url, page, hasMore));
  });
  routes.get('/:id', (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const id = c.req.param('id');
    const entry = table.find((candidate) => candidate.id === id);
    if (!entry) throw resourceMissing(noun, id);
    return c.json(entry);
  });
  return routes;
}

const EU = ['AT', 'BE', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'IE', 'IT', 'NL', 'NO', 'PT', 'SE'];
const TRANSFER_COUNTRIES = [...EU, 'AU', 'CA', 'CH', 'JP', 'NZ', 'SG', 'US'].sort();

function countrySpec(id: string, currency: string, bankCurrencies: Record<string, string[]>): Entry {
  return {
    id,
    object: 'country_spec',
    default_currency: currency,
    supported_bank_account_currencies: bankCurrencies,
    supported_payment_currencies: [
      'aud',
      'cad',
      'chf',
      'dkk',
      'eur',
      'gbp',
      'jpy',
      'nok',
      'nzd',
      'sek',
      'sgd',
      'usd',
    ],
    supported_payment_methods: ['card', 'stripe'],
    supported_transfer_countries: TRANSFER_COUNTRIES,
    verification_fields: {
      company: {
        additional: [],
        minimum: [
          'business_profile.mcc',
          'business_profile.url',
          'business_type',
          'company.name',
          'external_account',
          'tos_acceptance.date',
        ],
      },
      individual: {
        additional: [],
        minimum: [
          'business_type',
          'external_account',
          'individual.first_name',
          'individual.last_name',
          'tos_acceptance.date',
        ],
      },
    },
  };
}

const COUNTRY_SPECS: readonly Entry[] = [
  countrySpec('AU', 'aud', { aud: ['AU'] }),
  countrySpec('CA', 'cad', { cad: ['CA'], usd: ['CA', 'US'] }),
  countrySpec('DE', 'eur', { eur: EU.filter((c) => c !== 'GB'), gbp: ['GB'], usd: ['US'] }),
  countrySpec('FR', 'eur', { eur: EU.filter((c) => c !== 'GB'), gbp: ['GB'], usd: ['US'] }),
  countrySpec('GB', 'gbp', { eur: EU.filter((c) => c !== 'GB'), gbp: ['GB'], usd: ['US'] }),
  countrySpec('JP', 'jpy', { jpy: ['JP'] }),
  countrySpec('US', 'usd', { usd: ['US'] }),
];

/** Units of each currency per US dollar: fixed, so answers are reproducible across trials. */
const PER_USD: Record<string, number> = {
  aud: 1.52,
  cad: 1.37,
  chf: 0.88,
  eur: 0.92,
  gbp: 0.79,
  jpy: 151.2,
  usd: 1,
};

const EXCHANGE_RATES: readonly Entry[] = Object.keys(PER_USD).map((base) => ({
  id: base,
  object: 'exchange_rate',
  rates: Object.fromEntries(
    Object.entries(PER_USD)
      .filter(([quote]) => quote !== base)
      .map(([quote, perUsd]) => [quote, Number((perUsd / (PER_USD[base] as number)).toFixed(6))]),
  ),
}));

const taxCode = (id: string, name: string, description: string): Entry => ({
  id,
  object: 'tax_code',
  description,
  name,
});

/** A few of Stripe's real product tax codes, the ones most catalogues use. */
const TAX_CODES: readonly Entry[] = [
  taxCode('txcd_00000000', 'Nontaxable', 'Any nontaxable good or service.'),
  taxCode(
    'txcd_10000000',
    'General - Electronically Supplied Services',
    'A digital service provided mainly through the internet with minimal human involvement.',
  ),
  taxCode(
    'txcd_10103000',
    'Software as a service (SaaS) - personal use',
    'Pre-written software, delivered electronically over the internet, for personal use.',
  ),
  taxCode(
    'txcd_10103001',
    'Software as a service (SaaS) - business use',
    'Pre-written software, delivered electronically over the internet, for business use.',
  ),
  taxCode('txcd_20030000', 'General - Services', 'General services that are not otherwise classified.'),
  taxCode('txcd_92010001', 'Shipping', 'Charges for the delivery of tangible personal property.'),
  taxCode(
    'txcd_99999999',
    'General - Tangible Goods',
    'A physical good that can be moved or touched. Also known as tangible personal property.',
  ),
];

export const countrySpecRoutes = (_deps: ResourceDeps) =>
  staticRoutes(COUNTRY_SPECS, 'country_spec', '/v1/country_specs');
export const exchangeRateRoutes = (_deps: ResourceDeps) =>
  staticRoutes(EXCHANGE_RATES, 'exchange_rate', '/v1/exchange_rates');
export const taxCodeRoutes = (_deps: ResourceDeps) => staticRoutes(TAX_CODES, 'tax_code', '/v1/tax_codes');
