import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { AsymError } from '../errors.js';
import type { Reporter } from '../log.js';
import type { ContainerRuntime, ImageState } from '../runtime/types.js';

/** Every project image is built FROM this one base, so what CI tests is what users run. */
export const BASE_IMAGE = 'debian:bookworm-slim';

/**
 * Makes sure the base image exists: pulled when a registry is reachable, otherwise made
 * locally with debootstrap from Debian's package mirror (the same root filesystem, as
 * machines without an image registry need).
 */
export async function ensureBaseImage(runtime: ContainerRuntime, reporter: Reporter): Promise<ImageState> {
  const existing = await runtime.inspectImage(BASE_IMAGE);
  if (existing) return existing;

  reporter.step(`Pulling base image ${BASE_IMAGE}`);
  try {
    return await runtime.pullImage(BASE_IMAGE, (line) => reporter.detail(line), 120_000);
  } catch (error) {
    reporter.detail(`pull failed (${(error as Error).message}); bootstrapping ${BASE_IMAGE} locally`);
  }
  return bootstrapBaseImage(runtime, reporter);
}

async function bootstrapBaseImage(runtime: ContainerRuntime, reporter: Reporter): Promise<ImageState> {
  const unavailable = (why: string) =>
    new AsymError('BASE_IMAGE_UNAVAILABLE', `Cannot get the base image ${BASE_IMAGE}: ${why}.`, {
      hint: `Run \`docker pull ${BASE_IMAGE}\` where a registry is reachable, or install debootstrap and run as root.`,
    });
  if (process.getuid?.() !== 0) throw unavailable('no registry answered and bootstrapping it needs root');
  const found = await execa('debootstrap', ['--version'], { reject: false });
  if (found.exitCode !== 0) throw unavailable('no registry answered and debootstrap is not installed');

  const rootfs = await mkdtemp(join(tmpdir(), 'asym-rootfs-'));
  try {
    reporter.step(`Bootstrapping ${BASE_IMAGE} with debootstrap (about a minute)`);
    const bootstrap = execa('debootstrap', ['--variant=minbase', 'bookworm', rootfs], {
      all: true,
      reject: false,
    });
    bootstrap.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) reporter.detail(line.trim());
    });
    const result = await bootstrap;
    if (result.exitCode !== 0)
      throw unavailable(`debootstrap failed: ${String(result.all).split('\n').slice(-3).join(' ')}`);
    reporter.step(`Importing ${BASE_IMAGE}`);
    const tar = execa('tar', ['-C', rootfs, '-c', '.'], { buffer: false });
    if (!tar.stdout) throw unavailable('tar produced no output');
    const image = await runtime.importImage(tar.stdout, BASE_IMAGE);
    await tar;
    return image;
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}
