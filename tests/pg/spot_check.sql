-- Runs the store's important statements (prepared by dump_sql final) on a fresh
-- schema with sample values; check_sql.sh compares the output with
-- spot_check.expected. Parameters are as store_*.c binds them.
\pset footer off
\set lim 9223372036854775807
\set tok '\'\\x' `printf 'ab%.0s' $(seq 32)` '\''
\set tok2 '\'\\x' `printf 'cd%.0s' $(seq 32)` '\''

-- visitors and agents
EXECUTE w_insert_visitor('v1', :tok, 'Ann', 'ann@example.com', 'en', '/p', 1000, NULL);
EXECUTE r_visitor_by_token(:tok);
EXECUTE w_insert_agent('Bob@Example.com', 'Bob', 'agent', 'h', 1000);
EXECUTE w_insert_agent('cy@example.com', 'Cy', 'admin', 'h', 1000);
EXECUTE w_insert_agent('BOB@example.COM', 'Dup', 'agent', 'h', 1000);
EXECUTE r_agent_by_email('bob@EXAMPLE.com');
EXECUTE w_insert_session(:tok2, 1, 1000, 5000);
EXECUTE r_session_agent(:tok2, 2000);

-- a conversation: bot, queued, claimed, messages and a note
EXECUTE w_insert_conv('c1', 'v1', 1000);
EXECUTE w_event('c1', 'created', NULL, 1000);
EXECUTE w_bump(0, 0, 1100, 'c1', 0);
EXECUTE w_insert_msg('c1', 1, NULL, 0, 'visitor', NULL, NULL, 'k1', 'Hello THERE', NULL, NULL, NULL, 1100);
EXECUTE w_dup_lookup('c1', 'visitor', NULL, 'k1');
EXECUTE w_insert_msg('c1', 2, NULL, 1, 'visitor', NULL, NULL, 'k1', 'dup', NULL, NULL, NULL, 1100);
EXECUTE w_bump(0, 1, 1200, 'c1', 0);
EXECUTE w_insert_msg('c1', 2, NULL, 1, 'bot', NULL, 'Bot', NULL, 'An answer', 'faq1', 0.75, '{}', 1200);
EXECUTE w_feedback(1, 'c1', 2);
EXECUTE r_last_faq('c1');
EXECUTE w_to_queue(1300, 'c1');
EXECUTE w_event('c1', 'queued', NULL, 1300);
EXECUTE r_queue(:lim);
EXECUTE r_open_counts;
EXECUTE w_claim(1, 1500, 'c1');
EXECUTE w_claim(2, 1500, 'c1');
EXECUTE w_event('c1', 'assigned', 1, 1500);
EXECUTE w_bump(0, 0, 1600, 'c1', 2);
EXECUTE w_bump(1, 0, 1600, 'c1', 1);
EXECUTE w_insert_msg('c1', NULL, 1, 2, 'agent', '1', 'Bob', NULL, 'a note', NULL, NULL, NULL, 1600);
EXECUTE w_bump(0, 0, 1700, 'c1', 1);
EXECUTE w_insert_msg('c1', 3, NULL, 2, 'agent', '1', 'Bob', 'k2', 'Hi from Bob', NULL, NULL, NULL, 1700);
EXECUTE r_msgs('c1', 0, :lim);
EXECUTE r_msgs_notes('c1', 0, :lim);
EXECUTE r_agent_loads;
EXECUTE r_queue_waits(10);
EXECUTE r_get_conv('c1');

-- a second conversation stays in the bot state
EXECUTE w_insert_conv('c2', 'v1', 2000);
EXECUTE w_event('c2', 'created', NULL, 2000);
EXECUTE r_list_any(:lim);
EXECUTE r_list_state('bot', :lim);
EXECUTE r_list_agent(1, :lim);
EXECUTE r_search_convs(NULL, NULL, NULL, NULL, '%hello%', :lim, NULL);
EXECUTE r_search_convs(NULL, 1, 0, 5000, '%BOB@%', :lim, NULL);
EXECUTE r_search_convs('bot', NULL, NULL, NULL, NULL, :lim, NULL);
EXECUTE r_search_convs(NULL, NULL, NULL, NULL, '%\%%', :lim, NULL);

