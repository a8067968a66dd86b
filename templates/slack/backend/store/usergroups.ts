import type { Queryable } from '../../../_shared/db.js';

export interface UsergroupRow {
  id: string;
  team_id: string;
  name: string;
  handle: string;
  description: string;
  users: string[];
  channels: string[];
  created_by: string;
  updated_by: string;
  deleted_by: string | null;
  date_create: number;
  date_update: number;
  date_delete: number;
}

export async function insertUsergroup(db: Queryable, row: UsergroupRow): Promise<void> {
  await db.query(
    `INSERT INTO usergroups (id, team_id, name, handle, description, users, channels, created_by, updated_by,
       date_create, date_update)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      row.id,
      row.team_id,
      row.name,
      row.handle,
      row.description,
      row.users,
      row.channels,
      row.created_by,
      row.updated_by,
      row.date_create,
      row.date_update,
    ],
  );
}

export async function findUsergroup(db: Queryable, id: string): Promise<UsergroupRow | null> {
  const { rows } = await db.query<UsergroupRow>('SELECT * FROM usergroups WHERE id = $1', [id]);
  return rows[0] ?? null;
}

/** Whether an enabled group other than `exceptId` already uses the name or handle. */
export async function usergroupClash(
  db: Queryable,
  teamId: string,
  field: 'name' | 'handle',
  value: string,
  exceptId: string | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM usergroups WHERE team_id = $1 AND lower(${field}) = lower($2) AND date_delete = 0
       AND ($3::text IS NULL OR id <> $3)`,
    [teamId, value, exceptId],
  );
  return (rowCount ?? 0) > 0;
}

export async function updateUsergroup(
  db: Queryable,
  id: string,
  change: Partial<Pick<UsergroupRow, 'name' | 'handle' | 'description' | 'users' | 'channels'>> & {
    updatedBy: string;
    dateUpdate: number;
  },
): Promise<void> {
  await db.query(
    `UPDATE usergroups SET name = coalesce($2, name), handle = coalesce($3, handle),
       description = coalesce($4, description), users = coalesce($5, users), channels = coalesce($6, channels),
       updated_by = $7, date_update = $8 WHERE id = $1`,
    [
      id,
      change.name ?? null,
      change.handle ?? null,
      change.description ?? null,
      change.users ?? null,
      change.channels ?? null,
      change.updatedBy,
      change.dateUpdate,
    ],
  );
}

export async function setUsergroupEnabled(
  db: Queryable,
  id: string,
  enabled: boolean,
  by: string,
  now: number,
): Promise<void> {
  await db.query(
    `UPDATE usergroups SET date_delete = $2, deleted_by = $3, updated_by = $4, date_update = $5 WHERE id = $1`,
    [id, enabled ? 0 : now, enabled ? null : by, by, now],
  );
}

export async function listUsergroups(db: Queryable, includeDisabled: boolean): Promise<UsergroupRow[]> {
  const { rows } = await db.query<UsergroupRow>(
    'SELECT * FROM usergroups WHERE $1 OR date_delete = 0 ORDER BY name, id',
    [includeDisabled],
  );
  return rows;
}
