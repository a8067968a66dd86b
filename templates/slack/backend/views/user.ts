import type { UserRow } from '../store/users.js';

const IMAGE_SIZES = [24, 32, 48, 72, 192, 512] as const;

/** A user object as users.list returns it; email only with users:read.email, as on Slack. */
export function userView(row: UserRow, options: { includeEmail: boolean }): Record<string, unknown> {
  const images: Record<string, string> = {};
  for (const size of IMAGE_SIZES) {
    // A photo set with users.setPhoto is served from Slack's avatar host, like Slack's own.
    images[`image_${size}`] = row.photo_hash
      ? `https://avatars.slack-edge.com/${row.team_id}/${row.photo_hash}_${size}.png`
      : `https://secure.gravatar.com/avatar/${row.avatar_hash || row.id}?s=${size}&d=identicon`;
  }
  if (row.photo_hash)
    images.image_original = `https://avatars.slack-edge.com/${row.team_id}/${row.photo_hash}_original.png`;
  const profile: Record<string, unknown> = {
    title: row.title,
    phone: row.phone,
    skype: '',
    real_name: row.real_name,
    real_name_normalized: row.real_name,
    display_name: row.display_name,
    display_name_normalized: row.display_name,
    fields: {},
    status_text: row.status_text,
    status_emoji: row.status_emoji,
    status_emoji_display_info: [],
    status_expiration: row.status_expiration,
    ...(row.pronouns ? { pronouns: row.pronouns } : {}),
    avatar_hash: row.avatar_hash,
    ...(options.includeEmail && row.email ? { email: row.email } : {}),
    // People's huddle status; nobody is in a huddle in the clone.
    ...(row.is_bot ? {} : { huddle_state: 'default_unset', huddle_state_expiration_ts: 0 }),
    first_name: row.first_name,
    last_name: row.last_name,
    ...(row.photo_hash ? { is_custom_image: true } : {}),
    ...images,
    status_text_canonical: '',
    team: row.team_id,
    ...(row.is_bot ? { bot_id: row.bot_id, api_app_id: row.app_id, always_active: true } : {}),
  };
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    deleted: row.deleted,
    color: row.color,
    real_name: row.real_name,
    tz: row.tz,
    tz_label: row.tz_label,
    tz_offset: row.tz_offset,
    profile,
    is_admin: row.is_admin,
    is_owner: row.is_owner,
    is_primary_owner: row.is_primary_owner,
    is_restricted: row.is_restricted,
    is_ultra_restricted: row.is_ultra_restricted,
    is_bot: row.is_bot,
    is_app_user: row.is_app_user,
    updated: row.updated,
    // Two-factor sign-in is not something the clone's people have set up.
    ...(row.is_bot ? {} : { has_2fa: false }),
    is_email_confirmed: !row.is_bot && row.email !== null,
    who_can_share_contact_card: 'EVERYONE',
  };
}
