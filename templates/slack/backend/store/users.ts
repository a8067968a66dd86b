import type { Queryable } from '../../../_shared/db.js';

export interface UserRow {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  display_name: string;
  first_name: string;
  last_name: string;
  email: string | null;
  title: string;
  phone: string;
  tz: string;
  tz_label: string;
  tz_offset: number;
  color: string;
  status_text: string;
  status_emoji: string;
  avatar_hash: string;
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  is_restricted: boolean;
  is_ultra_restricted: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  deleted: boolean;
  bot_id: string | null;
  app_id: string | null;
  updated: number;
  manual_away: boolean;
  status_expiration: number;
  pronouns: string;
  /** Set by users.setPhoto: the photo's digest, which its image URLs carry. */
  photo_hash: string | null;
}

const COLUMNS = `id, team_id, name, real_name, display_name, first_name, last_name, email, title, phone, tz, tz_label,
  tz_offset, color, status_text, status_emoji, avatar_hash, is_admin, is_owner, is_primary_owner, is_restricted,
  is_ultra_restricted, is_bot, is_app_user, deleted, bot_id, app_id, updated, manual_away, status_expiration, pronouns, photo_hash`;

/** A page in id order starting at `fromId` (inclusive). */
export async function listUsers(
  db: Queryable,
  options: { fromId: string | null; limit: number },
): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users WHERE ($1::text IS NULL OR id >= $1) ORDER BY id LIMIT $2`,
    [options.fromId, options.limit],
  );
  return rows;
}

export async function userExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM users WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

export async function findUser(
  db: Queryable,
  by: { id: string } | { email: string },
): Promise<UserRow | null> {
  const { rows } =
    'id' in by
      ? await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [by.id])
      : await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`, [by.email]);
  return rows[0] ?? null;
}

export interface ProfileChange {
  first_name?: string;
  last_name?: string;
  real_name?: string;
  display_name?: string;
  title?: string;
  phone?: string;
  status_text?: string;
  status_emoji?: string;
  status_expiration?: number;
  pronouns?: string;
}

const PROFILE_COLUMNS: ReadonlyArray<keyof ProfileChange> = [
  'first_name',
  'last_name',
  'real_name',
  'display_name',
  'title',
  'phone',
  'status_text',
  'status_emoji',
  'status_expiration',
  'pronouns',
];

export async function updateProfile(db: Queryable, userId: string, change: ProfileChange, updated: number) {
  const sets: string[] = [];
  const params: unknown[] = [userId, updated];
  for (const column of PROFILE_COLUMNS) {
    if (change[column] === undefined) continue;
    params.push(change[column]);
    sets.push(`${column} = $${params.length}`);
  }
  await db.query(`UPDATE users SET ${[...sets, 'updated = $2'].join(', ')} WHERE id = $1`, params);
}

export async function setManualAway(db: Queryable, userId: string, away: boolean): Promise<void> {
  await db.query('UPDATE users SET manual_away = $2 WHERE id = $1', [userId, away]);
}
