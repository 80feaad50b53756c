/*
 * The store: everything Parley keeps, behind one interface.
 *
 * Reads are synchronous and run on the caller's thread (the event loop) against a
 * read connection: WAL readers never wait for the writer and every read is indexed.
 * Every write is asynchronous: it is queued to one writer thread that commits many
 * operations per transaction (group commit) and only then reports each result, on
 * the loop thread, through loop_post(). So an ack built from a result is an ack of
 * something durable.
 *
 * Sequence numbers are allocated inside the write transaction (a counter on the
 * conversation row), never in memory, so a second node on a shared database could
 * not break the gapless guarantee. Idempotency is a unique index on
 * (conversation, author role, author id, client id).
 *
 * Only store_*.c contain SQL. Ownership: every struct a read fills is owned by
 * the caller and released with its *_free function; strings passed in are copied.
 */
#ifndef PARLEY_STORE_H
#define PARLEY_STORE_H

#include <stdint.h>
#include <stddef.h>
#include "parley/common.h"

struct store;

enum store_durability { STORE_DURABILITY_FULL, STORE_DURABILITY_NORMAL };

/* Opens (creating and migrating) the database and starts the writer thread.
 * path: an SQLite file, or a postgresql:// URL (store_url_is_pg). */
pl_status store_open(const char *path, enum store_durability d, struct store **out);
/* Group-commit delay: when writes are waiting, the writer lets the oldest be
 * this old (microseconds, 0..100,000; 0, the default: commit at once) before
 * it commits them, so one commit carries more of them: fewer fsyncs and less
 * CPU per message, for that much more latency on every ack and delivery. */
void store_set_commit_delay(struct store *st, int us);
/* 1 when store_open would take target for a PostgreSQL URL. */
int store_url_is_pg(const char *target);
/* Drains the write queue (every queued op is committed and its callback posted),
 * stops the writer and closes the database. NULL is fine. */
void store_close(struct store *st);
/* Blocks until every op queued before the call is committed (or failed) and
 * its callback posted. For shutdown: drain the loop, flush, repeat. */
void store_flush(struct store *st);
/* 1 when the last commit succeeded and the database answers, else 0. */
int store_healthy(struct store *st);

/* ---- rows ---- */

/* Stored by name; CONV_OFFLINE (migration 7) is last so the numbers of the
 * others keep their meaning. offline: handed off while the site was away (see
 * site.h): not in the queue, never auto-assigned, any agent may claim it. */
enum conv_state { CONV_BOT = 0, CONV_QUEUED, CONV_ASSIGNED, CONV_CLOSED, CONV_OFFLINE };
#define CONV_STATE_COUNT 5
const char *conv_state_name(enum conv_state s);
int conv_state_parse(const char *s, enum conv_state *out); /* 0 ok, -1 unknown */

struct store_visitor {
    char *id, *name, *email, *locale, *page;
    char *user_id;            /* a site-signed identity, or NULL (anonymous) */
    int64_t created_at, last_seen;
};
void store_visitor_free(struct store_visitor *v);

struct store_conversation {
    char *id, *visitor_id;
    enum conv_state state;
    int64_t agent_id;         /* 0: none */
    int64_t last_seq, last_note_seq;
    int bot_misses;
    int64_t created_at, queued_at, assigned_at, closed_at; /* 0: not yet */
    /* Joined from the visitor row, for lists and the dashboard. */
    char *visitor_name, *visitor_email, *locale, *page;
    char *agent_name;         /* NULL when unassigned */
    int rated;                /* a rating exists */
    int64_t team_id;          /* the team it is routed to, 0: none (store_teams.h) */
    char *team_name;          /* NULL when none */
};
void store_conversation_free(struct store_conversation *c);

struct store_message {
    char *conversation;
    int64_t seq;              /* 0 for a note */
    int64_t note_seq;         /* 0 for a visible message */
    int64_t after_seq;        /* notes: last visible seq when written */
    char *role;               /* "visitor" | "bot" | "agent" | "system" */
    char *author_id;          /* visitor id or agent id as text; NULL for bot/system */
    char *author_name;        /* may be NULL */
    char *client_id;          /* may be NULL */
    char *text;
    char *faq_id;             /* bot answers only, else NULL */
    double faq_score;
    char *meta_json;          /* bot: JSON object (matched keywords, choices...), or NULL */
    int helpful;              /* -1 unknown, 0 no, 1 yes (bot answers) */
    int64_t ts;
};
void store_message_free(struct store_message *m);

