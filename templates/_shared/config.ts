import { z } from 'zod';
import { parseClock } from './clock.js';

/**
 * The environment every clone backend reads (templates/README.md). Parsed once at
 * startup; a bad value stops the process with every problem listed, before it listens.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  ASYM_CLONE_ID: z.string().min(1).default('dev'),
  DATABASE_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  // Redis is shared by every clone of a home: an empty prefix would let reset wipe the
  // other clones' keys, so it is required.
  REDIS_PREFIX: z.string().min(1),
  ASYM_ADMIN_TOKEN_SHA256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (the sha256 of the admin token)')
    .transform((hex) => hex.toLowerCase()),
  ASYM_SEED_FIXTURE: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? null : value.trim())),
  ASYM_PUBLIC_URL: z.string().optional(),
  // Set only in a mode with a frontend service (see frontend-gate.ts).
  ASYM_FRONTEND_SECRET_SHA256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (the sha256 of the frontend secret)')
    .transform((hex) => hex.toLowerCase())
    .optional(),
  ASYM_MIGRATIONS_DIR: z.string().min(1).default('/app/migrations'),
  // "1": migrate, seed, mark the database as a seed image and exit (no HTTP server); the
  // CLI then commits the Postgres container as the image new clones of the fixture start from.
  ASYM_SEED_IMAGE: z
    .string()
    .optional()
    .transform((value) => value === '1'),
  // A pinned clock (ISO 8601 instant): resets place the timeline around it, not real time.
  ASYM_CLOCK: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseClock(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

export interface CloneConfig {
  port: number;
  cloneId: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  adminTokenSha256: string;
  seedFixture: string | null;
  publicUrl: string | null;
  migrationsDir: string;
  /** sha256 of the secret the clone's frontend sends (frontend-gate.ts); null without a frontend. */
  frontendSecretSha256: string | null;
  /** The pinned clock, ms since the epoch; null for real time. */
  clockMs: number | null;
  /** Make a seed image and exit instead of serving (ASYM_SEED_IMAGE=1). */
  seedImage?: boolean;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid environment: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadCloneConfig(env: NodeJS.ProcessEnv): CloneConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    cloneId: e.ASYM_CLONE_ID,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    adminTokenSha256: e.ASYM_ADMIN_TOKEN_SHA256,
    seedFixture: e.ASYM_SEED_FIXTURE,
    publicUrl: e.ASYM_PUBLIC_URL ?? null,
    migrationsDir: e.ASYM_MIGRATIONS_DIR,
    frontendSecretSha256: e.ASYM_FRONTEND_SECRET_SHA256 ?? null,
    clockMs: e.ASYM_CLOCK,
    seedImage: e.ASYM_SEED_IMAGE,
  };
}
