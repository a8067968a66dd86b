import { Hono } from 'hono';
import { approveReview } from '../disputes.js';
import { rejectUnknown } from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { transact } from '../tx.js';
import type { ReviewObject } from '../views/support.js';
import { answer, listAnswer, mustFind, retrieveRoute } from './common.js';

/** /v1/reviews: Radar's reviews of risky charges: list (open ones), retrieve, approve. */
export function reviewRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  // Stripe lists the reviews that are still open.
  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'reviews',
        type: 'review',
        noun: 'review',
        url: '/v1/reviews',
        filters: () => [{ path: ['open'], values: ['true'] }],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'reviews', 'review'));

  routes.post('/:id/approve', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'review');
    const review = await transact(deps, c, async (tx) =>
      approveReview(
        tx,
        await mustFind<ReviewObject>(tx.db, 'reviews', 'review', c.req.param('id'), { forUpdate: true }),
      ),
    );
    return c.json(await answer(deps, params, review));
  });

  return routes;
}
