import type { SlackMethod } from '../method.js';
import { apiMethods } from './api.js';
import { authMethods } from './auth.js';
import { bookmarksMethods } from './bookmarks.js';
import { chatMethods } from './chat.js';
import { conversationsMethods } from './conversations.js';
import { filesMethods } from './files.js';
import { pinsMethods } from './pins.js';
import { reactionsMethods } from './reactions.js';
import { remindersMethods } from './reminders.js';
import { searchMethods } from './search.js';
import { teamMethods } from './team.js';
import { usergroupsMethods } from './usergroups.js';
import { usersMethods } from './users.js';
import { viewsMethods } from './views.js';

/** Every implemented Web API method, by name. A new family adds its list here. */
export const SLACK_METHODS: ReadonlyMap<string, SlackMethod> = new Map(
  [
    ...apiMethods,
    ...authMethods,
    ...bookmarksMethods,
    ...chatMethods,
    ...conversationsMethods,
    ...filesMethods,
    ...pinsMethods,
    ...reactionsMethods,
    ...remindersMethods,
    ...searchMethods,
    ...teamMethods,
    ...usergroupsMethods,
    ...usersMethods,
    ...viewsMethods,
  ].map((method) => [method.name, method]),
);
