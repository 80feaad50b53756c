/*
 * Store: the schema, as the ordered list of migrations that build it.
 *
 * store_migrations[i] upgrades a database from version i to i+1 (PRAGMA
 * user_version); store_schema.c applies each in its own transaction. A migration
 * is never edited once it has shipped: a change is a new entry at the end.
 */
#include "store_internal.h"

const char *const store_migrations[] = {
    /* 1: the data model. Strings are TEXT, stored verbatim (always bound). */
    "CREATE TABLE visitors("
    " id TEXT PRIMARY KEY,"
    " token_hash BLOB NOT NULL UNIQUE CHECK(length(token_hash) = 32),"
    " name TEXT, email TEXT, locale TEXT, page TEXT,"
    " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE TABLE agents("
    " id INTEGER PRIMARY KEY,"
    " email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK(role IN ('admin', 'agent')),"
    " password_hash TEXT NOT NULL,"
    " active INTEGER NOT NULL DEFAULT 1,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    " token_hash BLOB PRIMARY KEY CHECK(length(token_hash) = 32),"
    " agent_id INTEGER NOT NULL REFERENCES agents(id),"
    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX sessions_expiry ON sessions(expires_at);"
    "CREATE TABLE conversations("
    " id TEXT PRIMARY KEY,"
    " visitor_id TEXT NOT NULL REFERENCES visitors(id),"
    " state TEXT NOT NULL CHECK(state IN ('bot', 'queued', 'assigned', 'closed')),"
    " agent_id INTEGER REFERENCES agents(id),"
    " last_seq INTEGER NOT NULL DEFAULT 0,"
    " last_note_seq INTEGER NOT NULL DEFAULT 0,"
    " bot_misses INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL, queued_at INTEGER, assigned_at INTEGER,"
    " closed_at INTEGER,"
    " closed_by TEXT CHECK(closed_by IN ('visitor', 'agent', 'system')),"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX conv_visitor ON conversations(visitor_id, created_at);"
    "CREATE INDEX conv_updated ON conversations(updated_at);"
    "CREATE INDEX conv_state_updated ON conversations(state, updated_at);"
    "CREATE INDEX conv_agent_updated ON conversations(agent_id, updated_at);"
    /* One table for messages and notes: a row has exactly one of seq, note_seq. */
    "CREATE TABLE messages("
    " id INTEGER PRIMARY KEY,"
    " conversation_id TEXT NOT NULL REFERENCES conversations(id),"
    " seq INTEGER, note_seq INTEGER,"
    " after_seq INTEGER NOT NULL,"
    " role TEXT NOT NULL CHECK(role IN ('visitor', 'bot', 'agent', 'system')),"
    " author_id TEXT, author_name TEXT, client_id TEXT,"
    " text TEXT NOT NULL,"
    " faq_id TEXT, faq_score REAL, meta_json TEXT,"
    " helpful INTEGER NOT NULL DEFAULT -1,"
    " ts INTEGER NOT NULL,"
    " CHECK((seq IS NULL) != (note_seq IS NULL)));"
    "CREATE UNIQUE INDEX msg_seq ON messages(conversation_id, seq) WHERE seq IS NOT NULL;"
    "CREATE UNIQUE INDEX msg_note_seq ON messages(conversation_id, note_seq)"
    " WHERE note_seq IS NOT NULL;"
    "CREATE INDEX msg_note_after ON messages(conversation_id, after_seq, note_seq)"
    " WHERE note_seq IS NOT NULL;"
    /* COALESCE: NULL author ids (bot, system) must still collide. */
    "CREATE UNIQUE INDEX msg_client ON messages(conversation_id, role,"
    " COALESCE(author_id, ''), client_id) WHERE client_id IS NOT NULL;"
    "CREATE TABLE ratings("
    " conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),"
    " score INTEGER NOT NULL, comment TEXT, created_at INTEGER NOT NULL);"
    "CREATE TABLE faq("
    " id TEXT PRIMARY KEY, json TEXT NOT NULL,"
    " position INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX faq_position ON faq(position);",

    /* 2: lifecycle events for KPI reports (queue wait, first response,
     * resolution), backfilled from what the conversation rows remember. */
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY,"
    " conversation_id TEXT NOT NULL REFERENCES conversations(id),"
    " type TEXT NOT NULL"
    "  CHECK(type IN ('created', 'queued', 'assigned', 'transferred', 'closed', 'rated')),"
    " agent_id INTEGER,"
    " ts INTEGER NOT NULL);"
    "CREATE INDEX events_conv ON events(conversation_id, ts);"
    "CREATE INDEX events_type_ts ON events(type, ts);"
    "CREATE INDEX msg_role_ts ON messages(conversation_id, role, ts);"
    "INSERT INTO events(conversation_id, type, agent_id, ts)"
    " SELECT id, 'created', NULL, created_at FROM conversations;"
    "INSERT INTO events(conversation_id, type, agent_id, ts)"
    " SELECT id, 'queued', NULL, queued_at FROM conversations WHERE queued_at IS NOT NULL;"
    "INSERT INTO events(conversation_id, type, agent_id, ts)"
    " SELECT id, 'assigned', agent_id, assigned_at FROM conversations"
    " WHERE assigned_at IS NOT NULL;"
    "INSERT INTO events(conversation_id, type, agent_id, ts)"
    " SELECT id, 'closed', NULL, closed_at FROM conversations WHERE closed_at IS NOT NULL;"
    "INSERT INTO events(conversation_id, type, agent_id, ts)"
    " SELECT conversation_id, 'rated', NULL, created_at FROM ratings;",

    /* 3: routing. Each agent's capacity (existing agents get the default), site
     * settings, and the indexes the router's reads need: the queue in order,
     * the open conversations per agent (conv_agent_updated would walk every
     * conversation the agent ever had), an agent's latest events (last
     * assignment) and an agent's sessions (deleted on deactivation). */
    "ALTER TABLE agents ADD COLUMN capacity INTEGER NOT NULL DEFAULT 5"
    " CHECK(capacity BETWEEN 0 AND 1000);"
    "CREATE TABLE settings("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX conv_queue ON conversations(state, queued_at);"
    "CREATE INDEX conv_agent_state ON conversations(agent_id, state);"
    "CREATE INDEX events_agent ON events(agent_id, ts) WHERE agent_id IS NOT NULL;"
    "CREATE INDEX sessions_agent ON sessions(agent_id);",

    /* 4: signed identities. A site-verified user id makes one visitor of every
     * device the person uses; each device gets a token of its own. */
    "ALTER TABLE visitors ADD COLUMN user_id TEXT;"
    "CREATE UNIQUE INDEX visitors_user ON visitors(user_id) WHERE user_id IS NOT NULL;"
    "CREATE TABLE visitor_tokens("
    " token_hash BLOB PRIMARY KEY CHECK(length(token_hash) = 32),"
    " visitor_id TEXT NOT NULL REFERENCES visitors(id),"
    " created_at INTEGER NOT NULL);",

    /* 5: growing the FAQ from traffic. The questions the bot could not answer,
     * one row per normalised text (so wordings that differ only in case and
     * punctuation count together), listed most frequent first; and answers
     * agents proposed from a conversation, for an admin to turn into entries. */
    "CREATE TABLE unanswered("
    " key TEXT PRIMARY KEY,"
    " text TEXT NOT NULL,"
    " locale TEXT,"
    " count INTEGER NOT NULL,"
    " last_conversation TEXT,"
    " first_at INTEGER, last_at INTEGER);"
    "CREATE INDEX unanswered_count ON unanswered(count DESC, last_at DESC);"
    "CREATE TABLE faq_drafts("
    " id INTEGER PRIMARY KEY,"
    " question TEXT NOT NULL,"
    " answer TEXT NOT NULL,"
    " locale TEXT,"
    " conversation_id TEXT,"
    " agent_id INTEGER,"
    " created_at INTEGER);",

    /* 6: canned responses, inserted by an agent typing /shortcut. NOT GLOB on
     * the negated class checks every character (a plain GLOB only the first). */
    "CREATE TABLE canned("
    " id INTEGER PRIMARY KEY,"
    " shortcut TEXT NOT NULL UNIQUE COLLATE NOCASE"
    "  CHECK(length(shortcut) BETWEEN 1 AND 32 AND shortcut NOT GLOB '*[^a-z0-9_-]*'),"
    " title TEXT NOT NULL CHECK(length(title) BETWEEN 1 AND 100),"
    " text TEXT NOT NULL CHECK(length(text) BETWEEN 1 AND 4000),"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);",

    /* 7: webhooks and their durable delivery log (store_webhooks.c). The due
     * index serves the sender's scan; the hook index its log page and pruning. */
    "CREATE TABLE webhooks("
    " id INTEGER PRIMARY KEY,"
    " url TEXT NOT NULL CHECK(length(url) BETWEEN 8 AND 2000"
    "  AND (url LIKE 'http://%' OR url LIKE 'https://%')),"
    " secret TEXT NOT NULL,"
    " events TEXT NOT NULL DEFAULT '',"
    " active INTEGER NOT NULL DEFAULT 1 CHECK(active IN (0, 1)),"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE webhook_deliveries("
    " id INTEGER PRIMARY KEY,"
    " webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,"
    " event TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK(status IN ('pending', 'delivered', 'failed')),"
    " next_attempt_at INTEGER NOT NULL,"
    " last_status_code INTEGER, last_error TEXT,"
    " created_at INTEGER NOT NULL, delivered_at INTEGER);"
    "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at, id);"
    "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);",
    /* 8: the offline state (a handoff while the site is away). SQLite cannot
     * change a CHECK in place, so the table is rebuilt by its documented
     * procedure: new table, copy, drop, rename, indexes again (store_schema.c
     * runs migrations with foreign keys off and checks them before commit).
     * A later migration that adds a column to conversations needs nothing
     * here; one placed before this would have to be copied by it. */
    "CREATE TABLE conversations_new("
    " id TEXT PRIMARY KEY,"
    " visitor_id TEXT NOT NULL REFERENCES visitors(id),"
    " state TEXT NOT NULL CHECK(state IN ('bot', 'queued', 'assigned', 'closed', 'offline')),"
    " agent_id INTEGER REFERENCES agents(id),"
    " last_seq INTEGER NOT NULL DEFAULT 0,"
    " last_note_seq INTEGER NOT NULL DEFAULT 0,"
    " bot_misses INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL, queued_at INTEGER, assigned_at INTEGER,"
    " closed_at INTEGER,"
    " closed_by TEXT CHECK(closed_by IN ('visitor', 'agent', 'system')),"
    " updated_at INTEGER NOT NULL);"
    "INSERT INTO conversations_new(id, visitor_id, state, agent_id, last_seq, last_note_seq,"
    " bot_misses, created_at, queued_at, assigned_at, closed_at, closed_by, updated_at)"
    " SELECT id, visitor_id, state, agent_id, last_seq, last_note_seq, bot_misses, created_at,"
    " queued_at, assigned_at, closed_at, closed_by, updated_at FROM conversations;"
    "DROP TABLE conversations;"
    "ALTER TABLE conversations_new RENAME TO conversations;"
    "CREATE INDEX conv_visitor ON conversations(visitor_id, created_at);"
    "CREATE INDEX conv_updated ON conversations(updated_at);"
    "CREATE INDEX conv_state_updated ON conversations(state, updated_at);"
    "CREATE INDEX conv_agent_updated ON conversations(agent_id, updated_at);"
    "CREATE INDEX conv_queue ON conversations(state, queued_at);"
    "CREATE INDEX conv_agent_state ON conversations(agent_id, state);",
    /* 9: teams. A conversation may be routed to a team (auto-assignment then
     * picks only among its members); deleting a team un-routes its
     * conversations first, so the foreign key never dangles. conv_team serves
     * the team's queue and the KPI filter. AUTOINCREMENT: a deleted team's id is
     * never reused, so an FAQ entry still naming it cannot route to a newcomer. */
    "CREATE TABLE teams("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK(length(name) BETWEEN 1 AND 64),"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE team_members("
    " team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,"
    " agent_id INTEGER NOT NULL REFERENCES agents(id),"
    " PRIMARY KEY(team_id, agent_id)) WITHOUT ROWID;"
    "CREATE INDEX team_members_agent ON team_members(agent_id);"
    "ALTER TABLE conversations ADD COLUMN team_id INTEGER REFERENCES teams(id);"
    "CREATE INDEX conv_team ON conversations(team_id, state);",
    /* 10: fewer index pages written per message. Every message bumps its
     * conversation's updated_at, and each index holding updated_at was
     * rewritten with it (three leaves per message), as was msg_role_ts for the
     * visitor's own messages, which no query looks up by role. A closed
     * conversation takes no messages, so the updated_at indexes now hold closed
     * rows only: the open ones (those live now) are found through conv_queue /
     * conv_agent_state and sorted (store_schema.c, CONV_OPEN_TOP).
     * msg_staff_ts serves the KPI report's and the FAQ team's role lookups;
     * "did the visitor write" walks msg_seq instead. */
    "DROP INDEX conv_updated;"
    "DROP INDEX conv_state_updated;"
    "DROP INDEX conv_agent_updated;"
    "DROP INDEX msg_role_ts;"
    "CREATE INDEX conv_closed_updated ON conversations(updated_at) WHERE state = 'closed';"
    "CREATE INDEX conv_agent_closed_updated ON conversations(agent_id, updated_at)"
    " WHERE state = 'closed';"
    "CREATE INDEX msg_staff_ts ON messages(conversation_id, role, ts) WHERE role != 'visitor';",
};
const int store_migration_count = (int)PL_ARRAY_LEN(store_migrations);
