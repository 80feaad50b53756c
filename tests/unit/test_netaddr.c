/* netaddr: parsing --trusted-proxies and choosing the client address. */
#include <string.h>
#include "parley/netaddr.h"
#include "testlib.h"

static struct netaddr_list *parse_ok(const char *spec)
{
    struct netaddr_list *l = NULL;
    char err[160] = "";
    CHECK(netaddr_list_parse(spec, &l, err, sizeof(err)) == 0);
    CHECK(l != NULL);
    return l;
}

static void parse_bad(const char *spec, const char *named)
{
    struct netaddr_list *l = (struct netaddr_list *)1;
    char err[160] = "";
    CHECK(netaddr_list_parse(spec, &l, err, sizeof(err)) == -1);
    CHECK(l == NULL);
    CHECK(strstr(err, named) != NULL);
}

static const char *client(const struct netaddr_list *l, const char *peer, const char *xff,
                          const char *real)
{
    static char out[NETADDR_STRLEN];
    netaddr_client(l, peer, xff, real, out);
    return out;
}

int main(void)
{
    struct netaddr_list *none = parse_ok(NULL), *empty = parse_ok("");
    CHECK(!netaddr_list_match(none, "127.0.0.1"));
    CHECK(!netaddr_list_match(empty, "::1"));

    struct netaddr_list *l = parse_ok(" 10.0.0.0/8, 192.168.1.7 ,::1, 2001:db8::/32,172.16.0.0/12");
    CHECK(netaddr_list_match(l, "10.255.3.4"));
    CHECK(!netaddr_list_match(l, "11.0.0.1"));
    CHECK(netaddr_list_match(l, "192.168.1.7"));
    CHECK(!netaddr_list_match(l, "192.168.1.8"));
    CHECK(netaddr_list_match(l, "172.31.255.255"));
    CHECK(!netaddr_list_match(l, "172.32.0.0"));
    CHECK(netaddr_list_match(l, "::1"));
    CHECK(netaddr_list_match(l, "2001:db8:ffff::5"));
    CHECK(!netaddr_list_match(l, "2001:db9::5"));
    CHECK(netaddr_list_match(l, "::ffff:10.1.2.3"));       /* IPv4-mapped is IPv4 */
    CHECK(netaddr_list_match(l, "10.1.2.3:8080"));
    CHECK(netaddr_list_match(l, "[::1]:443"));
    CHECK(!netaddr_list_match(l, "not an address"));
    CHECK(!netaddr_list_match(l, ""));
    CHECK(!netaddr_list_match(l, NULL));

    struct netaddr_list *all4 = parse_ok("0.0.0.0/0"), *all6 = parse_ok("::/0");
    CHECK(netaddr_list_match(all4, "8.8.8.8"));
    CHECK(!netaddr_list_match(all4, "2001:db8::1"));       /* a v4 block covers only v4 */
    CHECK(netaddr_list_match(all6, "2001:db8::1"));

    parse_bad("10.0.0.0/33", "10.0.0.0/33");
    parse_bad("::1/129", "::1/129");
    parse_bad("10.0.0.1,banana", "banana");
    parse_bad("10.0.0.0/", "10.0.0.0/");
    parse_bad("10.0.0.0/8x", "8x");
    parse_bad("10.0.0.0/-1", "-1");
    parse_bad("1.2.3", "1.2.3");
    parse_bad("10.0.0.1,,10.0.0.2", "''");
    parse_bad("example.com", "example.com");

    char out[NETADDR_STRLEN];
    CHECK(netaddr_canonical("::FFFF:1.2.3.4", out) == 0);
    CHECK_STR(out, "1.2.3.4");
    CHECK(netaddr_canonical("2001:DB8:0:0::1", out) == 0);
    CHECK_STR(out, "2001:db8::1");
    CHECK(netaddr_canonical("x", out) == -1);

    struct netaddr_list *p = parse_ok("127.0.0.1,10.0.0.0/8,fd00::/8");
    /* An untrusted peer: its headers are ignored. */
    CHECK_STR(client(p, "203.0.113.9", "1.1.1.1", "2.2.2.2"), "203.0.113.9");
    CHECK_STR(client(NULL, "203.0.113.9", "1.1.1.1", NULL), "203.0.113.9");
    /* A trusted peer: the right-most untrusted hop. */
    CHECK_STR(client(p, "127.0.0.1", "198.51.100.4", NULL), "198.51.100.4");
    CHECK_STR(client(p, "127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.1.1", NULL), "198.51.100.4");
    CHECK_STR(client(p, "127.0.0.1", "6.6.6.6,198.51.100.4,10.1.1.1,fd00::3", NULL), "198.51.100.4");
    CHECK_STR(client(p, "127.0.0.1", "2001:DB8::7", NULL), "2001:db8::7");
    CHECK_STR(client(p, "127.0.0.1", "[2001:db8::7]:5000", NULL), "2001:db8::7");
    CHECK_STR(client(p, "127.0.0.1", "198.51.100.4:5000", NULL), "198.51.100.4");
    /* Every hop trusted: the left-most. */
    CHECK_STR(client(p, "127.0.0.1", "10.0.0.5, 10.0.0.6", NULL), "10.0.0.5");
    /* Garbage stops the walk at the last trusted hop, never a forged key. */
    CHECK_STR(client(p, "127.0.0.1", "198.51.100.4, junk", NULL), "127.0.0.1");
    CHECK_STR(client(p, "127.0.0.1", "junk, 10.0.0.9", NULL), "10.0.0.9");
    CHECK_STR(client(p, "127.0.0.1", "1.2.3.4,,", NULL), "127.0.0.1");
    /* X-Real-IP only without X-Forwarded-For. */
    CHECK_STR(client(p, "127.0.0.1", NULL, "198.51.100.8"), "198.51.100.8");
    CHECK_STR(client(p, "127.0.0.1", "198.51.100.4", "198.51.100.8"), "198.51.100.4");
    CHECK_STR(client(p, "127.0.0.1", NULL, "nonsense"), "127.0.0.1");
    CHECK_STR(client(p, "127.0.0.1", "", NULL), "127.0.0.1");
    /* The peer itself is canonicalised. */
    CHECK_STR(client(p, "::ffff:203.0.113.9", NULL, NULL), "203.0.113.9");

    netaddr_list_free(none);
    netaddr_list_free(empty);
    netaddr_list_free(l);
    netaddr_list_free(all4);
    netaddr_list_free(all6);
    netaddr_list_free(p);
    netaddr_list_free(NULL);
    return test_summary("netaddr");
}
