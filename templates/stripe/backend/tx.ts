import { isDeepStrictEqual } from 'node:util';
import type { Context } from 'hono';
import { insertRows, placeholders } from '../../_shared/bulk-insert.js';
import { coalesce } from '../../_shared/coalesce.js';
import { type Queryable, withTransaction } from '../../_shared/db.js';
import {
  answersCte,
  claimsCte,
  isKeyTaken,
  KeyTaken,
  type StatementClaim,
  type StoredAnswer,
} from './idempotency.js';
import type { StripeIds } from './ids.js';
import type { ResourceDeps, StripeEnv } from './route-env.js';
import { insertObject, type StripeObject, stripHidden } from './store/objects.js';
import type { WebhookTarget } from './webhooks.js';

/** The API version answered when a request names none (the one stripe-node 23 pins). */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

export interface StripeEvent extends StripeObject {
  object: 'event';
  type: string;
  created: number;
  pending_webhooks: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
}

/** One request's unit of work: its database transaction, its clock, and the events it emits. */
export interface Tx {
  db: Queryable;
  /** Unix seconds of this request. */
  now: number;
  ids: StripeIds;
  /** Where the clone is reached from outside (links it hands out); '' when unknown. */
  publicUrl: string;
  /**
   * Records the event Stripe would send for this change; webhooks go out after commit.
   * `previous` holds the changed attributes' old values (for `*.updated` events).
   */
  emit(type: string, object: StripeObject, previous?: Record<string, unknown>): Promise<StripeEvent>;
}

export interface RequestInfo {
  requestId: string | null;
  idempotencyKey: string | null;
  apiVersion: string;
}

export const requestInfo = (c: Context<StripeEnv>): RequestInfo => ({
  requestId: c.get('requestId') ?? null,
  idempotencyKey: c.req.header('idempotency-key') ?? null,
  apiVersion: c.req.header('stripe-version') ?? DEFAULT_API_VERSION,
});

/**
 * Runs `work` in one transaction; the events it emitted are delivered to webhook
 * endpoints once it commits (never for a rolled-back change).
 */
export async function transact<T>(
  deps: ResourceDeps,
  request: RequestInfo | Context<StripeEnv>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const info = 'req' in request ? requestInfo(request) : request;
  // A key whose claim was deferred to the request's first write is claimed before it.
  if ('req' in request) await request.get('idempotency')?.claim();
  const outbox: Array<{ event: StripeEvent; targets: WebhookTarget[] }> = [];
  const result = await withTransaction(deps.pool, (db) => {
    const now = Math.floor(deps.now() / 1000);
    const tx: Tx = {
      db,
      now,
      ids: deps.ids,
      publicUrl: deps.publicUrl,
      async emit(type, object, previous) {
        const targets = await deps.webhooks.subscribed(db, type);
        const event = newEvent(deps.ids, info, tx.now, type, object, previous);
        event.pending_webhooks = targets.length;
        await insertObject(db, 'events', event);
        outbox.push({ event, targets });
        return event;
      },
    };
    return work(tx);
  });
  for (const { event, targets } of outbox) deps.webhooks.deliver(event, targets);
  return result;
}

/**
 * A change that is one new row and its one event, in one statement and so one round trip:
 * the INSERT of the row (`into` is `table (columns)`, `values` its values) and the event's
 * row, as data-modifying CTEs of one autocommit statement (atomic and durable like
 * `transact`, which takes BEGIN, the write, the event and COMMIT: four round trips, each a
 * wake-up of the backend and of Postgres; issue #17). The endpoints subscribed to `type`
 * come from the list `subscribed` keeps (read again only after an endpoint changed), as
 * `transact`'s do: read in the statement, they cost every write Postgres time and a JSON
 * list per row whenever endpoints exist (with 3 dead ones, 0.85x of a create's throughput
 * without). Such changes that arrive together, to the same table with the same
 * event type, share one statement (`coalesce`: a row costs Postgres a fifth of what a
 * statement does). The event records `predicted`, the object as the caller expects the
 * write to make it; should the row come back different (a default the prediction missed),
 * the event is rewritten from the row, so the record always matches the object. A keyed
 * request's answer goes into the same statement, and so does its claim when the claim was
 * deferred to this write (`KeyedRequest`); a key another request holds then makes the
 * statement write nothing (`KeyTaken`).
 */
