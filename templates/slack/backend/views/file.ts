import type { FileSummary } from '../store/messages.js';

/**
 * A file object as files.info and messages show it. The URLs point at this backend; the
 * private ones need the caller's token (Authorization: Bearer), as on Slack.
 */
export function fileView(
  file: FileSummary,
  teamId: string,
  baseUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const path = `${teamId}-${file.id}/${encodeURIComponent(file.name)}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.filetype.toUpperCase(),
    user: file.user_id,
    user_team: teamId,
    editable: false,
    size: file.size,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: `${baseUrl}/files-pri/${path}`,
    url_private_download: `${baseUrl}/files-pri/${path}?download=1`,
    permalink: `${baseUrl}/files/${file.user_id}/${file.id}/${encodeURIComponent(file.name)}`,
    permalink_public: `${baseUrl}/files-pub/${teamId}-${file.id}`,
    is_starred: false,
    has_rich_preview: false,
    file_access: 'visible',
    ...extra,
  };
}
