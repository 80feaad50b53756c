/*
 * The webhook sender: one thread of its own, so a slow receiver (up to the
 * 10 s cap) never stalls the event loop. It asks the loop for due rows
 * (loop_post -> wh_fetch_on_loop), sends them one by one in the order given
 * (first attempts in event order), and posts each outcome back
 * (wh_result_on_loop). One thread keeps per-hook order trivially true; the
 * price, a dead receiver delaying the others by its timeouts, is bounded by
 * the cap and the backoff.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <sodium.h>
#include "parley/common.h"
#include "parley/loop.h"
#include "parley/webhook.h"
#include "webhook_internal.h"

/* The longest the thread sleeps before asking for due rows anyway: rows another
 * process wrote, or a missed wake-up, are picked up within this. */
#define POLL_MAX_MS 30000

static struct {
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wh_job *head, *tail;
    int stop;                     /* also read by the transfer's progress callback */
    int fetch_posted;             /* a wh_fetch_on_loop is on its way */
    int64_t next_fetch;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

void wh_job_free(struct wh_job *j)
{
    if (!j)
        return;
    free(j->url);
    free(j->secret);
    free(j->event);
    free(j->body);
    free(j);
}

int64_t webhook_backoff_ms(int attempt, int64_t base_ms)
{
    static const int factor[WEBHOOK_MAX_ATTEMPTS - 1] = {1, 3, 12, 60, 360};
    if (attempt < 1 || attempt >= WEBHOOK_MAX_ATTEMPTS)
        return -1;
    return base_ms * factor[attempt - 1];
}

void webhook_sign(const char *secret, const char *timestamp, const char *body, size_t body_len,
                  char out[72])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, 65, mac, sizeof(mac));
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;                   /* the answer's body is not kept */
}

static int stop_requested(void)
{
    pthread_mutex_lock(&W.mu);
    int s = W.stop;
    pthread_mutex_unlock(&W.mu);
    return s;
}

static int progress(void *u, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    return stop_requested();          /* nonzero aborts the transfer */
}

/* One attempt. 0: an outcome to store (in j->code / j->error); -1: abandoned
 * because the server is stopping (the row stays pending). */
static int send_one(CURL *h, struct wh_job *j)
{
    char ts[24], sig[72], hdr[4][128];
    snprintf(ts, sizeof(ts), "%lld", (long long)(pl_now_ms() / 1000));
    size_t blen = strlen(j->body);
    webhook_sign(j->secret, ts, j->body, blen, sig);
    snprintf(hdr[0], sizeof(hdr[0]), "X-Parley-Event: %s", j->event);
    snprintf(hdr[1], sizeof(hdr[1]), "X-Parley-Delivery: %lld", (long long)j->id);
    snprintf(hdr[2], sizeof(hdr[2]), "X-Parley-Timestamp: %s", ts);
    snprintf(hdr[3], sizeof(hdr[3]), "X-Parley-Signature: %s", sig);
    struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; hl && i < 4; i++) {
        struct curl_slist *n = curl_slist_append(hl, hdr[i]);
        if (!n) {
            curl_slist_free_all(hl);
            hl = NULL;
        }
        hl = n ? n : hl;
    }
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, j->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Parley-Webhooks/1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    CURLcode rc = hl ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    curl_slist_free_all(hl);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return -1;
    long code = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    j->code = (int)code;
    if (rc != CURLE_OK)
        snprintf(j->error, sizeof(j->error), "%s", err[0] ? err : curl_easy_strerror(rc));
    else if (code < 200 || code > 299)
        snprintf(j->error, sizeof(j->error), "HTTP %ld", code);
    else
        j->error[0] = '\0';
    return 0;
}

static void *worker_main(void *arg)
{
    pl_thread_name("parley-webhooks");
    CURL *h = curl_easy_init();
    pthread_mutex_lock(&W.mu);
    while (!W.stop) {
        if (W.head && h) {
            struct wh_job *j = W.head;
            W.head = j->next;
            if (!W.head)
                W.tail = NULL;
            j->next = NULL;
            pthread_mutex_unlock(&W.mu);
            if (send_one(h, j) || loop_post(wh_result_on_loop, j))
                wh_job_free(j);        /* abandoned: still pending in the store */
            pthread_mutex_lock(&W.mu);
            continue;
        }
        int64_t now = pl_now_ms();
        if (!W.fetch_posted && now >= W.next_fetch) {
            W.fetch_posted = 1;
            pthread_mutex_unlock(&W.mu);
            int failed = loop_post(wh_fetch_on_loop, NULL);
            pthread_mutex_lock(&W.mu);
            if (failed) {
                W.fetch_posted = 0;
                W.next_fetch = now + 1000;
            }
            continue;
        }
        int64_t until = W.fetch_posted || W.next_fetch > now + POLL_MAX_MS ? now + POLL_MAX_MS
                                                                           : W.next_fetch;
        struct timespec t = {.tv_sec = (time_t)(until / 1000),
                             .tv_nsec = (long)(until % 1000) * 1000000L};
        if (pthread_cond_timedwait(&W.cv, &W.mu, &t) == ETIMEDOUT)
            W.next_fetch = 0;          /* due, or the poll cap: ask anyway */
    }
    while (W.head) {
        struct wh_job *j = W.head;
        W.head = j->next;
        wh_job_free(j);
    }
    W.tail = NULL;
    pthread_mutex_unlock(&W.mu);
    curl_easy_cleanup(h);
    return NULL;
}

int wh_worker_start(void)
{
    if (W.started)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    W.stop = 0;
    W.next_fetch = 0;                  /* resume pending rows at once */
    W.fetch_posted = 0;
    if (pthread_create(&W.th, NULL, worker_main, NULL)) {
        curl_global_cleanup();
        return -1;
    }
    W.started = 1;
    return 0;
}

void wh_worker_stop(void)
{
    if (!W.started)
        return;
    pthread_mutex_lock(&W.mu);
    W.stop = 1;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
    pthread_join(W.th, NULL);
    W.started = 0;
    curl_global_cleanup();
}

void wh_worker_push(struct wh_job *jobs, int64_t next_fetch_ms)
{
    pthread_mutex_lock(&W.mu);
    if (W.stop || !W.started) {
        pthread_mutex_unlock(&W.mu);
        while (jobs) {
            struct wh_job *n = jobs->next;
            wh_job_free(jobs);
            jobs = n;
        }
        return;
    }
    if (jobs) {
        if (W.tail)
            W.tail->next = jobs;
        else
            W.head = jobs;
        struct wh_job *last = jobs;
        while (last->next)
            last = last->next;
        W.tail = last;
    }
    W.fetch_posted = 0;
    W.next_fetch = next_fetch_ms;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
}

void wh_worker_kick(void)
{
    pthread_mutex_lock(&W.mu);
    W.next_fetch = 0;
    pthread_cond_signal(&W.cv);
    pthread_mutex_unlock(&W.mu);
}
