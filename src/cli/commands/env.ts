import type { Command } from 'commander';
import { FailedAfterOutput } from '../io.js';
import type { CommandKit } from '../kit.js';
import { parsePositiveInt } from '../options.js';
import { renderDiff } from './diff.js';
import { envResetAction } from './reset-actions.js';
import { printTrace } from './trace.js';

export function registerEnv(program: Command, kit: CommandKit): void {
  const env = program.command('env').description('environments: named sets of clones from environment.yaml');

  env
    .command('spin')
    .description('create every clone an environment.yaml declares, several at once (continue-all)')
    .argument('<file>', 'path to environment.yaml')
    .option('--json', 'print the environment with its clones (and their tokens) as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { spinEnvironment } = await import('../../services/environment-service.js');
      const { renderSpun } = await import('../render.js');
      const result = await kit.run(
        options.json,
        (ctx) => spinEnvironment(ctx, file),
        (r) =>
          [
            `Environment ${r.name}: ${r.state}\n`,
            ...r.members.map(renderSpun),
            ...r.failures.map((f) => `${f.template}: FAILED (${f.error.code}) ${f.error.message}\n`),
          ].join('\n'),
      );
      if (result.failures.length > 0) {
        throw new FailedAfterOutput(
          'ENVIRONMENT_PARTIAL',
          `Environment ${result.name} is ${result.state}: ${result.failures.length} of ${result.spec.clones.length} clones failed.`,
          { hint: `Fix the cause above, then \`asymmetric env destroy ${result.name}\` and spin it again.` },
        );
      }
    });

  env
    .command('status')
    .alias('ls')
    .description('list environments with their state rolled up from their members')
    .argument('[name]', 'an environment name')
    .option('--json', 'print JSON (an array)')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      const { environmentStatus } = await import('../../services/environment-service.js');
      const { renderEnvironments } = await import('../render.js');
      await kit.run(options.json, (ctx) => environmentStatus(ctx, name), renderEnvironments);
    });

  env
    .command('reset')
    .description('reset every member of an environment to its seeded state')
    .argument('<name>', 'an environment name')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) => envResetAction(kit, name, options.json));

  env
    .command('destroy')
    .description('destroy every member, the network and the record of an environment')
    .argument('<name>', 'an environment name')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { destroyEnvironment } = await import('../../services/environment-service.js');
      await kit.run(
        options.json,
        (ctx) => destroyEnvironment(ctx, name),
        (r) => `Destroyed ${r.name} (${r.destroyed.join(', ') || 'no clones'})\n`,
      );
    });

  env
    .command('trace')
    .description("every API call the environment's members served, in time order")
    .argument('<name>', 'an environment name')
    .option('-f, --follow', 'keep printing new calls until interrupted')
    .option('--limit <n>', 'only the newest n calls', parsePositiveInt('--limit'))
    .option('--json', 'print JSON Lines: one call per line')
    .action(async (name: string, options: { follow?: boolean; json?: boolean; limit?: number }) => {
      const { environmentMembers } = await import('../../services/clone-evaluation.js');
      await printTrace(kit, (ctx) => environmentMembers(ctx, name), options);
    });

  env
    .command('diff')
    .description("what every member's API shows changed since the seed (or a checkpoint)")
    .argument('<name>', 'an environment name')
    .option('--since <checkpoint>', 'compare with an environment checkpoint instead of the seed')
    .option('--json', 'print { name, since, members: [diff...] } as JSON')
    .action(async (name: string, options: { since?: string; json?: boolean }) => {
      const { diffEnvironment } = await import('../../services/clone-evaluation.js');
      await kit.run(
        options.json,
        (ctx) => diffEnvironment(ctx, name, options.since),
        (result) => result.members.map(renderDiff).join(''),
      );
    });
}
