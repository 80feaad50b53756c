/*
 * Small DOM and formatting helpers for the agent dashboard.
 * Every piece of data reaches the page through textContent or setAttribute, never
 * through innerHTML, so a visitor's "<img onerror=...>" is just text.
 */

/* el('button', {class:'x', text:'Go', onclick: fn}, [children]) */
export function el(tag, attrs, kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'text') n.textContent = String(v);
    else if (k === 'class') n.className = v;
    else if (k === 'hidden') n.hidden = true;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of kids || []) if (c != null) n.append(c);
  return n;
}

export function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }

export function $(id) { return document.getElementById(id); }

/* "12 s", "2 min", "1 h 5 min" */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function clock(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  const today = new Date();
  const opts = d.toDateString() === today.toDateString()
    ? { hour: '2-digit', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return d.toLocaleString([], opts);
}

/* Only http(s) becomes a link; anything else (javascript:, data:) stays text. */
export function safeLink(url) {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      return el('a', { href: u.href, target: '_blank', rel: 'noopener noreferrer', text: url });
    }
  } catch { /* not a URL */ }
  return document.createTextNode(url || '—');
}

export function clientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return 'a' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

/* A delete button that acts on a second click within 5 s ("Confirm delete"), so a
 * stray click deletes nothing; action() runs once per confirmed pair. */
export function confirmClick(button, action) {
  let armed = null;
  const label = button.textContent;
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = 'Confirm delete';
      armed = setTimeout(() => { armed = null; button.textContent = label; }, 5000);
      return;
    }
    clearTimeout(armed); armed = null;
    button.textContent = label;
    await action();
  });
}
