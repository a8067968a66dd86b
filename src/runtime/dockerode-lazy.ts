import { createRequire, Module } from 'node:module';
import type DockerType from 'dockerode';

const require = createRequire(import.meta.url);

/**
 * dockerode, loaded without two modules it requires at load time for features this
 * runtime never uses: its BuildKit session (`@grpc/grpc-js` and `@grpc/proto-loader`,
 * only for `buildImage({ version: '2' })`) and docker-modem's SSH transport (`ssh2`, only
 * for an `ssh://` DOCKER_HOST). Together they were 300-500 ms of every spin's start on a
 * busy 2-core machine. Each is replaced in the module cache by a function that loads the
 * real module on its first call, so both still work if ever asked for.
 */
export function loadDockerode(): typeof DockerType {
  const dockerode = require.resolve('dockerode');
  const modem = createRequire(dockerode).resolve('docker-modem');
  deferFunctionModule(createRequire(dockerode).resolve('./session.js'));
  deferFunctionModule(createRequire(modem).resolve('./ssh.js'));
  return require('dockerode') as typeof DockerType;
}

function deferFunctionModule(path: string): void {
  if (require.cache[path]) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = function deferred(this: unknown, ...args: unknown[]) {
    delete require.cache[path];
    const real = require(path) as (...a: unknown[]) => unknown;
    return real.apply(this, args);
  };
  require.cache[path] = stub;
}
