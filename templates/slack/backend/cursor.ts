import { decodeCursor as decodeKitCursor } from '../../_shared/pagination.js';
import { SlackError } from './slack-error.js';

/**
 * Opaque cursors in Slack's style (the kit's: base64 of `<kind>:<value>`, so
 * "dXNlcjpVMDYxTkZUVDI=" is "user:U061NFTT2"); a cursor that is not one is invalid_cursor.
 */
export { encodeCursor } from '../../_shared/pagination.js';

export function decodeCursor(kind: string, cursor: string, valuePattern: RegExp): string {
  const value = decodeKitCursor(kind, cursor, valuePattern);
  if (value === null) throw new SlackError('invalid_cursor');
  return value;
}
