/*
 * The bot's turn: answer from the FAQ, offer choices, admit it doesn't know, or
 * hand the visitor to a person.
 *
 * It runs after the visitor's message is committed, so the bot's answer always
 * follows the question in seq order. The bot answers in the visitor's language:
 * the FAQ prefers entries of their locale, and the bot's own sentences come from
 * a small table per language (English when the language is not in it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conv_internal.h"
#include "parley/lang.h"
#include "parley/metrics.h"
#include "parley/router.h"
#include "parley/site.h"

struct text_row { const char *lang, *key, *text; };
static const struct text_row texts[] = {
    {"en", "dont_know", "Sorry, I don't know that one yet. Could you put it another way? You can also ask to talk to a person."},
    {"en", "greeting", "Hello! I'm the shop's assistant. Ask me about delivery, returns, payment or your order, or ask to talk to a person."},
    {"en", "give_up", "I couldn't find an answer, so I'm bringing in a person who can help."},
    {"en", "handoff", "Connecting you with a person. Please stay here: someone will be with you shortly, and they will see everything you have written."},
    {"en", "choices", "Did you mean one of these?"},
    {"en", "joined", "%s joined the conversation."},
    {"en", "transferred", "The conversation was transferred to %s."},
    {"en", "requeued", "Finding another person to help you."},
    {"en", "visitor_closed", "The visitor closed the conversation."},
    {"en", "agent_closed", "%s closed the conversation."},
    {"uk", "dont_know", "Вибачте, я ще не знаю відповіді на це. Спробуйте сформулювати інакше або попросіть з'єднати з людиною."},
    {"uk", "greeting", "Вітаю! Я помічник магазину. Запитайте про доставку, повернення, оплату чи ваше замовлення, або попросіть з'єднати з людиною."},
    {"uk", "give_up", "Я не знайшов відповіді, тому кличу людину, яка допоможе."},
    {"uk", "handoff", "З'єдную вас із працівником. Залишайтеся тут: вам скоро відповідять, і працівник бачитиме все, що ви написали."},
    {"uk", "choices", "Ви мали на увазі одне з цього?"},
    {"uk", "joined", "%s приєднується до розмови."},
    {"uk", "transferred", "Розмову передано: %s."},
    {"uk", "requeued", "Шукаємо іншу людину, яка вам допоможе."},
    {"uk", "visitor_closed", "Відвідувач завершив розмову."},
    {"uk", "agent_closed", "%s завершує розмову."},
    {"cy", "dont_know", "Mae'n ddrwg gen i, dw i ddim yn gwybod hynny eto. Allwch chi ei ofyn mewn ffordd arall? Gallwch hefyd ofyn am gael siarad â pherson."},
    {"cy", "greeting", "Helo! Fi yw cynorthwyydd y siop. Gofynnwch am ddanfon, dychwelyd, talu neu eich archeb, neu gofynnwch am gael siarad â pherson."},
    {"cy", "give_up", "Wnes i ddim dod o hyd i ateb, felly dw i'n galw person i helpu."},
    {"cy", "handoff", "Yn eich cysylltu â pherson. Arhoswch yma: bydd rhywun gyda chi cyn bo hir, a byddan nhw'n gweld popeth rydych chi wedi'i ysgrifennu."},
    {"cy", "choices", "Oeddech chi'n golygu un o'r rhain?"},
    {"cy", "joined", "Mae %s wedi ymuno â'r sgwrs."},
    {"cy", "transferred", "Mae'r sgwrs wedi'i throsglwyddo i %s."},
    {"cy", "requeued", "Yn chwilio am rywun arall i'ch helpu."},
    {"cy", "visitor_closed", "Mae'r ymwelydd wedi cau'r sgwrs."},
    {"cy", "agent_closed", "Mae %s wedi cau'r sgwrs."},
    {"tl", "dont_know", "Paumanhin, hindi ko pa alam ang sagot diyan. Puwede mo bang sabihin sa ibang paraan? Puwede ka ring humiling na makausap ang isang tao."},
    {"tl", "greeting", "Kumusta! Ako ang katulong ng tindahan. Magtanong tungkol sa delivery, pagbabalik, bayad o iyong order, o humiling na makausap ang isang tao."},
    {"tl", "give_up", "Wala akong nahanap na sagot, kaya tatawag ako ng taong makakatulong."},
    {"tl", "handoff", "Ikinokonekta ka namin sa isang tao. Manatili ka lang dito: may sasagot sa iyo sa lalong madaling panahon, at makikita nila ang lahat ng isinulat mo."},
    {"tl", "choices", "Ito ba ang ibig mong sabihin?"},
    {"tl", "joined", "Sumali si %s sa usapan."},
    {"tl", "transferred", "Inilipat ang usapan kay %s."},
    {"tl", "requeued", "Naghahanap kami ng ibang taong tutulong sa iyo."},
    {"tl", "visitor_closed", "Tinapos ng bisita ang usapan."},
    {"tl", "agent_closed", "Tinapos ni %s ang usapan."},
    {"mn", "dont_know", "Уучлаарай, би үүний хариултыг одоохондоо мэдэхгүй байна. Өөрөөр асууж үзнэ үү, эсвэл ажилтантай ярих хүсэлт гаргаж болно."},
    {"mn", "greeting", "Сайн байна уу! Би дэлгүүрийн туслах. Хүргэлт, буцаалт, төлбөр эсвэл захиалгынхаа талаар асуугаарай, эсвэл ажилтантай ярих хүсэлт гаргаарай."},
    {"mn", "give_up", "Би хариулт олсонгүй, тиймээс танд туслах ажилтныг дуудаж байна."},
    {"mn", "handoff", "Таныг ажилтантай холбож байна. Энд хүлээнэ үү: удахгүй хэн нэгэн хариулах бөгөөд таны бичсэн бүхнийг харах болно."},
    {"mn", "choices", "Та эдгээрийн аль нэгийг хэлсэн үү?"},
    {"mn", "joined", "%s ярианд нэгдлээ."},
    {"mn", "transferred", "Яриаг %s руу шилжүүллээ."},
    {"mn", "requeued", "Танд туслах өөр хүн хайж байна."},
    {"mn", "visitor_closed", "Зочин яриаг дуусгалаа."},
    {"mn", "agent_closed", "%s яриаг дуусгалаа."},
    /* Offline mode (site.h). Non-English "offline" and "contact_saved" texts are
     * drafts: REVIEW by a native speaker. */
    {"en", "offline", "Our team is away right now. Leave your email address and your message, and we will answer here as soon as we are back; you will see the reply when you return."},
    {"en", "contact_saved", "Thank you! We will reply to %s."},
    {"uk", "offline", "Зараз нашої команди немає на місці. Залиште свою електронну адресу й повідомлення, і ми відповімо тут, щойно повернемося; відповідь ви побачите, коли повернетеся."},
    {"uk", "contact_saved", "Дякуємо! Ми відповімо на %s."},
    {"cy", "offline", "Mae ein tîm i ffwrdd ar hyn o bryd. Gadewch eich cyfeiriad e-bost a'ch neges, a byddwn yn ateb yma cyn gynted ag y byddwn yn ôl; fe welwch yr ateb pan ddewch yn ôl."},
    {"cy", "contact_saved", "Diolch! Byddwn yn ateb i %s."},
    {"tl", "offline", "Wala ang aming team ngayon. Iwan ang iyong email at mensahe, at sasagot kami rito pagbalik namin; makikita mo ang sagot pagbalik mo."},
    {"tl", "contact_saved", "Salamat! Sasagutin ka namin sa %s."},
    {"mn", "offline", "Манай баг одоогоор ажлын бус цагт байна. Имэйл хаяг болон мессежээ үлдээгээрэй, бид буцаж ирмэгцээ энд хариулна; та буцаж ирэхдээ хариултыг харна."},
    {"mn", "contact_saved", "Баярлалаа! Бид %s хаягаар хариулна."},
};

