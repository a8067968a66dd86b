import type pg from 'pg';
import { z } from 'zod';
import { validateParams } from '../../_shared/parameters.js';
import type { SlackCaller } from './caller.js';
import type { EventSink } from './events/event-sink.js';
import type { TriggerStore } from './interactivity/triggers.js';
import type { RateTier } from './rate-limit.js';

/** What a method handler sees besides its arguments. */
export interface MethodContext {
  db: pg.Pool;
  /** Milliseconds since the epoch (injected so tests control time). */
  now: () => number;
  /** Where clients reach this backend (upload URLs, file links). */
  baseUrl: string;
  /** Events API deliveries for what a method changed; sent after the method answers. */
  events: EventSink;
  /** Drops cached token lookups (auth.revoke). */
  forgetCallers: () => void;
  /** The trigger_ids interactions handed the app (views.open, views.push). */
  triggers: TriggerStore;
}

export interface AuthedContext extends MethodContext {
  caller: SlackCaller;
}

export type MethodResult = Record<string, unknown>;

/**
 * One Web API method, as the router needs it. Methods are registered by family
 * (methods/<family>.ts); adding one is a `defineMethod` call added to that family's list.
 */
export interface SlackMethod {
  name: string;
  tier: RateTier;
  /** False only for methods Slack answers without a token (api.test). */
  needsAuth: boolean;
  /** The arguments the method reads (its schema's keys), for tools that exercise every method. */
  argNames: readonly string[];
  invoke(
    args: Record<string, unknown>,
    ctx: MethodContext,
    caller: SlackCaller | null,
  ): Promise<MethodResult>;
}

// The kit validates; its invalid_params renders as Slack's invalid_arguments (slack-error.ts).
const parseArgs = <S extends z.ZodType>(schema: S, args: Record<string, unknown>): z.output<S> =>
  validateParams(schema, args);

const argNamesOf = (schema: z.ZodType): string[] =>
  schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];

export function defineMethod<S extends z.ZodType>(definition: {
  name: string;
  tier: RateTier;
  args: S;
  run(args: z.output<S>, ctx: AuthedContext): Promise<MethodResult>;
}): SlackMethod {
  return {
    name: definition.name,
    tier: definition.tier,
    needsAuth: true,
    argNames: argNamesOf(definition.args),
    invoke: async (args, ctx, caller) => {
      // The router resolves the caller before invoking; this guards a registry mistake.
      if (!caller) throw new Error(`${definition.name} invoked without a caller`);
      return definition.run(parseArgs(definition.args, args), { ...ctx, caller });
    },
  };
}

export function definePublicMethod<S extends z.ZodType>(definition: {
  name: string;
  tier: RateTier;
  args: S;
  run(args: z.output<S>, ctx: MethodContext, raw: Record<string, unknown>): Promise<MethodResult>;
}): SlackMethod {
  return {
    name: definition.name,
    tier: definition.tier,
    needsAuth: false,
    argNames: argNamesOf(definition.args),
    invoke: (args, ctx) => definition.run(parseArgs(definition.args, args), ctx, args),
  };
}
