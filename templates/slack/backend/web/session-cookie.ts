/**
 * The web client's session cookie is named after its clone. Cookies ignore ports, so two
 * clones' web clients on 127.0.0.1 share one cookie jar: one shared name would let each
 * sign-in replace the other's session. The frontend forwards only its own clone's cookie
 * and the backend reads only that one.
 */
export const sessionCookieName = (cloneId: string) =>
  `asym_slack_session_${cloneId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
