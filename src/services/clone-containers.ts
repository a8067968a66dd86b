import { createHash, createHmac } from 'node:crypto';
import type { CloneRecord } from '../registry/schema.js';
import { type CloneService, cloneLabels, LABEL } from '../runtime/labels.js';
import type { ContainerSpec } from '../runtime/types.js';
import type { TemplateManifest } from '../templates/catalog.js';
import type { HomeInfra } from './home-infra.js';
import { names } from './naming.js';

const MiB = 1024 * 1024;

/** How a clone's backend reaches the Docker host (see templates/_shared/outbound-url.ts). */
export const HOST_ALIAS = 'host.docker.internal';

/** Order to start a clone's services in (and reverse order to stop them). */
export const START_ORDER: CloneService[] = ['postgres', 'backend', 'frontend'];

export const CLONE_RESTART_POLICY = 'unless-stopped' as const;

export const redisPrefix = (cloneId: string) => `${cloneId}:`;
export const databaseUrl = (cloneId: string) =>
  `postgres://asym@${names.alias(cloneId, 'postgres')}:5432/clone`;
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The secret a clone's frontend proves itself to its backend with (templates/_shared/
 * frontend-gate.ts). Derived from the admin token, so the record alone yields the same specs
 * (and a recreated container the same secret), yet it reveals nothing of the admin token.
 */
export const frontendSecret = (clone: CloneRecord) =>
  createHmac('sha256', clone.adminToken).update('asym-frontend-secret').digest('hex');

/**
 * The containers a clone is made of, as pure data from its record and its home's infra:
 * the same record always yields the same specs, which is what lets `doctor --fix`
 * recreate a missing container.
 */
export function cloneContainerSpecs(
  homeId: string,
  clone: CloneRecord,
  template: TemplateManifest,
  infra: HomeInfra = { relayUrl: null },
): ContainerSpec[] {
  const services = template.modes[clone.mode]?.services ?? [];
  const network = names.homeNetwork(homeId);
  const hostIp = clone.exposed ? '0.0.0.0' : '127.0.0.1';
  const image = (service: CloneService) => {
    const entry = clone.images[service];
    if (!entry) throw new Error(`clone ${clone.id} has no image recorded for ${service}`);
    return entry.tag;
  };
  const base = (service: CloneService) => ({
    name: names.container(homeId, clone.id, service),
    image: image(service),
    labels: {
      ...cloneLabels(homeId, 'clone-container', clone.id, clone.template, service),
      [LABEL.mode]: clone.mode,
    },
    network: { name: network, aliases: [names.alias(clone.id, service)] },
    // A process that dies on its own (a crash, the OOM killer at the memory limit) comes
    // back by itself, as does everything that ran when the engine or host restarts. A
    // container stopped on purpose (`asymmetric stop`, `docker stop`, `docker kill`) stays
    // down: `unless-stopped` rather than `always` (which also revives stopped clones when
    // the engine restarts) or `on-failure` (which leaves a clone down after a reboot).
    restartPolicy: CLONE_RESTART_POLICY,
  });
  const frontend = template.services.frontend;
  const withFrontend = services.includes('frontend') && frontend !== undefined && !!clone.ports.frontend;
  const specs: ContainerSpec[] = [];
  if (services.includes('postgres')) {
    specs.push({
      ...base('postgres'),
      volumes: { [names.volume(homeId, clone.id)]: '/var/lib/postgresql/data' },
      memoryBytes: 256 * MiB,
      stopTimeoutSeconds: 5,
    });
  }
  if (services.includes('backend')) {
    specs.push({
      ...base('backend'),
      init: true,
      env: {
        PORT: String(template.services.backend.port),
        ASYM_CLONE_ID: clone.id,
        ASYM_TEMPLATE: clone.template,
        DATABASE_URL: databaseUrl(clone.id),
        REDIS_URL: `redis://${names.redisAlias}:6379`,
        REDIS_PREFIX: redisPrefix(clone.id),
        ASYM_ADMIN_TOKEN_SHA256: sha256(clone.adminToken),
        ASYM_SEED_FIXTURE: clone.seed?.fixture ?? '',
        ASYM_PUBLIC_URL: `http://127.0.0.1:${clone.ports.backend}`,
        ASYM_HOST_ALIAS: HOST_ALIAS,
        ...(infra.relayUrl ? { ASYM_RELAY_URL: infra.relayUrl } : {}),
        ...(template.rateLimits ? { [template.rateLimits.env]: clone.rateLimits ? 'on' : 'off' } : {}),
        ...(withFrontend ? { ASYM_FRONTEND_SECRET_SHA256: sha256(frontendSecret(clone)) } : {}),
        // Empty: real time. Every reset places the timeline around it again.
        ASYM_CLOCK: clone.clock ?? '',
      },
      ports: [{ containerPort: template.services.backend.port, hostPort: clone.ports.backend, hostIp }],
      // Webhooks and Events API deliveries to a URL on localhost mean the user's machine:
      // the backend sends them through the home's relay, or where there is none (Docker
      // Desktop) to this name, which reaches the host's loopback there.
      extraHosts: [`${HOST_ALIAS}:host-gateway`],
      memoryBytes: 256 * MiB,
      stopTimeoutSeconds: 3,
    });
  }
  if (withFrontend && frontend && clone.ports.frontend) {
    specs.push({
      ...base('frontend'),
      init: true,
      env: {
        PORT: String(frontend.port),
        BACKEND_URL: `http://${names.alias(clone.id, 'backend')}:${template.services.backend.port}`,
        ASYM_CLONE_ID: clone.id,
        ASYM_PUBLIC_URL: `http://127.0.0.1:${clone.ports.frontend}`,
        ASYM_API_URL: `http://127.0.0.1:${clone.ports.backend}`,
        ASYM_FRONTEND_SECRET: frontendSecret(clone),
      },
      ports: [{ containerPort: frontend.port, hostPort: clone.ports.frontend, hostIp }],
      memoryBytes: 128 * MiB,
      stopTimeoutSeconds: 3,
    });
  }
  return specs;
}

export const serviceOf = (spec: ContainerSpec) => spec.labels['dev.asymmetric.service'] as CloneService;
