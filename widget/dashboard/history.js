/*
 * Searching closed conversations, and a visitor's previous conversations in the
 * visitor panel. Kept apart from app.js: it only needs a few of the app's
 * functions (handed over in initHistory) and owns its two bits of state.
 */
import { el, clear, $, clock } from './dom.js';
import * as api from './api.js';
import { convs, upsert } from './model.js';

let ctx = null;            /* {token(), endSession, renderLists, renderVisitor, loadTranscript, select} */
let searchIds = null;      /* a search's results, shown instead of the closed list; null: none */
const history = new Map(); /* visitor id -> {at, rows, loading} */

export function initHistory(app) {
  ctx = app;
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); if (ctx.token()) searchClosed(); });
  $('search-clear').addEventListener('click', clearSearch);
}

export function resetHistory() { searchIds = null; history.clear(); }
export function searchResults() { return searchIds; }

async function searchClosed() {
  const q = { q: $('search-q').value.trim(), from: $('search-from').value, to: $('search-to').value };
  if (!q.q && !q.from && !q.to) { clearSearch(); return; }
  $('search-status').textContent = 'Searching…';
  let res = null;
  try { res = await api.searchClosed(ctx.token(), q); } catch (e) {
    if (e instanceof api.AuthError) { ctx.endSession(); return; }
    $('search-status').textContent = e.field ? `${e.field}: ${e.message}` : e.message;
    return;
  }
  if (!ctx.token()) return;
  const rows = (res.conversations || []).map((r) => upsert(r)).filter(Boolean);
  searchIds = rows.map((c) => c.id);
  $('search-status').textContent = `${rows.length} found`;
  $('search-clear').hidden = false;
  ctx.renderLists();
}

function clearSearch() {
  searchIds = null;
  $('search-q').value = ''; $('search-from').value = ''; $('search-to').value = '';
  $('search-status').textContent = '';
  $('search-clear').hidden = true;
  ctx.renderLists();
}

/* Fetches a visitor's conversations when unknown or older than 30 s. */
async function loadHistory(visitorId) {
  const h = history.get(visitorId);
  if (h && (h.loading || Date.now() - h.at < 30000)) return;
  history.set(visitorId, { at: Date.now(), rows: h ? h.rows : [], loading: true });
  let rows = [];
  try { rows = (await api.visitorConversations(visitorId, ctx.token())).conversations || []; } catch (e) {
    if (e instanceof api.AuthError) { ctx.endSession(); return; }
    if (e.status !== 404) console.warn('parley:', e.message);
  }
  if (!ctx.token()) return;
  history.set(visitorId, { at: Date.now(), rows, loading: false });
  ctx.renderVisitor();
}

/* Opens a previous conversation's transcript (read-only unless it is still open). */
async function openPrevious(id) {
  const c = convs.get(id);
  if (!c || !c.loaded) await ctx.loadTranscript(id);
  if (ctx.token() && convs.get(id)) ctx.select(id);
}

export function renderHistory(c) {
  const ul = clear($('history-list'));
  const h = c && c.visitor.id ? history.get(c.visitor.id) : null;
  if (c && c.visitor.id && (!h || (!h.loading && Date.now() - h.at >= 30000))) loadHistory(c.visitor.id);
  const rows = (h ? h.rows : []).filter((r) => r.id !== c.id);
  for (const r of rows) {
    const state = r.state === 'closed' ? `closed ${clock(r.closed_at) || ''}` : r.state;
    ul.append(el('li', null, [el('button', {
      type: 'button', 'data-id': r.id, disabled: r.readable ? null : '',
      title: r.readable ? 'Open the transcript' : 'Not yours to read',
      onclick: () => openPrevious(r.id),
    }, [
      el('span', { class: 'h-meta', text: `${clock(r.created_at) || ''} · ${state}${r.agent_name ? ` · ${r.agent_name}` : ''}` }),
      el('span', { class: 'h-last', text: r.preview || '' }),
    ])]));
  }
  $('history-empty').hidden = rows.length > 0;
  $('history-empty').textContent = h && h.loading && !rows.length ? 'Loading…' : 'None.';
}
