import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { FaultView } from '../../services/clone-evaluation.js';
import type { CommandKit } from '../kit.js';
import { parsePositiveInt } from '../options.js';

interface AddOptions {
  method: string;
  error?: string;
  status?: number;
  latency?: number;
  times?: number;
  rate?: number;
  json?: boolean;
}

const parseRate = (value: string): number => {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new InvalidArgumentError('--rate takes a fraction from 0 to 1, e.g. 0.5.');
  }
  return rate;
};

const parseStatus = (value: string): number => {
  const status = Number(value);
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new InvalidArgumentError('--status takes an HTTP error status from 400 to 599.');
  }
  return status;
};

function describeFault(fault: FaultView): string {
  const what =
    fault.latencyMs !== undefined
      ? `delay ${fault.latencyMs} ms`
      : `answer ${fault.error}${fault.status ? ` (HTTP ${fault.status})` : ''}`;
  const limits = [
    fault.remaining === null
      ? 'every call'
      : `${fault.remaining} more call${fault.remaining === 1 ? '' : 's'}`,
    fault.rate === undefined ? '' : `at rate ${fault.rate}`,
  ]
    .filter(Boolean)
    .join(' ');
  return `${fault.id}  ${fault.method}: ${what}, ${limits}; fired ${fault.fired}\n`;
}

export function registerFault(program: Command, kit: CommandKit): void {
  const fault = program
    .command('fault')
    .description("make a clone's API misbehave on purpose (faults stay across reset until cleared)");

  fault
    .command('add')
    .description('answer matching calls with a vendor error, or delay them')
    .argument('<id>', 'a clone id')
    .requiredOption(
      '--method <name>',
      "a method (chat.postMessage, 'POST /v1/customers') or '*' for every one",
    )
    .option('--error <code>', 'the vendor error code to answer with (ratelimited, card_declined, ...)')
    .option('--status <http>', 'the HTTP status of that error (default: the vendor usual one)', parseStatus)
    .option(
      '--latency <ms>',
      'delay matching calls by this many milliseconds instead',
      parsePositiveInt('--latency'),
    )
    .option('--times <n>', 'only the next n matching calls', parsePositiveInt('--times'))
    .option('--rate <r>', 'only this fraction of matching calls (0..1)', parseRate)
    .option('--json', 'print the fault as JSON')
    .action(async (id: string, options: AddOptions) => {
      const { addFault } = await import('../../services/clone-evaluation.js');
      const fault = {
        method: options.method,
        error: options.error,
        status: options.status,
        latencyMs: options.latency,
        times: options.times,
        rate: options.rate,
      };
      await kit.run(
        options.json,
        (ctx) => addFault(ctx, id, fault),
        (f) => `Added ${describeFault(f)}`,
      );
    });

  fault
    .command('ls')
    .description("a clone's faults")
    .argument('<id>', 'a clone id')
    .option('--json', 'print JSON (an array)')
    .action(async (id: string, options: { json?: boolean }) => {
      const { listFaults } = await import('../../services/clone-evaluation.js');
      await kit.run(
        options.json,
        (ctx) => listFaults(ctx, id),
        (list) => (list.length === 0 ? `No faults on ${id}.\n` : list.map(describeFault).join('')),
      );
    });

  fault
    .command('clear')
    .description("remove a clone's faults (all, or one with --id)")
    .argument('<id>', 'a clone id')
    .option('--id <fault-id>', 'only this fault')
    .option('--json', 'print { id, cleared } as JSON')
    .action(async (id: string, options: { id?: string; json?: boolean }) => {
      const { clearFaults } = await import('../../services/clone-evaluation.js');
      await kit.run(
        options.json,
        (ctx) => clearFaults(ctx, id, options.id),
        (r) => `Cleared ${r.cleared} fault${r.cleared === 1 ? '' : 's'} of ${r.id}\n`,
      );
    });
}
