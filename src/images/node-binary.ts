import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import tarFs from 'tar-fs';
import { AsymError } from '../errors.js';

/**
 * The Node.js that runs inside clone containers. Debian's own nodejs is 18 (end of life);
 * official builds are published on the npm registry as `node-linux-<arch>`, so `npm pack`
 * fetches one with nothing but the registry reachable.
 */
export const NODE_VERSION = '22.23.3';

export function nodePackageName(arch: string = process.arch): string {
  if (arch !== 'x64' && arch !== 'arm64') {
    throw new AsymError('IMAGE_BUILD_FAILED', `No Node.js build for CPU architecture ${arch}.`, {
      hint: 'Run asymmetric on an x64 or arm64 machine.',
    });
  }
  return `node-linux-${arch}`;
}

const cacheDir = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'asymmetric', 'node');

/** Copies the node binary into `destination` (a build context), downloading it once. */
export async function provideNodeBinary(destination: string): Promise<void> {
  const dir = join(cacheDir(), `${nodePackageName()}-${NODE_VERSION}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (!existsSync(binary)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const packed = await execa(
      'npm',
      ['pack', `${nodePackageName()}@${NODE_VERSION}`, '--pack-destination', dir],
      {
        reject: false,
        all: true,
      },
    );
    if (packed.exitCode !== 0) {
      throw new AsymError('IMAGE_BUILD_FAILED', `npm could not fetch ${nodePackageName()}@${NODE_VERSION}.`, {
        hint: 'Check that the npm registry is reachable (npm ping), then try again.',
      });
    }
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new AsymError('IMAGE_BUILD_FAILED', 'npm pack produced no tarball for Node.js.');
    await new Promise<void>((resolve, reject) => {
      createReadStream(join(dir, tarball))
        .pipe(createGunzip())
        .pipe(tarFs.extract(dir))
        .on('finish', () => resolve())
        .on('error', reject);
    });
    await rm(join(dir, tarball));
  }
  await copyFile(binary, destination);
  await chmod(destination, 0o755);
}
