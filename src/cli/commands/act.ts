import type { Command } from 'commander';
import type { ActionView, ActResult } from '../../services/clone-act.js';
import type { CommandKit } from '../kit.js';

/**
 * `act <id> <action> --<param> <value> ...`: the parameters are the template's own (its
 * manifest's `actions`), so they are read from the raw arguments rather than declared.
 */
async function parseActArgs(
  raw: readonly string[],
): Promise<{ action?: string; params: Record<string, string> }> {
  const { AsymError } = await import('../../errors.js');
  const params: Record<string, string> = {};
  let action: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i] as string;
    if (!token.startsWith('--')) {
      if (action !== undefined) {
        throw new AsymError(
          'INVALID_ARGUMENT',
          `Unexpected argument "${token}" after the action "${action}".`,
          {
            hint: 'Parameters go as --<name> <value> (quote values with spaces).',
          },
        );
      }
      action = token;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const value = eq === -1 ? raw[++i] : token.slice(eq + 1);
    if (value === undefined) {
      throw new AsymError('INVALID_ARGUMENT', `--${name} needs a value.`, {
        hint: `Pass --${name} <value>.`,
      });
    }
    params[name] = value;
  }
  return { ...(action === undefined ? {} : { action }), params };
}

const describeActions = (id: string, actions: ActionView[]) =>
  `Actions of ${id}:\n${actions
    .map(
      (a) =>
        `  ${a.name}  ${a.description}\n${a.params
          .map((p) => `      --${p.name}${p.required ? '' : ' (optional)'}  ${p.description}\n`)
          .join('')}`,
    )
    .join('')}`;

const describeResult = (r: ActResult) =>
  `${r.action} on ${r.id}: acknowledged${typeof r.type === 'string' ? ` (${r.type})` : ''}\n`;

export function registerAct(program: Command, kit: CommandKit): void {
  program
    .command('act')
    .description(
      'act as a person in a clone (click a button, submit a modal, run a command ...); the app gets what the vendor would send',
    )
    .argument('<id>', 'a clone id')
    .argument('[action]', 'the action (see --list)')
    .option('--list', "list the template's actions and their parameters")
    .option('--json', 'print JSON')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      "\nThe action's parameters follow it as --<name> <value> (see --list), e.g.\n" +
        '  asymmetric act <clone-id> <action> --user <id> --<param> <value>\n',
    )
    .action(async function (
      this: Command,
      id: string,
      _action: string | undefined,
      options: { list?: boolean; json?: boolean },
    ) {
      const { action, params } = await parseActArgs(this.args.slice(1));
      const service = await import('../../services/clone-act.js');
      if (options.list || action === undefined) {
        if (!options.list) {
          const { AsymError } = await import('../../errors.js');
          throw new AsymError('INVALID_ARGUMENT', 'Name an action, or pass --list to see them.', {
            hint: `Run \`asymmetric act ${id} --list\`.`,
          });
        }
        await kit.run(
          options.json,
          (ctx) => service.listActions(ctx, id),
          (actions) => describeActions(id, actions),
        );
        return;
      }
      await kit.run(options.json, (ctx) => service.act(ctx, id, action, params), describeResult);
    });
}
