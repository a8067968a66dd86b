import type { StripeObject } from '../store/objects.js';

export interface ProductObject extends StripeObject {
  object: 'product';
  active: boolean;
  created: number;
  default_price: string | null;
  description: string | null;
  images: string[];
  marketing_features: Array<{ name: string }>;
  metadata: Record<string, string>;
  name: string;
  package_dimensions: { height: number; length: number; weight: number; width: number } | null;
  shippable: boolean | null;
  statement_descriptor: string | null;
  tax_code: string | null;
  unit_label: string | null;
  updated: number;
  url: string | null;
}

/** A product with exactly the keys of `resources.product` in fixtures3.json. */
export function newProduct(
  fields: Pick<ProductObject, 'id' | 'created' | 'name'> & Partial<ProductObject>,
): ProductObject {
  return {
    id: fields.id,
    object: 'product',
    active: fields.active ?? true,
    created: fields.created,
    default_price: fields.default_price ?? null,
    description: fields.description ?? null,
    images: fields.images ?? [],
    livemode: false,
    marketing_features: fields.marketing_features ?? [],
    metadata: fields.metadata ?? {},
    name: fields.name,
    package_dimensions: fields.package_dimensions ?? null,
    shippable: fields.shippable ?? null,
    statement_descriptor: fields.statement_descriptor ?? null,
    tax_code: fields.tax_code ?? null,
    type: 'service',
    unit_label: fields.unit_label ?? null,
    updated: fields.updated ?? fields.created,
    url: fields.url ?? null,
  };
}
