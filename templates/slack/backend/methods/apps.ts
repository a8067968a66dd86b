import { z } from 'zod';
import { randomString } from '../../../_shared/crypto.js';
import { slackJson, slackString } from '../args.js';
import { requireUserToken } from '../caller.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { DEFAULT_BOT_SCOPES } from '../scopes.js';
import { SlackError } from '../slack-error.js';

// App manifests (apps.manifest.*), as an app configuration tool uses them: the installed
// app's manifest can be exported and updated; apps created from a manifest exist as
// configuration only (the clone installs one app, its seeded one).

interface ManifestProblem {
  message: string;
  pointer: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks what Slack's manifest schema requires of the parts the clone reads. */
export function manifestProblems(manifest: unknown): ManifestProblem[] {
  if (!isObject(manifest)) return [{ message: 'Must be an object', pointer: '/' }];
  const problems: ManifestProblem[] = [];
  const need = (ok: boolean, message: string, pointer: string) => {
    if (!ok) problems.push({ message, pointer });
  };
  const display = manifest.display_information;
  need(isObject(display), 'Must be an object', '/display_information');
  if (isObject(display)) {
    const name = display.name;
    need(typeof name === 'string' && name.trim() !== '', 'Must be a string', '/display_information/name');
    need(
      typeof name !== 'string' || name.length <= 35,
      'Must be at most 35 characters',
      '/display_information/name',
    );
    for (const key of ['description', 'long_description', 'background_color']) {
      need(
        display[key] === undefined || typeof display[key] === 'string',
        'Must be a string',
        `/display_information/${key}`,
      );
    }
  }
  const features = manifest.features;
  need(features === undefined || isObject(features), 'Must be an object', '/features');
  const bot = isObject(features) ? features.bot_user : undefined;
  if (bot !== undefined) {
    need(
      isObject(bot) &&
        typeof bot.display_name === 'string' &&
        bot.display_name !== '' &&
        bot.display_name.length <= 80,
      'Must be a string of 1 to 80 characters',
      '/features/bot_user/display_name',
    );
  }
  const oauth = manifest.oauth_config;
  const scopes = isObject(oauth) ? oauth.scopes : undefined;
  for (const kind of ['bot', 'user']) {
    const list = isObject(scopes) ? scopes[kind] : undefined;
    need(
      list === undefined ||
        (Array.isArray(list) && list.every((s) => typeof s === 'string' && /^[a-z_.:]+$/.test(s))),
      'Must be an array of scope names',
      `/oauth_config/scopes/${kind}`,
    );
  }
  const botScopes = isObject(scopes) && Array.isArray(scopes.bot) ? scopes.bot : [];
  need(botScopes.length === 0 || bot !== undefined, 'Bot scopes need a bot user', '/features/bot_user');
  const settings = isObject(manifest.settings) ? manifest.settings : {};
  const socketMode = settings.socket_mode_enabled === true;
  const events = settings.event_subscriptions;
  if (events !== undefined) {
    need(
      isObject(events) && (socketMode || typeof events.request_url === 'string'),
      'Event Subscription requires either Request URL or Socket Mode Enabled',
      '/settings/event_subscriptions',
    );
  }
  const interactivity = settings.interactivity;
  if (isObject(interactivity) && interactivity.is_enabled === true) {
    need(
      socketMode || typeof interactivity.request_url === 'string',
      'Interactivity requires a Request URL or Socket Mode enabled',
      '/settings/interactivity',
    );
  }
  return problems;
}

/** The `manifest` argument (JSON, as the SDK sends it), valid or Slack's invalid_manifest. */
function readManifest(value: unknown): Record<string, unknown> {
  if (value === undefined)
    throw new SlackError('invalid_manifest', { errors: [{ message: 'Required', pointer: '/' }] });
  const problems = manifestProblems(value);
  if (problems.length > 0) throw new SlackError('invalid_manifest', { errors: problems });
  return value as Record<string, unknown>;
}

interface InstalledApp {
  id: string;
  name: string;
  created: number;
}

async function installedApp(ctx: AuthedContext): Promise<InstalledApp | null> {
  const { rows } = await ctx.db.query<InstalledApp>(
    'SELECT id, name, created FROM apps ORDER BY created, id LIMIT 1',
  );
  return rows[0] ?? null;
}

/** The installed app's manifest as it is configured in the clone (until one is stored). */
async function derivedManifest(ctx: AuthedContext, app: InstalledApp): Promise<Record<string, unknown>> {
  const { rows } = await ctx.db.query<{ url: string; events: string[] }>(
    'SELECT url, events FROM asym.event_subscription',
  );
  const subscription = rows[0];
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: { name: app.name },
    features: {
      app_home: {
        home_tab_enabled: false,
        messages_tab_enabled: true,
        messages_tab_read_only_enabled: false,
      },
      bot_user: { display_name: app.name, always_online: true },
    },
    oauth_config: { scopes: { bot: [...DEFAULT_BOT_SCOPES] } },
    settings: {
      ...(subscription
        ? { event_subscriptions: { request_url: subscription.url, bot_events: subscription.events } }
        : {}),
      org_deploy_enabled: false,
      socket_mode_enabled: !subscription,
      token_rotation_enabled: false,
    },
  };
}

