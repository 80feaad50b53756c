/*
 * Parley agent dashboard: sign-in, the three lists (queue, mine, recently closed), one
 * conversation at a time with its visitor panel, and the reply box.
 *
 * State lives in model.js and is fed by conn.js (the only owner of the socket) and
 * api.js (REST). Rendering is "rebuild the small part that changed" with createElement
 * and textContent; the session (token + agent) sits in sessionStorage so a reload stays
 * signed in, and the same tab's read positions survive a reload too.
 */
import { el, clear, $, clock, safeLink, clientId } from './dom.js';
import * as api from './api.js';
import { AgentConn } from './conn.js';
import { convs, upsert, addMessage, isNote, lastSeq, sorted, visitorLabel, lastText } from './model.js';
import { messageEl } from './messages.js';
import { startTeam, resetTeam, loadTeam, onPresence, learnAgent } from './team.js';
import { initPages, route, resetPages, currentPage } from './pages.js';
import { renderAgents, renderSettings, renderCanned } from './admin.js';
import { initCannedSuggest } from './canned.js';
import { renderReports } from './reports.js';
import { renderFaq, initDraftAction } from './faq.js';
import { initShortcuts } from './keys.js';
import { initHistory, resetHistory, renderHistory } from './history.js';
import { initAlerts, alertQueued, alertMessage } from './notify.js';
import { renderHours } from './hours.js';
import { renderWidgetSettings } from './widgetsettings.js';
import { renderOffline } from './offline.js';
import { renderTeams, initTransfer, loadTeamView, syncReadOnly, readOnlyReason, watchReadOnly } from './teams.js';
import { renderLists as drawLists, tickWaits } from './lists.js';

const SESSION_KEY = 'parley.agent';
const READ_KEY = 'parley.agent.read';
const STATUS_KEY = 'parley.agent.status';
const SELECTED_KEY = 'parley.agent.selected';

let session = null;        /* {token, agent} */
let conn = null;
let selected = null;       /* conversation id */
let closedIds = [];        /* order of the "recently closed" list */
let transferUi = null;     /* teams.js: the transfer form */
let typingSentAt = 0, typingIdle = null;
const typingTimers = new Map();
const notices = new Map(); /* conversation id -> polite message */

const me = () => (session && session.agent) || {};
const endSession = () => signOut('Your session has ended. Please sign in again.');
/* What the Agents / Settings / Reports pages and the Team list need. */
const pageCtx = () => session && { token: session.token, me: me(), isAdmin: me().role === 'admin', authFailed: endSession,
  openConversation: (c) => { upsert(c); location.hash = '#/conversations'; select(String(c.id)); } };
const mine = (c) => c.state === 'assigned' && c.agent_id != null && String(c.agent_id) === String(me().id);

/* ---------------- session ---------------- */

function loadSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION_KEY)); } catch { return null; }
}
function saveReads() {
  const reads = {};
  for (const c of convs.values()) if (c.readSeq) reads[c.id] = c.readSeq;
  try { sessionStorage.setItem(READ_KEY, JSON.stringify(reads)); } catch { /* full: fine */ }
}
function storedRead(id) {
  try { return (JSON.parse(sessionStorage.getItem(READ_KEY)) || {})[id] || 0; } catch { return 0; }
}

function showLogin(message) {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  $('login-password').value = '';
  document.title = 'Parley — Sign in';
  $('login-email').focus();
}

function signOut(message) {
  if (conn) { conn.stop(); conn = null; }
  session = null;
  try { sessionStorage.removeItem(SESSION_KEY); sessionStorage.removeItem(READ_KEY);
    sessionStorage.removeItem(SELECTED_KEY); } catch { /* ignore */ }
  convs.clear(); closedIds = []; selected = null; notices.clear();
  resetHistory();
  resetTeam(); resetPages();
  if ($('help-dialog').open) $('help-dialog').close();
  showLogin(message);
}

async function onLogin(ev) {
  ev.preventDefault();
  const email = $('login-email').value.trim();
  const password = $('login-password').value;
  const err = $('login-error');
  if (!email || !password) { err.textContent = 'Enter your email and password.'; return; }
  $('login-submit').disabled = true;
  err.textContent = '';
  try {
    const res = await api.login(email, password);
    session = { token: res.token, agent: res.agent };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    start();
  } catch (e) {
    err.textContent = e instanceof api.AuthError
      ? 'Wrong email or password.' : `Could not sign in: ${e.message}`;
  } finally {
    $('login-submit').disabled = false;
  }
}

