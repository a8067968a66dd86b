import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { resolveHome } from '../../src/home.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';

/** The built CLI, run as users run it: a real process, real engine, JSON parsed from stdout. */
export const CLI = fileURLToPath(new URL('../../dist/cli/asymmetric.mjs', import.meta.url));

export interface RealHome {
  dir: string;
  id: string;
  portRange: { from: number; to: number };
  // biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
  run(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string; json(): any }>;
  spawn(...args: string[]): ResultPromise;
  /** Every Docker object this home made, by label. */
  objects(): Promise<{ containers: string[]; volumes: string[]; networks: string[] }>;
  destroyAll(): Promise<void>;
}

let nextRange = 45000 + Math.floor(Math.random() * 20) * 100;

export function realHome(env: Record<string, string> = {}): RealHome {
  const dir = mkdtempSync(join(tmpdir(), 'asym-e2e-'));
  const portRange = { from: nextRange, to: nextRange + 99 };
  nextRange += 100;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ portRange }));
  const home = resolveHome({ ASYM_HOME: dir });
  const runtime = new DockerRuntime();
  const processEnv = { ...process.env, ASYM_HOME: dir, ...env };
  const self: RealHome = {
    dir,
    id: home.id,
    portRange,
    async run(...args) {
      const result = await execa('node', [CLI, ...args], { env: processEnv, reject: false });
      return {
        exitCode: result.exitCode ?? -1,
        stdout: result.stdout,
        stderr: result.stderr,
        json: () => JSON.parse(result.stdout),
      };
    },
    spawn(...args) {
      return execa('node', [CLI, ...args], { env: processEnv, reject: false });
    },
    async objects() {
      const labels = { [LABEL.home]: home.id };
      return {
        containers: (await runtime.listContainers(labels)).map((c) => c.name).sort(),
        volumes: (await runtime.listVolumes(labels)).map((v) => v.name).sort(),
        networks: (await runtime.listNetworks(labels)).map((n) => n.name).sort(),
      };
    },
    async destroyAll() {
      const labels = { [LABEL.home]: home.id };
      for (const c of await runtime.listContainers(labels)) await runtime.removeContainer(c.id);
      for (const n of await runtime.listNetworks(labels)) await runtime.removeNetwork(n.id).catch(() => {});
      for (const v of await runtime.listVolumes(labels)) await runtime.removeVolume(v.name).catch(() => {});
    },
  };
  return self;
}
