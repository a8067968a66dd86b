// Every benchmark, one after another (they share the machine's 2 cores): `npm run bench`.
import { execa } from 'execa';

for (const script of [
  'core.ts',
  'slack-api.ts',
  'stripe-api.ts',
  'github-api.ts',
  'durability.ts',
  'journal.ts',
  'evaluation.ts',
  // The floor ratios, and the same calls sent to the in-memory peer in the same rounds.
  'floor.ts --peer',
  'deliveries.ts',
  'cli-start.ts',
  'reset.ts',
  'spin.ts',
  // Last: 50 clones take the machine for many minutes.
  'scale.ts',
]) {
  const [file, ...args] = script.split(' ');
  await execa('node', ['--import', 'tsx', new URL(file!, import.meta.url).pathname, ...args], {
    stdio: 'inherit',
  });
}
