import { z } from 'zod';
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
];
