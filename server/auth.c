/* Tokens and passwords (see auth.h for why tokens are stored hashed). */
#include <string.h>
#include <sodium.h>
#include "parley/auth.h"

_Static_assert(AUTH_HASH_STR_LEN >= crypto_pwhash_STRBYTES, "hash buffer too small");

int auth_init(void) { return sodium_init() < 0 ? -1 : 0; }

int auth_new_token(char out[AUTH_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    return 0;
}

void auth_hash_token(const char *token, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int auth_hash_password(const char *password, char out[AUTH_HASH_STR_LEN])
{
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

int auth_verify_password(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int auth_equal(const char *a, const char *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

int auth_verify_identity(const char *secret, const char *user_id, const char *user_hash)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    size_t got = 0;
    if (!secret || !*secret || !user_id || !*user_id || !user_hash ||
        strlen(user_hash) != 2 * sizeof(mac) ||
        sodium_hex2bin(mac, sizeof(mac), user_hash, strlen(user_hash), NULL, &got, NULL) ||
        got != sizeof(mac))
        return 0;
    /* The streaming API takes a key of any length, as sites' HMAC libraries do. */
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)user_id, strlen(user_id));
    unsigned char want[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&st, want);
    return sodium_memcmp(want, mac, sizeof(mac)) == 0;
}
