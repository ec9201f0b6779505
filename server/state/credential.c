/*
 * credential.c - issuing and verifying AIdCredentials (protocol.md 4.1) and issuing TURN
 * credentials (protocol.md 4.2).
 *
 * The signature covers the exact encoded IdentityClaims bytes, which travel verbatim in the
 * credential; verifiers never re-encode. Issuing must run inside the caller's write transaction:
 * it reads the active key and records the credential's expiry on it (signing_keys.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "base/base64.h"
#include "codec/pb.h"
#include "state/state.h"

int actrd_credential_issue(actrd_state_t *st, const actr_id_t *id, actrd_issued_t *out)
{
    memset(out, 0, sizeof *out);
    char id_str[ACTR_ID_STR_SIZE];
    if (actr_id_format(id, id_str, sizeof id_str, NULL) != 0)
        return ACTR_EINVAL;
    const actr_signing_key_t *key = NULL;
    const uint8_t *pub = NULL;
    int rc = actrd_signing_key_active(st, &out->key_id, &key, &pub);
    if (rc != 0)
        return rc;
    memcpy(out->pub, pub, sizeof out->pub);
    out->expires_at = (uint64_t)actrd_now_s(st) + st->cfg.token_ttl_secs;

    Actr__IdentityClaims claims = ACTR__IDENTITY_CLAIMS__INIT;
    claims.realm_id = id->realm.realm_id;
    claims.actor_id = id_str;
    claims.expires_at = out->expires_at;
    rc = actr_pb_encode(&claims.base, &out->claims, &out->claims_len, NULL);
    if (rc == 0)
        rc = actr_signing_key_sign(key, out->claims, out->claims_len, out->sig);
    if (rc == 0)
        rc = actrd_signing_key_record_use(st, out->key_id, out->expires_at);
    if (rc != 0) {
        actrd_issued_free(out);
        return rc;
    }

    /* coturn REST credentials: username "<expiry>:<actor>", password B64(HMAC-SHA1(secret, u)). */
    uint8_t mac[ACTR_SHA1_LEN];
    snprintf(out->turn_username, sizeof out->turn_username, "%" PRIu64 ":%s", out->expires_at,
             id_str);
    if (actr_hmac_sha1(st->turn_secret, strlen(st->turn_secret), out->turn_username,
                       strlen(out->turn_username), mac) != 0) {
        actrd_issued_free(out);
        return ACTR_EINTERNAL;
    }
    actr_base64_encode(mac, sizeof mac, out->turn_password, ACTR_B64_STD);
    return 0;
}

void actrd_issued_free(actrd_issued_t *issued)
{
    if (!issued)
        return;
    free(issued->claims);
    issued->claims = NULL;
    issued->claims_len = 0;
}

int actrd_credential_verify(actrd_state_t *st, uint32_t key_id, const uint8_t *claims,
                            size_t claims_len, const uint8_t *sig, size_t sig_len,
                            uint32_t realm_id, char *actor_id, size_t cap, uint64_t *expires_at,
                            actr_error_t *err)
{
    if (!st || (!claims && claims_len) || (!sig && sig_len))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 500, "NULL argument");
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    int rc = actrd_signing_key_lookup(st, key_id, pub);
    if (rc == ACTR_ENOTFOUND)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 401, "unknown signing key %u", key_id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, 500, "signing key lookup failed");
    if (sig_len != ACTR_ED25519_SIGNATURE_LEN)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 401,
                              "credential signature is %zu bytes, expected 64", sig_len);
    if (actr_ed25519_verify(pub, sizeof pub, claims, claims_len, sig, sig_len) != 0)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 401,
                              "credential signature invalid");
    ProtobufCMessage *msg = NULL;
    if (actr_pb_decode(&actr__identity_claims__descriptor, claims, claims_len, &msg, NULL) != 0)
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401,
                              "credential claims undecodable");
    const Actr__IdentityClaims *c = (const Actr__IdentityClaims *)msg;
    int64_t now = actrd_now_s(st);
    size_t id_len = c->actor_id ? strlen(c->actor_id) : 0;
    if (now >= 0 && c->expires_at <= (uint64_t)now)
        rc = actr_error_set(err, ACTR_EEXPIRED, ACTR_KIND_CLIENT, 401,
                            "credential expired at %" PRIu64, c->expires_at);
    else if (c->realm_id != realm_id)
        rc = actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, 403,
                            "credential is for realm %u, not %u", c->realm_id, realm_id);
    else if (actor_id && id_len >= cap)
        rc = actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 401,
                            "credential actor_id is too long");
    if (rc == 0) {
        if (actor_id)
            memcpy(actor_id, c->actor_id ? c->actor_id : "", id_len + 1);
        if (expires_at)
            *expires_at = c->expires_at;
    }
    actr_pb_free(msg);
    return rc;
}
