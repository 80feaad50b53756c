/*
 * The conversation lists of the dashboard's side bar: Queue (with live waiting
 * times), Mine, My teams, Offline messages and Recently closed (or the search's
 * results), each with its count, plus the tab title's count of what waits.
 * Rebuilt whole on every change (they are short); the focused entry keeps focus.
 * State stays with app.js, which passes what the lists need to show.
 */
import { el, clear, $, duration, clock } from './dom.js';
import { convs, unread, visitorLabel, lastText } from './model.js';
import { searchResults } from './history.js';
import { teamConversations, teamMeta } from './teams.js';

/* view: {selected, closedIds, meId, mine(c), select(id)} */
function listItem(view, c, meta) {
  const n = unread(c);
  const name = el('span', { class: 'c-name', text: visitorLabel(c) },
    [n && c.id !== view.selected ? el('span', { class: 'unread', text: `${n} unread` }) : null]);
  return el('li', null, [el('button', {
    type: 'button', 'data-id': c.id, 'aria-current': c.id === view.selected ? 'true' : null,
    onclick: () => view.select(c.id),
  }, [name, meta, el('span', { class: 'c-last', text: lastText(c) })])]);
}

function fillList(listId, emptyId, countId, items) {
  const ul = clear($(listId));
  for (const li of items) ul.append(li);
  $(emptyId).hidden = items.length > 0;
  if (countId) $(countId).textContent = items.length ? String(items.length) : '';
}

export function renderLists(view) {
  const focused = document.activeElement && document.activeElement.closest?.('ul.convs button');
  const focusId = focused && focused.dataset.id;
  const all = [...convs.values()];
  const item = (c, meta) => listItem(view, c, meta);
  const queue = all.filter((c) => c.state === 'queued').sort((a, b) => (a.queued_at || 0) - (b.queued_at || 0));
  const minel = all.filter(view.mine).sort((a, b) => (a.assigned_at || 0) - (b.assigned_at || 0));
  const away = all.filter((c) => c.state === 'offline').sort((a, b) => (a.queued_at || a.created_at || 0) - (b.queued_at || b.created_at || 0));
  const found = searchResults();
  const closed = found
    ? found.map((id) => convs.get(id)).filter(Boolean)
    : view.closedIds.map((id) => convs.get(id)).filter((c) => c && c.state === 'closed').slice(0, 25);

  fillList('queue-list', 'queue-empty', 'queue-count', queue.map((c) => item(c,
    el('span', { class: 'c-meta' }, ['waiting ', el('span', { class: 'wait', 'data-since': c.queued_at || Date.now(),
      text: duration(Date.now() - (c.queued_at || Date.now())) })]))));
  fillList('mine-list', 'mine-empty', 'mine-count', minel.map((c) => item(c,
    el('span', { class: 'c-meta', text: c.typing ? 'typing…' : '' }))));
  fillList('offline-list', 'offline-empty', 'offline-count', away.map((c) => item(c,
    el('span', { class: 'c-meta', text: c.visitor && c.visitor.email ? c.visitor.email : 'no e-mail yet' }))));
  fillList('myteams-list', 'myteams-empty', 'myteams-count', teamConversations(all, view.meId).map((c) => item(c, teamMeta(c))));
  fillList('closed-list', 'closed-empty', null, closed.map((c) => item(c,
    el('span', { class: 'c-meta', text: clock(c.closed_at) }))));
  $('closed-empty').textContent = found ? 'No match.' : 'None yet.';

  if (focusId) {
    const again = document.querySelector(`ul.convs button[data-id="${CSS.escape(focusId)}"]`);
    if (again) again.focus();
  }
  const waiting = queue.length + minel.reduce((s, c) => s + unread(c), 0);
  document.title = waiting ? `(${waiting}) Parley — Agent dashboard` : 'Parley — Agent dashboard';
}

/* Once a second: the queue's waiting times. */
export function tickWaits() {
  for (const s of document.querySelectorAll('ul.convs .wait')) {
    s.textContent = duration(Date.now() - Number(s.dataset.since));
  }
}
