import type { Command } from 'commander';
import type { CloneView } from '../../services/views.js';
import type { CommandKit } from '../kit.js';

interface SpinOptions {
  mode?: string;
  seed?: string;
  group?: string;
  expose?: boolean;
  rateLimits?: boolean;
  clock?: string;
  json?: boolean;
}

export function registerSpin(program: Command, kit: CommandKit): void {
  program
    .command('spin')
    .description('create clones of one or more templates and wait until they serve')
    .argument('<template...>', 'template names (see `asymmetric templates`)')
    .option('--mode <mode>', "the template's mode (default: its first, e.g. api)")
    .option('--seed <fixture>', 'seed fixture to load (e.g. acme-corp)')
    .option('-g, --group <env>', 'join (or create) this environment')
    .option('--expose', 'publish ports on all interfaces, not only 127.0.0.1')
    .option(
      '--no-rate-limits',
      "turn the vendor's rate limits off (templates whose manifest declares rateLimits; on by default)",
    )
    .option('--clock <iso>', 'pin the clock: the seeded timeline and reported times start here at each reset')
    .option('--json', 'print the clones as JSON (with their tokens, shown once)')
    .action(async (templates: string[], options: SpinOptions) => {
      const { spinClone } = await import('../../services/clone-service.js');
      const { renderSpun } = await import('../render.js');
      const json = Boolean(options.json);
      const ctx = await kit.context(json);
      const spun: CloneView[] = [];
      try {
        for (const template of templates) {
          spun.push(
            await spinClone(ctx, {
              template,
              mode: options.mode,
              fixture: options.seed,
              expose: options.expose,
              rateLimits: options.rateLimits,
              clock: options.clock,
              environment: options.group,
            }),
          );
        }
      } finally {
        ctx.reporter.stop();
      }
      // One template prints one clone; several print an array (scripts index it).
      kit.print(json, spun.length === 1 ? spun[0] : spun, () => spun.map(renderSpun).join('\n'));
    });
}
