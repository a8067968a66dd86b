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
    .option(
      '--interactivity-url <url>',
      "where button clicks, modals, shortcuts and slash commands go ('off': to the events URL)",
    )
    .option('--json', 'print { id, url, events } as JSON')
    .action(
      async (
        id: string,
        options: { url?: string; off?: boolean; interactivityUrl?: string; json?: boolean },
      ) => {
        const { cloneEvents } = await import('../../services/clone-events.js');
        if (options.url && options.off) {
          const { AsymError } = await import('../../errors.js');
          throw new AsymError('INVALID_ARGUMENT', 'Pass either --url or --off, not both.');
        }
        const change = options.url ? { url: options.url } : options.off ? { off: true as const } : null;
        const interactivity =
          options.interactivityUrl === undefined
            ? undefined
            : { url: options.interactivityUrl === 'off' ? null : options.interactivityUrl };
        await kit.run(
          options.json,
          (ctx) => cloneEvents(ctx, id, change, interactivity),
          (r) =>
            (r.url
              ? `${r.id} delivers ${r.events.length} event types to ${r.url}\n`
              : `${r.id} delivers no events over HTTP\n`) +
            (r.interactivityUrl === undefined
              ? ''
              : `and interactions and slash commands to ${r.interactivityUrl ?? (r.url || 'nowhere (no Request URL)')}\n`),
        );
      },
    );
}