export async function writeWithEvent<Row extends { id: string }>(
  deps: ResourceDeps,
  request: RequestInfo | Context<StripeEnv>,
  change: {
    write: { into: string; values: unknown[] };
    /** Unix seconds of this request (the event's `created`). */
    now: number;
    type: string;
    predicted: StripeObject;
    view: (row: Row) => StripeObject;
    /**
     * The request's answer (what it will `c.json`) for an object as `view` shows it. Given,
     * a keyed request stores its answer, rendered from `predicted`, in the write's own
     * statement; when the row comes back as predicted, that text is the answer
     * (`answeredText`) and the middleware has nothing to store.
     */
    answer?: (object: StripeObject) => Promise<unknown>;
  },
): Promise<Row> {
  const { write, type, view } = change;
  const context = 'req' in request ? request : null;
  const info = context ? requestInfo(context) : (request as RequestInfo);
  const event = newEvent(deps.ids, info, change.now, type, change.predicted);
  const targets = await deps.webhooks.subscribed(deps.pool, type);
  event.pending_webhooks = targets.length;
  // Keyed: the answer goes with the write, and so does the claim when it was deferred.
  const keyed = context?.get('idempotency');
  if (keyed && !keyed.claimed && info.requestId === null) await keyed.claim();
  let stored: StatementClaim | undefined;
  if (keyed && info.requestId !== null && (change.answer || !keyed.claimed)) {
    const body = change.answer ? JSON.stringify(await change.answer(change.predicted)) : null;
    stored = {
      key_sha256: keyed.keySha256,
      fingerprint: keyed.fingerprint,
      created_at: keyed.createdAt,
      status: body === null ? null : 200,
      body,
      request_id: info.requestId,
    };
  }
  const claim = stored && !keyed?.claimed ? stored : undefined;
  const answer = stored && keyed?.claimed && stored.body !== null ? (stored as StoredAnswer) : undefined;
  let row: Row;
  try {
    const insert = insertsOf(deps.pool, write.into, type);
    row = (await insert({ values: write.values, event, answer, claim })) as Row;
  } catch (error) {
    if (claim && isKeyTaken(error)) throw new KeyTaken();
    throw error;
  }
  if (keyed && claim) keyed.claimed = true;
  const object = stripHidden(view(row));
  if (!isDeepStrictEqual(object, event.data.object)) {
    event.data.object = structuredClone(object);
    await deps.pool.query('UPDATE events SET data = $2 WHERE id = $1', [event.id, JSON.stringify(event)]);
  } else if (context && stored?.body) {
    context.set('answered', stored.body);
  }
  deps.webhooks.deliver(event, targets);
  return row;
}

/**
 * The answer `writeWithEvent` stored with a keyed write whose row came back as predicted,
 * as the response to send; otherwise undefined (render the row).
 */
export function answeredText(c: Context<StripeEnv>): Response | undefined {
  const text = c.get('answered');
  return text === undefined ? undefined : c.body(text, 200, { 'Content-Type': 'application/json' });
}

type Insert = {
  values: unknown[];
  event: StripeEvent;
  answer?: StoredAnswer | undefined;
  claim?: StatementClaim | undefined;
};
type Inserted = { id: string };

/** The batcher of `writeWithEvent`'s inserts into `into` with events of `type`, per pool. */
const insertBatchers = new WeakMap<Queryable, Map<string, (insert: Insert) => Promise<Inserted>>>();

function insertsOf(pool: Queryable, into: string, type: string): (insert: Insert) => Promise<Inserted> {
  const byKind = insertBatchers.get(pool) ?? new Map<string, (insert: Insert) => Promise<Inserted>>();
  insertBatchers.set(pool, byKind);
  const key = `${into}\n${type}`;
  const known = byKind.get(key);
  if (known) return known;
  const batcher = coalesce<Insert, Inserted>((inserts) => insertBatch(pool, into, type, inserts));
  byKind.set(key, batcher);
  return batcher;
}

