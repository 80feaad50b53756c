/*
 * The Offline list: conversations handed off while the team was away (offline
 * mode). They are not in the queue and nobody is assigned; any agent opens one
 * and claims it from the conversation view, and the visitor sees the reply when
 * they come back.
 */
import { el, clock } from './dom.js';
import * as api from './api.js';

export function renderOffline(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const list = el('ul', { class: 'offline-list', 'aria-label': 'Offline conversations' });
  const load = async () => {
    say.textContent = 'Loading…';
    try {
      const res = await api.listConversations('offline', ctx.token);
      const rows = res.conversations || [];
      list.replaceChildren(...rows.map((c) => el('li', {}, [
        el('span', { text: `${c.visitor_name || c.visitor_email || 'Visitor'}${c.visitor_email ? ` <${c.visitor_email}>` : ' (no email left)'}` }),
        el('span', { class: 'muted', text: ` · ${clock(c.queued_at || c.created_at)} ` }),
        el('button', { type: 'button', text: 'Open', 'aria-label': `Open conversation with ${c.visitor_name || c.visitor_email || 'visitor'}`,
          onclick: () => ctx.openConversation(c) }),
      ])));
      say.textContent = rows.length ? `${rows.length} waiting for an answer.` : 'No offline messages.';
    } catch (e) {
      if (e instanceof api.AuthError) ctx.authFailed(); else say.textContent = `Could not load: ${e.message}`;
    }
  };
  root.append(el('h1', { tabindex: '-1', text: 'Offline messages' }), say,
    el('button', { type: 'button', text: 'Refresh', onclick: load }), list);
  load();
}
