import { z } from 'zod';
import { slackBoolean, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';

interface TeamRow {
  id: string;
  name: string;
  domain: string;
  email_domain: string;
}

interface BotRow {
  bot_id: string;
  app_id: string;
  name: string;
  bot_user_id: string;
  created: number;
  deleted: boolean;
}

interface EmojiRow {
  name: string;
  url: string | null;
  alias_for: string | null;
}

const teamInfo = defineMethod({
  name: 'team.info',
  tier: 'tier3',
  args: z.object({ team: slackString.optional(), domain: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'team:read');
    const { rows } = await ctx.db.query<TeamRow>(
      'SELECT id, name, domain, email_domain FROM teams WHERE id = $1',
      [args.team ?? ctx.caller.teamId],
    );
    const team = rows[0];
    if (!team || (args.domain !== undefined && args.domain !== team.domain))
      throw new SlackError('team_not_found');
    return {
      team: {
        id: team.id,
        name: team.name,
        url: `https://${team.domain}.slack.com/`,
        domain: team.domain,
        email_domain: team.email_domain,
        icon: {
          image_default: true,
          image_34: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png',
          image_44: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-44.png',
          image_68: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-68.png',
          image_88: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-88.png',
          image_102: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-102.png',
          image_230: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-230.png',
          image_132: 'https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-132.png',
        },
        avatar_base_url: 'https://ca.slack-edge.com/',
        is_verified: false,
        lob_sales_home_enabled: false,
        is_sfdc_auto_slack: false,
      },
    };
  },
});

const botsInfo = defineMethod({
  name: 'bots.info',
  tier: 'tier3',
  args: z.object({ bot: slackString.optional(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:read');
    const botId = args.bot ?? ctx.caller.botId;
    if (!botId) throw new SlackError('bot_not_found');
    const { rows } = await ctx.db.query<BotRow>(
      `SELECT a.bot_id, a.id AS app_id, a.name, a.bot_user_id, a.created, u.deleted
       FROM apps a JOIN users u ON u.id = a.bot_user_id WHERE a.bot_id = $1`,
      [botId],
    );
    const bot = rows[0];
    if (!bot) throw new SlackError('bot_not_found');
    return {
      bot: {
        id: bot.bot_id,
        deleted: bot.deleted,
        name: bot.name,
        updated: bot.created,
        app_id: bot.app_id,
        user_id: bot.bot_user_id,
        icons: {
          image_36: 'https://a.slack-edge.com/80588/img/plugins/app/bot_36.png',
          image_48: 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png',
          image_72: 'https://a.slack-edge.com/80588/img/plugins/app/service_72.png',
        },
      },
    };
  },
});

const emojiList = defineMethod({
  name: 'emoji.list',
  tier: 'tier2',
  args: z.object({ include_categories: slackBoolean.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'emoji:read');
    const { rows } = await ctx.db.query<EmojiRow>(
      'SELECT name, url, alias_for FROM custom_emoji ORDER BY name',
    );
    const emoji: Record<string, string> = {};
    for (const row of rows) emoji[row.name] = row.url ?? `alias:${row.alias_for}`;
    return {
      emoji,
      cache_ts: `${Math.floor(ctx.now() / 1000)}.000000`,
      ...(args.include_categories ? { categories_version: '5', categories: [] } : {}),
    };
  },
});

export const teamMethods: SlackMethod[] = [teamInfo, botsInfo, emojiList];