function start() {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('agent-name').textContent = me().name || me().email || '';
  $('status-select').value = sessionStorage.getItem(STATUS_KEY) || 'online';
  renderAll();
  startTeam(pageCtx());
  route(false);
  conn = new AgentConn(session.token, {
    frame: onFrame, ready: onReady, ack: onAck, failed: onFailed, up: onUp, authFailed: endSession,
  });
}

/* ---------------- socket events ---------------- */

function onUp(up) {
  const s = $('conn-status');
  s.textContent = up ? 'Connected' : 'Reconnecting…';
  s.classList.toggle('up', up);
}

function onReady(f) {
  if (f.agent) {
    session.agent = f.agent;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    $('agent-name').textContent = f.agent.name || f.agent.email || '';
  }
  loadTeam();
  const seen = new Set();
  for (const s of f.queue || []) {
    const c = upsert({ ...s, state: 'queued' });
    if (c) { c.agent_id = null; seen.add(c.id); }
  }
  for (const s of f.assigned || []) {
    const c = upsert({ state: 'assigned', agent_id: me().id, ...s });
    if (c) seen.add(c.id);
  }
  /* Whatever we listed before but the server no longer does moved on while we were away. */
  for (const c of convs.values()) {
    if (!seen.has(c.id) && (c.state === 'queued' || mine(c))) c.state = 'unknown';
    if (!c.readSeq) c.readSeq = storedRead(c.id);
  }
  /* Keep the status the agent chose in this tab across reconnects. */
  const status = $('status-select').value;
  if (status !== (f.status || 'online')) conn.send({ type: 'status', status });
  if (!selected) {
    const last = sessionStorage.getItem(SELECTED_KEY);
    if (last && convs.has(last) && convs.get(last).state !== 'unknown') selected = last;
  }
  renderAll();
  loadClosed();
  loadOffline();
  loadTeamView(pageCtx()).then(renderAll);
  if (selected && convs.get(selected) && convs.get(selected).state === 'unknown') loadTranscript(selected);
}

function onFrame(f) {
  switch (f.type) {
    case 'queued': {
      const known = convs.get(String(f.conversation && f.conversation.id));
      const fresh = !known || known.state !== 'queued';
      const c = upsert({ ...f.conversation, state: 'queued' });
      if (c) { c.agent_id = null; if (!c.queued_at) c.queued_at = Date.now(); }
      if (c && fresh) alertQueued(c, visitorLabel(c), lastText(c));
      break;
    }
    case 'state': {
      const c = upsert({ id: f.conversation, state: f.state, team: f.team, agent_name: f.agent_name });
      if (!c) return;
      if (f.agent_id !== undefined) c.agent_id = f.agent_id;
      if (f.state === 'queued') { c.agent_id = null; if (!c.queued_at) c.queued_at = f.queued_at || Date.now(); }
      if (f.state === 'closed') {
        c.closed_at = c.closed_at || f.closed_at || Date.now();
        closedIds = [c.id, ...closedIds.filter((x) => x !== c.id)];
      }
      learnAgent(f.agent_id, f.agent_name);
      if (f.state === 'assigned' && !mine(c) && c.claiming) {
        notices.set(c.id, 'Another agent already claimed this conversation.');
      }
      if (mine(c) && !c.loaded) loadTranscript(c.id);
      break;
    }
    case 'message': {
      const c = upsert({ id: f.conversation });
      if (!c) return;
      const isNew = addMessage(c, f);
      if (f.author && f.author.role === 'visitor') {
        setTyping(c, false);
        if (isNew && mine(c)) alertMessage(c, visitorLabel(c), f.text, selected);
      }
      if (f.author && f.author.role === 'agent') learnAgent(f.author.id, f.author.name);
      break;
    }
    case 'assigned': onAssigned(f.conversation); break;
    case 'presence': onPresence(f); return;
    case 'typing': {
      const c = convs.get(String(f.conversation));
      if (!c || f.role === 'agent' || (f.author && f.author.role === 'agent')) return;
      setTyping(c, !!f.on);
      return;
    }
    case 'read': {
      const c = convs.get(String(f.conversation));
      if (!c || (f.author && f.author.role === 'agent') || f.role === 'agent') return;
      c.visitorRead = Math.max(c.visitorRead || 0, Number(f.seq) || 0);
      break;
    }
    case 'error': {
      const id = f.conversation != null ? String(f.conversation) : selected;
      if (id) notices.set(id, f.message || f.code);
      break;
    }
    default:
      return;
  }
  renderAll();
}

