import type { Queryable } from '../../../_shared/db.js';

export interface PinRow {
  conversation_id: string;
  message_ts_us: number;
  pinned_by: string;
  pinned_at: number;
}

export async function addPin(db: Queryable, pin: PinRow): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO pins (conversation_id, message_ts_us, pinned_by, pinned_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [pin.conversation_id, pin.message_ts_us, pin.pinned_by, pin.pinned_at],
  );
  return (rowCount ?? 0) > 0;
}

export async function removePin(db: Queryable, conversationId: string, tsUs: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM pins WHERE conversation_id = $1 AND message_ts_us = $2', [
    conversationId,
    tsUs,
  ]);
  return (rowCount ?? 0) > 0;
}

/** A conversation's pins, newest first. */
export async function listPins(db: Queryable, conversationId: string): Promise<PinRow[]> {
  const { rows } = await db.query<PinRow>(
    'SELECT * FROM pins WHERE conversation_id = $1 ORDER BY pinned_at DESC, message_ts_us DESC',
    [conversationId],
  );
  return rows;
}

export async function countPins(db: Queryable, conversationId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pins WHERE conversation_id = $1',
    [conversationId],
  );
  return rows[0]?.n ?? 0;
}
