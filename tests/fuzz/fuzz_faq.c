/* libFuzzer: any bytes as an FAQ entry (decode + validate), and as a visitor
 * message matched against the demo-like set built once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parley/faq.h"
#include "parley/proto_faq.h"

static struct faq_set *set;

static void build_set(void)
{
    static const char json[] =
        "[{\"id\":\"returns\",\"question\":\"Return?\",\"answer\":\"30 days\","
        "\"keywords\":[\"return*\",\"refund*\",\"send back\"]},"
        "{\"id\":\"hours\",\"locale\":\"en\",\"question\":\"Open?\",\"answer\":\"9-18\","
        "\"keywords\":[\"opening hours\",\"open\"],\"patterns\":[\"\\\\bwhen\\\\b.*\\\\bopen\"]},"
        "{\"id\":\"dost\",\"locale\":\"uk\",\"question\":\"?\",\"answer\":\"!\","
        "\"keywords\":[\"доставк*\",\"поверн*\"]}]";
    struct faq_entry *v = NULL;
    size_t n = 0;
    char f[96], m[256];
    if (proto_faq_decode_array(json, strlen(json), &v, &n, f, sizeof(f), m, sizeof(m)) == PL_OK)
        faq_build(v, n, &set, f, sizeof(f), m, sizeof(m));
    proto_faq_free_array(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!set)
        build_set();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct faq_match m;
    faq_match(set, text, size % 2 ? "uk" : "en-GB", &m);
    faq_is_human_request(text);
    faq_is_greeting(text);
    struct faq_entry e;
    char f[96], msg[256];
    if (proto_faq_decode(text, size, &e, f, sizeof(f), msg, sizeof(msg)) == PL_OK) {
        faq_validate(&e, f, sizeof(f), msg, sizeof(msg));
        free(proto_faq_encode(&e));
        faq_entry_free(&e);
    }
    free(text);
    return 0;
}
