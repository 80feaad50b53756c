/*
 * A small grouped bar chart in plain SVG: conversations and bot-resolved per day.
 * Colours come from app.css classes; each bar has a <title> tooltip, and the chart
 * as a whole is an image labelled by its caption (the data table sits next to it).
 */
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, kids) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) n.setAttribute(k, String(v));
  for (const c of kids || []) if (c != null) n.append(c);
  return n;
}
function title(text) { const t = s('title'); t.textContent = text; return t; }
function text(x, y, str, attrs) { const t = s('text', { x, y, ...attrs }); t.textContent = str; return t; }

/* A round top for the axis: 1, 2, 5 × 10^k at or above max. */
function niceMax(max) {
  if (max <= 4) return Math.max(1, max);
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export function dayLabel(date) {
  const d = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? date
    : d.toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/* days: [{date, conversations, bot_resolved}], series: [{key, label, cls}] */
export function barChart(days, series, labelledBy) {
  const W = 640, H = 220, L = 36, R = 8, T = 10, B = 28;
  const pw = W - L - R, ph = H - T - B;
  const max = niceMax(Math.max(0, ...days.flatMap((d) => series.map((x) => Number(d[x.key]) || 0))));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': labelledBy,
    preserveAspectRatio: 'xMidYMid meet' });
  const y = (v) => T + ph - (v / max) * ph;
  for (const v of [0, max / 2, max]) {
    if (v !== Math.round(v)) continue;
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }),
      text(L - 6, y(v) + 4, String(v), { class: 'tick', 'text-anchor': 'end' }));
  }
  const n = Math.max(1, days.length);
  const group = pw / n;
  const gap = Math.min(6, group * 0.2);
  const bw = Math.max(1, (group - gap) / series.length);
  const every = Math.ceil(n / 8);
  days.forEach((d, i) => {
    const x0 = L + i * group + gap / 2;
    series.forEach((ser, j) => {
      const v = Number(d[ser.key]) || 0;
      const h = (v / max) * ph;
      svg.append(s('rect', { x: x0 + j * bw, y: T + ph - h, width: Math.max(0.5, bw - 1), height: h, class: ser.cls },
        [title(`${dayLabel(d.date)}: ${v} ${ser.label.toLowerCase()}`)]));
    });
    if (i % every === 0) {
      svg.append(text(L + i * group + group / 2, H - 8, dayLabel(d.date), { class: 'tick', 'text-anchor': 'middle' }));
    }
  });
  return svg;
}