/** An app the caller may configure: the installed one, or one created from a manifest. */
async function configurableApp(ctx: AuthedContext, appId: string | undefined) {
  if (appId === undefined || !/^A[A-Z0-9]{2,30}$/.test(appId)) throw new SlackError('invalid_app_id');
  const installed = await installedApp(ctx);
  const { rows } = await ctx.db.query<{ manifest: Record<string, unknown> }>(
    'SELECT manifest FROM app_manifests WHERE app_id = $1',
    [appId],
  );
  const stored = rows[0]?.manifest ?? null;
  if (installed?.id === appId)
    return { installed: true, manifest: stored ?? (await derivedManifest(ctx, installed)) };
  if (!stored) throw new SlackError('app_not_found');
  return { installed: false, manifest: stored };
}

const requireConfig = (ctx: AuthedContext, write: boolean) =>
  requireUserToken(ctx.caller, write ? 'app_configurations:write' : 'app_configurations:read');

const validate = defineMethod({
  name: 'apps.manifest.validate',
  tier: 'tier3',
  args: z.object({ manifest: slackJson.optional(), app_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireConfig(ctx, false);
    if (args.app_id !== undefined) await configurableApp(ctx, args.app_id);
    readManifest(args.manifest);
    return { errors: [] };
  },
});

const exportManifest = defineMethod({
  name: 'apps.manifest.export',
  tier: 'tier3',
  args: z.object({ app_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireConfig(ctx, false);
    return { manifest: (await configurableApp(ctx, args.app_id)).manifest };
  },
});

const create = defineMethod({
  name: 'apps.manifest.create',
  tier: 'tier1',
  args: z.object({ manifest: slackJson.optional(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireConfig(ctx, true);
    const manifest = readManifest(args.manifest);
    const appId = newId('A', 10);
    const now = Math.floor(ctx.now() / 1000);
    await ctx.db.query(
      'INSERT INTO app_manifests (app_id, manifest, created, updated) VALUES ($1, $2, $3, $3)',
      [appId, JSON.stringify(manifest), now],
    );
    const clientId = `${randomString(10, 'digits')}.${randomString(13, 'digits')}`;
    const scopes = (manifest.oauth_config as { scopes?: { bot?: string[] } } | undefined)?.scopes?.bot ?? [];
    return {
      app_id: appId,
      credentials: {
        client_id: clientId,
        client_secret: randomString(32, 'hex'),
        verification_token: randomString(24, 'alnum'),
        signing_secret: randomString(32, 'hex'),
      },
      oauth_authorize_url: `https://slack.com/oauth/v2/authorize?client_id=${clientId}&scope=${scopes.join(',')}`,
    };
  },
});

const update = defineMethod({
  name: 'apps.manifest.update',
  tier: 'tier1',
  args: z.object({ manifest: slackJson.optional(), app_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireConfig(ctx, true);
    const current = await configurableApp(ctx, args.app_id);
    const manifest = readManifest(args.manifest);
    const scopesOf = (m: Record<string, unknown>) =>
      JSON.stringify((m.oauth_config as { scopes?: unknown } | undefined)?.scopes ?? {});
    const now = Math.floor(ctx.now() / 1000);
    await ctx.db.query(
      `INSERT INTO app_manifests (app_id, manifest, created, updated) VALUES ($1, $2, $3, $3)
       ON CONFLICT (app_id) DO UPDATE SET manifest = EXCLUDED.manifest, updated = EXCLUDED.updated`,
      [args.app_id, JSON.stringify(manifest), now],
    );
    return { app_id: args.app_id, permissions_updated: scopesOf(current.manifest) !== scopesOf(manifest) };
  },
});

const deleteMethod = defineMethod({
  name: 'apps.manifest.delete',
  tier: 'tier1',
  args: z.object({ app_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireConfig(ctx, true);
    const app = await configurableApp(ctx, args.app_id);
    // The installed app is the workspace's: the clone does not uninstall it.
    if (app.installed) throw new SlackError('app_not_eligible');
    await ctx.db.query('DELETE FROM app_manifests WHERE app_id = $1', [args.app_id]);
    return {};
  },
});

export const appsMethods: SlackMethod[] = [validate, exportManifest, create, update, deleteMethod];
