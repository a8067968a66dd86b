import { Hono } from 'hono';
import { advanceClock } from '../billing.js';
import { integer, missing, nullableString, rejectUnknown } from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject, markDeleted } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { transact } from '../tx.js';
import { newTestClock, type TestClockObject } from '../views/billing.js';
import { answer, listAnswer, mustFind, retrieveRoute } from './common.js';

/**
 * /v1/test_helpers/test_clocks: create, retrieve, list, delete, advance. Advancing runs
 * every subscription of the clock's customers forward within the request (renewals,
 * trial ends, cancellations) and answers `ready`.
 */
export function testClockRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'frozen_time', 'name']);
    if (params.frozen_time === undefined) missing('frozen_time');
    const frozenTime = integer(params.frozen_time, 'frozen_time');
    const clock = await transact(deps, c, async (tx) => {
      const created = newTestClock({
        id: tx.ids.object('clock'),
        created: tx.now,
        frozenTime,
        name: params.name === undefined ? null : nullableString(params.name, 'name', { max: 300 }),
      });
      await insertObject(tx.db, 'test_clocks', created);
      await tx.emit('test_helpers.test_clock.created', created);
      return created;
    });
    return c.json(await answer(deps, params, clock));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'test_clocks',
        type: 'test_helpers.test_clock',
        noun: 'test_clock',
        url: '/v1/test_helpers/test_clocks',
        noCreated: true,
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'test_clocks', 'test_clock'));

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const clock = await mustFind(tx.db, 'test_clocks', 'test_clock', id);
      if (!(await markDeleted(tx.db, 'test_clocks', id))) throw resourceMissing('test_clock', id);
      await tx.emit('test_helpers.test_clock.deleted', clock);
    });
    return c.json({ id, object: 'test_helpers.test_clock', deleted: true });
  });

  routes.post('/:id/advance', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'frozen_time']);
    if (params.frozen_time === undefined) missing('frozen_time');
    const to = integer(params.frozen_time, 'frozen_time');
    const clock = await transact(deps, c, async (tx) => {
      const current = await mustFind<TestClockObject>(tx.db, 'test_clocks', 'test_clock', c.req.param('id'), {
        forUpdate: true,
      });
      if (to <= current.frozen_time) {
        throw invalidRequest(
          `The test clock can only be advanced forward in time. The new frozen time (${to}) must be after the current frozen time (${current.frozen_time}).`,
          { param: 'frozen_time' },
        );
      }
      await tx.emit('test_helpers.test_clock.advancing', { ...current, status: 'advancing' });
      return advanceClock(tx, current, to);
    });
    return c.json(await answer(deps, params, clock));
  });

  return routes;
}
