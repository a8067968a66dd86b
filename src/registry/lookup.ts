import { AsymError } from '../errors.js';
import type { CloneRecord, EnvironmentRecord, Registry } from './schema.js';

export function requireClone(registry: Registry, id: string): CloneRecord {
  const clone = registry.clones[id];
  if (!clone) {
    const ids = Object.keys(registry.clones);
    throw new AsymError('CLONE_NOT_FOUND', `There is no clone "${id}".`, {
      hint: ids.length ? `Known clones: ${ids.join(', ')}.` : 'Create one with `asymmetric spin <template>`.',
    });
  }
  return clone;
}

export function requireEnvironment(registry: Registry, name: string): EnvironmentRecord {
  const env = registry.environments[name];
  if (!env) {
    const known = Object.keys(registry.environments);
    throw new AsymError('ENVIRONMENT_NOT_FOUND', `There is no environment "${name}".`, {
      hint: known.length
        ? `Known environments: ${known.join(', ')}.`
        : 'Create one with `asymmetric env spin environment.yaml`.',
    });
  }
  return env;
}