struct store_message_list { struct store_message *v; size_t n; };
void store_message_list_free(struct store_message_list *l);

struct store_conversation_list { struct store_conversation *v; size_t n; };
void store_conversation_list_free(struct store_conversation_list *l);

struct store_agent {
    int64_t id;
    char *email, *name, *role;  /* role: "admin" | "agent" */
    char *password_hash;        /* filled only by store_agent_by_email */
    int active;
    int capacity;               /* most conversations assigned at once (default 5) */
    int64_t created_at;
};
void store_agent_free(struct store_agent *a);
struct store_agent_list { struct store_agent *v; size_t n; };
void store_agent_list_free(struct store_agent_list *l);

struct store_faq_row { char *id; char *json; };
struct store_faq_list { struct store_faq_row *v; size_t n; };
void store_faq_list_free(struct store_faq_list *l);

/* ---- synchronous reads (loop thread) ----
 * Return PL_OK and fill *out, PL_ERR_NOT_FOUND, or PL_ERR_STORE. */

/* token_hash: 32 bytes (see auth_hash_token). */
pl_status store_visitor_by_token(struct store *st, const uint8_t token_hash[32],
                                 struct store_visitor *out);
pl_status store_visitor_by_id(struct store *st, const char *id, struct store_visitor *out);
/* The visitor's most recently created conversation, open or closed. */
pl_status store_latest_conversation(struct store *st, const char *visitor_id,
                                    struct store_conversation *out);
pl_status store_get_conversation(struct store *st, const char *conv_id,
                                 struct store_conversation *out);
/* Visible messages with seq > after_seq in seq order, at most `limit` (0: all).
 * With include_notes, the conversation's notes are merged in by
 * (after_seq, note_seq) so each sits right after the message it followed. */
pl_status store_messages_after(struct store *st, const char *conv_id, int64_t after_seq,
                               int include_notes, size_t limit,
                               struct store_message_list *out);
/* Conversations in `state` (or any when state < 0), newest activity first;
 * agent_id > 0 keeps only those assigned to that agent. */
pl_status store_list_conversations(struct store *st, int state, int64_t agent_id,
                                   size_t limit, struct store_conversation_list *out);
pl_status store_agent_by_email(struct store *st, const char *email, struct store_agent *out);
pl_status store_agent_by_id(struct store *st, int64_t id, struct store_agent *out);
pl_status store_list_agents(struct store *st, struct store_agent_list *out);
pl_status store_agent_count(struct store *st, int64_t *out);
/* The agent of an unexpired session. */
pl_status store_session_agent(struct store *st, const uint8_t token_hash[32], int64_t now_ms,
                              struct store_agent *out);
pl_status store_faq_list(struct store *st, struct store_faq_list *out);

/* ---- synchronous writes, for start-up only (before the loop runs) ---- */
pl_status store_create_agent_now(struct store *st, const char *email, const char *name,
                                 const char *role, const char *password_hash, int64_t *id_out);
/* Replaces the whole FAQ table with these rows, in one transaction. */
pl_status store_faq_replace_all(struct store *st, const struct store_faq_row *rows, size_t n);

/* ---- asynchronous writes ----
 * Each returns PL_OK when queued (the callback will run exactly once, on the loop
 * thread, after the commit or its failure) or an error (the callback never runs).
 * `ctx` is the caller's; the store never touches it. */

struct store_result {
    pl_status status;
    /* append: */
    int64_t seq, note_seq, after_seq, ts;
    int duplicate;               /* same client id seen before: nothing stored */
    /* create: */
    char visitor_id[40], conversation_id[40];
    int64_t id;                  /* agent id for store_create_agent */
    /* state changes: the conversation as it is after the op (state, agent_id...) */
    enum conv_state state;
    int64_t agent_id;
    int64_t prev_agent_id;
    int64_t sys_seq;             /* seq of the system message written with it, 0 if none */
    int64_t sys_ts;
};
typedef void (*store_cb)(void *ctx, const struct store_result *r);

