import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerEvents(program: Command, kit: CommandKit): void {
  program
    .command('events')
    .description(
      "show or set a clone's Request URL, for templates that take one (localhost means this machine)",
    )
    .argument('<id>', 'a clone id')
    .option('--url <url>', 'deliver events here (the clone runs the url_verification handshake first)')
    .option('--off', 'stop delivering events over HTTP')
    .option('--json', 'print { id, url, events } as JSON')
    .action(async (id: string, options: { url?: string; off?: boolean; json?: boolean }) => {
      const { cloneEvents } = await import('../../services/clone-events.js');
      if (options.url && options.off) {
        const { AsymError } = await import('../../errors.js');
        throw new AsymError('INVALID_ARGUMENT', 'Pass either --url or --off, not both.');
      }
      const change = options.url ? { url: options.url } : options.off ? { off: true as const } : null;
      await kit.run(
        options.json,
        (ctx) => cloneEvents(ctx, id, change),
        (r) =>
          r.url
            ? `${r.id} delivers ${r.events.length} event types to ${r.url}\n`
            : `${r.id} delivers no events over HTTP\n`,
      );
    });
}
