import { AsymError } from '../errors.js';
import type { CloneRecord, Registry } from './schema.js';

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
