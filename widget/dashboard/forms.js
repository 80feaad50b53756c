/*
 * Form helpers for the admin pages: a labelled control with its own error line
 * (linked by aria-describedby), and showing a server error next to the field it names.
 */
import { el } from './dom.js';

let seq = 0;
export const uid = (p) => `${p}-${++seq}`;

/* A label, the control, an optional hint and an (empty) error line. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  const err = el('span', { class: 'field-error', id: `${control.id}-error` });
  const hintEl = hint ? el('span', { class: 'hint muted', id: `${control.id}-hint`, text: hint }) : null;
  control.setAttribute('aria-describedby', [hintEl && hintEl.id, err.id].filter(Boolean).join(' '));
  control.addEventListener('input', () => setError(control, ''));
  return el('div', { class: 'field' }, [el('label', { for: control.id, text: label }), control, hintEl, err]);
}

/* The error line that belongs to a control (made by field() or errorFor()). */
export function errorLine(control) {
  return control && document.getElementById(`${control.id}-error`);
}

/* An error line for a control that has no field() wrapper (table cells). */
export function errorFor(control) {
  if (!control.id) control.id = uid('f');
  const err = el('span', { class: 'field-error', id: `${control.id}-error` });
  control.setAttribute('aria-describedby', err.id);
  control.addEventListener('input', () => setError(control, ''));
  return err;
}

export function setError(control, message) {
  const line = errorLine(control);
  if (line) line.textContent = message || '';
  if (message) control.setAttribute('aria-invalid', 'true'); else control.removeAttribute('aria-invalid');
}

export function clearErrors(root) {
  for (const c of root.querySelectorAll('[aria-invalid]')) setError(c, '');
}

/* Puts an ApiError next to the control of its field (controls: {field: element}),
 * focusing it; returns false when no control matches (show it elsewhere). */
export function showApiError(err, controls) {
  const c = err && err.field && controls[err.field];
  if (!c) return false;
  setError(c, err.message);
  c.focus();
  return true;
}
