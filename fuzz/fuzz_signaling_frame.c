/*
 * Fuzz target: actrd's signaling service fed arbitrary frames from three connected actors.
 * Input: byte 0 picks the sending connection, the rest is one binary WebSocket frame. The fake
 * backend accepts every realm and credential and vouches for the sender's own ActrId, so relays
 * and requests get past the checks and into routing, presence and ranking code.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "actr/log.h"
#include "actr/types.h"
#include "signaling/signaling.h"

static char current_sender[ACTR_ID_STR_SIZE];

static int realm_ok(void *self, uint32_t realm_id)
{
    (void)self;
    return realm_id == 13 ? ACTR_EPERM : 0;
}

static int credential_ok(void *self, uint32_t key_id, const uint8_t *claims, size_t claims_len,
                         const uint8_t *sig, size_t sig_len, uint32_t realm_id, char *actor_id,
                         size_t cap, uint64_t *expires_at, actr_error_t *err)
{
    (void)self, (void)claims, (void)claims_len, (void)sig, (void)sig_len, (void)realm_id;
    if (key_id == 7)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 401, "forged");
    snprintf(actor_id, cap, "%s", current_sender);
    *expires_at = UINT64_MAX;
    return 0;
}

static int signing_key(void *self, uint32_t key_id, uint8_t pub[32])
{
    (void)self;
    memset(pub, (int)key_id, 32);
    return key_id == 0 ? ACTR_ENOTFOUND : 0;
}

static bool acl_allows(void *self, uint32_t src_realm, uint32_t tgt_realm, const char *from_type,
                       const char *to_type)
{
    (void)self, (void)from_type, (void)to_type;
    return src_realm == tgt_realm;
}

static int no_pending(void *self, uint32_t realm_id, uint64_t serial, uint8_t **service_spec,
                      size_t *service_spec_len, char **ws_address)
{
    (void)self, (void)realm_id, (void)serial;
    *service_spec = NULL;
    *service_spec_len = 0;
    *ws_address = NULL;
    return ACTR_ENOTFOUND;
}

static const actrd_sig_backend_t fuzz_backend = {
    .realm_check = realm_ok,
    .credential_verify = credential_ok,
    .signing_key_get = signing_key,
    .acl_can_discover = acl_allows,
    .pending_registration_get = no_pending,
};

static int discard_send(void *self, void *net_conn, const uint8_t *data, size_t len)
{
    (void)self, (void)net_conn, (void)data;
    return len > 100000 ? -1 : 0; /* exercise the full-queue path too */
}

static void discard_close(void *self, void *net_conn, int code, const char *reason)
{
    (void)self, (void)net_conn, (void)code, (void)reason;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ids[3] = {
        "1@101/acme:echo:1.0.0",
        "2@101/acme:client:1.0.0",
        "3@202/acme:echo:1.0.0",
    };
    if (size < 1)
        return 0;
    actr_log_set_level(ACTR_LOG_ERROR); /* refusals are the normal case here, not news */
    actrd_sig_transport_t tp = {.self = NULL, .send = discard_send, .close = discard_close};
    actrd_sig_t *sig = NULL;
    if (actrd_sig_new(&fuzz_backend, NULL, &tp, NULL, &sig) != 0)
        return 0;
    actrd_sig_conn_t *conns[3] = {NULL, NULL, NULL};
    static int net_handles[3];
    for (int i = 0; i < 3; i++) {
        actr_id_t id;
        if (actr_id_parse(&id, ids[i], strlen(ids[i]), NULL) != 0 ||
            actrd_sig_connect(sig, &net_handles[i], &id, i == 2 ? "answer" : NULL, UINT64_MAX,
                              &conns[i]) != 0)
            conns[i] = NULL;
    }
    int who = data[0] % 3;
    snprintf(current_sender, sizeof current_sender, "%s", ids[who]);
    if (conns[who])
        actrd_sig_frame(sig, conns[who], data + 1, size - 1);
    actrd_sig_tick(sig, UINT64_MAX / 2);
    for (int i = 0; i < 3; i++)
        if (conns[i])
            actrd_sig_disconnect(sig, conns[i]);
    actrd_sig_free(sig);
    return 0;
}
