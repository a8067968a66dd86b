// Talks to the clone through the frontend server (same origin). The session is an HttpOnly
// cookie set by /_asym/web/login; every Web API call goes to /_asym/web/api/<method>,
// which runs the same methods as /api/<method> as the signed-in person.

export class ApiError extends Error {
  constructor(method, body) {
    super(`${method}: ${body?.error ?? 'request_failed'}`);
    this.method = method;
    this.code = body?.error ?? 'request_failed';
    this.body = body;
  }
}

// Reads are retried when the network drops a request (a browser reports ERR_NETWORK_CHANGED
// whenever an interface comes or goes, as Docker's do); writes are not, so nothing posts twice.
const READ_ONLY =
  /^(auth\.test|[a-z]+\.(list|history|replies|info|members|get|lookupByEmail)|search\.\w+|users\.\w+\.get)$/;

async function fetchRetrying(url, init, retries) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 150 * (attempt + 1)));
    }
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return { ok: false, error: `http_${response.status}` };
  }
}

/** One Web API call; resolves to the body when `ok`, throws ApiError otherwise. */
export async function call(method, args = {}) {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(args),
    credentials: 'same-origin',
  };
  const response = await fetchRetrying(`/_asym/web/api/${method}`, init, READ_ONLY.test(method) ? 2 : 0);
  const body = await readJson(response);
  // The session ended elsewhere (signed out in another tab, revoked): back to sign-in.
  if (body.error === 'not_authed') window.dispatchEvent(new Event('asym:signed-out'));
  if (!body.ok) throw new ApiError(method, body);
  return body;
}

/** Every page of a cursor-paginated method, with `key` holding the items. */
export async function callAll(method, args, key) {
  const items = [];
  let cursor = '';
  for (let page = 0; page < 50; page++) {
    const body = await call(method, { ...args, ...(cursor ? { cursor } : {}) });
    items.push(...(body[key] ?? []));
    cursor = body.response_metadata?.next_cursor ?? '';
    if (!cursor) break;
  }
  return items;
}

export async function workspace() {
  const response = await fetchRetrying('/_asym/workspace', {}, 2);
  return response.ok ? response.json() : null;
}

/** `{ ok, user, team }` for the signed-in person, or null. */
export async function session() {
  const response = await fetchRetrying('/_asym/web/session', { credentials: 'same-origin' }, 2);
  const body = await readJson(response);
  return body.ok ? body : null;
}

export async function login(email, password) {
  const response = await fetch('/_asym/web/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    credentials: 'same-origin',
  });
  const body = await readJson(response);
  if (!body.ok) throw new ApiError('login', body);
  return body;
}

export async function logout() {
  await fetch('/_asym/web/logout', { method: 'POST', credentials: 'same-origin' });
}

/**
 * A person's action in the page (a button click, a modal submitted, a slash command): the
 * clone sends the app what Slack would. Resolves to the outcome (`acked`, the app's answer).
 */
export async function act(action, params) {
  const response = await fetch(`/_asym/web/act/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ params }),
    credentials: 'same-origin',
  });
  const body = await readJson(response);
  if (body.error === 'not_authed') window.dispatchEvent(new Event('asym:signed-out'));
  if (!body.ok) throw new ApiError(action, body);
  return body;
}

/** The signed-in person's open modals (root first) and the app's Home tab for them. */
export async function views() {
  const response = await fetchRetrying('/_asym/web/views', { credentials: 'same-origin' }, 2);
  const body = await readJson(response);
  if (!body.ok) throw new ApiError('views', body);
  return body;
}
