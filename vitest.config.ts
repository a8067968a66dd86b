import { defineConfig } from 'vitest/config';

/**
 * Four tiers (style guide, habit 8):
 * - unit: pure functions and services/CLI against the fake runtime; no Docker, seconds.
 * - templates: the clone servers in-process against a real Postgres and Redis
 *   (testcontainers, from the project's own images).
 * - containers: the official-SDK suites again, against clones the built CLI spins.
 * - docker: the built CLI end to end on the real engine, and the runtime contract suite.
 * Docker-heavy files run one at a time: the machines have 2 cores.
 */
const SDK_SUITES = [
  'test/templates/slack-conversations.test.ts',
  'test/templates/slack-messages.test.ts',
  'test/templates/slack-extras.test.ts',
  'test/templates/slack-robustness.test.ts',
  'test/templates/slack-shapes.test.ts',
  'test/templates/slack-methods-two.test.ts',
  'test/templates/stripe-payments.test.ts',
  'test/templates/stripe.test.ts',
  'test/templates/stripe-billing.test.ts',
  'test/templates/stripe-billing-more.test.ts',
  'test/templates/stripe-checkout.test.ts',
  'test/templates/stripe-support.test.ts',
  'test/templates/stripe-more.test.ts',
  'test/templates/github.test.ts',
  'test/templates/fuzz.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 },
      },
      {
        extends: true,
        test: {
          name: 'templates',
          include: ['test/templates/**/*.test.ts'],
          globalSetup: ['test/support/docker-images.setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'containers',
          include: SDK_SUITES,
          env: { ASYM_CLONE_TARGET: 'container' },
          globalSetup: ['test/support/docker-images.setup.ts', 'test/support/build-cli.setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'docker',
          include: ['test/docker/**/*.test.ts'],
          globalSetup: ['test/support/docker-images.setup.ts', 'test/support/build-cli.setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
