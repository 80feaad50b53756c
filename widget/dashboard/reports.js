/*
 * Reports: the KPI report (GET /api/reports/kpis) for a range of UTC days, as tiles
 * with human units and a per-day chart of conversations and bot-resolved ones.
 * Admins can pick everyone or one agent; an agent sees their own figures only.
 */
import { el, clear } from './dom.js';
import * as api from './api.js';
import { field, setError, clearErrors, showApiError, uid } from './forms.js';
import { barChart, dayLabel } from './chart.js';
import { addReportTeamFilter } from './teams.js';

const DAY = 86400000;
const iso = (t) => new Date(t).toISOString().slice(0, 10);
const num1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const num2 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const pctFmt = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export const DASH = '—';
export function fmtCount(n) { return n == null ? DASH : String(n); }
export function fmtRate(r) { return r == null ? DASH : pctFmt.format(r); }
const plural = (n, word) => `${fmtCount(n)} ${word}${n === 1 ? '' : 's'}`;

/* 850 → "0.9 s", 41000 → "41 s", 180000 → "3 min", 5400000 → "1.5 h", 3 days → "3 d". */
export function fmtDuration(ms) {
  if (ms == null) return DASH;
  const s = ms / 1000;
  if (s < 10) return `${num1.format(s)} s`;
  if (s < 59.5) return `${Math.round(s)} s`;
  const m = s / 60;
  if (m < 10) return `${num1.format(m)} min`;
  if (m < 59.5) return `${Math.round(m)} min`;
  const h = m / 60;
  if (h < 10) return `${num1.format(h)} h`;
  if (h < 47.5) return `${Math.round(h)} h`;
  return `${num1.format(h / 24)} d`;
}

function durationTile(key, label, d) {
  d = d || {};
  const sub = d.count ? `p90 ${fmtDuration(d.p90)} · ${d.count} measured` : 'nothing measured';
  return [key, label, fmtDuration(d.median), `median; ${sub}`];
}

function tiles(r) {
  const csat = r.csat || {};
  return [
    ['conversations', 'Conversations', fmtCount(r.conversations), plural(r.visitors, 'visitor')],
    ['bot_resolved', 'Bot-resolved', fmtCount(r.bot_resolved), `deflection ${fmtRate(r.deflection_rate)}`],
    ['handoffs', 'Handoffs', fmtCount(r.handoffs), `${fmtRate(r.handoff_rate)} of conversations`],
    ['missed', 'Missed', fmtCount(r.missed), 'closed with no agent reply'],
    durationTile('first_response_ms', 'First response', r.first_response_ms),
    durationTile('queue_wait_ms', 'Queue wait', r.queue_wait_ms),
    durationTile('resolution_ms', 'Resolution time', r.resolution_ms),
    ['csat', 'Satisfaction', csat.average == null ? DASH : `${num2.format(csat.average)} / 5`,
      csat.count ? `${plural(csat.count, 'rating')} · ${fmtRate(csat.satisfied_rate)} satisfied` : 'no ratings'],
    ['fcr_rate', 'First-contact resolution', fmtRate(r.fcr_rate), 'no new conversation within 7 days'],
    ['repeat_contact_rate', 'Repeat contact', fmtRate(r.repeat_contact_rate), 'visitors with 2+ conversations'],
  ];
}

const SERIES = [
  { key: 'conversations', label: 'Conversations', cls: 'bar-conv' },
  { key: 'bot_resolved', label: 'Bot-resolved', cls: 'bar-bot' },
];

