/*
 * The dashboard's picture of the conversations it knows, fed by `ready`, `queued`,
 * `state` and message events and by REST. No DOM here.
 *
 * Messages are keyed by seq (visible) or note_seq (private notes), so a message that
 * arrives twice (ack + echo, a transcript after a reconnect) is stored once. Notes sort
 * right after the visible message they followed (after_seq).
 */

export const convs = new Map();

export function isNote(m) { return !!(m.note || (!m.seq && m.note_seq)); }
function key(m) { return isNote(m) ? `n${m.note_seq}` : `s${m.seq}`; }

/* Accepts a WebSocket summary ({visitor:{...}}) or a REST row (visitor_name, ...). */
export function upsert(s) {
  if (!s || s.id == null) return null;
  const id = String(s.id);
  let c = convs.get(id);
  if (!c) {
    c = { id, state: 'bot', visitor: {}, messages: new Map(), pending: new Map(), unreadFrom: 0,
      readSeq: 0, visitorRead: 0, typing: false, loaded: false };
    convs.set(id, c);
  }
  if (s.state) c.state = s.state;
  const v = s.visitor || {};
  c.visitor = {
    id: v.id ?? c.visitor.id ?? null,
    name: v.name ?? s.visitor_name ?? c.visitor.name ?? null,
    email: v.email ?? s.visitor_email ?? c.visitor.email ?? null,
    locale: v.locale ?? s.locale ?? c.visitor.locale ?? null,
    page: v.page ?? s.page ?? c.visitor.page ?? null,
  };
  for (const f of ['created_at', 'queued_at', 'assigned_at', 'closed_at', 'agent_name']) {
    if (s[f] !== undefined) c[f] = s[f];
  }
  if (s.agent_id !== undefined) c.agent_id = s.agent_id;
  if (s.team !== undefined) c.team = s.team;     /* teams.js: {id, name} or null */
  const list = s.transcript || s.messages;
  if (Array.isArray(list)) { for (const m of list) addMessage(c, m); c.loaded = true; }
  return c;
}

/* Returns true when the message was new. */
export function addMessage(c, m) {
  if (!isNote(m) && typeof m.seq !== 'number') return false;
  const k = key(m);
  const had = c.messages.has(k);
  c.messages.set(k, { ...(c.messages.get(k) || {}), ...m });
  if (m.id != null) c.pending.delete(m.id);
  return !had;
}

export function lastSeq(c) {
  let n = 0;
  for (const m of c.messages.values()) if (!isNote(m) && m.seq > n) n = m.seq;
  return n;
}

export function sorted(c) {
  const pos = (m) => isNote(m) ? [m.after_seq || 0, 1, m.note_seq] : [m.seq, 0, 0];
  return [...c.messages.values()].sort((a, b) => {
    const x = pos(a), y = pos(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}

export function unread(c) {
  let n = 0;
  for (const m of c.messages.values()) {
    if (!isNote(m) && m.seq > c.readSeq && m.author && m.author.role === 'visitor') n++;
  }
  return n;
}

export function visitorLabel(c) {
  return c.visitor.name || c.visitor.email || `Visitor ${c.id.slice(0, 6)}`;
}

export function lastText(c) {
  const all = sorted(c).filter((m) => !isNote(m));
  const m = all[all.length - 1];
  return m ? String(m.text ?? '') : '';
}
