import { AsymError } from '../errors.js';
import {
  array,
  boolean,
  field,
  integer,
  literal,
  nullable,
  object,
  oneOf,
  optionalField,
  type Reader,
  record,
  ShapeError,
  type ShapePath,
  string,
} from './shape.js';

/**
 * registry.json: what this home has made. Versioned; older versions are migrated on read
 * (never in place: the migrated form is written on the next update). Checked by hand
 * (./shape.ts), not with zod: every command reads it at start, `reset` between trials.
 */
export const REGISTRY_VERSION = 2;

/** `destroying`: a destroy began and not every object is gone yet (a retry or `doctor --fix` finishes it). */
export const CLONE_STATES = ['creating', 'running', 'stopped', 'failed', 'destroying'] as const;
export type CloneState = (typeof CLONE_STATES)[number];

export interface CloneRecord {
  id: string;
  template: string;
  mode: string;
  state: CloneState;
  seed: { fixture: string } | null;
  ports: { backend: number; frontend?: number };
  exposed: boolean;
  /** Vendor rate limits (a manifest's `rateLimits`); on unless the clone was spun with --no-rate-limits. */
  rateLimits: boolean;
  /**
   * The pinned clock (`spin --clock`, `clock:` in environment.yaml), an ISO instant in UTC:
   * the clone places its timeline and reports times from it. Null: real time. Records from
   * before it existed are real-time clones.
   */
  clock: string | null;
  /** Image tag of each service, and the image id (digest) it ran. */
  images: Record<string, { tag: string; digest: string }>;
  /** The clone's API tokens (shown once at spin; the clone's database keeps only hashes). */
  tokens: Record<string, string> | null;
  /** Bearer token for the clone's admin routes (reset, seed, tokens). */
  adminToken: string;
  createdAt: string;
  updatedAt: string;
  /** The process creating (or destroying) the clone; a dead owner means it was interrupted. */
  owner?: { pid: number; startedAt: string };
  error?: { code: string; message: string };
}

