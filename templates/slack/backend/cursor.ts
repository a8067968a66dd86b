import { SlackError } from './slack-error.js';

/**
 * Opaque cursors in Slack's style: base64 of `<kind>:<value>` naming the next item to
 * return ("dXNlcjpVMDYxTkZUVDI=" is "user:U061NFTT2").
 */
export const encodeCursor = (kind: string, value: string): string =>
  Buffer.from(`${kind}:${value}`).toString('base64');

export function decodeCursor(kind: string, cursor: string, valuePattern: RegExp): string {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const value = decoded.startsWith(`${kind}:`) ? decoded.slice(kind.length + 1) : null;
  if (value === null || !valuePattern.test(value)) throw new SlackError('invalid_cursor');
  return value;
}