const char *conv_text(const char *locale, const char *key)
{
    char lang[8] = "en";
    if (locale) {
        size_t i;
        for (i = 0; i < sizeof(lang) - 1 && locale[i] && locale[i] != '-' && locale[i] != '_'; i++)
            lang[i] = (char)(locale[i] | 0x20);
        lang[i] = '\0';
    }
    const char *fallback = key;
    for (size_t i = 0; i < PL_ARRAY_LEN(texts); i++) {
        if (strcmp(texts[i].key, key))
            continue;
        if (!strcmp(texts[i].lang, lang))
            return texts[i].text;
        if (!strcmp(texts[i].lang, "en"))
            fallback = texts[i].text;
    }
    return fallback;
}

void conv_text_fill(const char *locale, const char *key, const char *arg, char *out, size_t len)
{
    const char *t = conv_text(locale, key), *hole = strstr(t, "%s");
    if (!hole)
        snprintf(out, len, "%s", t);
    else
        snprintf(out, len, "%.*s%s%s", (int)(hole - t), t, arg ? arg : "", hole + 2);
}

/* A bot message in flight: published when its commit is reported. */
struct bot_ctx {
    char *conv, *text, *faq_id, *meta, *client_id, *locale;
    double score;
    int then_handoff;
};

static void bot_ctx_free(struct bot_ctx *b)
{
    free(b->conv);
    free(b->text);
    free(b->faq_id);
    free(b->meta);
    free(b->client_id);
    free(b->locale);
    free(b);
}