export interface EnvironmentRecord {
  name: string;
  /** The declared spec (environment.yaml), or null for an ad hoc `spin --group` environment. */
  spec: {
    name: string;
    clones: Array<{ template: string; mode: string; seed: string | null; clock?: string }>;
  } | null;
  members: string[];
  /** Set when `env destroy` began: the record goes last, once its members and network are gone. */
  destroying?: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Registry {
  schemaVersion: typeof REGISTRY_VERSION;
  clones: Record<string, CloneRecord>;
  environments: Record<string, EnvironmentRecord>;
}

export const emptyRegistry = (): Registry => ({
  schemaVersion: REGISTRY_VERSION,
  clones: {},
  environments: {},
});

const fixtureSeed: Reader<{ fixture: string }> = (value, path) => ({
  fixture: field(object(value, path), 'fixture', path, string),
});

const ports: Reader<CloneRecord['ports']> = (value, path) => {
  const o = object(value, path);
  return { backend: field(o, 'backend', path, integer), ...optionalField(o, 'frontend', path, integer) };
};

const image: Reader<{ tag: string; digest: string }> = (value, path) => {
  const o = object(value, path);
  return { tag: field(o, 'tag', path, string), digest: field(o, 'digest', path, string) };
};

const owner: Reader<NonNullable<CloneRecord['owner']>> = (value, path) => {
  const o = object(value, path);
  return { pid: field(o, 'pid', path, integer), startedAt: field(o, 'startedAt', path, string) };
};

const cloneError: Reader<NonNullable<CloneRecord['error']>> = (value, path) => {
  const o = object(value, path);
  return { code: field(o, 'code', path, string), message: field(o, 'message', path, string) };
};

/** The fields every version of a clone record has. */
function cloneCore(o: Record<string, unknown>, path: ShapePath) {
  return {
    id: field(o, 'id', path, string),
    template: field(o, 'template', path, string),
    mode: field(o, 'mode', path, string),
    state: field(o, 'state', path, oneOf(CLONE_STATES)),
    seed: field(o, 'seed', path, nullable(fixtureSeed)),
    ports: field(o, 'ports', path, ports),
    tokens: field(o, 'tokens', path, nullable(record(string))),
    adminToken: field(o, 'adminToken', path, string),
    createdAt: field(o, 'createdAt', path, string),
    updatedAt: field(o, 'updatedAt', path, string),
    ...optionalField(o, 'owner', path, owner),
    ...optionalField(o, 'error', path, cloneError),
  };
}

const cloneRecord: Reader<CloneRecord> = (value, path) => {
  const o = object(value, path);
  const core = cloneCore(o, path);
  const { owner: who, error, ...rest } = core;
  return {
    ...rest,
    exposed: field(o, 'exposed', path, boolean, false),
    rateLimits: field(o, 'rateLimits', path, boolean, true),
    clock: field(o, 'clock', path, nullable(string), null),
    images: field(o, 'images', path, record(image)),
    ...(who === undefined ? {} : { owner: who }),
    ...(error === undefined ? {} : { error }),
  };
};

type CloneSpec = NonNullable<EnvironmentRecord['spec']>['clones'][number];
const environmentCloneSpec: Reader<CloneSpec> = (value, path) => {
  const o = object(value, path);
  return {
    template: field(o, 'template', path, string),
    mode: field(o, 'mode', path, string),
    seed: field(o, 'seed', path, nullable(string)),
    ...optionalField(o, 'clock', path, string),
  };
};

const environmentSpec: Reader<NonNullable<EnvironmentRecord['spec']>> = (value, path) => {
  const o = object(value, path);
  return {
    name: field(o, 'name', path, string),
    clones: field(o, 'clones', path, array(environmentCloneSpec)),
  };
};

const environmentRecord: Reader<EnvironmentRecord> = (value, path) => {
  const o = object(value, path);
  return {
    name: field(o, 'name', path, string),
    spec: field(o, 'spec', path, nullable(environmentSpec)),
    members: field(o, 'members', path, array(string)),
    ...optionalField(o, 'destroying', path, boolean),
    createdAt: field(o, 'createdAt', path, string),
    updatedAt: field(o, 'updatedAt', path, string),
  };
};

const registryV2: Reader<Registry> = (value, path) => {
  const o = object(value, path);
  return {
    schemaVersion: field(o, 'schemaVersion', path, literal(REGISTRY_VERSION)),
    clones: field(o, 'clones', path, record(cloneRecord)),
    environments: field(o, 'environments', path, record(environmentRecord)),
  };
};

/**
 * Version 1 kept clones in an array and stored environment membership on each clone
 * (`environment`). Version 2 keys clones by id and keeps membership on the environment
 * only, so joining or leaving touches one record.
 */
interface CloneRecordV1 extends ReturnType<typeof cloneCore> {
  environment?: string | null;
  image: string;
  imageDigest: string;
}

const cloneRecordV1: Reader<CloneRecordV1> = (value, path) => {
  const o = object(value, path);
  return {
    ...cloneCore(o, path),
    ...optionalField(o, 'environment', path, nullable(string)),
    image: field(o, 'image', path, string),
    imageDigest: field(o, 'imageDigest', path, string),
  };
};

const registryV1: Reader<{ version: 1; clones: CloneRecordV1[] }> = (value, path) => {
  const o = object(value, path);
  return {
    version: field(o, 'version', path, literal(1)),
    clones: field(o, 'clones', path, array(cloneRecordV1)),
  };
};

function migrateV1(v1: { clones: CloneRecordV1[] }): Registry {
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
  try {
    return version === 1 ? migrateV1(registryV1(raw, [])) : registryV2(raw, []);
  } catch (error) {
    if (error instanceof ShapeError) throw corrupt(path, error);
    throw error;
  }
}

export const REGISTRY_CORRUPT_HINT =
  'Run `asymmetric doctor --fix`: it moves the file aside and rebuilds the registry from the live containers, keeping every clone and its data.';

function corrupt(path: string, error: ShapeError): AsymError {
  return new AsymError('REGISTRY_CORRUPT', `${path} is not a valid registry (${error.describe('(root)')}).`, {
    hint: REGISTRY_CORRUPT_HINT,
  });
}