/* Without blocking: cb runs on the loop thread after the callback of every op
 * queued before it. *ticket numbers the barrier; when cb runs and
 * store_enqueued() still equals it, nothing was queued since, so every write is
 * committed and reported (the graceful shutdown waits for that, drain.c). */
pl_status store_barrier(struct store *st, store_cb cb, void *ctx, uint64_t *ticket);
uint64_t store_enqueued(struct store *st);

struct store_new_visitor {
    uint8_t token_hash[32];
    const char *name, *email, *locale, *page;   /* may be NULL */
    const char *user_id;                        /* verified site identity, or NULL */
};
/* Creates a visitor and their first conversation (state bot). Result:
 * visitor_id, conversation_id, ts. */
pl_status store_create_visitor(struct store *st, const struct store_new_visitor *in,
                               store_cb cb, void *ctx);
/* Updates the given non-NULL profile fields and last_seen. */
pl_status store_touch_visitor(struct store *st, const char *visitor_id,
                              const char *name, const char *email, const char *locale,
                              const char *page, store_cb cb, void *ctx);
/* Opens a new conversation (state bot) for an existing visitor: conversation_id. */
pl_status store_start_conversation(struct store *st, const char *visitor_id,
                                   store_cb cb, void *ctx);

struct store_append {
    const char *conversation;
    const char *role;            /* "visitor" | "bot" | "agent" | "system" */
    const char *author_id;       /* may be NULL */
    const char *author_name;     /* may be NULL */
    const char *client_id;       /* may be NULL: then no idempotency */
    const char *text;
    int note;                    /* private note: note_seq instead of seq */
    const char *faq_id;          /* may be NULL */
    double faq_score;
    const char *meta_json;       /* may be NULL */
    int64_t must_be_agent;       /* > 0: refuse (PL_ERR_FORBIDDEN) unless assigned to it */
    int count_miss;              /* bot "don't know": bot_misses += 1 */
};
/* Appends a message. Idempotent by (conversation, role, author_id, client_id):
 * a repeat reports the first one's seq/note_seq with duplicate = 1. Refused with
 * PL_ERR_CLOSED on a closed conversation, PL_ERR_NOT_FOUND on an unknown one. */
pl_status store_append(struct store *st, const struct store_append *in, store_cb cb, void *ctx);

enum store_transition {
    STORE_TO_QUEUE,     /* bot -> queued (or assigned -> queued when transferred to nobody) */
    STORE_CLAIM,        /* queued -> assigned to agent; PL_ERR_ALREADY_CLAIMED if taken */
    STORE_TRANSFER,     /* assigned(by) -> assigned(to), or -> queued when to == 0 */
    STORE_CLOSE,        /* any open state -> closed; PL_ERR_CLOSED if already closed */
    STORE_TO_OFFLINE,   /* bot -> offline (queued_at and a 'queued' event are set too, so
                           the KPI report counts it as a handoff); CLAIM takes it like a
                           queued one */
};
struct store_state_change {
    const char *conversation;
    enum store_transition op;
    int64_t agent_id;            /* CLAIM: claimant; TRANSFER: target (0 = queue) */
    int64_t by_agent;            /* TRANSFER/CLOSE by an agent: must be the assignee
                                    unless by_admin; 0 when the visitor acts */
    int by_admin;
    const char *closed_by;       /* CLOSE: "visitor" | "agent" | "system" */
    const char *sys_text;        /* a system message appended in the same
                                    transaction, or NULL */
    /* Teams (store_teams.h): TO_QUEUE/TRANSFER route the conversation to this
     * team (> 0; PL_ERR_NOT_FOUND and nothing changed when there is none; 0
     * keeps the current routing). TRANSFER by an agent may leave a private
     * note (NULL: none) in the same transaction: result note_seq/after_seq/ts. */
    int64_t team_id;
    const char *note_text, *note_author;
};
/* STORE_TO_QUEUE / STORE_TO_OFFLINE from queued/assigned/offline is a no-op
 * success (state reported). */
