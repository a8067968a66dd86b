import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Shared by the benchmarks: the built CLI in a throwaway home, and simple statistics. */
export const CLI = fileURLToPath(new URL('../dist/cli/asymmetric.mjs', import.meta.url));
export const EXAMPLE = fileURLToPath(new URL('../examples/environment.yaml', import.meta.url));

/** A home's CLI: the built one, or another build's (`ASYM_BENCH_CLI`, a baseline to compare with). */
const cliOf = (env: NodeJS.ProcessEnv) => env.ASYM_BENCH_CLI ?? CLI;

export function benchHome(portFrom: number): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'asym-bench-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ portRange: { from: portFrom, to: portFrom + 99 } }),
  );
  return { dir, env: { ...process.env, ASYM_HOME: dir } };
}

// biome-ignore lint/suspicious/noExplicitAny: benchmark scripts read the CLI's JSON freely
export async function asym(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ ms: number; json: any }> {
  const started = performance.now();
  const result = await execa('node', [cliOf(env), ...args], { env });
  const ms = performance.now() - started;
  return { ms, json: args.includes('--json') ? JSON.parse(result.stdout) : null };
}

/**
 * Destroys every environment and clone of a bench home: what a bench spun, including what
 * survived a spin that failed half-way (a member that did not become ready in a loaded run).
 */
export async function destroyAll(env: NodeJS.ProcessEnv): Promise<void> {
  const run = (...args: string[]) => execa('node', [cliOf(env), ...args], { env, reject: false });
  const environments = JSON.parse((await run('env', 'status', '--json')).stdout || '[]') as Array<{
    name: string;
  }>;
  for (const { name } of environments) await run('env', 'destroy', name);
  const clones = JSON.parse((await run('status', '--json')).stdout || '[]') as Array<{ id: string }>;
  for (const { id } of clones) await run('destroy', id);
}

export const median = (values: number[]) => percentile(values, 50);

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

export function report(title: string, rows: Array<[string, string, string]>): void {
  process.stdout.write(`\n${title}\n`);
  for (const [what, value, target] of rows)
    process.stdout.write(`  ${what.padEnd(44)} ${value.padStart(12)}   ${target}\n`);
}
