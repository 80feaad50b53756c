/*
 * Which team a conversation goes to: a pre-chat choice (hello/handoff "team")
 * or the team named by the FAQ entry the bot last answered with. Apart from
 * conv_bot.c and conv_visitor.c so the teams feature touches them with one
 * call each. Loop thread only.
 */
#include <stdlib.h>
#include "conv_internal.h"
#include "parley/store_teams.h"

int conv_team_exists(int64_t team)
{
    struct store_team t = {0};
    pl_status s = team > 0 ? store_team_get(conv_store(), team, &t) : PL_ERR_NOT_FOUND;
    store_team_free(&t);
    return s == PL_OK;
}

int64_t conv_team_for_handoff(const char *conv_id, int64_t asked)
{
    if (asked > 0)
        return asked;
    char *faq_id = NULL;
    int64_t team = 0;
    if (store_last_faq_answer(conv_store(), conv_id, &faq_id) == PL_OK && conv_faq()) {
        const struct faq_entry *e = faq_find(conv_faq(), faq_id);
        if (e && e->team > 0 && conv_team_exists(e->team))
            team = e->team;
    }
    free(faq_id);
    return team;
}

void conv_team_prechat(struct conn *c)
{
    if (c->prechat_team > 0)     /* in order before any handoff the visitor sends next */
        store_conv_set_team(conv_store(), c->conv_id, c->prechat_team, NULL, NULL);
    c->prechat_team = 0;
}
