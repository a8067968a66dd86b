import { randomString } from '../../_shared/crypto.js';

/** A new object id in Slack's style: a type prefix and upper-case alphanumerics (C0123ABCDEF). */
export const newId = (prefix: string, length = 10): string =>
  `${prefix}${randomString(length, 'upperAlnum')}`;