/* Given to this agent by a transfer or by automatic assignment. */
function onAssigned(s) {
  if (!s || s.id == null) return;
  const before = convs.get(String(s.id));
  const known = before && (mine(before) || before.claiming);
  const c = upsert({ ...s, state: 'assigned', agent_id: s.agent_id ?? me().id });
  if (!c) return;
  if (!c.assigned_at) c.assigned_at = Date.now();
  if (!c.readSeq) c.readSeq = storedRead(c.id);
  notices.delete(c.id);
  if (known) return;
  toast(`New conversation assigned to you: ${visitorLabel(c)}`);
  if (!selected || !convs.has(selected)) {
    selected = c.id;
    try { sessionStorage.setItem(SELECTED_KEY, c.id); } catch { /* ignore */ }
  }
}

let toastTimer = null;
function toast(text) {
  const t = $('toast');
  t.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.textContent = ''; }, 8000);
}

function onAck(f, req) {
  const c = convs.get(String(req.conversation));
  if (!c) return;
  if (req.type === 'claim') {
    c.claiming = false;
    c.state = 'assigned'; c.agent_id = me().id; c.assigned_at = c.assigned_at || Date.now();
    notices.delete(c.id);
    renderAll();
    if (selected === c.id) $('reply-text').focus();
    return;
  }
  if (req.type === 'message') {
    /* The ack carries the stored seq: the message is durable, show it as sent. The echo
     * (if the server sends one to us too) lands on the same key and changes nothing. */
    const note = !!req.note;
    addMessage(c, {
      type: 'message', conversation: c.id, id: req.id, text: req.text,
      author: { role: 'agent', id: me().id, name: me().name },
      ts: f.ts || Date.now(),
      ...(note ? { note: true, note_seq: f.note_seq, after_seq: f.after_seq ?? lastSeq(c) } : { seq: f.seq }),
    });
    c.pending.delete(req.id);
  }
  if (req.type === 'close') { c.state = 'closed'; c.closed_at = c.closed_at || Date.now(); }
  if (req.type === 'transfer') { c.state = 'queued'; c.agent_id = null; }
  renderAll();
}

function onFailed(f, req) {
  const c = convs.get(String(req.conversation));
  if (!c) return;
  if (req.type === 'claim') {
    c.claiming = false;
    if (f.code === 'already_claimed') {
      if (!mine(c)) { c.state = 'assigned'; if (String(c.agent_id) === String(me().id)) c.agent_id = null; }
      notices.set(c.id, 'Another agent already claimed this conversation.');
    } else {
      notices.set(c.id, `Could not claim: ${f.message || f.code}`);
    }
  } else if (req.type === 'message') {
    const p = c.pending.get(req.id);
    if (p) { p.failed = f.message || f.code; }
  } else {
    notices.set(c.id, f.message || f.code);
  }
  renderAll();
}

function setTyping(c, on) {
  c.typing = on;
  clearTimeout(typingTimers.get(c.id));
  if (on) typingTimers.set(c.id, setTimeout(() => { c.typing = false; renderTyping(); }, 8000));
  renderTyping();
}

/* ---------------- REST ---------------- */

async function guarded(fn) {
  try { return await fn(); } catch (e) {
    if (e instanceof api.AuthError) endSession();
    else console.warn('parley:', e.message);
    return null;
  }
}

async function loadClosed() {
  const res = await guarded(() => api.listConversations('closed', session.token));
  if (!res || !session) return;
  const rows = (res.conversations || []).map((r) => upsert({ ...r, state: 'closed' })).filter(Boolean);
  rows.sort((a, b) => (b.closed_at || 0) - (a.closed_at || 0));
  const ids = rows.map((c) => c.id);
  closedIds = [...closedIds.filter((id) => !ids.includes(id) && convs.get(id)?.state === 'closed'), ...ids];
  renderLists();
}

/* Offline messages (offline mode) wait here for any agent; later ones arrive as
 * state events. Loaded on every ready, since they may have come while we were away. */
async function loadOffline() {
  const res = await guarded(() => api.listConversations('offline', session.token));
  if (!res || !session) return;
  for (const r of res.conversations || []) upsert({ ...r, state: 'offline' });
  renderLists();
}

/* ---------------- actions ---------------- */

async function loadTranscript(id) {
  const res = await guarded(() => api.transcript(id, session.token));
  if (!res || !session) return;
  const conv = res.conversation || {};
  upsert({ ...conv, id: conv.id ?? id, messages: res.messages || [] });
  renderAll();
}

function select(id) {
  selected = id;
  try { sessionStorage.setItem(SELECTED_KEY, id); } catch { /* ignore */ }
  const c = convs.get(id);
  if (c && (!c.loaded || readOnlyReason(c, pageCtx()))) loadTranscript(id);   /* a teammate's is not pushed */
  renderAll();
}

