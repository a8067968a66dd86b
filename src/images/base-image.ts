import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
    await slimLikeOfficialImage(rootfs);
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

/**
 * What Debian's official slim image does that debootstrap does not: apt keeps no package
 * archives or caches, and dpkg installs no documentation, man pages or translations. Without
 * it every image built on the base carried about 110 MB of apt cache, and each `apt-get
 * install` in a Dockerfile added more.
 */
async function slimLikeOfficialImage(rootfs: string): Promise<void> {
  const inRoot = (...parts: string[]) => join(rootfs, ...parts);
  await mkdir(inRoot('etc/apt/apt.conf.d'), { recursive: true });
  await mkdir(inRoot('etc/dpkg/dpkg.cfg.d'), { recursive: true });
  const clean =
    'rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true';
  await writeFile(
    inRoot('etc/apt/apt.conf.d/docker-clean'),
    `DPkg::Post-Invoke { "${clean}"; };\nAPT::Update::Post-Invoke { "${clean}"; };\n` +
      'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n',
  );
  await writeFile(inRoot('etc/apt/apt.conf.d/docker-no-languages'), 'Acquire::Languages "none";\n');
  await writeFile(
    inRoot('etc/dpkg/dpkg.cfg.d/docker'),
    [
      'path-exclude /usr/share/doc/*',
      'path-include /usr/share/doc/*/copyright',
      'path-exclude /usr/share/man/*',
      'path-exclude /usr/share/info/*',
      'path-exclude /usr/share/locale/*',
      '',
    ].join('\n'),
  );
  await rm(inRoot('var/cache/apt'), { recursive: true, force: true });
  await mkdir(inRoot('var/cache/apt/archives/partial'), { recursive: true });
  await rm(inRoot('var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(inRoot('var/lib/apt/lists/partial'), { recursive: true });
  for (const dir of ['usr/share/man', 'usr/share/info', 'usr/share/locale']) {
    await rm(inRoot(dir), { recursive: true, force: true });
    await mkdir(inRoot(dir), { recursive: true });
  }
  // Documentation, except each package's copyright notice.
  const docs = inRoot('usr/share/doc');
  for (const entry of await readdir(docs, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) {
      await rm(join(docs, entry.name), { force: true });
      continue;
    }
    for (const file of await readdir(join(docs, entry.name))) {
      if (file !== 'copyright') await rm(join(docs, entry.name, file), { recursive: true, force: true });
    }
  }
}
