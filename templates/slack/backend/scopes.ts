/**
 * Scopes a freshly minted token set holds, unless the admin request names others. The
 * bot lacks `chat:write.public` on purpose: like a real app, it posts only where it is a
 * member (`not_in_channel` otherwise).
 */
export const DEFAULT_BOT_SCOPES = [
  'app_mentions:read',
  'channels:history',
  'channels:read',
  'chat:write',
  'groups:history',
  'groups:read',
  'im:history',
  'im:read',
  'mpim:history',
  'mpim:read',
  'reactions:read',
  'reactions:write',
  'users:read',
  'users:read.email',
] as const;

export const DEFAULT_USER_SCOPES = [
  'channels:history',
  'channels:read',
  'channels:write',
  'chat:write',
  'groups:history',
  'groups:read',
  'groups:write',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'reactions:read',
  'reactions:write',
  'search:read',
  'users:read',
  'users:read.email',
] as const;

/** Which scope reads (or reads the history of) each kind of conversation. */
export const CONVERSATION_SCOPES = {
  channel: { read: 'channels:read', history: 'channels:history' },
  private: { read: 'groups:read', history: 'groups:history' },
  mpim: { read: 'mpim:read', history: 'mpim:history' },
  im: { read: 'im:read', history: 'im:history' },
} as const;
