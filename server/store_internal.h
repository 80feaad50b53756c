/*
 * Internals shared by the store's files (store_schema.c, store_read.c,
 * store_writer.c, store_ops.c, store_routing.c...). Nothing outside
 * server/store_*.c includes this.
 *
 * Two connections: `rdb` is used only by the loop thread (synchronous reads),
 * `wdb` only by the writer thread (every write, including the start-up
 * "synchronous" ones, which simply wait for the writer). Each connection has its
 * own statements, prepared once at open. A third, `kdb`, serves the KPI report's
 * long scan from any thread (a worker, so a year of conversations does not stall
 * the loop), one caller at a time under `kmu`. A write op is a self-contained struct
 * that owns copies of its inputs, so the caller's strings may go away as soon as
 * the enqueue function returns.
 */
#ifndef PARLEY_STORE_INTERNAL_H
#define PARLEY_STORE_INTERNAL_H

#include <pthread.h>
#include "db.h"
#include "parley/store.h"

#define STORE_MAX_BATCH 1000
#define STORE_BUSY_TIMEOUT_MS 5000
/* The WHERE of the partial index msg_staff_ts (migration 10), to be repeated
 * word for word by a query that uses it: SQLite does not infer it from
 * role = 'bot'. `alias` is "" or the table's alias with its dot ("m."). */
#define STORE_STAFF_MSG(alias) alias "role != 'visitor'"
/* store_recent_queue_wait looks at no more assignments than this. */
#define STORE_MAX_WAIT_SAMPLES 10000

/* Read-connection statements (store_schema.c holds the SQL). */
enum rstmt {
    R_VISITOR_BY_TOKEN, R_VISITOR_BY_ID, R_LATEST_CONV, R_GET_CONV,
    R_LIST_ANY, R_LIST_STATE, R_LIST_CLOSED, R_LIST_AGENT, R_LIST_STATE_AGENT,
    R_LIST_CLOSED_AGENT,
    R_MSGS, R_MSGS_NOTES, R_AGENT_BY_EMAIL, R_AGENT_BY_ID, R_AGENTS, R_AGENT_COUNT,
    R_SESSION_AGENT, R_FAQ_LIST, R_OPEN_COUNTS,
    R_SETTINGS, R_QUEUE, R_AGENT_LOADS, R_QUEUE_WAITS, R_VISITOR_BY_USER,
    R_UNANSWERED, R_DRAFTS,   /* store_faq_admin.c */
    R_CANNED_LIST,            /* store_canned.c */
    R_SEARCH_CONVS, R_VISITOR_CONVS,   /* store_search.c */
    R_WEBHOOKS, R_WEBHOOK_BY_ID, R_WEBHOOK_DELIVERIES, R_WEBHOOK_DUE,
    R_WEBHOOK_PENDING,        /* store_webhooks.c */
    R_TEAMS, R_TEAM_MEMBERS, R_TEAM_IS_MEMBER, R_LAST_FAQ,  /* store_teams.c */
    R_TEAM_SCOPE, R_LIST_TEAM,   /* store_teams_view.c */
    R__COUNT
};

/* Write-connection statements. */
enum wstmt {
    W_BEGIN, W_COMMIT, W_ROLLBACK, W_SAVEPOINT, W_RELEASE, W_ROLLBACK_TO,
    W_DUP_LOOKUP, W_BUMP, W_INSERT_MSG, W_CONV_ROW, W_AGENT_ACTIVE,
    W_INSERT_VISITOR, W_INSERT_CONV, W_EVENT, W_TOUCH_VISITOR,
    W_TO_QUEUE, W_CLAIM, W_TRANSFER_TO, W_TRANSFER_QUEUE, W_CLOSE,
    W_FEEDBACK, W_RATE, W_INSERT_AGENT, W_INSERT_SESSION, W_DELETE_SESSION,
    W_PURGE_SESSIONS, W_FAQ_INSERT, W_FAQ_UPSERT, W_FAQ_DELETE, W_FAQ_CLEAR,
    W_UPDATE_AGENT, W_DELETE_AGENT_SESSIONS, W_SETTING_PUT, W_ADD_VISITOR_TOKEN,
    W_LINK_VISITOR,
    W_UNANSWERED_ADD, W_UNANSWERED_PRUNE, W_UNANSWERED_DELETE,   /* store_faq_admin.c */
    W_DRAFT_ADD, W_DRAFT_DELETE,
    W_CANNED_INSERT, W_CANNED_UPDATE, W_CANNED_DELETE,   /* store_canned.c */
    W_WEBHOOK_COUNT, W_WEBHOOK_INSERT, W_WEBHOOK_UPDATE, W_WEBHOOK_DELETE,
    W_WEBHOOK_DELETE_LOG, W_WEBHOOK_EMIT, W_DELIVERY_RESULT, W_DELIVERY_PRUNE,
    W_DELIVERY_RETRY, W_DELIVERY_CLAIM,  /* store_webhooks.c */
    W_TO_OFFLINE,
    W_TEAM_INSERT, W_TEAM_RENAME, W_TEAM_EXISTS, W_TEAM_CLEAR_MEMBERS,   /* store_teams.c */
    W_TEAM_ADD_MEMBER, W_TEAM_UNROUTE, W_TEAM_DELETE, W_CONV_TEAM,
    W_APPEND_PG,   /* PostgreSQL only (no SQLite text): store_writer_pg.c */
    W__COUNT
};

