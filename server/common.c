/* Status codes and clocks shared by every module. */
#include <sys/prctl.h>
#include <time.h>
#include "parley/common.h"

const char *pl_status_code(pl_status s)
{
    switch (s) {
    case PL_OK: return "ok";
    case PL_ERR_BAD_REQUEST: return "bad_request";
    case PL_ERR_NOT_FOUND: return "not_found";
    case PL_ERR_FORBIDDEN: return "forbidden";
    case PL_ERR_UNAUTHORIZED: return "unauthorized";
    case PL_ERR_CONFLICT: return "conflict";
    case PL_ERR_ALREADY_CLAIMED: return "already_claimed";
    case PL_ERR_CLOSED: return "conversation_closed";
    case PL_ERR_STORE: return "store_unavailable";
    case PL_ERR_NOMEM: return "internal_error";
    }
    return "internal_error";
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pl_now_ms(void) { return clock_ms(CLOCK_REALTIME); }
int64_t pl_mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

void pl_thread_name(const char *name)
{
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
