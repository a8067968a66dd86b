import { execa } from 'execa';

/** The end-to-end suites run the built CLI (dist/), so build it from the current sources. */
export default async function setup(): Promise<void> {
  await execa('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
