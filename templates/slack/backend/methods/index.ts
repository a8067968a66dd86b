import type { SlackMethod } from '../method.js';
import { apiMethods } from './api.js';
import { appsMethods } from './apps.js';
import { assistantMethods } from './assistant.js';
import { authMethods } from './auth.js';
import { bookmarksMethods } from './bookmarks.js';
import { callsMethods } from './calls.js';
import { canvasesMethods } from './canvases.js';
import { chatMethods } from './chat.js';
import { chatStreamMethods } from './chat-stream.js';
import { chatUnfurlMethods } from './chat-unfurl.js';
import { conversationsMethods } from './conversations.js';
import { dndMethods } from './dnd.js';
import { filesMethods } from './files.js';
import { filesRemoteMethods } from './files-remote.js';
import { pinsMethods } from './pins.js';
import { platformMethods } from './platform.js';
import { reactionsMethods } from './reactions.js';
import { remindersMethods } from './reminders.js';
import { searchMethods } from './search.js';
import { starsMethods } from './stars.js';
import { teamMethods } from './team.js';
import { usergroupsMethods } from './usergroups.js';
import { usersMethods } from './users.js';
import { viewsMethods } from './views.js';
import { workspaceExtrasMethods } from './workspace-extras.js';

/** Every implemented Web API method, by name. A new family adds its list here. */
export const SLACK_METHODS: ReadonlyMap<string, SlackMethod> = new Map(
  [
    ...apiMethods,
    ...appsMethods,
    ...assistantMethods,
    ...authMethods,
    ...bookmarksMethods,
    ...callsMethods,
    ...canvasesMethods,
    ...chatMethods,
    ...chatStreamMethods,
    ...chatUnfurlMethods,
    ...conversationsMethods,
    ...dndMethods,
    ...filesMethods,
    ...filesRemoteMethods,
    ...pinsMethods,
    ...platformMethods,
    ...reactionsMethods,
    ...remindersMethods,
    ...searchMethods,
    ...starsMethods,
    ...teamMethods,
    ...usergroupsMethods,
    ...usersMethods,
    ...workspaceExtrasMethods,
    ...viewsMethods,
  ].map((method) => [method.name, method]),
);
