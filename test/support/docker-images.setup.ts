import { ImageBuilder } from '../../src/images/image-builder.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';

/**
 * Vitest global setup for the suites that need the real engine: builds (or finds) the
 * project's images exactly as the CLI would, and hands their content-addressed tags to
 * the test workers. Nothing is pulled; the base image comes from `.ci/run` or the CLI's
 * own bootstrap. Progress goes to stderr because a cold build takes minutes.
 */
export default async function setup(): Promise<void> {
  const runtime = new DockerRuntime();
  await runtime.ping();
  const builder = new ImageBuilder(runtime, {
    step: (message) => process.stderr.write(`[images] ${message}\n`),
    detail: () => {},
  });
  const images = await builder.ensure(['postgres', 'redis']);
  process.env.ASYM_TEST_POSTGRES_IMAGE ??= images.get('postgres')!.tag;
  process.env.ASYM_TEST_REDIS_IMAGE ??= images.get('redis')!.tag;
}
