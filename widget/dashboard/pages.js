/*
 * The top navigation: Conversations / Agents / Settings / FAQ / Canned responses /
 * Reports, by URL hash (#/agents …) so Back and reload work. Agents, Settings, FAQ and
 * Canned responses are for admins only;
 * a page a user may not see falls back to Conversations.
 *
 * The conversation workspace is static HTML and stays alive (the socket keeps
 * feeding it); the other pages are built into #page-view when shown and dropped when
 * left, so their forms never linger in the document.
 */
import { clear, $ } from './dom.js';
import { renderWebhooks } from './webhooks.js';

const PAGES = ['conversations', 'offline', 'agents', 'settings', 'hours', 'widget', 'faq', 'canned', 'teams', 'webhooks', 'reports'];
const ADMIN_ONLY = new Set(['agents', 'settings', 'hours', 'widget', 'faq', 'canned', 'teams', 'webhooks']);
/* Pages that render themselves, so app.js need not know them. */
const OWN = { webhooks: renderWebhooks };
let opts = null;      /* {ctx() -> {isAdmin,…}, render: {agents(node, ctx), …}} */
let current = null;
let cleanup = null;

export function initPages(o) {
  opts = o;
  addNavLink('faq', 'FAQ', 'reports');
  addNavLink('canned', 'Canned responses', 'reports');
  addNavLink('webhooks', 'Webhooks', 'reports');
  addNavLink('teams', 'Teams', 'webhooks');
  addNavLink('hours', 'Business hours', 'faq');
  addNavLink('widget', 'Widget', 'faq');
  addNavLink('offline', 'Offline', 'agents', false);
  window.addEventListener('hashchange', () => route(true));
}

/* A nav entry the page's HTML does not have yet, before `before`'s (hidden until
 * route() shows it to an admin). */
function addNavLink(page, label, before, adminOnly = true) {
  const nav = document.querySelector('#page-nav ul');
  if (!nav || nav.querySelector(`[data-page="${page}"]`)) return;
  const next = nav.querySelector(`[data-page="${before}"]`);
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = `#/${page}`; a.dataset.page = page; a.textContent = label;
  if (adminOnly) { a.dataset.admin = ''; li.hidden = true; }
  li.append(a);
  nav.insertBefore(li, next ? next.parentElement : null);
}

function wanted() {
  const name = (location.hash.match(/^#\/?([a-z]+)/) || [])[1];
  return PAGES.includes(name) ? name : 'conversations';
}

export function currentPage() { return current; }

/* Shows the page named by the hash (after sign-in, and on every hash change). */
export function route(focus) {
  const ctx = opts && opts.ctx();
  if (!ctx) return;
  for (const a of document.querySelectorAll('#page-nav [data-admin]')) a.parentElement.hidden = !ctx.isAdmin;
  let name = wanted();
  if (ADMIN_ONLY.has(name) && !ctx.isAdmin) {
    name = 'conversations';
    history.replaceState(null, '', '#/conversations');
  }
  if (name === current) return;
  if (cleanup) { try { cleanup(); } catch { /* gone */ } cleanup = null; }
  current = name;
  for (const a of document.querySelectorAll('#page-nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const page = $('page-view');
  clear(page);
  const work = name === 'conversations';
  $('work-view').hidden = !work;
  page.hidden = work;
  if (work) {
    if (opts.showConversations) opts.showConversations();
    if (focus) $('conversation').focus();
    return;
  }
  const r = (opts.render[name] || OWN[name])(page, ctx);
  cleanup = typeof r === 'function' ? r : null;
  if (focus) { const h = page.querySelector('h1'); if (h) h.focus(); }
}

export function resetPages() {
  if (cleanup) { try { cleanup(); } catch { /* gone */ } cleanup = null; }
  current = null;
  clear($('page-view'));
  $('page-view').hidden = true;
  $('work-view').hidden = false;
}
