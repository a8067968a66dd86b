/**
 * What the CLI's own start costs for the commands run between trials, without Docker: the
 * built CLI's `reset <id>` and `env reset <name>` (5 members) against a stub admin server on
 * 127.0.0.1 that answers at once, so the figure is process start, module loading, the
 * registry read and the HTTP exchange, nothing of a clone's. Alternated in one run with two
 * baselines: `node -e 0` (a bare Node start) and a ten-line ES module that reads the
 * registry and makes the same request on node:http (what no CLI can go below). Prints
 * wall time and CPU time (user + sys, from /usr/bin/time when present) as min/median/max and
 * ratios to `node -e 0`: on a shared machine CPU time says what a start costs, wall time
 * how long the machine made it wait. `--dist <dir>` adds another build (e.g. main's) to the
 * same alternation.
 * Run: npm run build && node --import tsx bench/cli-start.ts [--runs 20] [--dist ../main/dist]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './lib.js';

const at = process.argv.indexOf('--runs');
const runs = at > 0 ? Number(process.argv[at + 1]) || 20 : 20;
const other = process.argv.includes('--dist')
  ? resolve(process.argv[process.argv.indexOf('--dist') + 1] ?? '')
  : null;
const dist = fileURLToPath(new URL('../dist', import.meta.url));

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"ok":true,"ms":0}'));
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const port = (server.address() as AddressInfo).port;

const home = mkdtempSync(join(tmpdir(), 'asym-bench-cli-start-'));
const ids = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5'];
const record = (id: string) => ({
  ...{ id, template: 'stub', mode: 'api', state: 'running', seed: null, ports: { backend: port } },
  ...{ images: {}, tokens: null, adminToken: 'bench', createdAt: '2026-01-01', updatedAt: '2026-01-01' },
});
writeFileSync(
  join(home, 'registry.json'),
  JSON.stringify({
    schemaVersion: 2,
    clones: Object.fromEntries(ids.map((id) => [id, record(id)])),
    environments: { bench: { name: 'bench', spec: null, members: ids, createdAt: 'x', updatedAt: 'x' } },
  }),
);
const floor = join(home, 'floor.mjs');
writeFileSync(
  floor,
  `import { readFileSync } from 'node:fs';
import { request } from 'node:http';
const registry = JSON.parse(readFileSync(\`\${process.env.ASYM_HOME}/registry.json\`, 'utf8'));
const clone = registry.clones['c-1'];
const req = request(\`http://127.0.0.1:\${clone.ports.backend}/_asym/reset\`, { method: 'POST' });
req.on('response', (res) => { res.resume(); res.on('end', () => { process.stdout.write('{}\\n'); process.exit(0); }); });
req.end('{}');
`,
);

const variants: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['floor: registry read + one node:http request', [floor]],
];
for (const [label, root] of [['', dist], ...(other ? [[` (${other})`, other]] : [])] as Array<
  [string, string]
>) {
  const cli = join(root, 'cli/asymmetric.mjs');
  variants.push([`reset <id>${label}`, [cli, 'reset', 'c-1', '--json']]);
  variants.push([`env reset, 5 members${label}`, [cli, 'env', 'reset', 'bench', '--json']]);
}

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const run = (args: string[]): Promise<{ wall: number; cpu: number }> =>
  new Promise((done, fail) => {
    const started = performance.now();
    const [command, argv] = timeBin ? [timeBin, ['-f', '@cpu %U %S', 'node', ...args]] : ['node', args];
    const child = spawn(command, argv, {
      env: { ...process.env, ASYM_HOME: home },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => {
      const wall = performance.now() - started;
      const cpu = /@cpu ([0-9.]+) ([0-9.]+)/.exec(stderr);
      if (code !== 0) fail(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
      else done({ wall, cpu: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN });
    });
  });

const wall = new Map(variants.map(([label]) => [label, [] as number[]]));
const cpu = new Map(variants.map(([label]) => [label, [] as number[]]));
for (let i = 0; i < runs; i++) {
  for (const [label, args] of variants) {
    const { wall: w, cpu: c } = await run(args);
    wall.get(label)?.push(w);
    cpu.get(label)?.push(c);
  }
}
server.close();

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;
const triple = (values: number[]) => {
  const s = sorted(values);
  return `${s[0]?.toFixed(0)}/${median(values).toFixed(0)}/${s.at(-1)?.toFixed(0)}`;
};
const baseWall = median(wall.get('node -e 0') ?? []);
const baseCpu = median(cpu.get('node -e 0') ?? []);
report(
  `CLI start (${runs} alternated runs; wall ms, ratio | CPU ms, ratio, min/median/max; load average ${loadavg()[0]?.toFixed(1)})`,
  variants.map(([label]) => {
    const w = wall.get(label) ?? [];
    const c = cpu.get(label) ?? [];
    return [
      label,
      triple(w),
      `${(median(w) / baseWall).toFixed(2)}×  | CPU ${triple(c)} ms ${(median(c) / baseCpu).toFixed(2)}×`,
    ];
  }),
);