pl_status store_change_state(struct store *st, const struct store_state_change *in,
                             store_cb cb, void *ctx);

/* Records a visitor's feedback on FAQ answer `seq` (PL_ERR_NOT_FOUND if that seq
 * is not a bot message with an FAQ entry: greetings and "don't know"s are not
 * answers to rate). */
pl_status store_feedback(struct store *st, const char *conv_id, int64_t seq, int helpful,
                         store_cb cb, void *ctx);
/* One rating per closed conversation: PL_ERR_CONFLICT for a second,
 * PL_ERR_BAD_REQUEST when the conversation is not closed. */
pl_status store_rate(struct store *st, const char *conv_id, int score, const char *comment,
                     store_cb cb, void *ctx);

/* Result id = the new agent's id; PL_ERR_CONFLICT if the e-mail is taken. */
pl_status store_create_agent(struct store *st, const char *email, const char *name,
                             const char *role, const char *password_hash,
                             store_cb cb, void *ctx);
pl_status store_create_session(struct store *st, const uint8_t token_hash[32], int64_t agent_id,
                               int64_t expires_at, store_cb cb, void *ctx);
pl_status store_delete_session(struct store *st, const uint8_t token_hash[32],
                               store_cb cb, void *ctx);
/* Insert or replace by id (create = 1 refuses an existing id with PL_ERR_CONFLICT). */
pl_status store_faq_put(struct store *st, const char *id, const char *json, int create,
                        store_cb cb, void *ctx);
pl_status store_faq_delete(struct store *st, const char *id, store_cb cb, void *ctx);

/* ---- signed identities (migration 4) ---- */
/* The visitor a site's verified user id belongs to. */
pl_status store_visitor_by_user(struct store *st, const char *user_id, struct store_visitor *out);
/* Another device's token for the same visitor (store_visitor_by_token finds it). */
pl_status store_add_visitor_token(struct store *st, const char *visitor_id,
                                  const uint8_t token_hash[32], store_cb cb, void *ctx);
/* Gives an anonymous visitor the user id they just signed in with:
 * PL_ERR_CONFLICT when another visitor has it, PL_ERR_NOT_FOUND when this one
 * is unknown or already has an id. */
pl_status store_link_visitor(struct store *st, const char *visitor_id, const char *user_id,
                             store_cb cb, void *ctx);

/* ---- routing: capacity, settings, the queue ----
 * (migration 3: agents.capacity, a settings table) */

/* Fields to change; NULL / -1 keep the current value. Deactivating an agent also
 * deletes their sessions. PL_ERR_NOT_FOUND for an unknown id; PL_ERR_BAD_REQUEST
 * for a role other than "admin"/"agent" or a capacity outside 0..1000. */
struct store_agent_update {
    const char *name, *role;
    int capacity;
    int active;
};
pl_status store_update_agent(struct store *st, int64_t id, const struct store_agent_update *u,
                             store_cb cb, void *ctx);

/* Site settings as key/value text (e.g. "assignment" = "manual" | "auto"). */
struct store_setting { char *key, *value; };
struct store_setting_list { struct store_setting *v; size_t n; };
void store_setting_list_free(struct store_setting_list *l);
pl_status store_settings(struct store *st, struct store_setting_list *out);
pl_status store_setting_put(struct store *st, const char *key, const char *value,
                            store_cb cb, void *ctx);

/* Queued conversations, oldest queued_at first (first come, first served). */
pl_status store_queue(struct store *st, size_t limit, struct store_conversation_list *out);

/* Every active agent with how many conversations are assigned to them now and
 * when they were last assigned one (0: never), for choosing who gets the next. */
struct store_load { int64_t agent_id; int capacity; int assigned; int64_t last_assigned_at; };
struct store_load_list { struct store_load *v; size_t n; };
void store_load_list_free(struct store_load_list *l);
pl_status store_agent_loads(struct store *st, struct store_load_list *out);

/* Median queued -> assigned time over the last n assignments, in ms (0: none),
 * for the wait a visitor in the queue is told to expect. */
pl_status store_recent_queue_wait(struct store *st, int n, int64_t *median_ms);

