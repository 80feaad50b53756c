/*
 * Secrets: visitor tokens, agent session tokens and passwords.
 *
 * Tokens are 32 random bytes in base64url; only their BLAKE2b hash is stored, so
 * a copy of the database does not let anyone in. Passwords are Argon2id
 * (crypto_pwhash_str) and slow on purpose: call the hash/verify functions from a
 * jobs.h worker, never from the loop.
 */
#ifndef PARLEY_AUTH_H
#define PARLEY_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_TOKEN_LEN 43          /* base64url of 32 bytes, no padding */
#define AUTH_HASH_STR_LEN 128      /* >= crypto_pwhash_STRBYTES */

int auth_init(void);                                   /* sodium_init; 0 ok */
int auth_new_token(char out[AUTH_TOKEN_LEN + 1]);      /* 0 ok */
void auth_hash_token(const char *token, uint8_t out[32]);
/* Slow. 0 ok, -1 on failure (out of memory). */
int auth_hash_password(const char *password, char out[AUTH_HASH_STR_LEN]);
/* Slow. 1 when the password matches, else 0. */
int auth_verify_password(const char *hash, const char *password);
/* A site's signed identity for a visitor: user_hash is the hex HMAC-SHA256 of
 * user_id under the site's secret, computed by the site's server. 1 when it
 * verifies (constant time); 0 for a wrong, truncated or malformed one. */
int auth_verify_identity(const char *secret, const char *user_id, const char *user_hash);

/* Constant-time compare of two strings of known length. */
int auth_equal(const char *a, const char *b, size_t n);

#endif
