/*
 * Alerts for an agent who is looking elsewhere: a short sound and, if they allow it, a
 * browser notification for a newly queued chat and for a visitor's message in one of
 * their own conversations.
 *
 * Both are opt-in (the "Alerts" button), because a page that beeps or asks for
 * permission unbidden is one agents learn to close. The choice is kept per browser in
 * localStorage. A message in the conversation the agent is reading, in a visible tab,
 * alerts nobody: they can see it. Notifications carry the conversation id as their tag,
 * so a burst of messages in one chat replaces one notification instead of stacking.
 * The sound is synthesised with Web Audio, so there is no file to serve and nothing
 * for the Content-Security-Policy to allow.
 */
import { $ } from './dom.js';

const KEY = 'parley.agent.alerts';
const QUIET_MS = 1500;        /* at most one sound per this interval */

let on = false;
let audio = null;
let lastSound = 0;
let openConversation = () => {};

function load() {
  try { return localStorage.getItem(KEY) === 'on'; } catch { return false; }
}

function save() {
  try { localStorage.setItem(KEY, on ? 'on' : 'off'); } catch { /* private mode: this tab only */ }
}

function render() {
  const b = $('alerts-btn');
  if (!b) return;
  b.setAttribute('aria-pressed', on ? 'true' : 'false');
  b.textContent = on ? 'Alerts on' : 'Alerts off';
  const denied = typeof Notification !== 'undefined' && Notification.permission === 'denied';
  b.title = on
    ? (denied ? 'Sound on; browser notifications are blocked for this site' : 'Sound and browser notifications for new chats and messages')
    : 'Turn on a sound and browser notifications for new chats and messages';
}

function beep() {
  const now = Date.now();
  if (now - lastSound < QUIET_MS) return;
  lastSound = now;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    audio = audio || new Ctx();
    const t = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, t);
    osc.frequency.setValueAtTime(660, t + 0.09);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.26);
  } catch { /* no audio device: the title counter still shows it */ }
}

function show(title, body, id) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body: String(body || '').slice(0, 160), tag: `parley-${id}` });
    n.onclick = () => { window.focus(); openConversation(id); n.close(); };
  } catch { /* some browsers only allow notifications from a service worker */ }
}

async function toggle() {
  on = !on;
  save();
  if (on) {
    /* Created inside the click, so the browser lets it play later. */
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx && !audio) { try { audio = new Ctx(); } catch { audio = null; } }
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
      try { await Notification.requestPermission(); } catch { /* old callback-only API: ignore */ }
    }
  }
  render();
}

/* open(id): shows a conversation, for a click on a notification. */
export function initAlerts({ open }) {
  openConversation = open;
  on = load();
  const b = $('alerts-btn');
  if (b) b.addEventListener('click', toggle);
  render();
}

/* A conversation just entered the queue. */
export function alertQueued(c, label, text) {
  if (!on) return;
  beep();
  show(`New chat waiting: ${label}`, text, c.id);
}

/* A visitor wrote in a conversation of this agent's. */
export function alertMessage(c, label, text, selectedId) {
  if (!on) return;
  if (c.id === selectedId && document.visibilityState === 'visible') return;
  beep();
  show(`${label} wrote`, text, c.id);
}