/* Conversations per open state (indexed by enum conv_state; closed stays 0) and
 * when the oldest queued one entered the queue (0: none), for /metrics. */
pl_status store_open_counts(struct store *st, int64_t counts[CONV_STATE_COUNT],
                            int64_t *oldest_queued_at);

/* For /metrics. */
struct store_stats {
    uint64_t commits, ops, commit_failures;
    uint64_t queue_depth;
    uint64_t checkpoints_background, checkpoints_writer;   /* SQLite's WAL checkpoints */
    uint64_t checkpoint_syncs;       /* the checkpointer's own fsyncs of the database file */
    struct pl_hist checkpoint_finish_time;   /* the writer's checkpoints (each message waits) */
    struct pl_hist commit_time;      /* per transaction, failed ones included */
    struct pl_hist queue_wait;       /* per op: enqueued -> taken into a batch */
};
void store_get_stats(struct store *st, struct store_stats *out);

/* ---- KPI report (store_kpi.c) ----
 * The facts of one conversation that the report's figures are made of; the
 * arithmetic is in kpi.c. Times are epoch ms, 0 when it did not happen. */
struct store_kpi_row {
    char visitor_id[40];
    int64_t agent_id;            /* the final assignee, 0: none */
    int64_t created_at;
    int64_t queued_at;           /* first time it entered the queue */
    int64_t assigned_at;         /* first claim out of the queue */
    int64_t first_reply_at;      /* first visible agent message (not a note) */
    int64_t closed_at;
    int has_faq_answer;          /* a bot message with an FAQ entry */
    int any_helpful;             /* one of them was marked helpful */
    int last_faq_helpful;        /* the last one's mark: -1 none, 0 no, 1 yes */
    int rating;                  /* 1..5, 0: not rated */
    int64_t next_conv_at;        /* the visitor's first other conversation created at or
                                    after closed_at (in which they wrote), 0: none */
};
struct store_kpi_rows { struct store_kpi_row *v; size_t n; };
void store_kpi_rows_free(struct store_kpi_rows *l);
/* Conversations created in [from_ms, to_ms) in which the visitor wrote at least
 * one message, ordered by creation; agent_id > 0 keeps those whose final
 * assignee is that agent. One indexed query for the whole range. Unlike the
 * other reads this one may run on any thread: it has its own connection, and
 * concurrent callers take turns. */
pl_status store_kpi_rows(struct store *st, int64_t from_ms, int64_t to_ms, int64_t agent_id,
                         struct store_kpi_rows *out);

/* ---- FAQ admin: unanswered questions, drafts, a live import (store_faq_admin.c) ----
 * (migration 5: the unanswered and faq_drafts tables) */

/* A question the bot could not answer, counted by its normalised form. */
struct store_unanswered {
    char *key;                   /* the normalised text: the identity */
    char *text;                  /* the latest original wording */
    char *locale;                /* the language it was answered in; may be NULL */
    int64_t count;
    char *last_conversation;     /* may be NULL */
    int64_t first_at, last_at;
};
struct store_unanswered_list { struct store_unanswered *v; size_t n; };
void store_unanswered_list_free(struct store_unanswered_list *l);
/* Counts one more miss of `key` (count 1 when new), keeping the latest text,
 * locale and conversation (NULL keeps the stored one). A key longer than
 * STORE_UNANSWERED_KEY_MAX bytes is cut there (at a character boundary), so long
 * questions that start alike count together and a key always fits in a URL.
 * The table keeps at most STORE_UNANSWERED_MAX questions: the rarest, then the
 * oldest, make room. */
#define STORE_UNANSWERED_KEY_MAX 200
pl_status store_unanswered_add(struct store *st, const char *key, const char *text,
                               const char *locale, const char *conv, store_cb cb, void *ctx);
/* Most frequent first, then the most recently asked; at most `limit` (0: all). */
pl_status store_unanswered_list(struct store *st, size_t limit, struct store_unanswered_list *out);
/* PL_ERR_NOT_FOUND when there is no such key. */
pl_status store_unanswered_delete(struct store *st, const char *key, store_cb cb, void *ctx);

