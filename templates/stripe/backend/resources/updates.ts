import type { Context } from 'hono';
import { rejectUnknown } from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { type ObjectTable, type StripeObject, saveObject } from '../store/objects.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import { answer, mustFind } from './common.js';

export interface UpdateSpec<T extends StripeObject> {
  table: ObjectTable;
  noun: string;
  /** The event an actual change emits (`tax_rate.updated`); none when null. */
  event: string | null;
  /** Parameters besides `expand`. */
  allowed: readonly string[];
  /** Applies the parameters to a copy of the stored object. */
  apply: (tx: Tx, next: T, params: Params) => void | Promise<void>;
}

/**
 * `POST /v1/<resources>/:id`: the update most resources share: the object locked, the
 * parameters applied to a copy, saved and `<type>.updated` emitted only when something
 * changed (with `previous_attributes`), as Stripe does.
 */
export function updateRoute<T extends StripeObject>(deps: ResourceDeps, spec: UpdateSpec<T>) {
  return async (c: Context<StripeEnv, '/:id'>) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', ...spec.allowed]);
    const object = await transact(deps, c, async (tx) => {
      const current = await mustFind<T>(tx.db, spec.table, spec.noun, c.req.param('id'), { forUpdate: true });
      const next = structuredClone(current);
      await spec.apply(tx, next, params);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, spec.table, next);
      if (spec.event) await tx.emit(spec.event, next, previous);
      return next;
    });
    return c.json(await answer(deps, params, object));
  };
}
