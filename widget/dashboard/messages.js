/*
 * One transcript entry of the dashboard: visitor, bot (with what the FAQ matched),
 * agent, system message or private note, and replies still being sent.
 */
import { el, clock } from './dom.js';
import { isNote, visitorLabel } from './model.js';

function matchedText(list) {
  return list.map((x) => (typeof x === 'string' ? x : x.keyword || x.pattern || x.text || JSON.stringify(x))).join(', ');
}

function botDetail(m) {
  const parts = [];
  if (m.faq && m.faq.id != null) {
    const score = typeof m.faq.score === 'number' ? Math.round(m.faq.score * 100) / 100 : m.faq.score;
    parts.push(`answered by FAQ '${m.faq.id}'${score != null ? ` (score ${score})` : ''}`);
  }
  const matched = m.matched || (m.faq && m.faq.matched);
  if (Array.isArray(matched) && matched.length) parts.push(`matched: ${matchedText(matched)}`);
  if (Array.isArray(m.choices) && m.choices.length) {
    parts.push(`offered: ${m.choices.map((ch) => ch.question || ch.faq).join(' / ')}`);
  }
  if (m.helpful === true || m.helpful === 1) parts.push('visitor: that helped');
  if (m.helpful === false || m.helpful === 0) parts.push("visitor: that didn't help");
  return parts.join(', ');
}

export function messageEl(c, m, pending) {
  const role = (m.author && m.author.role) || 'visitor';
  const note = isNote(m) || (pending && pending.note);
  const cls = ['msg', role];
  if (note) cls.push('note');
  if (pending) cls.push(pending.failed ? 'failed' : 'pending');
  const who = role === 'visitor' ? visitorLabel(c)
    : role === 'bot' ? 'Bot'
    : role === 'agent' ? ((m.author && m.author.name) || 'Agent') : null;
  const n = el('div', { class: cls.join(' '), 'data-seq': m.seq ?? null });
  if (role !== 'system') {
    const status = pending ? (pending.failed ? `Not sent: ${pending.failed}` : 'Sending…') : clock(m.ts);
    n.append(el('span', { class: 'head' }, [
      el('b', { text: note ? `Private note · ${who}` : who }),
      el('span', { text: status }),
    ]));
  }
  n.append(document.createTextNode(String(m.text ?? '')));
  if (role === 'bot') {
    const d = botDetail(m);
    if (d) n.append(el('span', { class: 'detail', text: d }));
  }
  return n;
}