static void bot_stored(void *arg, const struct store_result *r)
{
    struct bot_ctx *b = arg;
    if (r->status == PL_OK && !r->duplicate) {
        struct store_message m = {.conversation = b->conv, .seq = r->seq, .role = "bot",
                                  .client_id = b->client_id, .text = b->text,
                                  .faq_id = b->faq_id, .faq_score = b->score,
                                  .meta_json = b->meta, .helpful = -1, .ts = r->ts,
                                  .author_name = "Bot"};
        conv_publish_message(&m, 0);
    }
    if (r->status == PL_OK && b->then_handoff)
        conv_handoff(b->conv, b->locale, 0, NULL);
    bot_ctx_free(b);
}

/* Stores a bot message; takes ownership of meta. */
static void bot_say(const char *conv, const char *text, const struct faq_entry *e, double score,
                    char *meta, const char *reply_to, const char *locale, int miss, int handoff)
{
    struct bot_ctx *b = calloc(1, sizeof(*b));
    char cid[80];
    if (!b || !(b->conv = strdup(conv)) || !(b->text = strdup(text))) {
        free(meta);
        if (b)
            bot_ctx_free(b);
        return;
    }
    /* Derived from the question's client id, so a retried commit can't answer twice. */
    if (reply_to) {
        snprintf(cid, sizeof(cid), "re:%s", reply_to);
        b->client_id = strdup(cid);
    }
    b->meta = meta;
    b->faq_id = e ? conv_strdup(e->id) : NULL;
    b->score = score;
    b->locale = conv_strdup(locale);
    b->then_handoff = handoff;
    struct store_append a = {.conversation = conv, .role = "bot", .author_name = "Bot",
                             .client_id = b->client_id, .text = text, .faq_id = b->faq_id,
                             .faq_score = score, .meta_json = meta, .count_miss = miss};
    if (store_append(conv_store(), &a, bot_stored, b) != PL_OK)
        bot_ctx_free(b);
}

void conv_bot_reply(const char *conv_id, const char *text, const char *visitor_locale,
                    const char *client_id)
{
    /* Answer in the language of the message when it is clear, else the locale's. */
    const char *guess = lang_guess(text);
    const char *locale = guess ? guess : visitor_locale;
    if (faq_is_human_request(text)) {
        metrics_count_faq(METRIC_FAQ_HUMAN);
        conv_handoff(conv_id, locale, 0, NULL);
        return;
    }
    struct faq_match m;
    memset(&m, 0, sizeof(m));
    const struct faq_set *set = conv_faq();
    int hit = 0;
    if (set) {
        int64_t t0 = pl_mono_us();
        hit = faq_match(set, text, locale, &m);
        metrics_observe_faq_match_us(pl_mono_us() - t0);
    }
    if (hit == 1) {
        metrics_count_faq(METRIC_FAQ_ANSWERED);
        bot_say(conv_id, m.entry->answer, m.entry, m.score, proto_bot_meta(&m, 0), client_id, locale,
                0, 0);
    } else if (hit == 2) {
        metrics_count_faq(METRIC_FAQ_CHOICES);
        bot_say(conv_id, conv_text(locale, "choices"), NULL, 0, proto_bot_meta(&m, 0), client_id,
                locale, 0, 0);
    } else if (faq_is_greeting(text)) {
        metrics_count_faq(METRIC_FAQ_GREETING);
        const char *greeting = site_greeting();   /* the admin's, else the bot's own */
        bot_say(conv_id, greeting ? greeting : conv_text(locale, "greeting"), NULL, 0, NULL,
                client_id, locale, 0, 0);
    } else {
        struct store_conversation c = {0};
        int misses = store_get_conversation(conv_store(), conv_id, &c) == PL_OK ? c.bot_misses : 0;
        store_conversation_free(&c);
        int give_up = misses + 1 >= conv_options()->bot_misses;
        metrics_count_faq(METRIC_FAQ_MISSED);
        /* Kept for the admin's "unanswered questions", counted by normalised text
         * ("Do you sell ELEPHANTS?" = "do you sell elephants"); fire and forget. */
        char *key = faq_normalise(text, 0);
        if (key && *key)
            store_unanswered_add(conv_store(), key, text, locale, conv_id, NULL, NULL);
        free(key);
        bot_say(conv_id, conv_text(locale, give_up ? "give_up" : "dont_know"), NULL, 0, NULL,
                client_id, locale, 1, give_up);
    }
}

