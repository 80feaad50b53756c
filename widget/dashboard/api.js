/*
 * REST calls of the dashboard. Every call but login sends the Bearer token; a 401
 * raises AuthError so the app can go back to the sign-in form. Other failures raise
 * ApiError carrying the HTTP status and the error's `code` and `field`, so a form can
 * show the message next to the field it names.
 */

export class ApiError extends Error {
  constructor(message, status, code, field) {
    super(message);
    this.status = status; this.code = code || null; this.field = field || null;
  }
}
export class AuthError extends ApiError {}

async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { /* empty or not JSON */ }
  if (res.ok) return body || {};
  const e = (body && body.error) || {};
  const msg = e.message || `${res.status} ${res.statusText}`;
  if (res.status === 401) throw new AuthError(msg, 401, e.code, e.field);
  throw new ApiError(msg, res.status, e.code, e.field);
}

export async function login(email, password) {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ email, password }),
  });
  return parse(res);
}

export async function request(method, path, token, body) {
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(res);
}

export const get = (path, token) => request('GET', path, token);

export const listConversations = (state, token) =>
  get(`/api/conversations?state=${encodeURIComponent(state)}`, token);

/* {q, from, to}: closed conversations matching; empty fields are left out. */
export function searchClosed(token, q) {
  const p = new URLSearchParams({ state: 'closed' });
  for (const k of ['q', 'from', 'to']) if (q[k]) p.set(k, q[k]);
  return get(`/api/conversations?${p}`, token);
}

/* A visitor's conversations, newest first (404 when none is readable). */
export const visitorConversations = (visitorId, token) =>
  get(`/api/visitors/${encodeURIComponent(visitorId)}/conversations`, token);

export const transcript = (id, token) =>
  get(`/api/conversations/${encodeURIComponent(id)}/transcript`, token);

/* Admin: the team, with each agent's live status. */
export const agents = (token) => get('/api/agents', token);
export const createAgent = (token, body) => request('POST', '/api/agents', token, body);
export const patchAgent = (token, id, body) =>
  request('PATCH', `/api/agents/${encodeURIComponent(id)}`, token, body);
export const settings = (token) => get('/api/settings', token);
export const putSettings = (token, body) => request('PUT', '/api/settings', token, body);

/* {from, to, agent?}: dates as YYYY-MM-DD (UTC days, both included). */
export function kpis(token, q) {
  const p = new URLSearchParams({ from: q.from, to: q.to });
  if (q.agent) p.set('agent', String(q.agent));
  if (q.team) p.set('team', String(q.team));
  return get(`/api/reports/kpis?${p}`, token);
}

/* Fetches a file with the token and saves it through a temporary Blob link. */
export async function download(path, token, filename) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, credentials: 'same-origin' });
  if (!res.ok) await parse(res);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url; a.download = filename; a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
