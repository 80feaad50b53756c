// The bot with the shipped demo FAQ: answers in the visitor's language, greetings,
// requests for a person in words, misses and the handoff they cause, feedback,
// choices between equally good entries, and silence once a person has the chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

let srv, admin;
before(async () => {
  srv = await start({ faq: 'faq/demo.json', args: ['--rate-limit', '0'] });
  admin = await srv.login();
});
after(async () => { await srv.stop(); });

const isBot = f => f.type === 'message' && f.author?.role === 'bot';
const isSystem = f => f.type === 'message' && f.author?.role === 'system';

// Sends a visitor message and resolves with the first bot or system message after it.
async function say(v, text) {
  const ack = await v.ask({ type: 'message', text });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const reply = await v.next(f => f.type === 'message' && f.seq > ack.seq && f.author.role !== 'visitor');
  return { ack, reply };
}

async function convState(conv) {
  const r = await api(srv, 'GET', `/api/conversations/${conv}/transcript`, admin);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

// ---- answers in five languages ----

const QUESTIONS = {
  en: [['How much is shipping to Ireland?', 'shipping-en'], ['Where is my order? I ordered last week.', 'tracking-en']],
  uk: [['Скільки коштує доставка в Україну?', 'shipping-uk'], ['Як повернути гроші за браковану річ?', 'returns-uk']],
  cy: [['Faint yw cost cludo i Iwerddon?', 'shipping-cy'], ['Pryd ydych chi ar agor ar ddydd Sadwrn?', 'hours-cy']],
  tl: [['Magkano ang shipping papuntang Cebu?', 'shipping-tl'], ['Paano ako magbabayad gamit ang GCash?', 'payment-tl']],
  mn: [['Миний захиалга хаана байна?', 'tracking-mn'], ['Картаар төлж болох уу?', 'payment-mn']],
};

let demo;
async function demoEntries() {
  if (!demo) demo = (await api(srv, 'GET', '/api/faq', admin)).body;
  return demo;
}

for (const [locale, qs] of Object.entries(QUESTIONS)) {
  test(`bot answers two questions in ${locale} with that language's entries`, async () => {
    const entries = await demoEntries();
    const v = await srv.visitor({ locale });
    for (const [text, id] of qs) {
      const { reply } = await say(v, text);
      assert.equal(reply.author.role, 'bot', `${text}: ${JSON.stringify(reply)}`);
      assert.equal(reply.faq?.id, id, `${text}: ${JSON.stringify(reply)}`);
      assert.ok(reply.faq.id.endsWith(`-${locale}`));
      assert.equal(typeof reply.faq.score, 'number');
      assert.equal(reply.text, entries.find(e => e.id === id).answer);
      assert.equal(reply.choices, undefined);
    }
    v.close();
  });
}

// ---- asking for a person in words ----

const HUMAN = [
  ['en', 'I want to talk to a real person'],
  ['uk', "З'єднайте мене з оператором, будь ласка"],
  ['cy', 'Dw i eisiau siarad â pherson go iawn'],
  ['tl', 'Gusto kong makausap ang totoong tao'],
  ['mn', 'Би хүнтэй ярихыг хүсэж байна'],
  ['es', 'Quiero hablar con una persona, por favor'],
  ['fr', "Je voudrais parler à quelqu'un"],
  ['de', 'Ich möchte mit einem Mitarbeiter sprechen'],
];
// What each language's text looks like, to tell a localised sentence from English.
const LOOKS = {
  uk: /[іїєґ]/i, mn: /[өү]/i,
  cy: /\b(yn|chi|neu|am|gyda|rhywun)\b/i, tl: /\b(ka|sa|namin|tao|dito|lang)\b/i,
};

let englishHandoff;
for (const [locale, text] of HUMAN) {
  test(`asking for a person in ${locale} moves the conversation to the queue`, async () => {
    const v = await srv.visitor({ locale });
    const from = v.mark();
    const ack = await v.ask({ type: 'message', text });
    assert.equal(ack.type, 'ack');
    const st = await v.next(f => f.type === 'state' && f.state === 'queued', { from });
    assert.equal(st.conversation, v.conv);
    const sys = await v.next(f => isSystem(f) && f.seq > ack.seq, { from });
    assert.ok(sys.text.length > 0);
    assert.ok(!v.frames.slice(from).some(isBot), 'the bot does not try to answer a request for a person');
    if (locale === 'en') englishHandoff = sys.text;
    if (LOOKS[locale]) {
      assert.match(sys.text, LOOKS[locale], `a ${locale} system message: ${sys.text}`);
      if (englishHandoff) assert.notEqual(sys.text, englishHandoff);
    }
    assert.equal((await convState(v.conv)).conversation.state, 'queued');
    v.close();
  });
}

// ---- greetings ----

const GREETINGS = [['en', 'hello there'], ['uk', 'привіт'], ['cy', 'shwmae'], ['tl', 'kumusta'], ['mn', 'сайн байна уу']];
const UNKNOWN = {
  en: 'What is the airspeed velocity of an unladen swallow?', uk: 'Яка погода буде завтра у Львові?',
  cy: 'Beth yw enw dy gi?', tl: 'Anong paborito mong kulay?', mn: 'Өнөөдөр цаг агаар ямар байна?',
};

for (const [locale, text] of GREETINGS) {
  test(`a greeting in ${locale} ("${text}") is greeted and is not a miss`, async () => {
    const v = await srv.visitor({ locale });
    const g = await say(v, text);
    assert.equal(g.reply.author.role, 'bot', JSON.stringify(g.reply));
    assert.equal(g.reply.faq, undefined, 'a greeting is not an FAQ answer');
    assert.equal(g.reply.choices, undefined);
    if (LOOKS[locale]) assert.match(g.reply.text, LOOKS[locale], `greeted in ${locale}: ${g.reply.text}`);
    // With --bot-misses 2, greeting + greeting + one real miss must still leave the bot in charge.
    const g2 = await say(v, text);
    assert.equal(g2.reply.text, g.reply.text);
    const miss = await say(v, UNKNOWN[locale]);
    assert.equal(miss.reply.author.role, 'bot');
    assert.equal(miss.reply.faq, undefined);
    assert.notEqual(miss.reply.text, g.reply.text, 'an "I don\'t know" differs from a greeting');
    // One more greeting: its reply comes after anything the miss could have set off.
    const g3 = await say(v, text);
    assert.equal(g3.reply.text, g.reply.text);
    assert.ok(!v.frames.some(f => f.type === 'state' && f.state === 'queued'), 'greetings counted as misses');
    assert.ok(!v.messages().some(isSystem));
    assert.equal((await convState(v.conv)).conversation.state, 'bot');
    v.close();
  });
}

// ---- misses ----

test('two unanswered questions hand over to the queue; the first gets an "I don\'t know"', async () => {
  const agent = await srv.agent(admin);
  const v = await srv.visitor({ locale: 'en' });
  const first = await say(v, 'What is the airspeed velocity of an unladen swallow?');
  assert.equal(first.reply.author.role, 'bot');
  assert.equal(first.reply.faq, undefined);
  assert.equal(first.reply.choices, undefined);
  assert.match(first.reply.text, /know/i, first.reply.text);
  const from = v.mark();
  const second = await say(v, 'Can you recommend a good book about volcanoes?');
  assert.equal(second.reply.author.role, 'bot', 'the bot says it is giving up');
  assert.equal(second.reply.faq, undefined);
  const st = await v.next(f => f.type === 'state' && f.state === 'queued', { from });
  assert.equal(st.conversation, v.conv);
  const sys = await v.next(f => isSystem(f) && f.seq > second.reply.seq, { from });
  assert.equal(sys.seq, second.reply.seq + 1);
  const q = await agent.next(f => f.type === 'queued' && f.conversation.id === v.conv);
  assert.deepEqual(q.conversation.transcript.map(m => m.author.role), ['visitor', 'bot', 'visitor', 'bot', 'system']);
  v.close(); agent.close();
});

test('with --bot-misses 1 one unanswered question hands over', async () => {
  const s1 = await start({ faq: 'faq/demo.json', args: ['--bot-misses', '1'] });
  try {
    const v = await s1.visitor({ locale: 'en' });
    const ack = await v.ask({ type: 'message', text: 'What is the airspeed velocity of an unladen swallow?' });
    assert.equal(ack.type, 'ack');
    const st = await v.next(f => f.type === 'state' && f.state === 'queued');
    assert.equal(st.conversation, v.conv);
    await v.next(f => isSystem(f));
    const roles = v.messages().map(m => m.author.role);
    assert.deepEqual(roles.slice(0, 3), ['visitor', 'bot', 'system'], JSON.stringify(v.messages()));
    v.close();
  } finally {
    await s1.stop();
  }
});

// ---- feedback ----

test('feedback on a bot answer is acked; on a seq that is not the bot\'s it is not_found', async () => {
  const v = await srv.visitor({ locale: 'en' });
  const { ack, reply } = await say(v, 'Can I pay with PayPal?');
  assert.equal(reply.faq?.id, 'payment-en');
  const fb = await v.ask({ type: 'feedback', seq: reply.seq, helpful: true });
  assert.equal(fb.type, 'ack', JSON.stringify(fb));
  const bad = await v.ask({ type: 'feedback', seq: ack.seq, helpful: true });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'not_found');
  const none = await v.ask({ type: 'feedback', seq: 999, helpful: false });
  assert.equal(none.code, 'not_found');
  v.close();
});

