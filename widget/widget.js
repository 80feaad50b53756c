/*
 * Parley chat widget: one script tag, no dependencies.
 *
 *   <script src="https://chat.example.com/widget.js" async
 *           data-locale="cy" data-title="Help" data-color="#0a7" data-position="left"></script>
 *
 * Design:
 * - Everything lives in an open shadow root, so the host page's CSS cannot break it,
 *   and all text is rendered with textContent (never innerHTML with data).
 * - `Conn` is the only thing that touches the WebSocket. It keeps the visitor token
 *   (localStorage), the highest seq seen and an outbox of unsent messages (also in
 *   localStorage). After a reconnect it sends hello{token,last_seq}, appends only the
 *   missed messages (dedupe by seq) and re-sends the outbox with the SAME client ids,
 *   so the server's idempotency turns a retry into the same ack, never a duplicate.
 */
(function () {
  'use strict';
  var script = document.currentScript ||
    document.querySelector('script[src$="/widget.js"],script[src*="/widget.js?"]');
  if (!script || window.__parleyWidget) return;
  window.__parleyWidget = true;

  var ORIGIN = new URL(script.src, location.href).origin;
  var WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws/visitor';
  var ds = script.dataset || {};
  var CFG = {
    locale: ds.locale || navigator.language || 'en',
    title: ds.title || 'Chat with us',
    color: (ds.color && window.CSS && CSS.supports('color', ds.color)) ? ds.color : '#2457d6',
    left: ds.position === 'left',
    pageColor: !!ds.color, pagePosition: !!ds.position,   /* the page's own choice wins */
    name: ds.name || null,
    email: ds.email || null,
    /* A signed-in shopper, signed by the site's server: the same chat on every device. */
    userId: ds.userId || null,
    userHash: ds.userHash || null
  };
  var K = {
    token: 'parley.token.' + ORIGIN,
    outbox: 'parley.outbox.' + ORIGIN,
    rated: 'parley.rated.' + ORIGIN,
    open: 'parley.open.' + ORIGIN,
    contact: 'parley.contact.' + ORIGIN   /* the conversation an email was left for */
  };

  function load(k, fallback) {
    try { var v = localStorage.getItem(k); return v == null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(k, v) {
    try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v)); }
    catch (e) { /* private mode: work from memory */ }
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  /* ---------------- the connection: socket, resume, outbox ---------------- */
  var Conn = {
    ws: null, ready: false, attempt: 0, timer: null, wanted: false, ackTimer: null,
    token: load(K.token, null),
    lastSeq: 0,             /* highest seq shown in this page (0 after a reload: fetch all) */
    convId: null,
    outbox: load(K.outbox, []),   /* [{id, text}] not yet acked, in order */
    handlers: {},

    start: function () { this.wanted = true; if (!this.ws) this.connect(); },
    connect: function () {
      var self = this;
      clearTimeout(this.timer); this.timer = null;
      if (this.ws || !this.wanted) return;
      var ws;
      try { ws = new WebSocket(WS_URL); } catch (e) { this.retry(); return; }
      this.ws = ws; this.ready = false;
      ws.onopen = function () {
        self.helloSeq = self.token ? self.lastSeq : 0;
        ws.send(JSON.stringify(self.hello()));
      };
      ws.onmessage = function (ev) {
        var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
        if (f && typeof f.type === 'string') self.receive(f);
      };
      ws.onclose = function () { if (self.ws === ws) self.drop(); };
      ws.onerror = function () { /* onclose follows */ };
    },
    hello: function () {
      /* Within the server's field limits, so a long URL can never make hello fail. */
      var f = { type: 'hello', token: this.token || null, last_seq: this.token ? this.lastSeq : 0,
        locale: String(CFG.locale).slice(0, 35), page: location.href.slice(0, 2048) };
      if (this.token && this.convId) f.conversation = this.convId;
      if (CFG.name) f.name = String(CFG.name).slice(0, 100);
      if (CFG.email) f.email = String(CFG.email).slice(0, 254);
      if (CFG.userId && CFG.userHash) { f.user_id = String(CFG.userId); f.user_hash = String(CFG.userHash); }
      return f;
    },
    retry: function () {
      if (!this.wanted || this.timer) return;
      var base = Math.min(30000, 500 * Math.pow(2, this.attempt++));
      var delay = base / 2 + Math.random() * base / 2;   /* jitter: 50..100 % */
      var self = this;
      this.timer = setTimeout(function () { self.timer = null; self.connect(); }, delay);
    },
    /* A network change or the tab coming back: try now instead of waiting out the backoff. */
    nudge: function () {
      if (!this.wanted || this.ws) return;
      this.attempt = 0; this.connect();
    },
    /* Forgets the socket at once (a dead link may take minutes to report its close). */
    drop: function () {
      var ws = this.ws;
      if (!ws) return;
      this.ws = null; this.ready = false;
      clearTimeout(this.ackTimer); clearTimeout(this.pingTimer); clearInterval(this.beat);
      try { ws.close(); } catch (e) { /* already gone */ }
      this.emit('down');
      this.retry();
    },
    /* A ping every 25 s; no ack within 10 s means the link is dead: reconnect. */
    heartbeat: function () {
      var self = this;
      clearInterval(this.beat);
      this.beat = setInterval(function () {
        if (!self.ready || self.pingId) return;
        self.pingId = 'ping-' + uid();
        self.send({ type: 'ping', id: self.pingId });
        self.pingTimer = setTimeout(function () { self.pingId = null; self.drop(); }, 10000);
      }, 25000);
    },
    send: function (f) {
      if (!this.ready || !this.ws || this.ws.readyState !== 1) return false;
      this.ws.send(JSON.stringify(f)); return true;
    },
    receive: function (f) {
      if (f.type === 'welcome') {
        var c = f.conversation || {}, asked = this.helloSeq;
        this.helloSeq = null;
        if (c.id !== this.convId) {
          if (this.convId) this.emit('reset');
          this.lastSeq = 0;
          var first = f.messages && f.messages[0];
          if (asked > 0 && c.last_seq > 0 && !(first && first.seq === 1)) {
            /* We resumed from a seq of an older conversation (another tab started a new
             * one): ask again from the start so nothing of the new one is missed. */
            this.convId = c.id; this.attempt = 0; this.drop(); return;
          }
        }
        this.token = f.token || this.token; save(K.token, this.token);
        this.convId = c.id; this.ready = true; this.attempt = 0; this.pingId = null;
        this.heartbeat();
        this.emit('welcome', f);
        (f.messages || []).forEach(this.message, this);
        this.flush();
        return;
      }
      if (f.type === 'error' && f.code === 'invalid_token') {
        /* The server forgot us (or the token is from another install): start fresh. */
        this.token = null; save(K.token, null); this.lastSeq = 0; this.convId = null;
        this.emit('reset');
        this.helloSeq = 0;
        if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(this.hello()));
        return;
      }
      if (f.type === 'error' && !this.ready) { this.drop(); return; }   /* hello refused: retry later */
      if (f.type === 'message') { this.message(f); return; }
      if (f.type === 'ack' && f.id && f.id === this.pingId) {
        this.pingId = null; clearTimeout(this.pingTimer); return;
      }
      if (f.type === 'ack' && f.id) {
        var had = this.outbox.some(function (m) { return m.id === f.id; });
        if (had) { this.forget(f.id); this.emit('acked', f); }
        else this.emit('ack', f);
        return;
      }
      if (f.type === 'error' && f.id && this.outbox.some(function (m) { return m.id === f.id; })) {
        if (f.code === 'rate_limited') { var s = this; setTimeout(function () { s.flush(); }, 2000); return; }
        this.forget(f.id); this.emit('failed', f); return;
      }
      this.emit(f.type, f);
    },
    message: function (m) {
      if (typeof m.seq !== 'number' || m.seq <= this.lastSeq) return;   /* seen already */
      if (m.conversation && this.convId && m.conversation !== this.convId) return;
      this.lastSeq = m.seq;
      if (m.id && m.author && m.author.role === 'visitor') this.forget(m.id);
      this.emit('message', m);
    },
    post: function (text) {
      var item = { id: uid(), text: text };
      this.outbox.push(item); save(K.outbox, this.outbox);
      this.emit('pending', item);
      this.flush();
    },
    flush: function () {
      var self = this;
      if (!this.ready || !this.outbox.length) return;
      this.outbox.forEach(function (m) { self.send({ type: 'message', id: m.id, text: m.text }); });
      /* No ack in time: the link is probably dead although the socket looks open. */
      clearTimeout(this.ackTimer);
      this.ackTimer = setTimeout(function () { if (self.outbox.length) self.drop(); }, 15000);
    },
    forget: function (id) {
      var n = this.outbox.length;
      this.outbox = this.outbox.filter(function (m) { return m.id !== id; });
      if (this.outbox.length !== n) save(K.outbox, this.outbox);
      if (!this.outbox.length) clearTimeout(this.ackTimer);
    },
    on: function (t, fn) { this.handlers[t] = fn; },
    emit: function (t, f) { if (this.handlers[t]) this.handlers[t](f); }
  };

  /* ---------------- DOM helpers ---------------- */
  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') n.textContent = attrs[k];
      else if (k === 'class') n.className = attrs[k];
      else if (k === 'hidden') n.hidden = !!attrs[k];
      else if (k.slice(0, 2) === 'on') n.addEventListener(k.slice(2), attrs[k]);
      else n.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }
  function timeOf(ts) {
    try { return new Date(ts || Date.now()).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }
    catch (e) { return ''; }
  }



  /* ---------------- the view ---------------- */
  var host = el('parley-chat');
  var root = host.attachShadow({ mode: 'open' });
  /* Hidden until the stylesheet arrives, so the page never shows it unstyled. */
  host.style.visibility = 'hidden';
  var sheet = el('link', { rel: 'stylesheet', href: ORIGIN + '/widget.css' });
  sheet.addEventListener('load', function () { host.style.visibility = ''; });
  sheet.addEventListener('error', function () { host.style.visibility = ''; });
  root.appendChild(sheet);
  host.style.setProperty('--c', CFG.color);
  if (CFG.left) host.classList.add('left');

  var icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  icon.setAttribute('viewBox', '0 0 24 24'); icon.setAttribute('aria-hidden', 'true');
  var path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z');
  icon.appendChild(path);
  var badge = el('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  var launcher = el('button', { type: 'button', class: 'launch', 'aria-label': 'Open chat',
    'aria-expanded': 'false', onclick: function () { openPanel(true); } }, [icon, badge]);

  var stateLine = el('div', { class: 'state', role: 'status' });
  var queueLine = el('div', { class: 'state queue', 'aria-live': 'polite', hidden: true });
  var log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation',
    tabindex: '0' });
  var typingLine = el('div', { class: 'typing', 'aria-live': 'polite' });
  var quick = el('div', { class: 'quick' });
  var input = el('textarea', { 'aria-label': 'Message', placeholder: 'Type your message…', rows: '1',
    maxlength: '4000' });
  var compose = el('form', { class: 'compose' }, [input,
    el('button', { type: 'submit', class: 'send', text: 'Send' })]);
  var closedBox = el('div', { class: 'closed', hidden: true });
  var endBtn = el('button', { type: 'button', text: 'End chat', hidden: true,
    onclick: function () { Conn.send({ type: 'close' }); } });
  var panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': CFG.title, hidden: true }, [
    el('header', null, [el('h2', { text: CFG.title }), endBtn,
      el('button', { type: 'button', 'aria-label': 'Minimise chat', text: '—',
        onclick: function () { openPanel(false); } })]),
    stateLine, queueLine, log, typingLine, quick, compose, closedBox
  ]);
  root.appendChild(launcher); root.appendChild(panel);

  /* ---------------- site settings: look, pre-chat form, offline ----------------
   * GET /api/widget/config (public, CORS, no credentials) before the first hello:
   * the pre-chat form must show before a visitor exists. Without an answer in 3 s
   * the widget goes on as before (no form). */
  var Site = { cfg: null, done: false, waiters: [], contactId: null };
  function siteReady(fn) { if (Site.done) fn(); else Site.waiters.push(fn); }
  function siteDone(cfg) {
    if (Site.done) return;
    Site.done = true; Site.cfg = cfg;
    if (cfg) applySite(cfg);
    Site.waiters.splice(0).forEach(function (fn) { fn(); });
  }
  setTimeout(function () { siteDone(null); }, 3000);
  try {
    fetch(ORIGIN + '/api/widget/config', { credentials: 'omit', mode: 'cors' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(siteDone, function () { siteDone(null); });
  } catch (e) { siteDone(null); }

  var banner = el('div', { class: 'banner', role: 'status', hidden: true });
  panel.insertBefore(banner, stateLine);
  function applySite(cfg) {
    if (!CFG.pageColor && /^#[0-9a-f]{6}$/i.test(cfg.color || '')) host.style.setProperty('--c', cfg.color);
    if (!CFG.pagePosition) host.classList.toggle('left', cfg.position === 'bottom-left');
    if (cfg.offline) {
      banner.textContent = 'Our team is away right now. The assistant can still help, or leave us a message.';
      banner.hidden = false;
    }
  }

  function field(label, type, req, hint) {
    var id = 'pf-' + uid();
    var inp = el('input', { id: id, type: type, autocomplete: type === 'email' ? 'email' : 'name' });
    if (req) { inp.required = true; inp.setAttribute('aria-required', 'true'); }
    var err = el('div', { class: 'err', id: id + '-err', 'aria-live': 'polite' });
    inp.setAttribute('aria-describedby', id + '-err');
    return { input: inp, err: err, node: el('div', { class: 'field' }, [
      el('label', { for: id, text: label + (req ? ' (required)' : hint ? ' (optional)' : '') }), inp, err]) };
  }
  function emailOk(v) { return /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;.]+$/.test(v); }
  function check(f, kind, req) {
    var v = f.input.value.trim(), msg = '';
    if (req && !v) msg = (kind === 'email' ? 'Email' : 'Name') + ' is required.';
    else if (kind === 'email' && v && !emailOk(v)) msg = 'Enter an email address like name@example.com.';
    f.err.textContent = msg;
    if (msg) f.input.setAttribute('aria-invalid', 'true'); else f.input.removeAttribute('aria-invalid');
    return msg ? null : v;
  }

  /* The pre-chat form: only for a new visitor, with the fields the admin turned on. */
  var prechatBox = el('form', { class: 'prechat', hidden: true, 'aria-label': 'Before we start', novalidate: '' });
  panel.insertBefore(prechatBox, log);
  function needPrechat() {
    var p = Site.cfg && Site.cfg.prechat;
    if (Conn.token || !p) return false;
    return (p.name !== 'off' && !CFG.name) || (p.email !== 'off' && !CFG.email);
  }
  function showPrechat() {
    var p = Site.cfg.prechat, fields = [];
    while (prechatBox.firstChild) prechatBox.removeChild(prechatBox.firstChild);
    prechatBox.appendChild(el('p', { text: 'Before we start, tell us who you are.' }));
    if (p.name !== 'off' && !CFG.name) fields.push(['name', field('Name', 'text', p.name === 'required', true), p.name === 'required']);
    if (p.email !== 'off' && !CFG.email) fields.push(['email', field('Email', 'email', p.email === 'required', true), p.email === 'required']);
    fields.forEach(function (f) { prechatBox.appendChild(f[1].node); });
    prechatBox.appendChild(el('button', { type: 'submit', class: 'primary', text: 'Start chat' }));
    prechatBox.onsubmit = function (e) {
      e.preventDefault();
      var vals = {}, bad = null;
      fields.forEach(function (f) {
        var v = check(f[1], f[0], f[2]);
        if (v === null) bad = bad || f[1].input; else vals[f[0]] = v;
      });
      if (bad) { bad.focus(); return; }
      if (vals.name) CFG.name = vals.name;
      if (vals.email) CFG.email = vals.email;
      Site.prechatDone = true;
      prechatBox.hidden = true; log.hidden = false; compose.hidden = false;
      Conn.start(); input.focus();
    };
    prechatBox.hidden = false; log.hidden = true; compose.hidden = true;
    if (fields[0]) fields[0][1].input.focus();
  }
  function startChat() {
    siteReady(function () {
      if (!Site.prechatDone && needPrechat()) showPrechat(); else Conn.start();
    });
  }

  /* The offline form: the team is away, so an email address to answer at and a
   * message. The message goes through the usual outbox (acked, retried). */
  var offlineBox = el('form', { class: 'offline', hidden: true, 'aria-label': 'Leave a message', novalidate: '' });
  panel.insertBefore(offlineBox, compose);
  function showOffline(on) {
    offlineBox.hidden = !on || contactLeft();
    if (offlineBox.hidden || offlineBox.firstChild) return;
    var em = field('Email', 'email', true, false);
    if (CFG.email) em.input.value = CFG.email;
    var msgId = 'om-' + uid();
    var msg = el('textarea', { id: msgId, rows: '3', maxlength: '4000' });
    var status = el('div', { class: 'err', role: 'alert' });
    [el('p', { text: 'Leave your email and a message: we will answer here, and you will see it when you come back.' }),
      em.node, el('div', { class: 'field' }, [el('label', { for: msgId, text: 'Your message for the team' }), msg]),
      status, el('button', { type: 'submit', class: 'primary', text: 'Leave message' })]
      .forEach(function (n) { offlineBox.appendChild(n); });
    offlineBox.onsubmit = function (e) {
      e.preventDefault();
      var v = check(em, 'email', true);
      if (v === null) { em.input.focus(); return; }
      Site.contactId = 'contact-' + uid();
      Site.pendingText = msg.value.trim();
      status.textContent = '';
      Site.status = status;
      if (!Conn.send({ type: 'contact', id: Site.contactId, email: v })) status.textContent = 'Not connected yet: try again in a moment.';
    };
  }
  function contactLeft() { return !!Conn.convId && load(K.contact, null) === Conn.convId; }
  function contactAnswer(f) {
    if (!Site.contactId || f.id !== Site.contactId) return false;
    Site.contactId = null;
    if (f.type === 'error') { if (Site.status) Site.status.textContent = f.message || 'That did not work.'; return true; }
    save(K.contact, Conn.convId);
    offlineBox.hidden = true;
    if (Site.pendingText) Conn.post(Site.pendingText);
    stateLine.textContent = 'Thank you! We will answer here as soon as we are back.';
    return true;
  }

  var S = {
    open: false, state: null, agentName: null, unread: 0, lastRead: 0, lastBot: null,
    feedbackGiven: {}, pendingEls: {}, seqEls: {}, history: {}, typingOff: null, typingSent: 0,
    typingIdle: null,
    rated: load(K.rated, null)
  };

  function openPanel(on) {
    S.open = on;
    panel.hidden = !on; launcher.hidden = on;
    launcher.setAttribute('aria-expanded', String(on));
    try { sessionStorage.setItem(K.open, on ? '1' : ''); } catch (e) { /* ignore */ }
    if (on) {
      startChat();
      S.unread = 0; showBadge();
      log.scrollTop = log.scrollHeight;
      (compose.hidden ? closedBox.querySelector('button') || log : input).focus();
      markRead();
    } else {
      launcher.focus();
    }
  }
  function showBadge() { badge.hidden = !S.unread; badge.textContent = S.unread > 9 ? '9+' : String(S.unread); }

  function markRead() {
    if (!S.open || document.visibilityState === 'hidden') return;
    if (Conn.lastSeq > S.lastRead && Conn.send({ type: 'read', seq: Conn.lastSeq })) S.lastRead = Conn.lastSeq;
  }

  function bubble(m, pending) {
    var role = (m.author && m.author.role) || 'visitor';
    var n = el('div', { class: 'msg ' + role + (pending ? ' pending' : '') });
    var label = role === 'bot' ? 'Bot' : role === 'agent' ? ((m.author && m.author.name) || 'Agent') : null;
    if (label) n.appendChild(el('span', { class: 'who', text: label }));
    n.appendChild(document.createTextNode(String(m.text == null ? '' : m.text)));
    if (role !== 'system') {
      n.appendChild(el('span', { class: 'when', text: pending ? 'Sending…' : timeOf(m.ts) }));
    }
    if (role === 'bot' && Array.isArray(m.choices) && m.choices.length) {
      var box = el('div', { class: 'choices' });
      m.choices.forEach(function (c) {
        box.appendChild(el('button', { type: 'button', class: 'chip', text: String(c.question || c.faq),
          onclick: function () {
            if (Conn.send({ type: 'choose', faq: c.faq })) {
              Array.prototype.forEach.call(box.children, function (b) { b.disabled = true; });
            }
          } }));
      });
      n.appendChild(box);
    }
    return n;
  }
  /* Stored messages sit in seq order before any pending (unacked) bubbles. */
  function insertStored(n) {
    var firstPending = log.querySelector('.msg.pending');
    log.insertBefore(n, firstPending);
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  Conn.on('message', function (m) {
    if (S.seqEls[m.seq]) return;
    var n = bubble(m, false);
    var p = m.id && S.pendingEls[m.id];
    if (p) { p.remove(); delete S.pendingEls[m.id]; }
    S.seqEls[m.seq] = n;
    S.history[m.seq] = m;
    insertStored(n);
    var role = m.author && m.author.role;
    if (role === 'bot' && m.faq) S.lastBot = m;
    if (role === 'agent' && m.author.name && S.agentName !== m.author.name) {
      S.agentName = m.author.name;
      if (S.state === 'assigned') stateLine.textContent = S.agentName + ' joined';
    }
    if (role && role !== 'visitor') {
      showTyping(false);
      if (!S.open) { S.unread++; showBadge(); }
    }
    S.lastMsg = m;
    refreshQuick(); scrollDown(); markRead();
  });
  Conn.on('pending', function (item) {
    var n = bubble({ text: item.text, author: { role: 'visitor' } }, true);
    S.pendingEls[item.id] = n; log.appendChild(n); scrollDown();
  });
  Conn.on('acked', function (f) {
    var n = S.pendingEls[f.id];
    if (!n) return;
    delete S.pendingEls[f.id];
    if (S.seqEls[f.seq]) { n.remove(); return; }   /* the echo came first */
    n.classList.remove('pending');
    var when = n.querySelector('.when'); if (when) when.textContent = timeOf(Date.now());
    S.seqEls[f.seq] = n; n.remove(); insertStored(n);
  });
  Conn.on('failed', function (f) {
    var n = S.pendingEls[f.id];
    if (!n) return;
    delete S.pendingEls[f.id];
    n.classList.remove('pending'); n.classList.add('failed');
    var when = n.querySelector('.when');
    if (when) when.textContent = 'Not sent: ' + (f.code === 'conversation_closed' ? 'the conversation is closed'
      : (f.message || f.code || 'error'));
  });
  Conn.on('reset', function () {
    while (log.firstChild) log.removeChild(log.firstChild);
    S.seqEls = {}; S.pendingEls = {}; S.history = {}; S.lastRead = 0; S.lastBot = null; S.lastMsg = null;
    S.feedbackGiven = {}; S.agentName = null;
  });
  Conn.on('welcome', function (f) {
    var c = f.conversation || {};
    S.agentName = c.agent_name || (c.agent && c.agent.name) || S.agentName;
    setState(c.state || 'bot', c);
    /* Pending messages from before a reload (or a dropped link) are shown once, greyed. */
    Conn.outbox.forEach(function (item) {
      if (!S.pendingEls[item.id]) Conn.emit('pending', item);
    });
    markRead();
  });
  Conn.on('state', function (f) {
    if (f.conversation && Conn.convId && f.conversation !== Conn.convId) return;
    if (f.agent_name) S.agentName = f.agent_name;
    else if (f.agent && f.agent.name) S.agentName = f.agent.name;
    setState(f.state, f);
  });
  Conn.on('queue', function (f) {
    if (f.conversation && Conn.convId && f.conversation !== Conn.convId) return;
    if (S.state !== 'queued') return;
    var text = f.position === 1 ? 'You are next in line' : 'You are number ' + f.position + ' in line';
    if (f.agents_online === 0) text += ' · nobody is online right now, but your messages will be read';
    else if (typeof f.estimated_wait_ms === 'number') {
      var min = Math.max(1, Math.round(f.estimated_wait_ms / 60000));
      text += ' · about ' + min + (min === 1 ? ' minute' : ' minutes');
    }
    queueLine.textContent = text;
    queueLine.hidden = false;
  });
  Conn.on('typing', function (f) {
    var who = (f.author && f.author.name) || f.name || S.agentName || 'Agent';
    showTyping(!!f.on, who);
  });
  Conn.on('ack', function (f) { contactAnswer(f); /* rating/feedback acks: nothing to show */ });
  Conn.on('error', function (f) {
    if (contactAnswer(f)) return;
    if (f.code === 'conversation_closed') setState('closed', {});
  });
  Conn.on('down', function () { showTyping(false); if (S.state !== 'closed') stateLine.textContent = 'Reconnecting…'; });

  function showTyping(on, who) {
    clearTimeout(S.typingOff);
    typingLine.textContent = on ? who + ' is typing…' : '';
    if (on) S.typingOff = setTimeout(function () { typingLine.textContent = ''; }, 8000);
  }

  function setState(state, info) {
    S.state = state;
    var text = '';
    if (state === 'queued') text = 'Waiting for an agent…';
    else if (state === 'assigned') text = (S.agentName || (info && info.agent_name) || 'An agent') + ' joined';
    else if (state === 'closed') text = 'Conversation closed';
    else if (state === 'offline') text = contactLeft() ? 'We will answer here as soon as we are back.' : 'Our team is away right now.';
    stateLine.textContent = text;
    showOffline(state === 'offline');
    if (state !== 'queued') { queueLine.hidden = true; queueLine.textContent = ''; }
    compose.hidden = state === 'closed';
    endBtn.hidden = state === 'closed' || !Conn.convId;
    if (state === 'closed') showClosed(info && info.rated);
    else { closedBox.hidden = true; while (closedBox.firstChild) closedBox.removeChild(closedBox.firstChild); }
    refreshQuick();
  }

  /* One row of quick replies under the log: feedback on the latest bot answer and one
   * "Talk to a person" while the bot is in charge (one button, never duplicated). */
  function refreshQuick() {
    while (quick.firstChild) quick.removeChild(quick.firstChild);
    if (S.state !== 'bot') return;
    var b = S.lastBot;
    if (b && S.lastMsg === b && !S.feedbackGiven[b.seq]) {
      [['That helped', true], ["That didn't help", false]].forEach(function (q) {
        quick.appendChild(el('button', { type: 'button', class: 'chip', text: q[0], onclick: function () {
          if (Conn.send({ type: 'feedback', seq: b.seq, helpful: q[1] })) {
            S.feedbackGiven[b.seq] = true; refreshQuick();
            if (q[1]) stateLine.textContent = 'Glad that helped!';
          }
        } }));
      });
    }
    quick.appendChild(el('button', { type: 'button', class: 'chip', text: 'Talk to a person', onclick: function () {
      if (Conn.send({ type: 'handoff' })) { quick.lastChild.disabled = true; }
    } }));
  }

  /* The visitor keeps their own copy: plain text, built from what this tab holds. */
  function downloadTranscript() {
    var names = { visitor: 'You', bot: 'Bot', system: '' };
    var lines = Object.keys(S.history).map(Number).sort(function (a, b) { return a - b; })
      .map(function (seq) {
        var m = S.history[seq], role = (m.author && m.author.role) || '';
        var who = role === 'agent' ? ((m.author && m.author.name) || 'Agent') : names[role];
        return '[' + new Date(m.ts || Date.now()).toISOString().replace('T', ' ').slice(0, 16) + '] ' +
          (who ? who + ': ' : '') + m.text;
      });
    var blob = new Blob([CFG.title + '\n\n' + lines.join('\n') + '\n'], { type: 'text/plain' });
    var a = el('a', { href: URL.createObjectURL(blob), download: 'chat-transcript.txt' });
    root.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  function showClosed(rated) {
    while (closedBox.firstChild) closedBox.removeChild(closedBox.firstChild);
    closedBox.hidden = false;
    closedBox.appendChild(el('button', { type: 'button', text: 'Download transcript',
      onclick: downloadTranscript }));
    var newBtn = el('button', { type: 'button', class: 'primary', text: 'Start a new conversation',
      onclick: function () {
        if (!Conn.ready) return;
        Conn.send({ type: 'start' });
      } });
    if (rated || S.rated === Conn.convId) {
      closedBox.appendChild(el('p', { text: 'Thank you for your feedback.' }));
      closedBox.appendChild(newBtn); return;
    }
    var score = 0;
    var stars = el('div', { class: 'stars', role: 'group', 'aria-label': 'Rating' });
    for (var i = 1; i <= 5; i++) (function (n) {
      stars.appendChild(el('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': n + ' out of 5',
        text: String(n), onclick: function () {
          score = n;
          Array.prototype.forEach.call(stars.children, function (b, j) {
            b.setAttribute('aria-pressed', String(j + 1 === n));
          });
        } }));
    })(i);
    var comment = el('textarea', { 'aria-label': 'Comment (optional)', placeholder: 'Comment (optional)',
      maxlength: '1000' });
    var err = el('p', { role: 'alert' });
    var submit = el('button', { type: 'button', class: 'primary', text: 'Send rating', onclick: function () {
      if (!score) { err.textContent = 'Choose a score from 1 to 5.'; return; }
      var f = { type: 'rating', id: uid(), score: score };
      if (comment.value.trim()) f.comment = comment.value.trim();
      if (!Conn.send(f)) { err.textContent = 'Not connected, please try again in a moment.'; return; }
      S.rated = Conn.convId; save(K.rated, S.rated);
      showClosed(true);
    } });
    closedBox.appendChild(el('p', { text: 'How did we do?' }));
    [stars, comment, submit, err, newBtn].forEach(function (n) { closedBox.appendChild(n); });
  }

  /* ---------------- input ---------------- */
  function sendTyping(on) {
    if (on) {
      var now = Date.now();
      if (now - S.typingSent > 3000 && Conn.send({ type: 'typing', on: true })) S.typingSent = now;
      clearTimeout(S.typingIdle);
      S.typingIdle = setTimeout(function () { sendTyping(false); }, 4000);
    } else if (S.typingSent) {
      clearTimeout(S.typingIdle); S.typingSent = 0;
      Conn.send({ type: 'typing', on: false });
    }
  }
  compose.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    sendTyping(false);
    Conn.post(text);
    input.focus();
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); compose.requestSubmit(); }
  });
  input.addEventListener('input', function () { if (input.value) sendTyping(true); });
  panel.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { e.preventDefault(); openPanel(false); }
  });

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') { Conn.nudge(); markRead(); }
  });
  window.addEventListener('online', function () { Conn.nudge(); });
  window.addEventListener('offline', function () { Conn.drop(); });

  function mount() {
    document.body.appendChild(host);
    var wasOpen = false;
    try { wasOpen = sessionStorage.getItem(K.open) === '1'; } catch (e) { /* ignore */ }
    /* A returning visitor (or pending outbox) reconnects at once so replies show a badge;
     * a new one gets a conversation only when they open the chat. */
    if (Conn.token || Conn.outbox.length) Conn.start();
    if (wasOpen) openPanel(true);
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
