import type { TemplateRunSpec } from '../templates/catalog.js';

/** One clone that `asymmetric run` puts in reach: what its manifest's `run` section reads. */
export interface RunMember {
  id: string;
  template: string;
  /** The backend's origin, `http://127.0.0.1:<port>`: where intercepted requests go. */
  origin: string;
  endpoints: Record<string, string>;
  tokens: Record<string, string>;
  run: TemplateRunSpec | undefined;
}

/** A vendor host whose requests go to a clone instead (the path is kept). */
export interface RunRoute {
  host: string;
  cloneId: string;
  origin: string;
}

export interface RunPlan {
  /** The variables the manifests name, plus ASYM_ENVIRONMENT. */
  variables: Record<string, string>;
  /** Lower-case host → the clone that answers it. */
  routes: Map<string, RunRoute>;
}

/** `crm-3f9a` → `CRM_3F9A`: the suffix of a clone's own variables. */
export const variableSuffix = (cloneId: string): string => cloneId.toUpperCase().replace(/[^A-Z0-9]/g, '_');

function resolveValue(member: RunMember, reference: string): string | undefined {
  const [source, key] = reference.split('.', 2) as ['tokens' | 'endpoints', string];
  return (source === 'tokens' ? member.tokens : member.endpoints)[key];
}

/**
 * The variables and routes for a set of clones, in member order. Each clone sets its
 * template's variables suffixed with its id (`CRM_API_KEY_CRM_3F9A`); the first clone
 * of a template also sets them plain and answers that template's vendor hosts.
 */
export function planRun(environment: string, members: readonly RunMember[]): RunPlan {
  const variables: Record<string, string> = {};
  const routes = new Map<string, RunRoute>();
  const seenTemplates = new Set<string>();
  for (const member of members) {
    const first = !seenTemplates.has(member.template);
    seenTemplates.add(member.template);
    for (const [name, reference] of Object.entries(member.run?.env ?? {})) {
      const value = resolveValue(member, reference);
      if (value === undefined) continue;
      variables[`${name}_${variableSuffix(member.id)}`] = value;
      if (first) variables[name] = value;
    }
    if (!first) continue;
    for (const host of member.run?.hosts ?? []) {
      const key = host.toLowerCase();
      if (!routes.has(key)) routes.set(key, { host: key, cloneId: member.id, origin: member.origin });
    }
  }
  variables.ASYM_ENVIRONMENT = environment;
  return { variables, routes };
}

/** Hosts a wrapped command reaches directly, never through the proxy (the clones' own ports). */
export const DIRECT_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/** Quotes a path for NODE_OPTIONS, which splits on spaces unless double-quoted. */
export const nodeOptionPath = (path: string): string => `"${path.replace(/(["\\])/g, '\\$1')}"`;

/**
 * The variables that point a command at the proxy and make it trust the run CA, and
 * nothing else: the CA never goes into a system store.
 */
export function proxyVariables(options: {
  proxyUrl: string;
  caPath: string;
  bundlePath: string;
  preloadPath: string;
  nodeOptions: string | undefined;
}): Record<string, string> {
  const noProxy = DIRECT_HOSTS.join(',');
  const preload = `--require ${nodeOptionPath(options.preloadPath)}`;
  return {
    // Upper and lower case: curl reads only http_proxy in lower case, others only upper.
    HTTPS_PROXY: options.proxyUrl,
    https_proxy: options.proxyUrl,
    HTTP_PROXY: options.proxyUrl,
    http_proxy: options.proxyUrl,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
    // Node adds this to its own roots; the others replace the roots, so they get a bundle
    // of the run CA and the usual roots (hosts that pass through keep verifying).
    NODE_EXTRA_CA_CERTS: options.caPath,
    SSL_CERT_FILE: options.bundlePath,
    REQUESTS_CA_BUNDLE: options.bundlePath,
    CURL_CA_BUNDLE: options.bundlePath,
    // git over HTTPS (clone/push to a host a clone answers) reads its own variable.
    GIT_SSL_CAINFO: options.bundlePath,
    // Node 24+ honours the proxy variables itself with this; Node 20 gets the preload.
    NODE_USE_ENV_PROXY: '1',
    ASYM_RUN_PROXY: options.proxyUrl,
    NODE_OPTIONS: options.nodeOptions?.includes(preload)
      ? options.nodeOptions
      : [options.nodeOptions, preload].filter(Boolean).join(' '),
  };
}