async function exportTranscript(format) {
  const c = convs.get(selected);
  if (!c) return;
  const text = format === 'text';
  try {
    await api.download(`/api/conversations/${encodeURIComponent(c.id)}/transcript${text ? '?format=text' : ''}`,
      session.token, `transcript-${c.id}.${text ? 'txt' : 'json'}`);
  } catch (e) {
    if (e instanceof api.AuthError) { endSession(); return; }
    notices.set(c.id, `Could not export the transcript: ${e.message}`);
    renderConversation();
  }
}

function claim() {
  const c = convs.get(selected);
  if (!c) return;
  c.claiming = true;
  notices.delete(c.id);
  if (!conn.send({ type: 'claim', conversation: c.id, id: clientId() })) {
    c.claiming = false;
    notices.set(c.id, 'Not connected — try again in a moment.');
  }
  renderConversation();
}

function sendReply(note) {
  const c = convs.get(selected);
  const box = $('reply-text');
  const text = box.value.trim();
  if (!c || !text) return;
  const frame = { type: 'message', conversation: c.id, id: clientId(), text };
  if (note) frame.note = true;
  c.pending.set(frame.id, { id: frame.id, text, note });
  conn.send(frame, { retry: true });
  box.value = '';
  sendTyping(false);
  renderConversation();
  box.focus();
}

function closeConversation() {
  const c = convs.get(selected);
  if (!c) return;
  if (!conn.send({ type: 'close', conversation: c.id, id: clientId() })) {
    notices.set(c.id, 'Not connected — try again in a moment.');
    renderConversation();
  }
}

function release() {
  const c = convs.get(selected);
  if (!c) return;
  conn.send({ type: 'transfer', conversation: c.id, to: null, id: clientId() });
}

function sendTyping(on) {
  const c = convs.get(selected);
  if (!c || !conn || !mine(c)) return;
  clearTimeout(typingIdle);
  if (on) {
    if (Date.now() - typingSentAt > 3000 && conn.send({ type: 'typing', conversation: c.id, on: true })) {
      typingSentAt = Date.now();
    }
    typingIdle = setTimeout(() => sendTyping(false), 4000);
  } else if (typingSentAt) {
    typingSentAt = 0;
    conn.send({ type: 'typing', conversation: c.id, on: false });
  }
}

/* Marks what the agent can see as read, and tells the visitor for their own chats. */
function markRead(c) {
  if (!c || document.visibilityState === 'hidden' || $('app-view').hidden || $('work-view').hidden) return;
  const n = lastSeq(c);
  if (n > c.readSeq) { c.readSeq = n; saveReads(); }
  if (mine(c) && conn && n > (c.sentRead || 0) && conn.send({ type: 'read', conversation: c.id, seq: n })) {
    c.sentRead = n;
  }
}

/* ---------------- rendering ---------------- */

function renderAll() {
  if (!session) return;
  const c = selected && convs.get(selected);
  if (c) markRead(c);
  renderLists();
  renderConversation();
  renderVisitor();
}

function renderLists() {
  drawLists({ selected, closedIds, meId: me().id, mine, select });
}

function renderConversation() {
  const c = selected && convs.get(selected);
  $('conv-none').hidden = !!c;
  $('conv-body').hidden = !c;
  if (!c) return;
  const log = $('transcript');
  const switched = log.dataset.conv !== c.id;
  const atBottom = switched || log.scrollHeight - log.scrollTop - log.clientHeight < 60;

  $('conv-title').textContent = visitorLabel(c);
  const stateText = {
    bot: 'with the bot', queued: 'waiting in the queue', offline: 'offline: a message left while the team was away', closed: 'closed', unknown: 'moved on',
    assigned: mine(c) ? 'assigned to you' : `assigned to ${c.agent_name || 'another agent'}`,
  }[c.state] || c.state;
  $('conv-state').textContent = stateText;
  $('conv-notice').textContent = notices.get(c.id) || '';

  $('claim-btn').hidden = c.state !== 'queued' && c.state !== 'offline';
  $('claim-btn').disabled = !!c.claiming;
  $('release-btn').hidden = !mine(c);
  if (transferUi) transferUi.sync();
  $('close-btn').hidden = c.state === 'closed' || c.state === 'unknown';
  const canReply = mine(c);
  const open = c.state !== 'closed' && c.state !== 'unknown';
  $('reply-form').hidden = !open;
  $('reply-text').disabled = !open;
  $('send-btn').disabled = !canReply;
  $('note-btn').disabled = !open;
  $('reply-text').placeholder = canReply
    ? 'Write a reply — Enter sends, Shift+Enter for a new line'
    : 'Claim the conversation to reply; you can still add a private note';
  syncReadOnly(c, pageCtx());

  clear(log);
  log.dataset.conv = c.id;
  const msgs = sorted(c);
  let seenAfter = null;
  for (const m of msgs) {
    if (!isNote(m) && m.author && m.author.role === 'agent' && m.seq <= (c.visitorRead || 0)) seenAfter = m.seq;
  }
  for (const m of msgs) {
    log.append(messageEl(c, m, null));
    if (seenAfter != null && !isNote(m) && m.seq === seenAfter) {
      log.append(el('span', { class: 'seen', text: 'Seen' }));
    }
  }
  for (const p of c.pending.values()) {
    log.append(messageEl(c, { text: p.text, author: { role: 'agent', name: me().name } }, p));
  }
  if (!c.loaded && !msgs.length) log.append(el('p', { class: 'muted', text: 'Loading transcript…' }));
  if (atBottom) log.scrollTop = log.scrollHeight;
  renderTyping();
}

