import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerListen(program: Command, kit: CommandKit): void {
  program
    .command('listen')
    .description(
      "forward a clone's deliveries (webhooks, events) to a local URL, like a vendor's own listen command",
    )
    .argument('<id>', 'a clone id')
    .requiredOption('--forward-to <url>', 'POST each delivery here, signed as the clone signs it')
    .option(
      '--events <names>',
      "only these, comma-separated (the template's event names, as its manifest's deliveries.events says)",
    )
    .option('--json', 'JSON Lines on stdout: a "ready" line with the secret, then one per delivery')
    .action(async (id: string, options: { forwardTo: string; events?: string; json?: boolean }) => {
      const { listenToClone } = await import('../../services/clone-listen.js');
      const json = Boolean(options.json);
      const { io } = kit;
      const line = (value: unknown) => io.stdout.write(`${JSON.stringify(value)}\n`);
      // Runs until ^C: the stream closes and the command ends with exit 0.
      const stop = new AbortController();
      const interrupted = () => stop.abort();
      const signal = io.interrupt ? AbortSignal.any([io.interrupt, stop.signal]) : stop.signal;
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      try {
        await listenToClone(await kit.context(json), id, {
          forwardTo: options.forwardTo,
          events: (options.events ?? '')
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean),
          signal,
          onReady(ready) {
            if (json) return line(ready);
            io.stderr.write(
              `Ready! Forwarding ${ready.clone}'s deliveries to ${ready.forwardTo}` +
                `${ready.events.length ? ` (${ready.events.join(', ')})` : ''}.\n` +
                `Your signing secret is ${ready.secret} (^C to quit)\n`,
            );
          },
          onDelivery(delivery) {
            if (json) return line(delivery);
            const at = delivery.at.replace('T', ' ').slice(0, 19);
            const answer = delivery.status === null ? `[ERROR ${delivery.error}]` : `[${delivery.status}]`;
            io.stderr.write(
              `${at}   --> ${delivery.event} [${delivery.id}]\n` +
                `${at}  <--  ${answer} POST ${options.forwardTo} [${delivery.id}]\n`,
            );
          },
        });
      } finally {
        process.off('SIGINT', interrupted);
        process.off('SIGTERM', interrupted);
      }
    });
}