/* An FAQ entry an agent proposed from a conversation (question + their reply). */
struct store_draft {
    int64_t id;
    char *question, *answer;
    char *locale, *conversation_id;   /* may be NULL */
    int64_t agent_id;                 /* 0: none */
    int64_t created_at;
};
struct store_draft_list { struct store_draft *v; size_t n; };
void store_draft_list_free(struct store_draft_list *l);
/* Result: id (the new draft's) and ts (its created_at). */
pl_status store_draft_add(struct store *st, const char *question, const char *answer,
                          const char *locale, const char *conv, int64_t agent_id,
                          store_cb cb, void *ctx);
/* Newest first; at most `limit` (0: all). */
pl_status store_draft_list(struct store *st, size_t limit, struct store_draft_list *out);
/* PL_ERR_NOT_FOUND when there is no such draft. */
pl_status store_draft_delete(struct store *st, int64_t id, store_cb cb, void *ctx);

/* store_faq_replace_all for a running server: the rows are copied and replace
 * the whole FAQ in one transaction on the writer, reported through cb. */
pl_status store_faq_replace(struct store *st, const struct store_faq_row *rows, size_t n,
                            store_cb cb, void *ctx);

/* ---- canned responses (store_canned.c; migration 6: the canned table) ----
 * Replies an admin writes once and agents insert by typing /shortcut. A
 * shortcut is 1-32 of a-z 0-9 - _ and unique ignoring case; title 1-100 and
 * text 1-4000 characters. The schema's CHECKs enforce it: a refused value is
 * PL_ERR_BAD_REQUEST, a taken shortcut PL_ERR_CONFLICT. */
struct store_canned {
    int64_t id;
    char *shortcut, *title, *text;
    int64_t created_at, updated_at;
};
struct store_canned_list { struct store_canned *v; size_t n; };
void store_canned_list_free(struct store_canned_list *l);
/* Every canned response, by shortcut. */
pl_status store_canned_list(struct store *st, struct store_canned_list *out);
/* Result: id (the new row's) and ts (its created_at). */
pl_status store_canned_create(struct store *st, const char *shortcut, const char *title,
                              const char *text, store_cb cb, void *ctx);
/* Replaces all three fields; result ts (updated_at). PL_ERR_NOT_FOUND when
 * there is no such row. */
pl_status store_canned_update(struct store *st, int64_t id, const char *shortcut,
                              const char *title, const char *text, store_cb cb, void *ctx);
/* PL_ERR_NOT_FOUND when there is no such row. */
pl_status store_canned_delete(struct store *st, int64_t id, store_cb cb, void *ctx);

/* ---- search and visitor history (store_search.c) ---- */
/* Every filter is optional. text matches, ignoring ASCII case, as a plain
 * substring (% and _ are literal) of the visitor's name or email or of any
 * visible message (not notes). Days are [from_ms, to_ms). */
struct store_conv_search {
    int state;                /* < 0: any */
    int64_t agent_id;         /* > 0: only those whose agent_id is this */
    int64_t team_of;          /* > 0: only those in this agent's team scope (store_teams.h) */
    const char *text;         /* NULL or "": any */
    int64_t from_ms, to_ms;   /* created_at bounds; 0: unbounded */
    size_t limit;             /* 0: all */
};
/* Matching conversations, newest created first. */
pl_status store_search_conversations(struct store *st, const struct store_conv_search *q,
                                     struct store_conversation_list *out);

/* One of a visitor's conversations, for their history. */
struct store_visitor_conv {
    char *id;
    enum conv_state state;
    int64_t agent_id;         /* 0: none */
    int64_t created_at, closed_at;
    char *agent_name;         /* may be NULL */
    int64_t team_id;          /* the team it is routed to, 0: none */
    char *preview;            /* the last visible message (200 characters at most), or NULL */
};
struct store_visitor_conv_list { struct store_visitor_conv *v; size_t n; };
void store_visitor_conv_list_free(struct store_visitor_conv_list *l);
/* The visitor's conversations, newest created first, at most `limit` (0: all).
 * An unknown visitor has none (PL_OK, n = 0). */
pl_status store_visitor_conversations(struct store *st, const char *visitor_id, size_t limit,
                                      struct store_visitor_conv_list *out);

#endif
