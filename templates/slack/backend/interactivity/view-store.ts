import { randomString } from '../../../_shared/crypto.js';
import type { Queryable } from '../../../_shared/db.js';
import { newId } from '../ids.js';

export interface ViewRow {
  id: string;
  team_id: string;
  user_id: string;
  app_id: string;
  bot_id: string | null;
  type: 'modal' | 'home';
  root_view_id: string;
  previous_view_id: string | null;
  external_id: string | null;
  hash: string;
  definition: Record<string, unknown>;
  state: Record<string, Record<string, unknown>>;
  depth: number;
}

/** Slack lets a modal stack hold at most 3 views. */
export const MAX_STACK = 3;

const COLUMNS =
  'id, team_id, user_id, app_id, bot_id, type, root_view_id, previous_view_id, external_id, hash, definition, state, depth';

/** A view's hash changes with every update: `<epoch seconds>.<random>`, as Slack's. */
export const newHash = (nowMs: number) => `${Math.floor(nowMs / 1000)}.${randomString(8, 'alnum')}`;

/** Slack fills in a block_id for every block that has none; state.values is keyed by it. */
export function withBlockIds(definition: Record<string, unknown>): Record<string, unknown> {
  const blocks = Array.isArray(definition.blocks) ? definition.blocks : [];
  return {
    ...definition,
    blocks: blocks.map((block: Record<string, unknown>) =>
      typeof block.block_id === 'string' ? block : { ...block, block_id: randomString(5, 'alnum') },
    ),
  };
}

/** The view object as every views.* method and interaction payload carries it. */
export function renderView(row: ViewRow): Record<string, unknown> {
  const d = row.definition;
  const common = {
    id: row.id,
    team_id: row.team_id,
    type: row.type,
    blocks: d.blocks ?? [],
    private_metadata: d.private_metadata ?? '',
    callback_id: d.callback_id ?? '',
    state: { values: row.state },
    hash: row.hash,
    title: d.title ?? { type: 'plain_text', text: 'View Title', emoji: true },
    clear_on_close: d.clear_on_close ?? false,
    notify_on_close: d.notify_on_close ?? false,
    close: d.close ?? null,
    submit: d.submit ?? null,
    previous_view_id: row.previous_view_id,
    root_view_id: row.root_view_id,
    app_id: row.app_id,
    external_id: row.external_id ?? '',
    app_installed_team_id: row.team_id,
    bot_id: row.bot_id,
  };
  return row.type === 'modal' ? { ...common, submit_disabled: d.submit_disabled ?? false } : common;
}

export async function findView(db: Queryable, id: string): Promise<ViewRow | null> {
  const { rows } = await db.query<ViewRow>(`SELECT ${COLUMNS} FROM views WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findViewByExternalId(
  db: Queryable,
  appId: string,
  externalId: string,
): Promise<ViewRow | null> {
  const { rows } = await db.query<ViewRow>(
    `SELECT ${COLUMNS} FROM views WHERE app_id = $1 AND external_id = $2`,
    [appId, externalId],
  );
  return rows[0] ?? null;
}

/** A person's open modals, root first (the stack the web client shows). */
export async function openModals(db: Queryable, userId: string): Promise<ViewRow[]> {
  const { rows } = await db.query<ViewRow>(
    `SELECT ${COLUMNS} FROM views WHERE user_id = $1 AND type = 'modal' ORDER BY depth`,
    [userId],
  );
  return rows;
}

export async function findHome(db: Queryable, appId: string, userId: string): Promise<ViewRow | null> {
  const { rows } = await db.query<ViewRow>(
    `SELECT ${COLUMNS} FROM views WHERE app_id = $1 AND user_id = $2 AND type = 'home'`,
    [appId, userId],
  );
  return rows[0] ?? null;
}

export interface NewView {
  teamId: string;
  userId: string;
  appId: string;
  botId: string | null;
  type: 'modal' | 'home';
  /** The stack it joins (views.push), or null for a new root. */
  parent: ViewRow | null;
  definition: Record<string, unknown>;
  nowMs: number;
}

export async function insertView(db: Queryable, view: NewView): Promise<ViewRow> {
  const id = newId('V', 10);
  const definition = withBlockIds(view.definition);
  const externalId =
    typeof definition.external_id === 'string' && definition.external_id !== ''
      ? definition.external_id
      : null;
  const { rows } = await db.query<ViewRow>(
    `INSERT INTO views (id, team_id, user_id, app_id, bot_id, type, root_view_id, previous_view_id, external_id,
                        hash, definition, depth)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [
      id,
      view.teamId,
      view.userId,
      view.appId,
      view.botId,
      view.type,
      view.parent?.root_view_id ?? id,
      view.parent?.id ?? null,
      externalId,
      newHash(view.nowMs),
      JSON.stringify(definition),
      (view.parent?.depth ?? 0) + 1,
    ],
  );
  return rows[0] as ViewRow;
}

/** Replaces a view's content (views.update, views.publish, response_action update): a new hash. */
export async function replaceView(
  db: Queryable,
  id: string,
  definition: Record<string, unknown>,
  nowMs: number,
): Promise<ViewRow> {
  const filled = withBlockIds(definition);
  const externalId =
    typeof filled.external_id === 'string' && filled.external_id !== '' ? filled.external_id : null;
  const { rows } = await db.query<ViewRow>(
    `UPDATE views SET definition = $2, hash = $3, external_id = $4 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, JSON.stringify(filled), newHash(nowMs), externalId],
  );
  return rows[0] as ViewRow;
}

export async function setViewState(
  db: Queryable,
  id: string,
  state: Record<string, Record<string, unknown>>,
): Promise<void> {
  await db.query('UPDATE views SET state = $2 WHERE id = $1', [id, JSON.stringify(state)]);
}

/** Closes a modal and every view pushed above it; returns what was closed, top first. */
export async function closeFrom(db: Queryable, view: ViewRow): Promise<ViewRow[]> {
  const { rows } = await db.query<ViewRow>(
    `DELETE FROM views WHERE root_view_id = $1 AND type = 'modal' AND depth >= $2 RETURNING ${COLUMNS}`,
    [view.root_view_id, view.depth],
  );
  return rows.sort((a, b) => b.depth - a.depth);
}

/** Closes every modal a person has open (views.open replaces whatever stack was showing). */
export async function closeModals(db: Queryable, userId: string): Promise<void> {
  await db.query(`DELETE FROM views WHERE user_id = $1 AND type = 'modal'`, [userId]);
}
