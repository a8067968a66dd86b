/**
 * Labels are identity; names are for humans. Every Docker object the tool creates carries
 * these, and every lookup goes through them.
 */
export const LABEL = {
  managed: 'dev.asymmetric.managed',
  home: 'dev.asymmetric.home',
  kind: 'dev.asymmetric.kind',
  clone: 'dev.asymmetric.clone',
  template: 'dev.asymmetric.template',
  service: 'dev.asymmetric.service',
  /** The clone's mode, so a clone can be adopted from its labels if the registry is lost. */
  mode: 'dev.asymmetric.mode',
  environment: 'dev.asymmetric.environment',
  members: 'dev.asymmetric.members',
  image: 'dev.asymmetric.image',
  sourceHash: 'dev.asymmetric.source-hash',
  /** The port of the home's delivery relay (on the home network and the relay container). */
  relayPort: 'dev.asymmetric.relay-port',
} as const;

/** What an object is. */
export type ObjectKind =
  | 'clone-container'
  | 'clone-volume'
  | 'redis'
  | 'relay'
  /** A short-lived Postgres and backend that make a seed image (src/services/seed-image.ts). */
  | 'seed-builder'
  | 'home-network'
  | 'environment-network';

export type CloneService = 'backend' | 'postgres' | 'frontend';

export function homeLabels(homeId: string, kind: ObjectKind): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.home]: homeId, [LABEL.kind]: kind };
}

export function cloneLabels(
  homeId: string,
  kind: 'clone-container' | 'clone-volume',
  cloneId: string,
  template: string,
  service: CloneService,
): Record<string, string> {
  return {
    ...homeLabels(homeId, kind),
    [LABEL.clone]: cloneId,
    [LABEL.template]: template,
    [LABEL.service]: service,
  };
}

export function environmentNetworkLabels(
  homeId: string,
  name: string,
  members: string[],
): Record<string, string> {
  return {
    ...homeLabels(homeId, 'environment-network'),
    [LABEL.environment]: name,
    [LABEL.members]: [...members].sort().join(','),
  };
}

export function parseMembersLabel(value: string | undefined): string[] {
  return value ? value.split(',').filter(Boolean).sort() : [];
}
