import type { SlackMethod } from '../method.js';
import { apiMethods } from './api.js';
import { authMethods } from './auth.js';
import { chatMethods } from './chat.js';
import { conversationsMethods } from './conversations.js';
import { usersMethods } from './users.js';

/** Every implemented Web API method, by name. A new family adds its list here. */
export const SLACK_METHODS: ReadonlyMap<string, SlackMethod> = new Map(
  [...apiMethods, ...authMethods, ...chatMethods, ...conversationsMethods, ...usersMethods].map((method) => [
    method.name,
    method,
  ]),
);