-- closing, rating, lists of closed, the KPI rows
EXECUTE w_close(1800, 'agent', 'c1');
EXECUTE w_close(1900, 'agent', 'c1');
EXECUTE w_event('c1', 'closed', NULL, 1800);
EXECUTE w_rate('c1', 5, 'good', 1850);
EXECUTE r_list_closed(:lim);
EXECUTE r_list_any(:lim);
EXECUTE r_latest_conv('v1');
EXECUTE r_visitor_convs('v1', :lim);
EXECUTE kpi(0, 10000, 0);
EXECUTE kpi(0, 10000, 2);

-- teams
EXECUTE w_team_insert('Sales', 100);
EXECUTE w_team_insert('SALES', 100);
EXECUTE w_team_insert('alpha', 100);
EXECUTE w_team_add_member(1, 1);
EXECUTE w_team_add_member(1, 1);
EXECUTE w_team_add_member(1, 99);
EXECUTE r_teams;
EXECUTE r_team_scope(1);
EXECUTE w_conv_team('c2', 1);
EXECUTE r_list_team(NULL, 1, :lim);
EXECUTE r_list_team('bot', 2, :lim);
EXECUTE kpi_team(0, 10000, 0, 1);
EXECUTE r_search_convs(NULL, NULL, NULL, NULL, NULL, :lim, 1);

-- agents, settings, FAQ, unanswered, canned
EXECUTE w_update_agent(NULL, NULL, 7, -1, 2);
EXECUTE w_update_agent('Cyril', NULL, -1, 0, 2);
EXECUTE w_update_agent(NULL, 'boss', -1, -1, 2);
EXECUTE r_agents;
EXECUTE w_setting_put('b', '2', 1);
EXECUTE w_setting_put('B', '1', 1);
EXECUTE w_setting_put('b', '3', 2);
EXECUTE r_settings;
EXECUTE w_faq_upsert('f2', '{"q":2}', 1);
EXECUTE w_faq_upsert('f1', '{"q":1}', 1);
EXECUTE w_faq_upsert('f2', '{"q":22}', 2);
EXECUTE r_faq_list;
EXECUTE w_unanswered_add('k', 'How?', 'en', 'c1', 10);
EXECUTE w_unanswered_add('k', 'how', NULL, NULL, 20);
EXECUTE w_unanswered_add('j', 'Why', NULL, NULL, 30);
EXECUTE r_unanswered(:lim);
EXECUTE w_unanswered_prune(1);
EXECUTE r_unanswered(:lim);
EXECUTE w_canned_insert('hi', 'Hi', 'Hello!', 5);
EXECUTE w_canned_insert('_b-2', 'B', 'b', 5);
EXECUTE w_canned_insert('Hi', 'Hi', 'x', 5);
EXECUTE w_canned_insert('h i', 'Hi', 'x', 5);
EXECUTE r_canned_list;

-- webhooks: emit to all that want the event, a ping to one, due, prune
EXECUTE w_webhook_insert('https://a.example/h', 's', '', 1, 10);
EXECUTE w_webhook_insert('HTTP://b.example/h', 's', 'message.created,conversation.closed', 1, 10);
EXECUTE w_webhook_insert('http://c.example/h', 's', 'message.created', 0, 10);
EXECUTE w_webhook_insert('ftp://d.example/h', 's', '', 1, 10);
EXECUTE w_webhook_emit('conversation.closed', '{}', 100, NULL);
EXECUTE w_webhook_emit('conversation', '{}', 100, NULL);
EXECUTE w_webhook_emit('ping', '{}', 100, 3);
EXECUTE w_webhook_emit('ping', '{}', 100, 42);
EXECUTE r_webhook_due(100, :lim);
EXECUTE r_webhook_pending;
EXECUTE w_delivery_claim(1, 100, 500);
EXECUTE w_delivery_claim(1, 100, 500);
UPDATE webhook_deliveries SET status = 'delivered';
EXECUTE w_delivery_prune(1, 1);
SELECT id, webhook_id, event FROM webhook_deliveries ORDER BY id;