enum op_kind {
    OP_CREATE_VISITOR, OP_TOUCH_VISITOR, OP_START_CONV, OP_APPEND, OP_STATE,
    OP_FEEDBACK, OP_RATE, OP_CREATE_AGENT, OP_CREATE_SESSION, OP_DELETE_SESSION,
    OP_FAQ_PUT, OP_FAQ_DELETE, OP_FAQ_REPLACE, OP_FLUSH,
    OP_UPDATE_AGENT, OP_SETTING_PUT,  /* store_routing.c */
    OP_ADD_VISITOR_TOKEN, OP_LINK_VISITOR,  /* store_identity.c */
    OP_UNANSWERED_ADD, OP_UNANSWERED_DELETE, OP_DRAFT_ADD, OP_DRAFT_DELETE,  /* store_faq_admin.c */
    OP_CANNED_CREATE, OP_CANNED_UPDATE, OP_CANNED_DELETE,  /* store_canned.c */
    OP_WEBHOOK_CREATE, OP_WEBHOOK_UPDATE, OP_WEBHOOK_DELETE, OP_WEBHOOK_EMIT,
    OP_DELIVERY_RESULT, OP_DELIVERY_RETRY, OP_DELIVERY_CLAIM,  /* store_webhooks.c */
    OP_TEAM_CREATE, OP_TEAM_UPDATE, OP_TEAM_DELETE, OP_CONV_TEAM  /* store_teams.c */
};

/* A start-up caller waiting for its op (store_create_agent_now...). */
struct sync_wait { int done; struct store_result res; };

#define OP_MAX_STRINGS 10
struct op {
    enum op_kind kind;
    store_cb cb;
    void *ctx;
    struct sync_wait *sync;          /* instead of cb, for start-up writes */
    struct store_result res;
    struct op *next;
    int64_t queued_us;               /* monotonic, for the queue-wait histogram */
    /* Inputs. The string pointers inside point into `owned`. */
    union {
        struct store_new_visitor vis;
        struct store_append ap;
        struct store_state_change sc;
        struct { const char *id, *name, *email, *locale, *page; } touch;
        struct { const char *visitor_id, *user_id; uint8_t hash[32]; } ident;
        struct { const char *conv, *comment; int64_t seq; int num; } fb; /* feedback, rate */
        struct { const char *email, *name, *role, *hash; } agent;
        struct { uint8_t hash[32]; int64_t agent_id, expires_at; } sess;
        struct { const char *id, *json; int create; } faq;
        struct { struct store_faq_row *rows; size_t n; } faqs;  /* rows owned */
        struct { int64_t id; struct store_agent_update f; } upd;
        struct { const char *key, *value; } set;
        struct { const char *key, *text, *locale, *conv; } una;   /* unanswered */
        struct { const char *question, *answer, *locale, *conv; int64_t agent_id, id; } draft;
        struct { const char *shortcut, *title, *text; int64_t id; } canned;
        struct { const char *url, *secret, *events, *event, *data, *error;
                 int64_t id, delivery, next_at, lease_until;
                 int active, attempts, status, code; } hook;
        struct { const char *name; int64_t id; int64_t *members; size_t n; int set_members;
                 const char *conv; } team;   /* members: in owned[] */
    } u;
    char *owned[OP_MAX_STRINGS];
    int n_owned, oom;
};

struct store {
    struct db *rdb, *wdb;
    struct db_stmt *r[R__COUNT];
    struct db_stmt *w[W__COUNT];
    struct db *kdb;                  /* the report connection, under kmu */
    struct db_stmt *kpi_rows[2];       /* everyone's, and a team's */
    pthread_mutex_t kmu;

