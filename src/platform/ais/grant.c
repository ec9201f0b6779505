/*
 * grant.c - RegisterOk to actr_ais_grant_t, with every check a node needs before trusting it.
 */
#include "platform/ais/grant.h"

#include <inttypes.h>
#include <string.h>

#include "codec/pb.h"
#include "platform/ais/id_pb.h"

#define BAD(err, ...) actr_error_set((err), ACTR_EPROTO, ACTR_KIND_CORRUPT, 0, __VA_ARGS__)

static int copy_str(char *dst, size_t cap, const char *src, const char *what, actr_error_t *err)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return BAD(err, "RegisterOk: %s is %zu bytes (at most %zu)", what, n, cap - 1);
    memcpy(dst, src ? src : "", n + 1);
    return 0;
}

/* Verifies the credential under the key that came with it and checks its claims. */
static int check_credential(const Actr__AIdCredential *c, actr_ais_grant_t *g,
                            const actr_crypto_provider_t *crypto, actr_error_t *err)
{
    if (!c)
        return BAD(err, "RegisterOk: no credential");
    if (c->key_id != g->signing_key_id)
        return BAD(err, "RegisterOk: credential key_id %" PRIu32 " is not signing_key_id %" PRIu32,
                   c->key_id, g->signing_key_id);
    if (c->signature.len != ACTR_ED25519_SIGNATURE_LEN)
        return BAD(err, "RegisterOk: credential signature is %zu bytes, not 64", c->signature.len);
    if (c->claims.len > ACTR_AIS_CLAIMS_MAX)
        return BAD(err, "RegisterOk: credential claims are %zu bytes (at most %d)", c->claims.len,
                   ACTR_AIS_CLAIMS_MAX);
    int rc = actr_crypto_ed25519_verify(crypto, g->signing_pubkey, sizeof g->signing_pubkey,
                                        c->claims.data, c->claims.len, c->signature.data,
                                        c->signature.len);
    if (rc != 0)
        return BAD(err, "RegisterOk: credential signature does not verify under signing_pubkey "
                   "(key %" PRIu32 "): %s", c->key_id, actr_strerror(rc));

    ProtobufCMessage *m;
    actr_error_t perr = {0};
    if (actr_pb_decode(&actr__identity_claims__descriptor, c->claims.data, c->claims.len, &m,
                       &perr) != 0)
        return BAD(err, "RegisterOk: credential claims do not decode: %s", perr.message);
    const Actr__IdentityClaims *claims = (const Actr__IdentityClaims *)m;
    rc = 0;
    if (!claims->actor_id || strcmp(claims->actor_id, g->actr_id_str) != 0)
        rc = BAD(err, "RegisterOk: claims.actor_id \"%.64s\" is not the ActrId \"%.64s\"",
                 claims->actor_id ? claims->actor_id : "", g->actr_id_str);
    else if (claims->realm_id != g->actr_id.realm.realm_id)
        rc = BAD(err, "RegisterOk: claims.realm_id %" PRIu32 " is not the ActrId's realm %" PRIu32,
                 claims->realm_id, g->actr_id.realm.realm_id);
    else if (claims->expires_at == 0)
        rc = BAD(err, "RegisterOk: claims.expires_at is 0");
    if (rc == 0) {
        g->credential.key_id = c->key_id;
        memcpy(g->credential.claims, c->claims.data, c->claims.len);
        g->credential.claims_len = c->claims.len;
        memcpy(g->credential.signature, c->signature.data, ACTR_ED25519_SIGNATURE_LEN);
        g->credential.expires_at = claims->expires_at;
    }
    actr_pb_free(m);
    return rc;
}