/** New rows and their events in one statement; each row is matched back by its object's id. */
async function insertBatch(
  pool: Queryable,
  into: string,
  type: string,
  inserts: Insert[],
): Promise<Inserted[]> {
  const width = inserts[0]?.values.length ?? 0;
  const n = width * inserts.length;
  const answers = inserts.flatMap(({ answer }) => (answer ? [answer] : []));
  const claims = inserts.flatMap(({ claim }) => (claim ? [claim] : []));
  const values = [
    ...inserts.flatMap((insert) => insert.values),
    JSON.stringify(inserts.map(({ event }) => ({ id: event.id, created: event.created, data: event }))),
  ];
  let keyed = '';
  if (answers.length > 0) {
    values.push(JSON.stringify(answers));
    keyed += `, answered AS (${answersCte(values.length)})`;
  }
  if (claims.length > 0) {
    values.push(JSON.stringify(claims), claims.length);
    keyed += `, ${claimsCte(values.length - 1)}`;
  }
  const { rows } = await pool.query<Inserted>(
    `WITH written AS (INSERT INTO ${into} VALUES ${placeholders(inserts.length, width)} RETURNING *),
     recorded AS (
       INSERT INTO events (id, created, data)
       SELECT e.id, e.created, e.data
       FROM ROWS FROM (json_to_recordset($${n + 1}::json) AS (id text, created bigint, data jsonb))
         WITH ORDINALITY AS e(id, created, data, ord)
       ORDER BY e.ord
     )${keyed}
     SELECT written.* FROM written${claims.length > 0 ? ' JOIN key_check ON key_check.ok = 1' : ''}`,
    values,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return inserts.map((insert) => {
    const found = byId.get(String(insert.event.data.object.id));
    if (!found) throw new Error(`${type}: the write returned no row`);
    return found;
  });
}

function newEvent(
  ids: StripeIds,
  info: RequestInfo,
  created: number,
  type: string,
  object: StripeObject,
  previous?: Record<string, unknown>,
): StripeEvent {
  return {
    id: ids.object('evt'),
    object: 'event',
    api_version: info.apiVersion,
    created,
    data: {
      object: structuredClone(stripHidden(object)),
      ...(previous ? { previous_attributes: previous } : {}),
    },
    livemode: false,
    pending_webhooks: 0,
    request: { id: info.requestId, idempotency_key: info.idempotencyKey },
    type,
  };
}

/** The old values of the top-level keys that differ between two versions of an object. */
export function previousAttributes(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key] ?? null;
  }
  return previous;
}

/**
 * A unit of work outside any request (fixtures): events are recorded as history, with
 * no request and nothing to deliver, buffered and written in bulk by `flush()`.
 */
export function backgroundTx(db: Queryable, now: number, ids: StripeIds): Tx & { flush(): Promise<void> } {
  const pending: StripeEvent[] = [];
  const tx = {
    db,
    now,
    ids,
    // Fixtures hand out no links.
    publicUrl: '',
    async emit(type: string, object: StripeObject, previous?: Record<string, unknown>) {
      const event: StripeEvent = {
        id: ids.object('evt'),
        object: 'event',
        api_version: DEFAULT_API_VERSION,
        created: tx.now,
        data: {
          object: structuredClone(stripHidden(object)),
          ...(previous ? { previous_attributes: previous } : {}),
        },
        livemode: false,
        pending_webhooks: 0,
        request: { id: null, idempotency_key: null },
        type,
      };
      pending.push(event);
      return event;
    },
    async flush() {
      const rows = pending.splice(0).map((event) => [event.id, event.created, JSON.stringify(event)]);
      await insertRows(db, 'events', ['id', 'created', 'data'], rows);
    },
  };
  return tx;
}

/** Carries a dry run's result out of the transaction it rolls back. */
class RolledBack<T> extends Error {
  constructor(readonly value: T) {
    super('rolled back');
  }
}

/**
 * Runs `work` as a request would and rolls it all back, answering what it built: how
 * previews (an upcoming invoice, say) are computed by the very code that makes the real
 * thing. Nothing is written and no event or webhook goes out.
 */
export async function dryRun<T>(
  deps: ResourceDeps,
  request: RequestInfo | Context<StripeEnv>,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  try {
    await transact(deps, request, async (tx) => {
      throw new RolledBack(await work(tx));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
