/*
 * The agent's WebSocket: the only code that touches it.
 *
 * - Authenticates with {"type":"auth","token"} as the first frame (no token in the URL).
 * - Reconnects with exponential backoff and jitter (0.5 s to 30 s), at once when the
 *   browser comes back online or the tab becomes visible again.
 * - Frames sent with send(frame, {retry:true}) stay in an outbox until their ack (or an
 *   error naming their id) and are re-sent with the SAME id after every reconnect, so a
 *   retry is answered with the original ack instead of storing a duplicate.
 * - An unauthorized / invalid_token error stops reconnecting and calls onAuthFailed.
 */

const WS_URL = location.origin.replace(/^http/, 'ws') + '/ws/agent';

export class AgentConn {
  constructor(token, handlers) {
    this.token = token;
    this.h = handlers;          /* {frame(f), ready(f), ack(f, req), failed(f, req), up(bool), authFailed(f)} */
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.outbox = new Map();    /* id -> frame, insertion order = send order */
    this.waiting = new Map();   /* id -> frame sent on this socket and not retried */
    this.onOnline = () => this.nudge();
    this.onVisible = () => { if (document.visibilityState === 'visible') this.nudge(); };
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  connect() {
    clearTimeout(this.timer); this.timer = null;
    if (this.ws || this.stopped) return;
    let ws;
    try { ws = new WebSocket(WS_URL); } catch { this.retry(); return; }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (f && typeof f.type === 'string') this.receive(f);
    };
    ws.onclose = () => { if (this.ws === ws) this.drop(); };
    ws.onerror = () => { /* onclose follows */ };
  }

  retry() {
    if (this.stopped || this.timer) return;
    const base = Math.min(30000, 500 * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * base / 2;
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, delay);
  }

  /* Forgets the socket at once (a dead link may take minutes to report its close). */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null; this.ready = false; this.pingId = null;
    clearInterval(this.beat); clearTimeout(this.pingTimer);
    this.waiting.clear();
    try { ws.close(); } catch { /* gone */ }
    this.h.up(false);
    this.retry();
  }

  /* A ping every 25 s; no ack within 10 s means the link is dead: reconnect. */
  heartbeat() {
    clearInterval(this.beat);
    this.beat = setInterval(() => {
      if (!this.ready || this.pingId) return;
      this.pingId = `ping-${Date.now().toString(36)}`;
      this.raw({ type: 'ping', id: this.pingId });
      this.pingTimer = setTimeout(() => { this.pingId = null; this.drop(); }, 10000);
    }, 25000);
  }

  nudge() { if (!this.stopped && !this.ws) { this.attempt = 0; this.connect(); } }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer); clearInterval(this.beat); clearTimeout(this.pingTimer);
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.ws) { const ws = this.ws; this.ws = null; try { ws.close(); } catch { /* gone */ } }
  }

  receive(f) {
    if (f.type === 'error' && (f.code === 'unauthorized' || f.code === 'invalid_token')) {
      this.stop();
      this.h.authFailed(f);
      return;
    }
    if (f.type === 'ready') {
      this.ready = true; this.attempt = 0; this.pingId = null;
      this.heartbeat();
      this.h.up(true);
      this.h.ready(f);
      for (const frame of this.outbox.values()) this.raw(frame);
      return;
    }
    if (f.type === 'ack' && f.id != null && f.id === this.pingId) {
      this.pingId = null; clearTimeout(this.pingTimer); return;
    }
    if ((f.type === 'ack' || f.type === 'error') && f.id != null) {
      const req = this.outbox.get(f.id) || this.waiting.get(f.id);
      if (req) {
        if (f.type === 'error' && f.code === 'rate_limited' && this.outbox.has(f.id)) {
          setTimeout(() => { if (this.outbox.has(f.id)) this.raw(req); }, 2000);
          return;
        }
        this.outbox.delete(f.id); this.waiting.delete(f.id);
        if (f.type === 'ack') this.h.ack(f, req); else this.h.failed(f, req);
        return;
      }
    }
    this.h.frame(f);
  }

  raw(frame) {
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /* Sends now if connected. With retry, keeps it until acked (frame.id required);
   * without, an id still routes the ack/error back through ack()/failed(). */
  send(frame, opts = {}) {
    if (opts.retry) { this.outbox.set(frame.id, frame); this.raw(frame); return true; }
    const ok = this.raw(frame);
    if (ok && frame.id != null) this.waiting.set(frame.id, frame);
    return ok;
  }
}