export function renderReports(root, ctx) {
  const today = Date.now();
  const from = el('input', { type: 'date', name: 'from', required: true, value: iso(today - 6 * DAY), max: iso(today) });
  const to = el('input', { type: 'date', name: 'to', required: true, value: iso(today), max: iso(today) });
  const agent = ctx.isAdmin ? el('select', { name: 'agent' }, [el('option', { value: '', text: 'Everyone' })]) : null;
  const controls = { from, to, agent: agent || to };
  const err = el('p', { class: 'error', role: 'alert' });
  const say = el('p', { class: 'page-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'primary', text: 'Show report' });
  const quick = (days, label) => el('button', { type: 'button', class: 'small', text: label, onclick: () => {
    const now = Date.now();
    from.value = iso(now - (days - 1) * DAY); to.value = iso(now);
    form.requestSubmit();
  } });
  const form = el('form', { class: 'panel-form report-form', novalidate: true, 'aria-label': 'Report range' }, [
    el('div', { class: 'field-row' }, [
      field('From (UTC)', from), field('To (UTC)', to),
      agent ? field('Agent', agent) : el('p', { class: 'muted mine-only', text: 'Your own conversations.' }),
    ]),
    err,
    el('div', { class: 'form-actions' }, [quick(7, 'Last 7 days'), quick(30, 'Last 30 days'), submit]),
  ]);
  const tileList = el('ul', { class: 'tiles', 'aria-label': 'Key figures' });
  const capId = uid('cap');
  const chartBox = el('div', { class: 'chart-box' });
  const tableBody = el('tbody');
  const results = el('div', { class: 'results', hidden: true }, [
    tileList,
    el('figure', { class: 'panel chart-fig' }, [
      el('figcaption', { id: capId, text: 'Conversations and bot-resolved conversations per day (UTC)' }),
      chartBox,
      el('ul', { class: 'legend', 'aria-hidden': 'true' }, SERIES.map((x) =>
        el('li', null, [el('span', { class: `swatch ${x.cls}` }), document.createTextNode(x.label)]))),
    ]),
    el('details', { class: 'panel' }, [
      el('summary', { text: 'Daily figures as a table' }),
      el('div', { class: 'table-wrap' }, [el('table', { class: 'data' }, [
        el('thead', null, [el('tr', null, ['Day', 'Conversations', 'Bot-resolved', 'Handoffs', 'Missed']
          .map((t) => el('th', { scope: 'col', text: t })))]),
        tableBody,
      ])]),
    ]),
  ]);

  let generation = 0;
  let teamValue = () => '';
  async function load() {
    clearErrors(form); err.textContent = '';
    const q = { from: from.value, to: to.value, agent: agent ? agent.value : '', team: teamValue() };
    const re = /^\d{4}-\d{2}-\d{2}$/;
    if (!re.test(q.from)) { setError(from, 'Pick a day.'); from.focus(); return; }
    if (!re.test(q.to)) { setError(to, 'Pick a day.'); to.focus(); return; }
    const span = (Date.parse(q.to) - Date.parse(q.from)) / DAY;
    if (span < 0) { setError(to, 'The end is before the start.'); to.focus(); return; }
    if (span > 365) { setError(to, 'At most 366 days.'); to.focus(); return; }
    const mine = ++generation;
    say.textContent = 'Loading the report…';
    submit.disabled = true;
    try {
      const r = await api.kpis(ctx.token, q);
      if (mine !== generation) return;
      show(r);
      const who = agent && agent.value ? agent.selectedOptions[0].textContent : ctx.isAdmin ? 'everyone' : 'you';
      say.textContent = `${dayLabel(r.from)} – ${dayLabel(r.to)}, ${who}: ${plural(r.conversations, 'conversation')}.`;
    } catch (e) {
      if (mine !== generation) return;
      say.textContent = '';
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      if (!showApiError(e, controls)) err.textContent = `Could not load the report: ${e.message}`;
    } finally { if (mine === generation) submit.disabled = false; }
  }

  function show(r) {
    clear(tileList);
    for (const [key, label, value, sub] of tiles(r)) {
      tileList.append(el('li', { class: 'tile', 'data-kpi': key }, [
        el('span', { class: 't-label', text: label }),
        el('span', { class: 't-value', text: value }),
        el('span', { class: 't-sub muted', text: sub }),
      ]));
    }
    const days = Array.isArray(r.by_day) ? r.by_day : [];
    clear(chartBox).append(barChart(days, SERIES, capId));
    clear(tableBody);
    for (const d of days) {
      tableBody.append(el('tr', null, [
        el('th', { scope: 'row', text: dayLabel(d.date) }),
        ...['conversations', 'bot_resolved', 'handoffs', 'missed'].map((k) => el('td', { text: fmtCount(d[k]) })),
      ]));
    }
    results.hidden = false;
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  if (agent) agent.addEventListener('change', () => load());
  root.append(el('h1', { tabindex: '-1', text: 'Reports' }), form, say, results);
  teamValue = addReportTeamFilter(root, ctx, () => load());

  if (agent) {
    api.agents(ctx.token).then((res) => {
      for (const a of res.agents || []) {
        const label = `${a.name || a.email}${a.active ? '' : ' (inactive)'}`;
        agent.append(el('option', { value: String(a.id), text: label }));
      }
    }).catch((e) => { if (e instanceof api.AuthError) ctx.authFailed(); });
  }
  load();
  return () => { generation++; };
}