    pthread_t writer;
    int writer_started;
    /* Writer thread only: the batch runs again with savepoints after a failure
     * (store_writer.c), so the ops check what the bare pass left to the
     * database's constraints (an append's duplicate client id). */
    int careful;
    pthread_mutex_t mu;              /* guards everything below */
    pthread_cond_t work_cv;          /* writer: the queue has ops or we stop */
    pthread_cond_t sync_cv;          /* start-up callers: a sync op finished */
    struct op *head, *tail;
    int accepting, stopping, healthy;
    uint64_t enqueued;               /* ops ever queued (store_barrier's tickets) */
    int commit_delay_us;             /* store_set_commit_delay */
    struct store_stats stats;
    struct store_ckpt *ckpt;         /* SQLite's checkpointer (store_ckpt.c); NULL on PostgreSQL */
};

/* store_ckpt.c: SQLite's WAL checkpoints on their own thread (nothing on
 * PostgreSQL). Start before the writer's first commit; stop once the writer has
 * stopped, before its connection closes. stats adds the checkpoint counts. */
struct store_ckpt;
pl_status store_ckpt_start(struct store *st, const char *path);
void store_ckpt_stop(struct store *st);
void store_ckpt_stats(struct store *st, struct store_stats *out);
/* Tests: other thresholds, in frames (background pass, WAL cycle, writer's limit). */
void store_ckpt_tune(struct store *st, int pages, int cycle, int max, int sync);

/* store_sql.c: the statements, by enum rstmt / wstmt. */
extern const char *const store_read_sql[R__COUNT];
extern const char *const store_write_sql[W__COUNT];
/* store_sql_pg.c: PostgreSQL's forms where db_pg_rewrite's translation of the
 * statement above is not enough (NULL: use the rewrite); the KPI report's
 * (store_kpi_sql, store_kpi_team_sql) likewise. */
extern const char *const store_read_sql_pg[R__COUNT];
extern const char *const store_write_sql_pg[W__COUNT];
extern const char *const store_kpi_sql_pg;
extern const char *const store_kpi_team_sql_pg;

/* store_schema.c */
extern const char *const store_migrations[];
extern const int store_migration_count;
/* store_schema_pg.c: PostgreSQL's migrations, numbered as SQLite's (the same
 * count; NULL entries are folded into the baseline). */
extern const char *const store_pg_migrations[];
extern const int store_pg_migration_count;
/* store_migrate_pg.c: brings a PostgreSQL database to store_pg_migration_count
 * (table parley_schema), one node at a time; refuses a newer database. */
struct db;
pl_status store_pg_migrate(struct db *db);
/* Maps a failed db_step/db_exec result to a status. Constraint failures are an
 * answer (conflict, not found, bad request); anything else is logged once here
 * with db_errmsg and becomes PL_ERR_STORE. */
pl_status store_db_status(struct db *db, int rc, const char *what);
/* store_kpi.c: the KPI report's query, kept beside the code that decodes it. */
extern const char store_kpi_sql[];
/* Fills buf with prefix + 20 random lowercase hex digits. */
void store_new_id(char *buf, size_t len, const char *prefix);

/* store_writer.c */
struct op *store_op_new(enum op_kind kind, store_cb cb, void *ctx);
/* Copies s into the op (NULL stays NULL); sets op->oom on failure. */
const char *store_op_dup(struct op *o, const char *s);
void store_op_free(struct op *o);
/* Queues the op (taking ownership, also on failure). */
pl_status store_enqueue(struct store *st, struct op *o);
/* Queues the op and waits for its result (start-up writes only). */
pl_status store_run_sync(struct store *st, struct op *o, struct store_result *res);
void *store_writer_main(void *arg);

/* store_ops.c: runs one op on the write connection, inside its savepoint. */
pl_status store_op_exec(struct store *st, struct op *o);

/* store_writer.c: steps a write statement that returns no row (BEGIN,
 * SAVEPOINT, ROLLBACK...); 1 on success, else 0 with the failure logged. */
int store_step_plain(struct store *st, enum wstmt which, const char *what);

/* What a batch transaction came to (store_writer.c). */
enum txn_result { TXN_LOST = 0, TXN_COMMITTED = 1, TXN_RETRY = 2 };

/* store_writer_pg.c: a message appended in one statement (OP_APPEND on
 * PostgreSQL), and a batch's first pass with its appends pipelined. */
