import { z } from 'zod';
import { AsymError } from '../errors.js';

/**
 * registry.json: what this home has made. Versioned; older versions are migrated on read
 * (never in place: the migrated form is written on the next update).
 */
export const REGISTRY_VERSION = 2;

/** `destroying`: a destroy began and not every object is gone yet (a retry or `doctor --fix` finishes it). */
export const cloneStateSchema = z.enum(['creating', 'running', 'stopped', 'failed', 'destroying']);
export type CloneState = z.infer<typeof cloneStateSchema>;

const cloneRecordSchema = z.object({
  id: z.string(),
  template: z.string(),
  mode: z.string(),
  state: cloneStateSchema,
  seed: z.object({ fixture: z.string() }).nullable(),
  ports: z.object({ backend: z.number().int(), frontend: z.number().int().optional() }),
  exposed: z.boolean().default(false),
  /** Vendor rate limits (a manifest's `rateLimits`); on unless the clone was spun with --no-rate-limits. */
  rateLimits: z.boolean().default(true),
  /**
   * The pinned clock (`spin --clock`, `clock:` in environment.yaml), an ISO instant in UTC:
   * the clone places its timeline and reports times from it. Null: real time. Records from
   * before it existed are real-time clones.
   */
  clock: z.string().nullable().default(null),
  /** Image tag of each service, and the image id (digest) it ran. */
  images: z.record(z.string(), z.object({ tag: z.string(), digest: z.string() })),
  /** The clone's API tokens (shown once at spin; the clone's database keeps only hashes). */
  tokens: z.record(z.string(), z.string()).nullable(),
  /** Bearer token for the clone's admin routes (reset, seed, tokens). */
  adminToken: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The process creating (or destroying) the clone; a dead owner means it was interrupted. */
  owner: z.object({ pid: z.number().int(), startedAt: z.string() }).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type CloneRecord = z.infer<typeof cloneRecordSchema>;

const environmentCloneSpecSchema = z.object({
  template: z.string(),
  mode: z.string(),
  seed: z.string().nullable(),
  clock: z.string().optional(),
});

const environmentRecordSchema = z.object({
  name: z.string(),
  /** The declared spec (environment.yaml), or null for an ad hoc `spin --group` environment. */
  spec: z.object({ name: z.string(), clones: z.array(environmentCloneSpecSchema) }).nullable(),
  members: z.array(z.string()),
  /** Set when `env destroy` began: the record goes last, once its members and network are gone. */
  destroying: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EnvironmentRecord = z.infer<typeof environmentRecordSchema>;

export const registrySchema = z.object({
  schemaVersion: z.literal(REGISTRY_VERSION),
  clones: z.record(z.string(), cloneRecordSchema),
  environments: z.record(z.string(), environmentRecordSchema),
});
export type Registry = z.infer<typeof registrySchema>;

export const emptyRegistry = (): Registry => ({
  schemaVersion: REGISTRY_VERSION,
  clones: {},
  environments: {},
});

/**
 * Version 1 kept clones in an array and stored environment membership on each clone
 * (`environment`). Version 2 keys clones by id and keeps membership on the environment
 * only, so joining or leaving touches one record.
 */
const registryV1Schema = z.object({
  version: z.literal(1),
  clones: z.array(
    cloneRecordSchema
      .omit({ exposed: true, rateLimits: true, clock: true, images: true })
      .extend({ environment: z.string().nullable().optional(), image: z.string(), imageDigest: z.string() }),
  ),
});

function migrateV1(v1: z.infer<typeof registryV1Schema>): Registry {
  const registry = emptyRegistry();
  for (const { environment, image, imageDigest, ...clone } of v1.clones) {
    registry.clones[clone.id] = {
      ...clone,
      exposed: false,
      rateLimits: true,
      clock: null,
      images: { backend: { tag: image, digest: imageDigest } },
    };
    if (environment) {
      registry.environments[environment] ??= {
        name: environment,
        spec: null,
        members: [],
        createdAt: clone.createdAt,
        updatedAt: clone.updatedAt,
      };
      registry.environments[environment].members.push(clone.id);
    }
  }
  return registry;
}

/** Parses any known version into the current one. */
export function parseRegistry(raw: unknown, path: string): Registry {
  const version =
    typeof raw === 'object' && raw !== null
      ? ((raw as { schemaVersion?: unknown; version?: unknown }).schemaVersion ??
        (raw as { version?: unknown }).version)
      : undefined;
  if (version === 1) {
    const v1 = registryV1Schema.safeParse(raw);
    if (v1.success) return migrateV1(v1.data);
    throw corrupt(path, v1.error);
  }
  if (typeof version === 'number' && version > REGISTRY_VERSION) {
    throw new AsymError(
      'REGISTRY_CORRUPT',
      `${path} was written by a newer asymmetric (schema ${version}).`,
      {
        hint: 'Upgrade asymmetric, or point ASYM_HOME at another folder.',
        // Not damage: `doctor --fix` must leave such a file alone.
        details: { newerSchema: version },
      },
    );
  }
  const current = registrySchema.safeParse(raw);
  if (current.success) return current.data;
  throw corrupt(path, current.error);
}

export const REGISTRY_CORRUPT_HINT =
  'Run `asymmetric doctor --fix`: it moves the file aside and rebuilds the registry from the live containers, keeping every clone and its data.';

function corrupt(path: string, error: z.ZodError): AsymError {
  const first = error.issues[0];
  return new AsymError(
    'REGISTRY_CORRUPT',
    `${path} is not a valid registry (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown shape'}).`,
    {
      hint: REGISTRY_CORRUPT_HINT,
    },
  );
}