// ---- choices ----

test('two equally good entries: the bot offers choices and "choose" gets that answer', async () => {
  const FAQ = [
    { id: 'delivery-home', locale: 'en', question: 'Can you deliver to my home?', answer: 'We deliver to any UK address.', keywords: ['delivery'] },
    { id: 'delivery-store', locale: 'en', question: 'Can I collect from a store?', answer: 'Click and collect is free in every store.', keywords: ['delivery'] },
  ];
  const s2 = await start({ faq: FAQ });
  try {
    const v = await s2.visitor({ locale: 'en' });
    const ack = await v.ask({ type: 'message', text: 'Question about delivery' });
    const ask = await v.next(f => isBot(f) && f.seq > ack.seq);
    assert.equal(ask.faq, undefined, 'no single answer when two are too close to call');
    assert.ok(Array.isArray(ask.choices), JSON.stringify(ask));
    assert.ok(ask.choices.length >= 2 && ask.choices.length <= 3);
    for (const c of ask.choices) {
      assert.equal(typeof c.faq, 'string');
      assert.equal(c.question, FAQ.find(e => e.id === c.faq).question);
    }
    assert.deepEqual(ask.choices.map(c => c.faq).sort(), ['delivery-home', 'delivery-store']);
    const from = v.mark();
    const r = await v.ask({ type: 'choose', faq: 'delivery-store' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const ans = await v.next(f => isBot(f) && f.seq > ask.seq, { from });
    assert.equal(ans.faq?.id, 'delivery-store');
    assert.equal(ans.text, 'Click and collect is free in every store.');
    assert.equal(ans.choices, undefined);
    v.close();
  } finally {
    await s2.stop();
  }
});

// ---- agent view, and silence after assignment ----

test("an agent's view of a bot answer carries matched keywords, the visitor's does not", async () => {
  const agent = await srv.agent(admin);
  const v = await srv.visitor({ locale: 'en' });
  const { reply } = await say(v, 'Can I pay with PayPal?');
  assert.equal(reply.faq?.id, 'payment-en');
  assert.equal(reply.matched, undefined, 'matched is for agents only');
  const w = await srv.visitor({ token: v.token, last_seq: 0 });
  assert.ok(w.welcome.messages.every(m => m.matched === undefined), 'nor in the replay');
  await v.ask({ type: 'handoff' });
  const q = await agent.next(f => f.type === 'queued' && f.conversation.id === v.conv);
  const inQueue = q.conversation.transcript.find(m => m.seq === reply.seq);
  assert.ok(Array.isArray(inQueue.matched) && inQueue.matched.length > 0, JSON.stringify(inQueue));
  assert.ok(inQueue.matched.includes('paypal'), JSON.stringify(inQueue.matched));
  const tr = await convState(v.conv);
  const inRest = tr.messages.find(m => m.seq === reply.seq);
  assert.deepEqual(inRest.matched, inQueue.matched);
  v.close(); w.close(); agent.close();
});

test('once a conversation is assigned the bot never answers again', async () => {
  const agent = await srv.agent(admin);
  const v = await srv.visitor({ locale: 'en' });
  await v.ask({ type: 'handoff' });
  await agent.next(f => f.type === 'queued' && f.conversation.id === v.conv);
  assert.equal((await agent.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  const from = v.mark();
  const asks = ['How much is shipping to Ireland?', 'hello there', 'What is the airspeed velocity of an unladen swallow?',
    'Can you recommend a good book about volcanoes?', 'Question about payment with PayPal'];
  let last;
  for (const text of asks) {
    last = await v.ask({ type: 'message', text });
    assert.equal(last.type, 'ack');
  }
  await agent.next(f => f.type === 'message' && f.conversation === v.conv && f.seq === last.seq);
  const r = await agent.ask({ type: 'message', conversation: v.conv, text: 'Agent here' });
  await v.next(f => f.type === 'message' && f.seq === r.seq);
  await delay(200);
  assert.deepEqual(v.messages(from).filter(m => m.author.role !== 'visitor').map(m => m.author.role), ['agent'],
    'nothing but the agent answered');
  assert.ok(!v.frames.slice(from).some(f => f.type === 'state' && f.state !== 'assigned'), 'still assigned');
  v.close(); agent.close();
});

test('the bot answers in the language the visitor writes, whatever the browser locale', async () => {
  const v = await srv.visitor({ locale: 'en-US' });
  const { reply } = await say(v, 'Як повернути товар?');
  assert.equal(reply.faq?.id, 'returns-uk', JSON.stringify(reply));
  const miss = await say(v, 'Чи можна купити слона?');
  assert.equal(miss.reply.faq, undefined);
  assert.match(miss.reply.text, /[а-яіїєґ]/i, 'the "don\'t know" should be in Ukrainian');
  v.close();
  const w = await srv.visitor({ locale: 'uk' });
  const en = await say(w, 'How do I return an item?');
  assert.equal(en.reply.faq?.id, 'returns-en', 'an English question from a Ukrainian locale');
  w.close();
});

test('--fold-diacritics 1: entries match without accents unless they say otherwise', async () => {
  const faq = [
    { id: 'water', locale: 'cy', question: 'Dŵr poeth?', answer: 'Mae dŵr poeth am ddim.', keywords: ['dŵr poeth'] },
    { id: 'strict', locale: 'cy', question: 'Tŷ?', answer: 'Tŷ.', keywords: ['tŷ coffi'], fold_diacritics: false },
  ];
  for (const [flag, want] of [['1', 'water'], ['0', undefined]]) {
    const s = await start({ faq, args: ['--fold-diacritics', flag] });
    try {
      const v = await s.visitor({ locale: 'cy' });
      const ack = await v.ask({ type: 'message', text: 'Oes dwr poeth yma?' });
      const reply = await v.next(f => f.type === 'message' && f.seq > ack.seq && f.author.role !== 'visitor');
      assert.equal(reply.faq?.id, want, `--fold-diacritics ${flag}: ${JSON.stringify(reply)}`);
      if (flag === '1') {
        const a2 = await v.ask({ type: 'message', text: 'Ble mae ty coffi?' });
        const r2 = await v.next(f => f.type === 'message' && f.seq > a2.seq && f.author.role !== 'visitor');
        assert.notEqual(r2.faq?.id, 'strict', 'an entry with fold_diacritics false keeps its accents');
      }
      v.close();
    } finally { await s.stop(); }
  }
});