pl_status store_pg_append(struct store *st, struct op *o);
enum txn_result store_pg_batch_txn(struct store *st, struct op *batch);
/* store_routing.c: the same for the routing ops (OP_UPDATE_AGENT, OP_SETTING_PUT). */
pl_status store_routing_exec(struct store *st, struct op *o);
/* store_identity.c: the same for the identity ops. */
pl_status store_identity_exec(struct store *st, struct op *o);
/* store_faq_admin.c: the same for OP_UNANSWERED_* and OP_DRAFT_*. */
pl_status store_faq_admin_exec(struct store *st, struct op *o);
/* store_canned.c: the same for OP_CANNED_*. */
pl_status store_canned_exec(struct store *st, struct op *o);
/* store_webhooks.c: the same for OP_WEBHOOK_* and OP_DELIVERY_*. */
pl_status store_webhooks_exec(struct store *st, struct op *o);
/* store_teams.c: the same for OP_TEAM_* and OP_CONV_TEAM; and, inside a state
 * change's transaction, routing its conversation to team (> 0). */
pl_status store_teams_exec(struct store *st, struct op *o);
pl_status store_teams_route(struct store *st, const char *conv, int64_t team);
extern const char store_kpi_team_sql[];
/* Most rows the unanswered table keeps (the rarest, oldest go first). */
#define STORE_UNANSWERED_MAX 10000

/* Sequential binding: the first failure sticks and b_step() reports it. */
struct binder { struct db_stmt *s; int i, rc; };
static inline struct binder b_start(struct db_stmt *s) { struct binder b = { s, 0, DB_OK }; return b; }
static inline void b_text(struct binder *b, const char *v)
{
    b->i++;
    if (b->rc == DB_OK) b->rc = db_bind_text(b->s, b->i, v);
}
static inline void b_int(struct binder *b, int64_t v)
{
    b->i++;
    if (b->rc == DB_OK) b->rc = db_bind_int(b->s, b->i, v);
}
/* 0 binds NULL: used for optional ids (agent_id) and timestamps. */
static inline void b_int_or_null(struct binder *b, int64_t v)
{
    b->i++;
    if (b->rc == DB_OK) b->rc = v ? db_bind_int(b->s, b->i, v) : db_bind_null(b->s, b->i);
}
static inline void b_double(struct binder *b, double v)
{
    b->i++;
    if (b->rc == DB_OK) b->rc = db_bind_double(b->s, b->i, v);
}
static inline void b_blob(struct binder *b, const void *v, int n)
{
    b->i++;
    if (b->rc == DB_OK) b->rc = db_bind_blob(b->s, b->i, v, n);
}
static inline int b_step(struct binder *b)
{
    return b->rc != DB_OK ? b->rc : db_step(b->s);
}

/* store_read.c: a copy of a text column (NULL stays NULL; *oom = 1 when the copy
 * fails), and one CONV_SELECT row decoded (on failure the struct is freed). */
char *store_col_dup(struct db_stmt *s, int i, int *oom);
pl_status store_fill_conversation(struct db_stmt *s, struct store_conversation *c);

/* store_read.c: a list read. fill decodes one row into out (zeroed first); on
 * failure it frees what it filled and returns why. store_read_rows appends every
 * row of b to g (elem bytes each; n rows filled); on failure g still holds the
 * rows filled so far, for the caller's list free. */
typedef pl_status (*store_fill_fn)(struct db_stmt *s, void *out);
struct store_rows { char *v; size_t n, cap, elem; };
pl_status store_read_rows(struct store *st, struct binder *b, store_fill_fn fill,
                          struct store_rows *g, const char *what);
/* A LIMIT parameter: 0 (or one too large for SQL) is no limit. */
int64_t store_sql_limit(size_t limit);

/* store_ops.c: a message's own fields (role, author id and name, client id,
 * text, FAQ id and score, meta JSON), bound in that order as the next eight
 * parameters of W_INSERT_MSG or W_APPEND_PG. */
void store_bind_message_body(struct binder *b, const struct store_append *ap);

/* Steps a write statement expected to return no row; *changed (may be NULL)
 * gets db_changes(). The status of a failure is the store's for it. */
pl_status store_run_done(struct store *st, struct binder *b, const char *what, int *changed);

/* The same for a write to one existing row (an update or delete by key):
 * PL_ERR_NOT_FOUND when it changed no row. */
pl_status store_run_found(struct store *st, struct binder *b, const char *what);

#endif
