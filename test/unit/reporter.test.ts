import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/cli/io.js';

const stream = (props: { isTTY?: boolean; columns?: number }) => {
  let text = '';
  const out = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    props,
  );
  return { out, text: () => text };
};

describe('progress reporter', () => {
  it('prints plain step lines when stderr is not a terminal, or a terminal with no width', async () => {
    for (const props of [{}, { isTTY: true, columns: 0 }]) {
      const err = stream(props);
      const reporter = await createReporter({ stdout: stream({}).out, stderr: err.out, env: {} }, false);
      reporter.step('Creating slack-a1b2');
      reporter.detail('Step 1/4'); // details only with ASYM_DEBUG
      reporter.stop();
      expect(err.text()).toBe('- Creating slack-a1b2\n');
    }
  });

  it('prints nothing with --json', async () => {
    const err = stream({ isTTY: true, columns: 80 });
    const reporter = await createReporter({ stdout: stream({}).out, stderr: err.out, env: {} }, true);
    reporter.step('Creating slack-a1b2');
    reporter.stop();
    expect(err.text()).toBe('');
  });
});
