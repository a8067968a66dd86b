import type { Queryable } from '../../../_shared/db.js';

export interface WorkspaceSummary {
  id: string;
  name: string;
  domain: string;
}

export async function findWorkspace(db: Queryable): Promise<WorkspaceSummary | null> {
  const { rows } = await db.query<WorkspaceSummary>(
    'SELECT id, name, domain FROM teams ORDER BY created, id LIMIT 1',
  );
  return rows[0] ?? null;
}
