/*
 * Business hours and offline mode (admin): the site's time zone, the open hours
 * of each weekday as "09:00-17:00, 18:00-20:00" (an interval that ends before it
 * starts runs past midnight), and whether a handoff outside them goes to the
 * Offline list instead of the queue. Saved with PUT /api/settings/hours; a
 * refused field's message shows next to it.
 */
import { el } from './dom.js';
import * as api from './api.js';
import { field, setError, clearErrors, uid } from './forms.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];
const MODES = [
  ['off', 'Off', 'A request for a person always waits in the queue (the default).'],
  ['outside_hours', 'Outside business hours', 'Outside the hours below, visitors leave a message and their email.'],
  ['outside_hours_or_no_agent', 'Outside business hours or when no agent is online', 'Also when nobody is online (away counts as not online).'],
];

const fmt = (list) => (list || []).map((i) => `${i.open}-${i.close}`).join(', ');

/* "09:00-17:00, 22:00-02:00" -> [{open, close}], or a message. */
export function parseDay(text) {
  const out = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/.exec(part);
    if (!m) return `"${part}" is not HH:MM-HH:MM`;
    out.push({ open: m[1], close: m[2] });
  }
  return out;
}

async function put(ctx, body) { return api.request('PUT', '/api/settings/hours', ctx.token, body); }

export function renderHours(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const err = el('p', { class: 'error', role: 'alert' });
  const zone = el('input', { name: 'timezone', list: uid('zones'), autocomplete: 'off', spellcheck: 'false' });
  const zones = el('datalist', { id: zone.getAttribute('list') });
  try { for (const z of Intl.supportedValuesOf('timeZone')) zones.append(el('option', { value: z })); } catch { /* old browser */ }
  const radios = {};
  const modeSet = el('fieldset', {}, [el('legend', { text: 'Offline mode' }), ...MODES.map(([v, label, hint]) => {
    const r = radios[v] = el('input', { type: 'radio', name: 'offline_mode', value: v, id: uid('om') });
    r.setAttribute('aria-describedby', `${r.id}-hint`);
    return el('div', { class: 'radio' }, [r, el('label', { for: r.id, text: label }),
      el('span', { class: 'hint muted', id: `${r.id}-hint`, text: hint })]);
  })]);
  const dayInputs = {};
  const daySet = el('fieldset', {}, [el('legend', { text: 'Open hours (leave every day empty: always open)' }),
    ...DAYS.map(([k, label]) => field(`${label} hours`, dayInputs[k] = el('input', { name: k, placeholder: 'closed' }),
      'e.g. 09:00-17:00, 18:00-20:00'))]);
  const save = el('button', { type: 'submit', class: 'primary', text: 'Save hours' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-label': 'Business hours' },
    [field('Time zone', zone, 'An IANA zone such as Europe/Kyiv; daylight saving follows it.'), zones,
      modeSet, daySet, err, el('div', { class: 'form-actions' }, [save])]);
  const show = (h) => {
    zone.value = h.timezone;
    if (radios[h.offline_mode]) radios[h.offline_mode].checked = true;
    for (const [k] of DAYS) dayInputs[k].value = fmt(h.days && h.days[k]);
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = ''; say.textContent = '';
    clearErrors(form);
    const days = {};
    for (const [k] of DAYS) {
      const d = parseDay(dayInputs[k].value);
      if (typeof d === 'string') { setError(dayInputs[k], d); dayInputs[k].focus(); return; }
      days[k] = d;
    }
    const mode = Object.keys(radios).find((k) => radios[k].checked) || 'off';
    save.disabled = true;
    try {
      show(await put(ctx, { timezone: zone.value.trim(), offline_mode: mode, days }));
      say.textContent = 'Saved.';
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      const f = e.field || '';
      const day = /^days\.([a-z]+)/.exec(f);
      const c = f === 'timezone' ? zone : day && dayInputs[day[1]];
      if (c) { setError(c, e.message); c.focus(); } else err.textContent = `Could not save${f ? ` (${f})` : ''}: ${e.message}`;
    } finally { save.disabled = false; }
  });
  root.append(el('h1', { tabindex: '-1', text: 'Business hours' }), say, form);
  api.get('/api/settings/hours', ctx.token).then(show, (e) => {
    if (e instanceof api.AuthError) ctx.authFailed(); else err.textContent = `Could not load: ${e.message}`;
  });
}
