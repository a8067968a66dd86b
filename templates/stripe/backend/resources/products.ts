import { Hono } from 'hono';
import {
  boolean,
  decimal,
  hash,
  isHash,
  mergeMetadata,
  missing,
  nullableString,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findObject, insertObject, listObjects, markDeleted, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { PriceObject } from '../views/price.js';
import { newProduct, type ProductObject } from '../views/product.js';
import {
  answer,
  booleanFilter,
  idsFilter,
  listAnswer,
  mustFind,
  retrieveRoute,
  searchRoute,
  stringFilter,
} from './common.js';
import { createPrice, PRICE_DATA_KEYS } from './prices.js';

const EDITABLE = [
  'active',
  'description',
  'expand',
  'images',
  'marketing_features',
  'metadata',
  'name',
  'package_dimensions',
  'shippable',
  'statement_descriptor',
  'tax_code',
  'unit_label',
  'url',
] as const;

function productFields(params: Params, current: ProductObject | null): Partial<ProductObject> {
  const fields: Partial<ProductObject> = {};
  const has = (key: string) => params[key] !== undefined;
  if (has('name')) {
    const name = string(params.name, 'name', { max: 5000 });
    if (name.trim() === '') throw invalidRequest('You must supply a non-empty name.', { param: 'name' });
    fields.name = name;
  }
  if (has('active')) fields.active = boolean(params.active, 'active');
  if (has('description'))
    fields.description = nullableString(params.description, 'description', { max: 40_000 });
  if (has('images')) {
    fields.images = stringList(params.images, 'images');
    if (fields.images.length > 8) throw invalidRequest('You can have at most 8 images.', { param: 'images' });
  }
  if (has('marketing_features')) {
    const raw = params.marketing_features;
    const items = raw === '' ? [] : Array.isArray(raw) ? raw : isHash(raw) ? Object.values(raw) : null;
    if (items === null) throw invalidRequest('Invalid array', { param: 'marketing_features' });
    fields.marketing_features = items.map((item, i) => {
      const at = `marketing_features[${i}]`;
      const feature = hash(item, at, ['name']);
      if (feature.name === undefined) missing(`${at}[name]`);
      return { name: string(feature.name, `${at}[name]`, { max: 80 }) };
    });
  }
  if (has('metadata')) fields.metadata = mergeMetadata(current?.metadata ?? {}, params.metadata);
  if (has('package_dimensions')) {
    const raw = params.package_dimensions;
    if (raw === '') fields.package_dimensions = null;
    else {
      const dims = hash(raw, 'package_dimensions', ['height', 'length', 'weight', 'width']);
      const read = (key: 'height' | 'length' | 'weight' | 'width') => {
        if (dims[key] === undefined) missing(`package_dimensions[${key}]`);
        const param = `package_dimensions[${key}]`;
        return decimal(string(dims[key], param), param, { min: 0 });
      };
      fields.package_dimensions = {
        height: read('height'),
        length: read('length'),
        weight: read('weight'),
        width: read('width'),
      };
    }
  }
  if (has('shippable')) fields.shippable = boolean(params.shippable, 'shippable');
  if (has('statement_descriptor')) {
    fields.statement_descriptor = nullableString(params.statement_descriptor, 'statement_descriptor', {
      max: 22,
    });
  }
  if (has('tax_code')) fields.tax_code = nullableString(params.tax_code, 'tax_code');
  if (has('unit_label')) fields.unit_label = nullableString(params.unit_label, 'unit_label', { max: 12 });
  if (has('url')) fields.url = nullableString(params.url, 'url', { max: 5000 });
  return fields;
}

const SEARCH_FIELDS = {
  active: (o: Record<string, unknown>) => String(o.active),
  created: (o: Record<string, unknown>) => o.created,
  description: (o: Record<string, unknown>) => o.description,
  name: (o: Record<string, unknown>) => o.name,
  shippable: (o: Record<string, unknown>) => (o.shippable === null ? null : String(o.shippable)),
  url: (o: Record<string, unknown>) => o.url,
};

async function createProduct(tx: Tx, params: Params): Promise<ProductObject> {
  if (params.name === undefined) missing('name');
  let id = tx.ids.object('prod', 14);
  if (params.id !== undefined) {
    id = string(params.id, 'id', { max: 5000 });
    if (await findObject(tx.db, 'products', id)) {
      throw invalidRequest(`Product already exists.`, { code: 'resource_already_exists', param: 'id' });
    }
  }
  const product = newProduct({ id, created: tx.now, name: '', ...productFields(params, null) });
  await insertObject(tx.db, 'products', product);
  await tx.emit('product.created', product);
  if (params.default_price_data !== undefined) {
    const data = hash(params.default_price_data, 'default_price_data', PRICE_DATA_KEYS);
    const price = await createPrice(tx, data, product.id, 'default_price_data');
    const before = structuredClone(product);
    product.default_price = price.id;
    await saveObject(tx.db, 'products', product);
    await tx.emit('product.updated', product, previousAttributes(before, product));
  }
  return product;
}

/** /v1/products: create, retrieve, update, delete, list, search. */
export function productRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [...EDITABLE, 'default_price_data', 'id', 'type']);
    expansionPlans(params, 'product');
    const product = await transact(deps, c, (tx) => createProduct(tx, params));
    return c.json(await answer(deps, params, product));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'products',
        type: 'product',
        noun: 'product',
        url: '/v1/products',
        params: ['active', 'ids', 'shippable', 'url'],
        filters: (params) => [
          ...booleanFilter(params, 'active'),
          ...booleanFilter(params, 'shippable'),
          ...stringFilter(params, 'url'),
          ...idsFilter(params, 'ids', ['id']),
        ],
      }),
    ),
  );

  routes.get(
    '/search',
    searchRoute(deps, {
      type: 'product',
      table: 'products',
      fields: SEARCH_FIELDS,
      url: '/v1/products/search',
    }),
  );

  routes.get('/:id', retrieveRoute(deps, 'products', 'product'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [...EDITABLE, 'default_price']);
    expansionPlans(params, 'product');
    const product = await transact(deps, c, async (tx) => {
      const current = await mustFind<ProductObject>(tx.db, 'products', 'product', c.req.param('id'), {
        forUpdate: true,
      });
      const next: ProductObject = { ...current, ...productFields(params, current) };
      if (params.default_price !== undefined) {
        const priceId = nullableString(params.default_price, 'default_price');
        if (priceId !== null) {
          const price = await mustFind<PriceObject>(tx.db, 'prices', 'price', priceId, {
            param: 'default_price',
          });
          if (price.product !== current.id) {
            throw invalidRequest(`The price ${priceId} does not belong to this product.`, {
              param: 'default_price',
            });
          }
        }
        next.default_price = priceId;
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      next.updated = tx.now;
      await saveObject(tx.db, 'products', next);
      await tx.emit('product.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, product));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const product = await mustFind(tx.db, 'products', 'product', id, { forUpdate: true });
      const prices = await listObjects(tx.db, 'prices', {
        filters: [{ path: ['product'], values: [id] }],
        limit: 1,
      });
      if (prices.length > 0) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices. You can archive it instead by setting `active` to false.',
        );
      }
      if (!(await markDeleted(tx.db, 'products', id))) throw resourceMissing('product', id);
      await tx.emit('product.deleted', product);
    });
    return c.json({ id, object: 'product', deleted: true });
  });

  return routes;
}
