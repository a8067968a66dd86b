import { z } from 'zod';
import { slackBoolean, slackInteger, slackString } from '../args.js';
import { hasScope, requireScope } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { listUsers } from '../store/users.js';
import { userView } from '../views/user.js';

// Without a limit Slack tries to return everyone; the clone caps one page here.
const MAX_PAGE = 1000;

export const usersMethods: SlackMethod[] = [
  defineMethod({
    name: 'users.list',
    tier: 'tier2',
    args: z.object({
      cursor: slackString.optional(),
      limit: slackInteger.optional(),
      include_locale: slackBoolean.optional(),
      team_id: slackString.optional(),
    }),
    run: async (args, { db, caller, now }) => {
      requireScope(caller, 'users:read');
      const limit = args.limit && args.limit > 0 ? Math.min(args.limit, MAX_PAGE) : MAX_PAGE;
      const fromId = args.cursor ? decodeCursor('user', args.cursor, /^[UWB][A-Z0-9]{2,30}$/) : null;
      const rows = await listUsers(db, { fromId, limit: limit + 1 });
      const next = rows.length > limit ? rows[limit] : undefined;
      const includeEmail = hasScope(caller, 'users:read.email');
      return {
        members: rows.slice(0, limit).map((row) => ({
          ...userView(row, { includeEmail }),
          ...(args.include_locale ? { locale: 'en-US' } : {}),
        })),
        cache_ts: Math.floor(now() / 1000),
        response_metadata: { next_cursor: next ? encodeCursor('user', next.id) : '' },
      };
    },
  }),
];
