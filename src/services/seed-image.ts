import { AsymError } from '../errors.js';
import { homeLabels, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { TemplateManifest } from '../templates/catalog.js';
import { redisPrefix, sha256 } from './clone-containers.js';
import type { AppContext } from './context.js';
import { names } from './naming.js';

const MiB = 1024 * 1024;
/** Bumped when what a seed image holds changes in a way its inputs' tags do not show. */
const SEED_IMAGE_FORMAT = 'seed-image 2'; // 2: without template0 and template1
/** A first-boot seed on a loaded machine can take minutes (spin's own wait is 10). */
const SEED_DEADLINE_MS = 600_000;

export interface SeedImageInputs {
  template: TemplateManifest;
  fixture: string | null;
  /** The Postgres image and the backend image (content-addressed tags and ids). */
  postgres: { tag: string; digest: string };
  backend: { tag: string; digest: string };
}

/**
 * The tag of the seed image for these inputs: named by the Postgres and backend images
 * (whose tags are hashes of their sources, the template's migrations and fixtures among
 * them) and the fixture, so a changed template never starts from a stale seed.
 */
export function seedImageTag({ template, fixture, postgres, backend }: SeedImageInputs): string {
  const key = sha256([SEED_IMAGE_FORMAT, postgres.digest, backend.digest, fixture ?? ''].join('\0'));
  return `asymmetric/${template.name}-seed:${key.slice(0, 12)}`;
}

// Spins at once (`spin --count`, an environment) share one build of a seed image; once it
// is settled the next spin asks the engine again.
const building = new Map<string, Promise<{ tag: string; digest: string }>>();

/**
 * The Postgres image a new clone of this fixture starts from: the project's Postgres
 * image with the template migrated and the fixture seeded (and its planner statistics
 * taken), so the clone's first boot only places the timeline on today. Made once, on the
 * first spin that needs it: a throwaway Postgres (its cluster in the container's own
 * layer) and the backend in seed-image mode, which seeds and exits; Postgres is then
 * stopped cleanly and its container committed.
 */
export function ensureSeedImage(
  ctx: AppContext,
  runtime: ContainerRuntime,
  inputs: SeedImageInputs,
): Promise<{ tag: string; digest: string }> {
  const tag = seedImageTag(inputs);
  let pending = building.get(tag);
  if (!pending) {
    pending = (async () => {
      const existing = await runtime.inspectImage(tag);
      if (existing) return { tag, digest: existing.id };
      return makeSeedImage(ctx, runtime, inputs, tag);
    })();
    building.set(tag, pending);
    pending.then(
      () => building.delete(tag),
      () => building.delete(tag),
    );
  }
  return pending;
}

async function makeSeedImage(
  ctx: AppContext,
  runtime: ContainerRuntime,
  { template, fixture, postgres, backend }: SeedImageInputs,
  tag: string,
): Promise<{ tag: string; digest: string }> {
  ctx.reporter.step(`Seeding ${template.name} (${fixture ?? 'no fixture'}) once for new clones: ${tag}`);
  const id = `seed-${ctx.randomHex(3)}`;
  const network = names.homeNetwork(ctx.home.id);
  const labels = { ...homeLabels(ctx.home.id, 'seed-builder'), [LABEL.template]: template.name };
  const created: string[] = [];
  try {
    const database = await runtime.createContainer({
      name: names.container(ctx.home.id, id, 'postgres'),
      image: postgres.tag,
      labels,
      network: { name: network, aliases: [names.alias(id, 'postgres')] },
      memoryBytes: 256 * MiB,
      stopTimeoutSeconds: 30,
    });
    created.push(database.id);
    const seeder = await runtime.createContainer({
      name: names.container(ctx.home.id, id, 'backend'),
      image: backend.tag,
      labels,
      init: true,
      network: { name: network, aliases: [names.alias(id, 'backend')] },
      env: {
        PORT: String(template.services.backend.port),
        ASYM_CLONE_ID: id,
        ASYM_TEMPLATE: template.name,
        DATABASE_URL: `postgres://asym@${names.alias(id, 'postgres')}:5432/clone`,
        REDIS_URL: `redis://${names.redisAlias}:6379`,
        REDIS_PREFIX: redisPrefix(id),
        ASYM_ADMIN_TOKEN_SHA256: sha256(ctx.randomHex(24)),
        ASYM_SEED_FIXTURE: fixture ?? '',
        ASYM_SEED_IMAGE: '1',
        ASYM_CLOCK: '',
      },
      memoryBytes: 256 * MiB,
      stopTimeoutSeconds: 3,
    });
    created.push(seeder.id);
    await Promise.all([runtime.startContainer(database.id), runtime.startContainer(seeder.id)]);
    const exitCode = await withTimeout(runtime.waitContainer(seeder.id), SEED_DEADLINE_MS);
    if (exitCode !== 0) {
      const log = await containerLogTail(runtime, seeder.id);
      throw new AsymError(
        'SEED_IMAGE_FAILED',
        `Seeding ${template.name} (${fixture ?? 'no fixture'}) for new clones failed (exit ${exitCode}): ${log}`,
        {
          hint: 'Run the spin again with ASYM_DEBUG=1; if it fails the same way, the fixture or a migration is broken.',
        },
      );
    }
    // SIGINT: a fast shutdown that checkpoints, so the committed cluster starts clean.
    await runtime.stopContainer(database.id, 30);
    // The image is shared by every home on the engine: the builder's home and kind go.
    const image = await runtime.commitContainer(database.id, tag, {
      [LABEL.home]: '',
      [LABEL.kind]: 'seed-image',
      [LABEL.image]: `${template.name}-seed`,
      [LABEL.template]: template.name,
      [LABEL.sourceHash]: tag.slice(tag.lastIndexOf(':') + 1),
    });
    return { tag, digest: image.id };
  } finally {
    for (const container of created) await runtime.removeContainer(container).catch(() => {});
  }
}

async function containerLogTail(runtime: ContainerRuntime, id: string): Promise<string> {
  const chunks: Buffer[] = [];
  const { Writable } = await import('node:stream');
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await runtime.containerLogs(id, { follow: false, tail: 5 }, out).catch(() => {});
  return Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(-3).join(' / ') || 'no output';
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new AsymError(
                'SEED_IMAGE_FAILED',
                `Seeding for new clones did not finish within ${ms / 60_000} minutes.`,
                {
                  hint: 'The machine may be overloaded: run the spin again when it is quieter.',
                },
              ),
            ),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
