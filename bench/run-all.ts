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
  'floor.ts',
  'deliveries.ts',
  'cli-start.ts',
  'reset.ts',
  'spin.ts',
  // Last: 50 clones take the machine for many minutes.
  'scale.ts',
]) {
  await execa('node', ['--import', 'tsx', new URL(script, import.meta.url).pathname], { stdio: 'inherit' });
}