static int fill(const Actr__RegisterResponse__RegisterOk *ok, const actr_crypto_provider_t *crypto,
                actr_ais_grant_t *g, actr_error_t *err)
{
    actr_error_t id_err = {0};
    if (actr_id_from_pb(ok->actr_id, &g->actr_id, &id_err) != 0)
        return BAD(err, "RegisterOk: invalid actr_id: %s", id_err.message);
    if (actr_id_format(&g->actr_id, g->actr_id_str, sizeof g->actr_id_str, NULL) != 0)
        return BAD(err, "RegisterOk: actr_id cannot be formatted");
    if (ok->signing_pubkey.len != ACTR_ED25519_PUBLIC_KEY_LEN)
        return BAD(err, "RegisterOk: signing_pubkey is %zu bytes, not 32", ok->signing_pubkey.len);
    memcpy(g->signing_pubkey, ok->signing_pubkey.data, ACTR_ED25519_PUBLIC_KEY_LEN);
    g->signing_key_id = ok->signing_key_id;

    int rc = check_credential(ok->credential, g, crypto, err);
    if (rc != 0)
        return rc;

    const Actr__TurnCredential *t = ok->turn_credential;
    if (!t || !t->username || !t->username[0] || !t->password || !t->password[0])
        return BAD(err, "RegisterOk: no TURN credential");
    if ((rc = copy_str(g->turn.username, sizeof g->turn.username, t->username,
                       "turn_credential.username", err)) != 0 ||
        (rc = copy_str(g->turn.password, sizeof g->turn.password, t->password,
                       "turn_credential.password", err)) != 0)
        return rc;
    g->turn.expires_at = t->expires_at;

    if (ok->credential_expires_at) {
        g->has_credential_expires_at = true;
        g->credential_expires_at = ok->credential_expires_at->seconds;
    }
    g->heartbeat_interval_secs = ok->signaling_heartbeat_interval_secs
                                     ? ok->signaling_heartbeat_interval_secs
                                     : ACTR_AIS_DEFAULT_HEARTBEAT_SECS;
    if (ok->has_renewal_token) {
        if (ok->renewal_token.len != ACTR_AIS_RENEWAL_TOKEN_LEN)
            return BAD(err, "RegisterOk: renewal_token is %zu bytes, not 32",
                       ok->renewal_token.len);
        g->has_renewal_token = true;
        memcpy(g->renewal_token, ok->renewal_token.data, ACTR_AIS_RENEWAL_TOKEN_LEN);
    }
    if (ok->renewal_token_expires_at) {
        g->has_renewal_token_expires_at = true;
        g->renewal_token_expires_at = ok->renewal_token_expires_at->seconds;
    }
    return 0;
}

int actr_ais_grant_from_pb(const Actr__RegisterResponse__RegisterOk *ok,
                           const actr_crypto_provider_t *crypto, actr_ais_grant_t *out,
                           actr_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (!ok)
        return BAD(err, "no RegisterOk");
    actr_ais_grant_t g;
    memset(&g, 0, sizeof g);
    int rc = fill(ok, crypto, &g, err);
    if (rc == 0)
        *out = g;
    return rc;
}

int actr_ais_grant_check_renewal(const actr_ais_grant_t *g, const actr_id_t *expected,
                                 actr_error_t *err)
{
    if (!actr_id_equal(&g->actr_id, expected)) {
        char want[ACTR_ID_STR_SIZE] = "";
        actr_id_format(expected, want, sizeof want, NULL);
        return BAD(err, "renew answered for ActrId \"%.64s\", not \"%.64s\"", g->actr_id_str, want);
    }
    if (!g->has_credential_expires_at)
        return BAD(err, "renew answer without credential_expires_at");
    if (!g->has_renewal_token)
        return BAD(err, "renew answer without renewal_token");
    if (!g->has_renewal_token_expires_at)
        return BAD(err, "renew answer without renewal_token_expires_at");
    return 0;
}

int64_t actr_ais_grant_expires_at(const actr_ais_grant_t *g)
{
    int64_t claims = g->credential.expires_at > (uint64_t)INT64_MAX
                         ? INT64_MAX
                         : (int64_t)g->credential.expires_at;
    if (g->has_credential_expires_at && g->credential_expires_at < claims)
        return g->credential_expires_at;
    return claims;
}

void actr_ais_credential_pb_init(Actr__AIdCredential *pb, const actr_ais_credential_t *c)
{
    actr__aid_credential__init(pb);
    pb->key_id = c->key_id;
    /* protobuf-c's binary fields take uint8_t *; the encoder only reads them. */
    pb->claims.data = (uint8_t *)c->claims;
    pb->claims.len = c->claims_len;
    pb->signature.data = (uint8_t *)c->signature;
    pb->signature.len = sizeof c->signature;
}

int actr_ais_grant_store_signing_key(actr_kv_store_t *kv, const actr_ais_grant_t *g,
                                     actr_error_t *err)
{
    uint8_t id_le[4] = {(uint8_t)g->signing_key_id, (uint8_t)(g->signing_key_id >> 8),
                        (uint8_t)(g->signing_key_id >> 16), (uint8_t)(g->signing_key_id >> 24)};
    actr_kv_op_t ops[2] = {
        {ACTR_KV_OP_SET, ACTR_AIS_STORE_PUBKEY_KEY, g->signing_pubkey, sizeof g->signing_pubkey},
        {ACTR_KV_OP_SET, ACTR_AIS_STORE_KEY_ID_KEY, id_le, sizeof id_le},
    };
    return actr_kv_store_batch(kv, ops, 2, err);
}
