import type { Fixture } from '../../../_shared/template.js';
import { slackbotUser, writeWorkspace } from './workspace-writer.js';

const CREATED = 1_700_000_000;

/**
 * Seeded when a clone is spun with no fixture: one team, its admin, the app's bot and a
 * #general channel, so minted tokens have someone to act as.
 */
export const minimalWorkspace: Fixture = (db) =>
  writeWorkspace(db, {
    team: {
      id: 'T0ASYM00001',
      name: 'Asymmetric',
      domain: 'asymmetric',
      emailDomain: 'asymmetric.test',
      created: CREATED,
      primaryUserId: 'U0ASYM00001',
    },
    users: [
      {
        id: 'U0ASYM00001',
        name: 'admin',
        realName: 'Workspace Admin',
        displayName: 'admin',
        firstName: 'Workspace',
        lastName: 'Admin',
        email: 'admin@asymmetric.test',
        title: 'Administrator',
        isAdmin: true,
        isOwner: true,
        isPrimaryOwner: true,
        updated: CREATED,
      },
      {
        id: 'U0ASYM0BOT1',
        name: 'asym-bot',
        realName: 'Asymmetric Bot',
        displayName: 'Asymmetric Bot',
        email: null,
        isBot: true,
        botId: 'B0ASYM00001',
        appId: 'A0ASYM00001',
        updated: CREATED,
      },
      slackbotUser(CREATED),
    ],
    app: {
      id: 'A0ASYM00001',
      name: 'Asymmetric Bot',
      botId: 'B0ASYM00001',
      botUserId: 'U0ASYM0BOT1',
      created: CREATED,
    },
    conversations: [
      {
        id: 'C0ASYM00001',
        kind: 'channel',
        name: 'general',
        creator: 'U0ASYM00001',
        created: CREATED,
        isGeneral: true,
        purpose: 'This is the one channel that will always include everyone.',
        members: ['U0ASYM00001', 'U0ASYM0BOT1'],
      },
    ],
    messages: [],
    reactions: [],
  });
