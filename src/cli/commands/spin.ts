import type { Command } from 'commander';
import { AsymError } from '../../errors.js';
import { FailedAfterOutput } from '../io.js';
import type { CommandKit } from '../kit.js';
import { parsePositiveInt } from '../options.js';

interface SpinOptions {
  mode?: string;
  seed?: string;
  group?: string;
  expose?: boolean;
  rateLimits?: boolean;
  clock?: string;
  count?: number;
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
    .option(
      '-n, --count <n>',
      'spin this many clones of each template (several at once)',
      parsePositiveInt('--count'),
    )
    .option('--json', 'print the clones as JSON (with their tokens, shown once)')
    .action(async (templates: string[], options: SpinOptions) => {
      const { spinClone } = await import('../../services/clone-service.js');
      const { spinMany } = await import('../../services/spin-many.js');
      const { renderSpun } = await import('../render.js');
      const json = Boolean(options.json);
      const count = options.count ?? 1;
      if (count < 1) {
        throw new AsymError('INVALID_ARGUMENT', '--count must be at least 1.', {
          hint: 'Pass how many clones of each template to spin, e.g. `--count 5`.',
        });
      }
      const request = (template: string) => ({
        template,
        mode: options.mode,
        fixture: options.seed,
        expose: options.expose,
        rateLimits: options.rateLimits,
        clock: options.clock,
        environment: options.group,
      });
      const requests = templates.flatMap((template) =>
        Array.from({ length: count }, () => request(template)),
      );
      const ctx = await kit.context(json);
      if (requests.length === 1) {
        // One clone: its own error is the command's error (nothing to continue with).
        const spun = await spinClone(ctx, requests[0]!).finally(() => ctx.reporter.stop());
        kit.print(json, spun, renderSpun);
        return;
      }
      const { clones, failures } = await spinMany(ctx, requests).finally(() => ctx.reporter.stop());
      // Several print an array (scripts index it), then what failed.
      kit.print(json, clones, () =>
        [
          ...clones.map(renderSpun),
          ...failures.map((f) => `${f.template}: FAILED (${f.error.code}) ${f.error.message}\n`),
        ].join('\n'),
      );
      if (failures.length > 0) {
        const [first] = failures;
        throw new FailedAfterOutput(
          'SPIN_PARTIAL',
          `${failures.length} of ${requests.length} clones failed to spin (first: ${first!.error.message}).`,
          { hint: 'The others run; fix the cause and spin the missing ones again.' },
        );
      }
    });
}
