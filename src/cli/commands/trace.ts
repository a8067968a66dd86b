import type { Command } from 'commander';
import type { TraceRecord } from '../../services/clone-evaluation.js';
import type { CommandKit } from '../kit.js';
import { parsePositiveInt } from '../options.js';

interface TraceOptions {
  follow?: boolean;
  json?: boolean;
  limit?: number;
}

/** One aligned line per call: time, clone, method, status, outcome, duration, actor, args. */
export function renderTraceLine(record: TraceRecord): string {
  const time = record.at.slice(11, 23);
  const outcome = record.ok ? 'ok' : (record.error ?? 'error');
  const args = JSON.stringify(record.args);
  return `${[
    time,
    record.clone.padEnd(12),
    record.method.padEnd(28),
    String(record.status).padEnd(3),
    `${outcome}${record.fault ? ` (fault ${record.fault})` : ''}`.padEnd(22),
    `${record.ms}ms`.padStart(8),
    (record.actor ?? '-').padEnd(16),
    args.length > 160 ? `${args.slice(0, 157)}...` : args,
  ].join('  ')}\n`;
}

/** `trace <id>` and `env trace <name>`: the same output for one clone or every member. */
export async function printTrace(
  kit: CommandKit,
  ids: (ctx: Awaited<ReturnType<CommandKit['context']>>) => Promise<string[]>,
  options: TraceOptions,
): Promise<void> {
  const { traceClones } = await import('../../services/clone-evaluation.js');
  const json = Boolean(options.json);
  const ctx = await kit.context(json);
  const write = (record: TraceRecord) =>
    kit.io.stdout.write(json ? `${JSON.stringify(record)}\n` : renderTraceLine(record));
  const members = await ids(ctx);
  if (!options.follow) {
    const page = await traceClones(ctx, members, { limit: options.limit });
    for (const record of page.records) write(record);
    if (page.dropped > 0) {
      kit.io.stderr.write(
        `note: ${page.dropped} older calls were dropped (a clone keeps its newest 10000).\n`,
      );
    }
    if (!json && page.records.length === 0) kit.io.stderr.write('No API calls since the last reset.\n');
    return;
  }
  // Until interrupted: Ctrl-C ends the stream, and the command with exit 0.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await traceClones(ctx, members, {
      limit: options.limit,
      follow: { onRecord: write, signal: stop.signal },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerTrace(program: Command, kit: CommandKit): void {
  program
    .command('trace')
    .description('every API call the clone served since the last reset (secrets redacted)')
    .argument('<id>', 'a clone id')
    .option('-f, --follow', 'keep printing new calls until interrupted')
    .option('--limit <n>', 'only the newest n calls', parsePositiveInt('--limit'))
    .option('--json', 'print JSON Lines: one call per line')
    .action((id: string, options: TraceOptions) => printTrace(kit, async () => [id], options));
}
