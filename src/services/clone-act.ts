import { AsymError } from '../errors.js';
import { requireClone } from '../registry/lookup.js';
import { didYouMean } from '../spec/did-you-mean.js';
import { getTemplate, type TemplateActionSpec } from '../templates/catalog.js';
import { AdminRefusal, adminCall } from './clone-admin.js';
import type { AppContext } from './context.js';

/** One person action a clone's template offers (`act --list`). */
export interface ActionView {
  name: string;
  description: string;
  params: Array<{ name: string; required: boolean; description: string }>;
}

/** What `act` prints: the template's outcome (`acked`, ids it handed out, the app's answer). */
export interface ActResult {
  id: string;
  action: string;
  acked: boolean;
  [key: string]: unknown;
}

// Above the vendor's ack deadline (3 s for chat apps) plus what the action itself writes.
const ACT_TIMEOUT_MS = 20_000;

function actionsOf(template: string, id: string): Record<string, TemplateActionSpec> {
  const actions = getTemplate(template).actions;
  if (!actions || Object.keys(actions).length === 0) {
    throw new AsymError(
      'ACTION_NOT_FOUND',
      `Clone ${id} is a ${template} clone, whose template offers no actions.`,
      {
        hint: 'Use a clone whose template lists actions in `asymmetric templates`.',
      },
    );
  }
  return actions;
}

const view = (name: string, spec: TemplateActionSpec): ActionView => ({
  name,
  description: spec.description,
  params: Object.entries(spec.params).map(([param, p]) => ({
    name: param,
    required: p.required,
    description: p.description,
  })),
});

/** `asymmetric act <id> --list`: the actions the clone's template declares in its manifest. */
export async function listActions(ctx: AppContext, id: string): Promise<ActionView[]> {
  const clone = requireClone(await ctx.store.read(), id);
  return Object.entries(actionsOf(clone.template, id)).map(([name, spec]) => view(name, spec));
}

/**
 * `asymmetric act <id> <action> --<param> <value>`: checks the parameters against the
 * manifest, then has the clone deliver what the vendor would (POST /_asym/act/<action>).
 * Resolves once the app acknowledged; a person's action nobody answered in time is
 * ACTION_NOT_ACKNOWLEDGED.
 */
export async function act(
  ctx: AppContext,
  id: string,
  action: string,
  params: Readonly<Record<string, string>>,
): Promise<ActResult> {
  const clone = requireClone(await ctx.store.read(), id);
  const actions = actionsOf(clone.template, id);
  const spec = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!spec) {
    const names = Object.keys(actions);
    const near = didYouMean(action, names);
    throw new AsymError('ACTION_NOT_FOUND', `The ${clone.template} template has no action "${action}".`, {
      hint: `${near ? `Did you mean "${near}"? ` : ''}Use one of: ${names.join(', ')} (\`asymmetric act ${id} --list\`).`,
    });
  }
  const unknown = Object.keys(params).filter((name) => !Object.hasOwn(spec.params, name));
  if (unknown.length > 0) {
    throw new AsymError('INVALID_ARGUMENT', `Action "${action}" takes no --${unknown.join(', --')}.`, {
      hint: `It takes ${Object.keys(spec.params)
        .map((p) => `--${p}`)
        .join(', ')} (\`asymmetric act ${id} --list\`).`,
    });
  }
  const missing = Object.entries(spec.params)
    .filter(([name, p]) => p.required && (params[name] === undefined || params[name] === ''))
    .map(([name]) => `--${name}`);
  if (missing.length > 0) {
    throw new AsymError('INVALID_ARGUMENT', `Action "${action}" needs ${missing.join(', ')}.`, {
      hint: `Pass ${missing.map((m) => `${m} <${m.slice(2)}>`).join(' ')} (\`asymmetric act ${id} --list\` describes them).`,
    });
  }
  let outcome: { acked: boolean; reason?: string; detail?: string; [key: string]: unknown };
  try {
    outcome = await adminCall(clone, `/_asym/act/${encodeURIComponent(action)}`, { params }, ACT_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof AdminRefusal) {
      throw new AsymError(
        'ACTION_REFUSED',
        `Clone ${id} refused "${action}": ${error.reason.message} (${error.reason.code}).`,
        {
          hint: 'Check the ids you passed (a user, channel, message ts or view id of this clone).',
        },
      );
    }
    throw error;
  }
  const { ok: _ok, action: _action, ...rest } = outcome;
  const result: ActResult = { id, action, ...rest, acked: outcome.acked };
  if (!outcome.acked) {
    throw new AsymError(
      'ACTION_NOT_ACKNOWLEDGED',
      `The app did not acknowledge "${action}" on ${id} (${outcome.reason ?? 'no answer'}: ${outcome.detail ?? 'no detail'}).`,
      {
        hint:
          outcome.reason === 'no_request_url'
            ? `Set its Request URL (\`asymmetric events ${id} --url <url>\`) or connect it in Socket Mode.`
            : 'The app must ack within 3 seconds (Bolt: call ack() first in the listener).',
        details: result,
      },
    );
  }
  return result;
}
