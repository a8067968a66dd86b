import type pg from 'pg';
import { randomString, sha256Hex } from '../../_shared/crypto.js';
import type { Queryable } from '../../_shared/db.js';
import { AdminRequestError } from '../../_shared/template.js';

export interface StripeIdentity {
  accountId: string;
}

export interface StripeTokens {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
}

export async function stripeIdentity(db: Queryable): Promise<StripeIdentity> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM account ORDER BY created, id LIMIT 1');
  const id = rows[0]?.id;
  if (!id) throw new Error('the seeded data has no account');
  return { accountId: id };
}

/** New test-mode keys shaped like Stripe's; every earlier key and webhook secret stops working. */
export async function mintStripeTokens(db: pg.PoolClient, request: unknown): Promise<StripeTokens> {
  if (
    request !== undefined &&
    (typeof request !== 'object' || request === null || Object.keys(request).length > 0)
  ) {
    throw new AdminRequestError('invalid_body', 'POST /_asym/tokens takes no parameters for stripe');
  }
  const tokens: StripeTokens = {
    secretKey: `sk_test_${randomString(99)}`,
    publishableKey: `pk_test_${randomString(99)}`,
    webhookSecret: `whsec_${randomString(32)}`,
  };
  await db.query('UPDATE asym.api_keys SET revoked_at = now() WHERE revoked_at IS NULL');
  await db.query('UPDATE asym.webhook_secrets SET revoked_at = now() WHERE revoked_at IS NULL');
  await db.query('INSERT INTO asym.api_keys (key_sha256, kind) VALUES ($1, $2), ($3, $4)', [
    sha256Hex(tokens.secretKey),
    'secret',
    sha256Hex(tokens.publishableKey),
    'publishable',
  ]);
  await db.query('INSERT INTO asym.webhook_secrets (secret) VALUES ($1)', [tokens.webhookSecret]);
  return tokens;
}
