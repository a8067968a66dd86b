import { z } from 'zod';
import { slackString } from '../args.js';
import { definePublicMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';

/** api.test: echoes its arguments; `error=x` makes it fail with x, as Slack's does. */
export const apiMethods: SlackMethod[] = [
  definePublicMethod({
    name: 'api.test',
    tier: 'none',
    args: z.object({ error: slackString.optional() }),
    run: async ({ error }, _ctx, raw) => {
      const args = Object.keys(raw).length > 0 ? { args: raw } : {};
      if (error) throw new SlackError(error, args);
      return args;
    },
  }),
];
