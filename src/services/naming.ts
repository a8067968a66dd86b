import type { CloneService } from '../runtime/labels.js';

/**
 * Docker object names. Names are for humans reading `docker ps`; the code finds objects by
 * label. They carry the home id so two homes on one engine never collide.
 */
export const names = {
  homeNetwork: (homeId: string) => `asym-${homeId}`,
  redis: (homeId: string) => `asym-${homeId}-redis`,
  relay: (homeId: string) => `asym-${homeId}-relay`,
  container: (homeId: string, cloneId: string, service: CloneService) =>
    `asym-${homeId}-${cloneId}-${service}`,
  volume: (homeId: string, cloneId: string) => `asym-${homeId}-${cloneId}-pgdata`,
  environmentNetwork: (homeId: string, environment: string, suffix: string) =>
    `asym-${homeId}-env-${environment}-${suffix}`,
  /** DNS names inside the home network. */
  alias: (cloneId: string, service: CloneService) => `${cloneId}-${service}`,
  redisAlias: 'redis',
};