function renderTyping() {
  const c = selected && convs.get(selected);
  $('typing').textContent = c && c.typing ? `${visitorLabel(c)} is typing…` : '';
}

function renderVisitor() {
  const c = selected && convs.get(selected);
  const dl = clear($('visitor-info'));
  if (!c) {
    dl.append(el('dd', { class: 'muted', text: 'No conversation selected.' }));
    clear($('history-list')); $('history-empty').hidden = false;
    return;
  }
  const v = c.visitor;
  const row = (k, node) => { dl.append(el('dt', { text: k }), el('dd', null, [node])); };
  row('Name', document.createTextNode(v.name || '—'));
  row('Email', document.createTextNode(v.email || '—'));
  row('Locale', document.createTextNode(v.locale || '—'));
  row('Page', v.page ? safeLink(v.page) : document.createTextNode('—'));
  row('Started', document.createTextNode(clock(c.created_at) || '—'));
  row('Conversation', document.createTextNode(c.id));
  renderHistory(c);
}

/* ---------------- wiring ---------------- */

function init() {
  $('login-form').addEventListener('submit', onLogin);
  $('sign-out').addEventListener('click', () => signOut(''));
  $('status-select').addEventListener('change', (e) => {
    const status = e.target.value;
    sessionStorage.setItem(STATUS_KEY, status);
    if (conn) conn.send({ type: 'status', status });
  });
  $('claim-btn').addEventListener('click', claim);
  $('close-btn').addEventListener('click', closeConversation);
  $('release-btn').addEventListener('click', release);
  $('export-json').addEventListener('click', () => exportTranscript('json'));
  $('export-text').addEventListener('click', () => exportTranscript('text'));
  initHistory({
    token: () => session && session.token, endSession, renderLists, renderVisitor, loadTranscript, select,
  });
  initShortcuts({ active: () => !!session && currentPage() === 'conversations', selected: () => selected, select });
  initPages({
    ctx: pageCtx,
    render: { agents: renderAgents, settings: renderSettings, faq: renderFaq, canned: renderCanned, reports: renderReports,
      hours: renderHours, widget: renderWidgetSettings, offline: renderOffline, teams: renderTeams },
    showConversations: () => renderAll(),
  });
  initDraftAction({ ctx: pageCtx, selected: () => selected });
  initAlerts({ open: (id) => { if (currentPage() !== 'conversations') location.hash = '#/conversations'; select(id); } });
  transferUi = initTransfer({ ctx: pageCtx, selected: () => selected, send: (f) => !!conn && conn.send(f) });
  watchReadOnly({ ctx: pageCtx, selected: () => selected && convs.get(selected), reload: loadTranscript });
  $('note-btn').addEventListener('click', () => sendReply(true));
  $('reply-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = convs.get(selected);
    if (c && mine(c)) sendReply(false);
  });
  const box = $('reply-text');
  /* First, so an open suggestion list takes Enter, the arrows and Escape. */
  initCannedSuggest({
    box, token: () => session && session.token, agent: me, authFailed: endSession,
    visitor: () => (selected && convs.get(selected) && convs.get(selected).visitor) || {},
  });
  box.addEventListener('keydown', (e) => {
    if (e.defaultPrevented) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('reply-form').requestSubmit();
    }
  });
  box.addEventListener('input', () => { if (box.value) sendTyping(true); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && session) renderAll();
  });
  setInterval(tickWaits, 1000);

  session = loadSession();
  if (session && session.token) start(); else showLogin('');
}

init();
