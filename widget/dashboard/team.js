/*
 * The "Team" list: who is online, away or offline, live from `presence` events.
 *
 * Admins start from GET /api/agents (names and current status). Other agents cannot
 * list the team, so they see whoever announces a presence change, named from what the
 * dashboard has learned (state events and message authors), else "Agent N".
 * A status from the list never overwrites a presence event that arrived while the
 * list was loading.
 */
import { el, clear, $ } from './dom.js';
import * as api from './api.js';

const team = new Map();   /* id (text) -> {id, name, email, role, active, capacity, status} */
const listeners = new Set();
let ctx = null;           /* {token, me, isAdmin, authFailed} */
let loading = null;       /* ids that got a presence event during the current load */

const ORDER = { online: 0, away: 1, offline: 2 };
const LABEL = { online: 'Online', away: 'Away', offline: 'Offline' };

function entry(id) {
  const k = String(id);
  let a = team.get(k);
  if (!a) { a = { id: k, name: null, status: 'offline', active: true }; team.set(k, a); }
  return a;
}

function changed() {
  render();
  for (const fn of listeners) { try { fn(); } catch (e) { console.warn('parley:', e.message); } }
}

export function onTeamChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function startTeam(c) {
  ctx = c;
  const me = entry(c.me.id);
  Object.assign(me, { name: c.me.name || c.me.email, email: c.me.email, role: c.me.role });
  $('team').hidden = false;
  changed();
  loadTeam();
}

export function resetTeam() {
  ctx = null; loading = null;
  team.clear();
  clear($('team-list'));
}

/* Admins: (re)load the list, e.g. after a reconnect. */
export async function loadTeam() {
  if (!ctx || !ctx.isAdmin) return;
  const mine = new Set();
  loading = mine;
  let res;
  try { res = await api.agents(ctx.token); } catch (e) {
    if (loading === mine) loading = null;
    if (e instanceof api.AuthError) ctx.authFailed(); else console.warn('parley:', e.message);
    return;
  }
  if (loading !== mine || !ctx) return;
  loading = null;
  const ids = new Set();
  for (const a of res.agents || []) {
    const k = String(a.id);
    ids.add(k);
    const status = mine.has(k) ? entry(k).status : (a.status || 'offline');
    Object.assign(entry(k), a, { id: k, status });
  }
  for (const k of [...team.keys()]) if (!ids.has(k)) team.delete(k);
  changed();
}

export function onPresence(f) {
  if (f.agent_id == null || !f.status) return;
  const a = entry(f.agent_id);
  a.status = f.status;
  if (loading) loading.add(a.id);
  changed();
}

/* A name seen elsewhere (a state event's agent_name, a message author). */
export function learnAgent(id, name) {
  if (id == null || !name) return;
  const a = team.get(String(id));
  if (a && a.name) return;
  if (a) { a.name = name; changed(); return; }
  if (!ctx || ctx.isAdmin) return;   /* admins know everyone from the list */
  entry(id).name = name;
  /* not rendered until it shows a presence: stays offline meanwhile */
}

/* An agent object returned by POST / PATCH on the Agents page. */
export function updateAgent(agent) {
  if (!agent || agent.id == null) return;
  const a = entry(agent.id);
  Object.assign(a, agent, { id: String(agent.id), status: a.status || 'offline' });
  changed();
}

export function teamAgents() {
  return [...team.values()].sort((x, y) => Number(x.id) - Number(y.id));
}

export function statusOf(id) { return (team.get(String(id)) || {}).status || 'offline'; }
export const statusLabel = (s) => LABEL[s] || s;

export function statusDot(status) {
  return el('span', { class: `dot ${status}`, 'aria-hidden': 'true' });
}

function render() {
  if (!ctx) return;
  const meId = String(ctx.me.id);
  const shown = [...team.values()]
    .filter((a) => a.active !== false && (ctx.isAdmin || a.id === meId || a.seen || a.status !== 'offline'))
    .sort((x, y) => (ORDER[x.status] ?? 3) - (ORDER[y.status] ?? 3)
      || String(x.name || '').localeCompare(String(y.name || '')) || Number(x.id) - Number(y.id));
  for (const a of shown) a.seen = true;   /* once shown, it stays (as offline when it leaves) */
  const ul = clear($('team-list'));
  for (const a of shown) {
    const name = a.name || a.email || `Agent ${a.id}`;
    ul.append(el('li', { 'data-agent': a.id, 'data-status': a.status }, [
      statusDot(a.status),
      el('span', { class: 't-name', text: a.id === meId ? `${name} (you)` : name }),
      el('span', { class: 't-status', text: statusLabel(a.status) }),
    ]));
  }
  $('team-empty').hidden = shown.length > 0;
  const online = shown.filter((a) => a.status === 'online').length;
  $('team-count').textContent = online ? `${online} online` : '';
}
