/*
 * REST calls of the dashboard. Every call but login sends the Bearer token; a 401
 * raises AuthError so the app can go back to the sign-in form.
 */

export class AuthError extends Error {}

async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch { /* empty or not JSON */ }
  if (res.ok) return body || {};
  const msg = (body && body.error && body.error.message) || `${res.status} ${res.statusText}`;
  if (res.status === 401) throw new AuthError(msg);
  throw new Error(msg);
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

export async function get(path, token) {
  const res = await fetch(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    credentials: 'same-origin',
  });
  return parse(res);
}

export const listConversations = (state, token) =>
  get(`/api/conversations?state=${encodeURIComponent(state)}`, token);

export const transcript = (id, token) =>
  get(`/api/conversations/${encodeURIComponent(id)}/transcript`, token);
