/* libFuzzer: any bytes as a REST request body (login, new agent, a webhook
 * create and update) and as the language guesser's input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parley/lang.h"
#include "parley/proto_rest.h"
#include "parley/proto_webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char f[64], m[128];
    struct rest_login l;
    if (proto_rest_login((const char *)data, size, &l, f, sizeof(f), m, sizeof(m)) == PL_OK)
        proto_rest_login_free(&l);
    struct rest_new_agent a;
    if (proto_rest_new_agent((const char *)data, size, &a, f, sizeof(f), m, sizeof(m)) == PL_OK)
        proto_rest_new_agent_free(&a);
    char wm[256];
    struct store_webhook keep = {.url = "https://x.test/", .events = "rating.created"};
    struct rest_webhook w;
    if (proto_webhook_decode((const char *)data, size, NULL, &w, f, sizeof(f), wm, sizeof(wm)) == PL_OK)
        proto_webhook_free(&w);
    if (proto_webhook_decode((const char *)data, size, &keep, &w, f, sizeof(f), wm, sizeof(wm)) == PL_OK)
        proto_webhook_free(&w);
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        lang_guess(text);
        free(text);
    }
    return 0;
}
