/*
 * Fuzz target: the signaling upgrade's query (server/net/ws_auth.c). Input: a raw query string,
 * form-decoded per parameter the way a client encodes it, then parsed; parsed queries go through
 * verification with a backend that vouches for whatever actor the claims bytes name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/percent.h"
#include "net/ws_auth.h"

typedef struct input {
    const char *query;
    size_t len;
} input_t;

static const char *get(void *ctx, const char *name, char *buf, size_t cap)
{
    const input_t *in = ctx;
    char *v = NULL;
    size_t n = 0;
    if (actr_query_get(in->query, in->len, name, &v, &n) != 0)
        return NULL;
    const char *out = NULL;
    if (n < cap && strlen(v) == n) {
        memcpy(buf, v, n + 1);
        out = buf;
    }
    free(v);
    return out;
}

static int verify(void *self, uint32_t key_id, const uint8_t *claims, size_t claims_len,
                  const uint8_t *sig, size_t sig_len, uint32_t realm_id, char *actor_id,
                  size_t cap, uint64_t *expires_at, actr_error_t *err)
{
    (void)self, (void)sig, (void)realm_id;
    if (sig_len != 64 || claims_len >= cap)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 401, "bad signature");
    if (key_id == 9)
        return actr_error_set(err, ACTR_EEXPIRED, ACTR_KIND_CLIENT, 401, "expired");
    memcpy(actor_id, claims, claims_len);
    actor_id[claims_len] = '\0';
    *expires_at = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    input_t in = {text, size};
    actrd_ws_query_t q;
    actr_error_t err;
    if (actrd_ws_query_parse(get, &in, &q, &err) == 0) {
        actrd_sig_backend_t be;
        memset(&be, 0, sizeof be);
        be.credential_verify = verify;
        uint64_t expires_at = 0;
        actrd_refusal_t why;
        (void)actrd_ws_query_verify(&be, NULL, &q, &expires_at, &why, &err);
    }
    free(text);
    return 0;
}
