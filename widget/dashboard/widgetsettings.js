/*
 * Widget settings (admin): the greeting that replaces the bot's, the accent
 * colour (with a live preview swatch), the corner, and the pre-chat form's
 * fields. Saved with PUT /api/settings/widget.
 */
import { el } from './dom.js';
import * as api from './api.js';
import { field, setError, clearErrors } from './forms.js';

const LEVELS = [['off', 'Off'], ['optional', 'Optional'], ['required', 'Required']];
const select = (name, pairs) => el('select', { name }, pairs.map(([v, t]) => el('option', { value: v, text: t })));

export function renderWidgetSettings(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const err = el('p', { class: 'error', role: 'alert' });
  const greeting = el('textarea', { name: 'greeting', rows: '3', maxlength: '500' });
  const color = el('input', { name: 'color', type: 'color' });
  const useColor = el('input', { type: 'checkbox', id: 'ws-use-color' });
  const swatch = el('div', { class: 'swatch', 'aria-hidden': 'true' }, [el('span', { text: 'Chat with us' })]);
  const position = select('position', [['bottom-right', 'Bottom right'], ['bottom-left', 'Bottom left']]);
  const pname = select('name', LEVELS), pemail = select('email', LEVELS);
  const paint = () => { swatch.style.setProperty('--c', useColor.checked ? color.value : '#2457d6'); };
  color.addEventListener('input', () => { useColor.checked = true; paint(); });
  useColor.addEventListener('change', paint);
  const controls = { greeting, color, position, 'prechat.name': pname, 'prechat.email': pemail };
  const save = el('button', { type: 'submit', class: 'primary', text: 'Save widget settings' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-label': 'Widget settings' }, [
    field('Greeting', greeting, 'Replaces the bot\'s answer to "hello" (up to 500 characters; empty: the built-in one).'),
    el('div', { class: 'radio' }, [useColor, el('label', { for: useColor.id, text: 'Use a custom accent colour' })]),
    field('Accent colour', color), swatch,
    field('Position', position),
    el('fieldset', {}, [el('legend', { text: 'Pre-chat form' }), field('Name field', pname), field('Email field', pemail)]),
    err, el('div', { class: 'form-actions' }, [save])]);
  const show = (w) => {
    greeting.value = w.greeting || '';
    useColor.checked = !!w.color;
    if (w.color) color.value = w.color;
    position.value = w.position;
    pname.value = w.prechat.name; pemail.value = w.prechat.email;
    paint();
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = ''; say.textContent = '';
    clearErrors(form);
    save.disabled = true;
    try {
      show(await api.request('PUT', '/api/settings/widget', ctx.token, {
        greeting: greeting.value, color: useColor.checked ? color.value : '', position: position.value,
        prechat: { name: pname.value, email: pemail.value } }));
      say.textContent = 'Saved: the widget uses these on its next page load.';
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      const c = controls[e.field];
      if (c) { setError(c, e.message); c.focus(); } else err.textContent = `Could not save: ${e.message}`;
    } finally { save.disabled = false; }
  });
  root.append(el('h1', { tabindex: '-1', text: 'Widget' }), say, form);
  api.get('/api/settings/widget', ctx.token).then(show, (e) => {
    if (e instanceof api.AuthError) ctx.authFailed(); else err.textContent = `Could not load: ${e.message}`;
  });
}
