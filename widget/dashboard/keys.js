/*
 * Keyboard shortcuts of the conversation view, and the "?" help overlay.
 *
 *   Alt+ArrowDown / Alt+ArrowUp   next / previous conversation in the lists
 *   Ctrl+Enter (or Enter)         send the reply
 *   Alt+C                         claim      Alt+X   close the conversation
 *   ?                             this help  (Escape closes it)
 *
 * Alt+letter is matched on e.code, so it works where Alt types a character (macOS).
 * Shortcuts act through the visible buttons, so a hidden or disabled action is a no-op.
 */
import { $ } from './dom.js';

function typingInto(t) {
  return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

function press(id) {
  const b = $(id);
  if (b && !b.hidden && !b.disabled && b.offsetParent !== null) { b.click(); return true; }
  return false;
}

export function openHelp() {
  const d = $('help-dialog');
  if (!d.open) d.showModal();
}

/* The next / previous conversation in list order (queue, mine, closed). */
function move(actions, delta) {
  const ids = [...document.querySelectorAll('ul.convs button[data-id]')].map((b) => b.dataset.id);
  if (!ids.length) return;
  const at = ids.indexOf(actions.selected());
  const i = at < 0 ? (delta > 0 ? 0 : ids.length - 1) : Math.min(ids.length - 1, Math.max(0, at + delta));
  const inList = document.activeElement && document.activeElement.closest?.('ul.convs');
  if (ids[i] !== actions.selected()) actions.select(ids[i]);
  if (inList) {
    const b = document.querySelector(`ul.convs button[data-id="${CSS.escape(ids[i])}"]`);
    if (b) b.focus();
  }
}

/* actions: {active() -> bool, selected() -> id, select(id)} */
export function initShortcuts(actions) {
  $('help-btn').addEventListener('click', openHelp);
  $('help-close').addEventListener('click', () => $('help-dialog').close());
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing || $('app-view').hidden) return;
    if ($('help-dialog').open) return;   /* the dialog handles Escape itself */
    const t = e.target;
    if (e.key === '?' && !e.ctrlKey && !e.metaKey && !e.altKey && !typingInto(t)) {
      e.preventDefault();
      openHelp();
      return;
    }
    if (!actions.active()) return;
    if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
      let done = false;
      if (e.key === 'ArrowDown' && !(t && t.tagName === 'SELECT')) { move(actions, 1); done = true; }
      else if (e.key === 'ArrowUp' && !(t && t.tagName === 'SELECT')) { move(actions, -1); done = true; }
      else if (e.code === 'KeyC') done = press('claim-btn') || true;
      else if (e.code === 'KeyX') done = press('close-btn') || true;
      if (done) e.preventDefault();
      return;
    }
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !e.altKey) {
      const form = $('reply-form');
      if (!form.hidden && $('reply-text').value.trim() && !$('send-btn').disabled) {
        e.preventDefault();
        form.requestSubmit();
      }
    }
  });
}
