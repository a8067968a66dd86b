import { Hono } from 'hono';
import { closeDispute, isOpen, submitEvidence } from '../disputes.js';
import { boolean, hash, mergeMetadata, nullableString, rejectUnknown } from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import {
  type DisputeObject,
  EVIDENCE_FILE_KEYS,
  EVIDENCE_TEXT_KEYS,
  type FileObject,
} from '../views/support.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

const EVIDENCE_KEYS = [...EVIDENCE_TEXT_KEYS, ...EVIDENCE_FILE_KEYS, 'enhanced_evidence'];

const notOpen = (dispute: DisputeObject) =>
  invalidRequest(
    `This dispute has a status of ${dispute.status} and its evidence can no longer be updated.`,
    { code: 'dispute_already_submitted' },
  );

/** /v1/disputes: list, retrieve, update (evidence, submit), close. */
export function disputeRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'disputes',
        type: 'dispute',
        noun: 'dispute',
        url: '/v1/disputes',
        params: ['charge', 'payment_intent'],
        filters: (params) => [...stringFilter(params, 'charge'), ...stringFilter(params, 'payment_intent')],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'disputes', 'dispute'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['evidence', 'expand', 'metadata', 'submit']);
    expansionPlans(params, 'dispute');
    const dispute = await transact(deps, c, async (tx) => {
      const current = await mustFind<DisputeObject>(tx.db, 'disputes', 'dispute', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      if (params.evidence !== undefined) {
        const evidence = hash(params.evidence, 'evidence', EVIDENCE_KEYS);
        if (!isOpen(current)) throw notOpen(current);
        for (const [key, raw] of Object.entries(evidence)) {
          if (key === 'enhanced_evidence') continue;
          const param = `evidence[${key}]`;
          const value = nullableString(raw, param, { max: 20_000 });
          if (value !== null && (EVIDENCE_FILE_KEYS as readonly string[]).includes(key)) {
            const file = await findLive<FileObject>(tx.db, 'files', value);
            if (!file)
              throw invalidRequest(`No such file upload: '${value}'`, { code: 'resource_missing', param });
            if (file.purpose !== 'dispute_evidence') {
              throw invalidRequest(
                `The file ${value} was uploaded with purpose ${file.purpose}; dispute evidence takes files uploaded with purpose dispute_evidence.`,
                { param },
              );
            }
          }
          next.evidence[key] = value;
        }
        next.evidence_details.has_evidence = Object.entries(next.evidence).some(
          ([key, value]) => key !== 'enhanced_evidence' && value !== null,
        );
      }
      const submit =
        params.submit === undefined ? params.evidence !== undefined : boolean(params.submit, 'submit');
      if (submit) {
        await submitEvidence(tx, current, next);
        return next;
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'disputes', next);
      await tx.emit('charge.dispute.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, dispute));
  });

  routes.post('/:id/close', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'dispute');
    const dispute = await transact(deps, c, async (tx) => {
      const current = await mustFind<DisputeObject>(tx.db, 'disputes', 'dispute', c.req.param('id'), {
        forUpdate: true,
      });
      if (!isOpen(current)) {
        throw invalidRequest(`This dispute is already closed or under review (status ${current.status}).`, {
          code: 'dispute_already_closed',
        });
      }
      await closeDispute(
        tx,
        current,
        current.status === 'warning_needs_response' ? 'warning_closed' : 'lost',
      );
      return current;
    });
    return c.json(await answer(deps, params, dispute));
  });

  return routes;
}
