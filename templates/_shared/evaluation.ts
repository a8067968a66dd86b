import type { Context, MiddlewareHandler } from 'hono';
import type { Queryable } from './db.js';
import type { Logger } from './log.js';

/**
 * The evaluation toolkit's per-clone state, the same for every template: the journal (one
 * record per vendor API call the clone served) and the injected faults. A template tells
 * the kit three things through `EvaluationHooks`: which vendor method a request calls, who
 * called and with what, and how its vendor renders an error.
 */

export interface JournalEntry {
  /** Increasing per backend process, in the order calls ended; `trace --follow` asks for what came after one. */
  seq: number;
  /** The order calls began in (a tool call before the API calls it made): how reads are sorted. */
  order: number;
  at: string;
  method: string;
  status: number;
  ok: boolean;
  /** The vendor's error code (`channel_not_found`, `resource_missing`), when the call failed. */
  error: string | null;
  ms: number;
  /** Which token kind / user / bot made the call, when the template could tell. */
  actor: string | null;
  /** The request's parameters, every secret redacted. */
  args: Record<string, unknown>;
  /** The id of the fault that answered (or delayed) the call. */
  fault?: string;
}

/** What a template tells the kit about one request once it has been answered. */
export interface CallDescription {
  actor: string | null;
  args: Record<string, unknown>;
  error: string | null;
}

export interface FaultSpec {
  /** A vendor method (`chat.postMessage`, `POST /v1/customers`) or `*` for every one. */
  method: string;
  /** Answer with this vendor error code... */
  error?: string | undefined;
  /** ...and this HTTP status (the vendor's usual one for the code when left out). */
  status?: number | undefined;
  /** Or: delay the call this long, then serve it. */
  latencyMs?: number | undefined;
  /** Only the next `times` matching calls (default: every one until cleared). */
  times?: number | undefined;
  /** Only this fraction of matching calls (default 1). */
  rate?: number | undefined;
}

export interface Fault extends FaultSpec {
  id: string;
  /** Calls it may still answer; null: no limit. */
  remaining: number | null;
  /** Calls it answered so far. */
  fired: number;
  createdAt: string;
}

export interface EvaluationHooks {
  /** The vendor method this request calls, or null when it is not an API call (admin, files, UI). */
  methodOf(c: Context): string | null;
  /** Every method name a fault may name (for "did you mean" on a typo). */
  methods(): string[];
  /** Who called and with what, after the call was answered. */
  describe(c: Context): CallDescription;
  /** The vendor's error for a fault, thrown from the point where the template calls `applyFault`. */
  faultError(fault: Fault): Error;
}

/** Above this many records the oldest go; `dropped` says how many went. */
export const JOURNAL_CAPACITY = 10_000;

export class Journal {
  private entries: JournalEntry[] = [];
  private nextSeq = 1;
  private nextOrder = 1;
  private droppedCount = 0;
  /** Off only for benchmarks that measure what the journal costs (`PUT /_asym/journal`). */
  enabled = true;

  constructor(private readonly capacity = JOURNAL_CAPACITY) {}

  /** Called when a call begins: its place in the order calls began in. */
  begin(): number {
    return this.nextOrder++;
  }

  record(entry: Omit<JournalEntry, 'seq'>): void {
    this.entries.push({ seq: this.nextSeq++, ...entry });
    // Trim in batches: one splice per 10% of the capacity, not one shift per call.
    if (this.entries.length > this.capacity * 1.1) {
      const over = this.entries.length - this.capacity;
      this.entries.splice(0, over);
      this.droppedCount += over;
    }
  }

  /** Records after `after` (a seq), oldest first; `limit` keeps the newest ones. */
  read(after = 0, limit?: number): { entries: JournalEntry[]; next: number; dropped: number } {
    let entries = this.entries.filter((entry) => entry.seq > after);
    if (entries.length > this.capacity) {
      // Between two trims the buffer holds a little more than it promises.
      entries = entries.slice(entries.length - this.capacity);
    }
    if (limit !== undefined && entries.length > limit) entries = entries.slice(entries.length - limit);
    // Recorded as they end; read as they began, so a call comes before the calls it made.
    entries = [...entries].sort((a, b) => a.order - b.order);
    const last = this.entries[this.entries.length - 1];
    return { entries, next: last ? last.seq : after, dropped: this.droppedCount };
  }

  /** A new trial: reset and snapshot restore start an empty journal (seq keeps counting). */
  clear(): void {
    this.entries = [];
    this.droppedCount = 0;
  }
}

const SECRET_KEY =
  /token|secret|password|passwd|authorization|api_?key|client_secret|cvc|cvv|number|card\[number\]|iban|account_number|routing_number/i;
// Values that are credentials whatever key carries them.
const SECRET_VALUE = /^(xox[abpcer]-|xapp-|sk_(test|live)_|rk_(test|live)_|whsec_|ghp_|gho_|github_pat_)/;
const CARD_NUMBER = /^\d[\d -]{11,22}\d$/;
const REDACTED = '[redacted]';

/** A copy of request parameters with every secret replaced (keys like `token`, card numbers, keys). */
export function redact(value: unknown, key = '', depth = 0): unknown {
  if (depth > 20) return REDACTED;
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) || SECRET_VALUE.test(value) || CARD_NUMBER.test(value)) return REDACTED;
    return value.length > 2_000 ? `${value.slice(0, 2_000)}…` : value;
  }
  if (typeof value === 'number' && SECRET_KEY.test(key)) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redact(item, key, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1);
    return out;
  }
  return value;
}

