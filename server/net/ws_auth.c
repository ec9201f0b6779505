/* ws_auth.c - the signaling upgrade's query credential (see ws_auth.h). */
#include "net/ws_auth.h"

#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

/* Rust's u32::from_str: optional '+', then 1+ decimal digits, no overflow. */
static int parse_u32(const char *s, uint32_t *out)
{
    if (*s == '+')
        s++;
    if (!*s)
        return ACTR_EPARSE;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return ACTR_EPARSE;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return ACTR_EPARSE;
    }
    *out = (uint32_t)v;
    return 0;
}

static int param_b64(actrd_query_get_fn get, void *ctx, const char *name, char *buf,
                     uint8_t *out, size_t cap, size_t *out_len, actr_error_t *err)
{
    const char *v = get(ctx, name, buf, ACTRD_QUERY_VALUE_MAX);
    if (!v)
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401, "missing %s", name);
    if (actr_base64_decode(v, strlen(v), out, cap, out_len, ACTR_B64_STD))
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401,
                              "%s is not standard base64 of at most %zu bytes", name, cap);
    return 0;
}

int actrd_ws_query_parse(actrd_query_get_fn get, void *ctx, actrd_ws_query_t *q,
                         actr_error_t *err)
{
    memset(q, 0, sizeof *q);
    char *buf = malloc(ACTRD_QUERY_VALUE_MAX);
    if (!buf)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 500, "out of memory");
    int rc = 0;
    const char *v = get(ctx, "actor_id", buf, ACTRD_QUERY_VALUE_MAX);
    actr_error_t id_err;
    actr_error_clear(&id_err);
    if (!v) {
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401, "missing actor_id");
    } else if (strlen(v) >= sizeof q->actor_id ||
               actr_id_parse(&q->id, v, strlen(v), &id_err) != 0) {
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401, "bad actor_id: %s",
                            id_err.message[0] ? id_err.message : "too long");
    } else {
        memcpy(q->actor_id, v, strlen(v) + 1);
    }
    if (!rc) {
        v = get(ctx, "key_id", buf, ACTRD_QUERY_VALUE_MAX);
        if (!v)
            rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401, "missing key_id");
        else if (parse_u32(v, &q->key_id))
            rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401,
                                "key_id is not a decimal u32");
    }
    if (!rc)
        rc = param_b64(get, ctx, "claims", buf, q->claims, sizeof q->claims, &q->claims_len,
                       err);
    if (!rc)
        rc = param_b64(get, ctx, "signature", buf, q->signature, sizeof q->signature,
                       &q->signature_len, err);
    if (!rc) {
        /* Optional; any other value means no preference, as in the reference. */
        v = get(ctx, "webrtc_role", buf, ACTRD_QUERY_VALUE_MAX);
        q->prefer_answer = v && !strcmp(v, "answer");
    }
    free(buf);
    return rc;
}

int actrd_ws_query_verify(const actrd_sig_backend_t *backend, void *self,
                          const actrd_ws_query_t *q, uint64_t *expires_at, actrd_refusal_t *why,
                          actr_error_t *err)
{
    char claimed[ACTR_ID_STR_SIZE];
    actr_error_t verr;
    actr_error_clear(&verr);
    claimed[0] = '\0';
    int rc = backend->credential_verify(self, q->key_id, q->claims, q->claims_len, q->signature,
                                        q->signature_len, q->id.realm.realm_id, claimed,
                                        sizeof claimed, expires_at, &verr);
    if (rc) {
        *why = rc == ACTR_EEXPIRED ? ACTRD_REFUSE_EXPIRED : ACTRD_REFUSE_BAD_CREDENTIAL;
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 401, "credential rejected: %s",
                              verr.message[0] ? verr.message : actr_strerror(rc));
    }
    if (strcmp(claimed, q->actor_id) != 0) {
        *why = ACTRD_REFUSE_ACTOR_MISMATCH;
        return actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, 401,
                              "claims.actor_id %s does not match actor_id", claimed);
    }
    return 0;
}
