import { isHash, stringList } from './params.js';
import { findLive } from './store/objects.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import type { Tx } from './tx.js';
import type { InvoiceObject } from './views/billing.js';
import type { TaxRateObject } from './views/catalogue.js';

/**
 * Tax rates applied as Stripe applies them (API 2025-03 and later: `taxes` on lines,
 * `total_taxes` on invoices). An exclusive rate adds `percentage` of the (discounted)
 * amount on top; an inclusive one is already inside the amount, which is split into the
 * taxable part and the tax.
 */
export interface TaxAmount {
  amount: number;
  tax_behavior: 'exclusive' | 'inclusive';
  tax_rate_details: { tax_rate: string };
  taxability_reason: 'standard_rated';
  taxable_amount: number;
  type: 'tax_rate_details';
}

/** The taxes on `amount` (after discounts) under `rates`, with the exclusive and inclusive sums. */
export function taxesOn(amount: number, rates: readonly TaxRateObject[]) {
  const inclusive = rates.filter((rate) => rate.inclusive);
  const exclusive = rates.filter((rate) => !rate.inclusive);
  const inclusivePercent = inclusive.reduce((sum, rate) => sum + rate.percentage, 0);
  // What remains of the amount once the inclusive taxes are taken out of it.
  const net = Math.round(amount / (1 + inclusivePercent / 100));
  const taxes: TaxAmount[] = [];
  let inclusiveTotal = 0;
  inclusive.forEach((rate, index) => {
    // The last inclusive rate takes the rounding remainder, so the parts add up to the amount.
    const tax =
      index === inclusive.length - 1
        ? amount - net - inclusiveTotal
        : Math.round((net * rate.percentage) / 100);
    inclusiveTotal += tax;
    taxes.push(taxAmount(rate, tax, net));
  });
  let exclusiveTotal = 0;
  for (const rate of exclusive) {
    const tax = Math.round((net * rate.percentage) / 100);
    exclusiveTotal += tax;
    taxes.push(taxAmount(rate, tax, net));
  }
  return { taxes, inclusive: inclusiveTotal, exclusive: exclusiveTotal };
}

const taxAmount = (rate: TaxRateObject, amount: number, taxable: number): TaxAmount => ({
  amount,
  tax_behavior: rate.inclusive ? 'inclusive' : 'exclusive',
  tax_rate_details: { tax_rate: rate.id },
  taxability_reason: 'standard_rated',
  taxable_amount: taxable,
  type: 'tax_rate_details',
});

/** Sums per rate, as an invoice's `total_taxes` lists them. */
export function sumTaxes(lists: readonly TaxAmount[][]): TaxAmount[] {
  const byRate = new Map<string, TaxAmount>();
  for (const tax of lists.flat()) {
    const key = tax.tax_rate_details.tax_rate;
    const seen = byRate.get(key);
    if (seen) {
      seen.amount += tax.amount;
      seen.taxable_amount += tax.taxable_amount;
    } else byRate.set(key, { ...tax, tax_rate_details: { ...tax.tax_rate_details } });
  }
  return [...byRate.values()];
}

/** `default_tax_rates[]=txr_...` (or `tax_rates`) as the live, active rates they name; `''` for none. */
export async function taxRatesFrom(tx: Tx, value: unknown, param: string): Promise<TaxRateObject[]> {
  const ids = isHash(value) || Array.isArray(value) || value === '' ? stringList(value, param) : null;
  if (ids === null) throw invalidRequest('Invalid array', { param });
  if (ids.length > 5) throw invalidRequest('You may only specify up to 5 tax rates.', { param });
  const rates: TaxRateObject[] = [];
  for (const [index, id] of ids.entries()) {
    const rate = await findLive<TaxRateObject>(tx.db, 'tax_rates', id);
    if (!rate) throw resourceMissing('tax_rate', id, `${param}[${index}]`);
    if (!rate.active) {
      throw invalidRequest(`Tax rate ${id} is inactive and cannot be applied.`, {
        param: `${param}[${index}]`,
      });
    }
    rates.push(rate);
  }
  return rates;
}

/**
 * An invoice's taxes from its `default_tax_rates`: each line taxed on its amount less its
 * share of the invoice's discounts; `total`, `total_excluding_tax` and
 * `subtotal_excluding_tax` as Stripe derives them. Untaxed invoices are left as they are.
 */
export function applyInvoiceTaxes(invoice: InvoiceObject, discountTotal: number): void {
  const rates = (invoice.default_tax_rates as TaxRateObject[] | undefined) ?? [];
  if (rates.length === 0) return;
  const lines = invoice.lines.data;
  const discountable = lines.filter((line) => line.discountable).reduce((sum, line) => sum + line.amount, 0);
  let inclusive = 0;
  let exclusive = 0;
  let inclusiveBeforeDiscounts = 0;
  for (const line of lines) {
    const share =
      line.discountable && discountable > 0 ? Math.round((discountTotal * line.amount) / discountable) : 0;
    const taxed = taxesOn(line.amount - share, rates);
    line.taxes = taxed.taxes;
    inclusive += taxed.inclusive;
    exclusive += taxed.exclusive;
    inclusiveBeforeDiscounts += taxesOn(line.amount, rates).inclusive;
  }
  invoice.total_taxes = sumTaxes(lines.map((line) => line.taxes as TaxAmount[]));
  invoice.subtotal_excluding_tax = invoice.subtotal - inclusiveBeforeDiscounts;
  invoice.total_excluding_tax = invoice.subtotal - discountTotal - inclusive;
  invoice.total = invoice.subtotal - discountTotal + exclusive;
}