export class UnknownFaultMethodError extends Error {
  constructor(
    readonly method: string,
    readonly suggestions: string[],
  ) {
    super(
      `unknown method "${method}"${suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : ''}`,
    );
    this.name = 'UnknownFaultMethodError';
  }
}

export const FAULTS_SQL = `
CREATE TABLE IF NOT EXISTS asym.faults (
  id text PRIMARY KEY,
  spec jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;

/**
 * Injected faults. Setup, not state: they live in schema `asym` (so they survive reset,
 * seed and a backend restart) and in memory (so matching costs nothing); only `clear`
 * removes them. How many times a limited fault already fired is kept in memory only.
 */
export class FaultBook {
  private faults: Fault[] = [];
  private loaded = false;
  private counter = 0;

  constructor(
    private readonly db: Queryable,
    private readonly random: () => number = Math.random,
  ) {}

  async load(): Promise<void> {
    await this.db.query(FAULTS_SQL);
    const { rows } = await this.db.query<{ id: string; spec: Fault }>(
      'SELECT id, spec FROM asym.faults ORDER BY created_at, id',
    );
    this.faults = rows.map((row) => ({ ...row.spec, id: row.id }));
    this.counter = this.faults.length;
    this.loaded = true;
  }

  get active(): boolean {
    return this.faults.length > 0;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  async add(spec: FaultSpec, knownMethods: string[], now: Date): Promise<Fault> {
    if (!this.loaded) await this.load();
    if (spec.method !== '*' && !knownMethods.includes(spec.method)) {
      throw new UnknownFaultMethodError(spec.method, suggest(spec.method, knownMethods));
    }
    this.counter += 1;
    const fault: Fault = {
      ...spec,
      id: `flt_${this.counter}_${Math.floor(this.random() * 0xffff).toString(16)}`,
      remaining: spec.times ?? null,
      fired: 0,
      createdAt: now.toISOString(),
    };
    await this.db.query('INSERT INTO asym.faults (id, spec) VALUES ($1, $2)', [
      fault.id,
      JSON.stringify(fault),
    ]);
    this.faults.push(fault);
    return { ...fault };
  }

  /** Removes one fault (by id) or all; answers how many went. */
  async clear(id?: string): Promise<number> {
    if (!this.loaded) await this.load();
    const before = this.faults.length;
    if (id === undefined) {
      await this.db.query('DELETE FROM asym.faults');
      this.faults = [];
    } else {
      await this.db.query('DELETE FROM asym.faults WHERE id = $1', [id]);
      this.faults = this.faults.filter((fault) => fault.id !== id);
    }
    return before - this.faults.length;
  }

  /** The first fault that takes this call, counted as fired; null when none does. */
  take(method: string): Fault | null {
    for (const fault of this.faults) {
      if (fault.method !== '*' && fault.method !== method) continue;
      if (fault.remaining !== null && fault.remaining <= 0) continue;
      if (fault.rate !== undefined && this.random() >= fault.rate) continue;
      if (fault.remaining !== null) fault.remaining -= 1;
      fault.fired += 1;
      return fault;
    }
    return null;
  }
}

/** The closest known names: same family first (`chat.post` -> `chat.postMessage`). */
function suggest(method: string, known: string[]): string[] {
  const lower = method.toLowerCase();
  const scored = known
    .map((name) => ({ name, score: distance(lower, name.toLowerCase()) }))
    .filter(({ score }) => score <= Math.max(3, Math.floor(method.length / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, 2).map(({ name }) => name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The journal and the faults of one backend, and the hooks its template gave. */
export class Evaluation {
  readonly journal = new Journal();
  readonly faults: FaultBook;
  private hooks: EvaluationHooks | null = null;
  private readonly firedBy = new WeakMap<Context, Fault>();

  constructor(db: Queryable, random?: () => number) {
    this.faults = new FaultBook(db, random);
  }

  /** Called once by the template's app factory. */
  use(hooks: EvaluationHooks): void {
    this.hooks = hooks;
  }

  knownMethods(): string[] {
    return this.hooks?.methods() ?? [];
  }

  /**
   * The journal's middleware, mounted first by the template: it times every API call and
   * records it once answered. Admin and other non-API routes pass straight through.
   */
  middleware(log: Logger): MiddlewareHandler {
    return async (c, next) => {
      const hooks = this.hooks;
      const method = hooks?.methodOf(c) ?? null;
      if (!hooks || method === null || !this.journal.enabled) return next();
      const at = new Date().toISOString();
      const order = this.journal.begin();
      const started = performance.now();
      await next();
      try {
        const described = hooks.describe(c);
        const fault = this.firedBy.get(c);
        const status = c.res.status;
        this.journal.record({
          at,
          order,
          method,
          status,
          ok: described.error === null && status < 400,
          error: described.error,
          ms: Math.round((performance.now() - started) * 10) / 10,
          actor: described.actor,
          args: redact(described.args) as Record<string, unknown>,
          ...(fault ? { fault: fault.id } : {}),
        });
      } catch (error) {
        // The journal must never cost a caller its answer.
        log.error('journal: could not record a call', error);
      }
    };
  }

  /**
   * Where the template's vendor would fail a call (after authentication): a matching fault
   * delays it, or throws the vendor's error for the template's one error renderer.
   */
  async applyFault(c: Context, method: string): Promise<void> {
    if (!this.faults.active || !this.hooks) return;
    const fault = this.faults.take(method);
    if (!fault) return;
    this.firedBy.set(c, fault);
    if (fault.latencyMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      return;
    }
    throw this.hooks.faultError(fault);
  }
}
