import { z } from 'zod';
import { slackBoolean } from '../args.js';
import { defineMethod, type SlackMethod } from '../method.js';

export const authMethods: SlackMethod[] = [
  defineMethod({
    name: 'auth.test',
    tier: 'tier4',
    args: z.object({}),
    run: async (_args, { caller }) => ({
      url: `https://${caller.teamDomain}.slack.com/`,
      team: caller.teamName,
      user: caller.userName,
      team_id: caller.teamId,
      user_id: caller.userId,
      ...(caller.botId ? { bot_id: caller.botId } : {}),
      is_enterprise_install: false,
    }),
  }),
  defineMethod({
    name: 'auth.revoke',
    tier: 'tier3',
    args: z.object({ test: slackBoolean.optional() }),
    run: async (args, { db, caller, forgetCallers }) => {
      // `test` only says whether the token would be revoked.
      if (args.test) return { revoked: false };
      await db.query(
        'UPDATE asym.tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL',
        [caller.tokenHash],
      );
      forgetCallers();
      return { revoked: true };
    },
  }),
];
