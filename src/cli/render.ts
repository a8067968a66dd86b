import Table from 'cli-table3';
import type { DoctorReport } from '../services/doctor.js';
import type { CloneView, EnvironmentView } from '../services/views.js';

/** Human renderings of command results; `--json` prints the data itself instead. */
const table = (head: string[]) => new Table({ head, style: { head: [], border: [] } });

export function renderClones(clones: CloneView[]): string {
  if (clones.length === 0)
    return 'No clones. Create one with `asymmetric spin <template>` (`asymmetric templates` lists them).\n';
  const t = table(['ID', 'TEMPLATE', 'MODE', 'STATE', 'HEALTH', 'RESTARTS', 'ENVIRONMENT', 'API', 'WEB']);
  const notes: string[] = [];
  for (const c of clones) {
    t.push([
      c.id,
      c.template,
      c.mode,
      c.state,
      c.health?.status ?? '-',
      String(c.restarts),
      c.environment ?? '-',
      c.endpoints.api,
      c.endpoints.web ?? '-',
    ]);
    if (c.lastCrash) {
      const how = c.lastCrash.oomKilled
        ? 'OOM-killed (it hit its memory limit)'
        : `exited with code ${c.lastCrash.exitCode}`;
      notes.push(`${c.id}: its ${c.lastCrash.service} ${how} at ${c.lastCrash.at}`);
    }
    if (c.health?.detail) notes.push(`${c.id}: ${c.health.detail}`);
  }
  return `${t.toString()}\n${notes.map((n) => `${n}\n`).join('')}`;
}

export function renderEnvironments(envs: EnvironmentView[]): string {
  if (envs.length === 0) return 'No environments. Create one with `asymmetric env spin environment.yaml`.\n';
  const t = table(['NAME', 'STATE', 'MEMBERS', 'CREATED']);
  for (const e of envs) t.push([e.name, e.state, e.members.join(', ') || '-', e.createdAt]);
  return `${t.toString()}\n`;
}

/** A clone just spun: where to reach it and its tokens (shown once). */
export function renderSpun(clone: CloneView): string {
  const lines = [
    `${clone.id}  ${clone.template} (${clone.mode})  ${clone.state}`,
    `  api: ${clone.endpoints.api}`,
  ];
  if (clone.endpoints.web) lines.push(`  web: ${clone.endpoints.web}`);
  if (clone.endpoints.mcp) lines.push(`  mcp: ${clone.endpoints.mcp}`);
  for (const [key, value] of Object.entries(clone.tokens ?? {})) lines.push(`  ${key}: ${value}`);
  return `${lines.join('\n')}\n`;
}

export function renderTokens(tokens: Record<string, string>): string {
  return `${Object.entries(tokens)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n')}\n`;
}

export function renderDoctor(report: DoctorReport): string {
  const lines = [
    `docker: ${report.docker.reachable ? 'reachable' : 'NOT reachable'}`,
    `base image: ${report.docker.baseImage ? 'present' : 'not built yet (made on first spin)'}`,
  ];
  if (report.problems.length === 0) lines.push('No problems found.');
  for (const p of report.problems) lines.push(`${p.fixed ? 'fixed' : 'problem'}: ${p.message} [${p.kind}]`);
  if (!report.ok) lines.push('Run `asymmetric doctor --fix` to repair what can be repaired.');
  return `${lines.join('\n')}\n`;
}