void conv_bot_choose(struct conn *c, const struct proto_cmd *cmd)
{
    struct store_conversation conv = {0};
    int with_bot = store_get_conversation(conv_store(), c->conv_id, &conv) == PL_OK &&
                   conv.state == CONV_BOT;
    store_conversation_free(&conv);
    if (!with_bot) {
        conv_send_error(c, cmd->id, "bad_request", "the bot no longer answers in this conversation");
        return;
    }
    const struct faq_entry *e = conv_faq() ? faq_find(conv_faq(), cmd->faq) : NULL;
    if (!e) {
        conv_send_error(c, cmd->id, "not_found", "no such FAQ entry");
        return;
    }
    struct faq_match m = {.entry = e, .score = 1.0};
    bot_say(c->conv_id, e->answer, e, 1.0, proto_bot_meta(&m, 1), cmd->id, c->locale, 0, 0);
    conv_reply_status(c->id, cmd->id, PL_OK, 0, 0, NULL);
}

struct handoff_ctx { uint64_t conn; char *id, *conv, *sys; };

static void queued(void *arg, const struct store_result *r)
{
    struct handoff_ctx *h = arg;
    if (h->id || h->conn)
        conv_reply_status(h->conn, h->id, r->status, 0, 0, h->conv);
    if (r->status == PL_OK && r->sys_seq > 0) {   /* it really entered the queue now */
        conv_publish_system(h->conv, h->sys, r);
        conv_publish_state(h->conv, NULL);
        if (r->state == CONV_QUEUED)                /* offline ones are not routed */
            router_queue_changed();
    }
    free(h->id);
    free(h->conv);
    free(h->sys);
    free(h);
}

void conv_handoff(const char *conv_id, const char *locale, uint64_t reply_conn,
                  const char *reply_id)
{
    conv_handoff_team(conv_id, locale, reply_conn, reply_id, 0);
}

void conv_handoff_team(const char *conv_id, const char *locale, uint64_t reply_conn,
                       const char *reply_id, int64_t team)
{
    if (team > 0 && !conv_team_exists(team)) {
        struct conn *c = conn_find(reply_conn);
        if (c)
            conv_send_error(c, reply_id, "bad_request", "no such team");
        return;
    }
    struct handoff_ctx *h = calloc(1, sizeof(*h));
    int offline = site_offline_now();   /* opt-in; by default always the queue */
    const char *sys = conv_text(locale, offline ? "offline" : "handoff");
    if (!h || !(h->conv = strdup(conv_id)) || !(h->sys = strdup(sys))) {
        if (h)
            free(h->conv);
        free(h);
        conv_reply_status(reply_conn, reply_id, PL_ERR_NOMEM, 0, 0, NULL);
        return;
    }
    h->conn = reply_conn;
    h->id = conv_strdup(reply_id);
    struct store_state_change ch = {.conversation = conv_id,
                                    .op = offline ? STORE_TO_OFFLINE : STORE_TO_QUEUE,
                                    .sys_text = sys,
                                    .team_id = conv_team_for_handoff(conv_id, team)};
    if (store_change_state(conv_store(), &ch, queued, h) != PL_OK) {
        conv_reply_status(reply_conn, reply_id, PL_ERR_STORE, 0, 0, NULL);
        free(h->id);
        free(h->conv);
        free(h->sys);
        free(h);
    }
}
