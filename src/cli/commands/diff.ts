import type { Command } from 'commander';
import type { ChangeView, DiffResult } from '../../services/clone-evaluation.js';
import type { CommandKit } from '../kit.js';

const MARK = { created: '+', updated: '~', deleted: '-' } as const;

/** A few words that say which object it is: its text, name, email or title. */
function label(change: ChangeView): string {
  const object = change.after ?? change.before ?? {};
  for (const key of ['text', 'name', 'email', 'title', 'handle', 'description', 'url']) {
    const value = object[key];
    if (typeof value === 'string' && value !== '') {
      const short = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return ` ${JSON.stringify(short)}`;
    }
  }
  return '';
}

/** Grouped by type, one line per object: `+ message C0.../1796155480.117000 "deploy is done"`. */
export function renderDiff(result: DiffResult): string {
  const since = result.since === 'seed' ? 'the seed' : `checkpoint ${result.since}`;
  if (result.changes.length === 0) return `${result.id}: no changes since ${since}\n`;
  const lines = [
    `${result.id}: ${result.changes.length} change${result.changes.length === 1 ? '' : 's'} since ${since}`,
  ];
  const types = [...new Set(result.changes.map((change) => change.type))].sort();
  for (const type of types) {
    for (const change of result.changes.filter((c) => c.type === type)) {
      const fields = change.op === 'updated' && change.fields ? ` (${change.fields.join(', ')})` : '';
      lines.push(`  ${MARK[change.op]} ${type} ${change.id}${label(change)}${fields}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerDiff(program: Command, kit: CommandKit): void {
  program
    .command('diff')
    .description(
      "what the clone's API shows changed since the seed (or a checkpoint): created, updated, deleted",
    )
    .argument('<id>', 'a clone id')
    .option('--since <checkpoint>', 'compare with a checkpoint (`snapshot save`) instead of the seed')
    .option('--json', 'print { id, template, since, changes } as JSON')
    .action(async (id: string, options: { since?: string; json?: boolean }) => {
      const { diffClone } = await import('../../services/clone-evaluation.js');
      await kit.run(options.json, (ctx) => diffClone(ctx, id, options.since), renderDiff);
    });
}
