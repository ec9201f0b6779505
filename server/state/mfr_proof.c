/*
 * mfr_proof.c - authenticating a PACKAGE registration (protocol.md 5.1 step 4, 4.4, 4.5).
 *
 * Path 1: the (type, target) is published; the request's manifest bytes must hash to the
 * published manifest's SHA-256. A mismatch or a revoked package is refused and never falls
 * through to Path 2, so a published package cannot be downgraded to a self-signed one.
 * Path 2: the package is unpublished; the manufacturer proves it with the manifest signature and
 * a fresh signed statement binding realm, type, target, manifest hash, time and a single-use
 * nonce. Checks follow actrix's order: cheap field checks first, then the manifest, the key, the
 * two signatures and finally the nonce, which is consumed in the caller's transaction so a
 * registration that fails later does not burn it.
 *
 * Codes follow actrix (aid_error_to_code): malformed fields 400, a proof older than the window
 * 401 (Expired), everything about trust 403. One deliberate difference: an unknown signing key
 * id is 403 "unknown manufacturer key" where actrix answers 500.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "base/hex.h"
#include "state/manifest.h"
#include "state/state.h"

#define PROOF_HEADER "ACTR-MANUFACTURER-REGISTER-V1"

static const char SQL_NONCE_EXPIRE[] =
    "DELETE FROM used_nonces WHERE manufacturer = ?1 AND key_id = ?2 AND nonce = ?3"
    " AND expires_at < ?4";
static const char SQL_NONCE_INSERT[] =
    "INSERT INTO used_nonces (manufacturer, key_id, nonce, expires_at) VALUES (?1, ?2, ?3, ?4)";

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    uint8_t digest[ACTR_SHA256_LEN];
    actr_sha256(data, len, digest);
    actr_hex_encode(digest, sizeof digest, out);
}

/* Path 1: a published package. */
static int check_published(const actrd_package_info_t *pkg, const ProtobufCBinaryData *manifest,
                           const char *type_str, const char *target, actrd_refusal_t *why)
{
    char hash[65];
    if (pkg->revoked_at)
        return actrd_refuse(why, 403, "package %s (%s) has been revoked", type_str, target);
    sha256_hex(manifest->data, manifest->len, hash);
    if (!actr_ct_equal(hash, pkg->manifest_sha256, 64))
        return actrd_refuse(why, 403, "manifest does not match the published package %s (%s)",
                            type_str, target);
    return 0;
}

/* The statement of protocol.md 4.4: '\n'-separated lines, no trailing newline. */
static int proof_payload(const Actr__RegisterRequest *req, const char *type_str,
                         const char *target, const char *manifest_hash, char *out, size_t cap)
{
    char nonce_hex[2 * 32 + 1];
    actr_hex_encode(req->manufacturer_auth_nonce.data, req->manufacturer_auth_nonce.len,
                    nonce_hex);
    int n = snprintf(out, cap,
                     PROOF_HEADER "\nauth_mode=package\nrealm=%u\nactr_type=%s\ntarget=%s\n"
                                  "manifest_sha256=%s\nmanufacturer_auth_signed_at=%" PRIu64
                                  "\nmanufacturer_auth_nonce=%s",
                     req->realm->realm_id, type_str, target, manifest_hash,
                     req->manufacturer_auth_signed_at, nonce_hex);
    return n > 0 && (size_t)n < cap ? n : -1;
}

static int consume_nonce(actrd_state_t *st, const char *manufacturer, const char *key_id,
                         const ProtobufCBinaryData *nonce, int64_t now, actrd_refusal_t *why)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_NONCE_EXPIRE);
    int rc = ACTR_EIO;
    if (s) {
        actrd_bind_text(s, 1, manufacturer);
        actrd_bind_text(s, 2, key_id);
        sqlite3_bind_blob(s, 3, nonce->data, (int)nonce->len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now);
        rc = actrd_stmt_run(st, s);
    }
    if (rc == 0 && (s = actrd_stmt(st, SQL_NONCE_INSERT)) != NULL) {
        actrd_bind_text(s, 1, manufacturer);
        actrd_bind_text(s, 2, key_id);
        sqlite3_bind_blob(s, 3, nonce->data, (int)nonce->len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now + (int64_t)st->cfg.nonce_ttl_secs);
        rc = actrd_stmt_run(st, s);
    } else if (rc == 0) {
        rc = ACTR_EIO;
    }
    if (rc == ACTR_EEXIST)
        return actrd_refuse(why, 403, "nonce already used");
    return rc ? actrd_refuse(why, 500, "nonce store error") : 0;
}

/* The timestamp window of protocol.md 4.4 (unsigned arithmetic, saturating). */
static int check_signed_at(const actrd_state_t *st, uint64_t signed_at, int64_t now_s,
                           actrd_refusal_t *why)
{
    uint64_t now = now_s > 0 ? (uint64_t)now_s : 0;
    if (signed_at > now + st->cfg.mfr_proof_future_secs)
        return actrd_refuse(why, 400,
                            "manufacturer proof is in the future (signed_at=%" PRIu64
                            ", now=%" PRIu64 ")",
                            signed_at, now);
    if (now > signed_at && now - signed_at > st->cfg.mfr_proof_max_age_secs)
        return actrd_refuse(why, 401,
                            "manufacturer proof too old (signed_at=%" PRIu64 ", now=%" PRIu64
                            ", max age %u s)",
                            signed_at, now, st->cfg.mfr_proof_max_age_secs);
    return 0;
}

/* Manifest identity must be the request's: a signed manifest of one type cannot register another. */
static int check_identity(const actrd_manifest_t *m, const Actr__ActrType *t, const char *target,
                          actrd_refusal_t *why)
{
    if (!m->manufacturer || !m->name || !m->version || strcmp(m->manufacturer, t->manufacturer) ||
        strcmp(m->name, t->name) || strcmp(m->version, t->version))
        return actrd_refuse(why, 403, "manifest is for %s:%s:%s, not %s:%s:%s",
                            m->manufacturer ? m->manufacturer : "?", m->name ? m->name : "?",
                            m->version ? m->version : "?", t->manufacturer, t->name, t->version);
    if (!m->target)
        return actrd_refuse(why, 400, "manifest has no binary.target");
    if (strcmp(m->target, target) != 0)
        return actrd_refuse(why, 403, "manifest target %s does not match the requested %s",
                            m->target, target);
    return 0;
}

/* Path 2 after the field checks: manifest, key, signatures, nonce. */
static int check_signed(actrd_state_t *st, const Actr__RegisterRequest *req, const char *type_str,
                        int64_t now, actrd_manifest_t *m, actrd_refusal_t *why)
{
    const char *mfr = req->actr_type->manufacturer;
    char msg[ACTR_ERROR_MESSAGE_MAX];
    if (actrd_manifest_parse(req->manifest_raw.data, req->manifest_raw.len, m, msg, sizeof msg))
        return actrd_refuse(why, 400, "%s", msg);
    if (!m->signing_key_id)
        return actrd_refuse(why, 400, "manifest has no signing_key_id");
    actrd_mfr_key_t key;
    int rc = actrd_mfr_key_find(st, mfr, m->signing_key_id, &key);
    if (rc == ACTR_ENOTFOUND)
        return actrd_refuse(why, 403, "unknown manufacturer key %s for %s", m->signing_key_id,
                            mfr);
    if (rc != 0)
        return actrd_refuse(why, 500, "manufacturer key store error");
    if (key.revoked_at)
        return actrd_refuse(why, 403, "manufacturer key %s has been revoked", key.key_id);
    if (actr_ed25519_verify(key.pub, sizeof key.pub, req->manifest_raw.data,
                            req->manifest_raw.len, req->mfr_signature.data,
                            req->mfr_signature.len) != 0)
        return actrd_refuse(why, 403, "manifest signature invalid");
    if ((rc = check_identity(m, req->actr_type, req->target, why)) != 0)
        return rc;

    char hash[65], payload[1024];
    sha256_hex(req->manifest_raw.data, req->manifest_raw.len, hash);
    int n = proof_payload(req, type_str, m->target, hash, payload, sizeof payload);
    if (n < 0)
        return actrd_refuse(why, 400, "manufacturer proof fields are too long");
    if (actr_ed25519_verify(key.pub, sizeof key.pub, payload, (size_t)n,
                            req->manufacturer_auth_signature.data,
                            req->manufacturer_auth_signature.len) != 0)
        return actrd_refuse(why, 403, "manufacturer proof signature invalid");
    return consume_nonce(st, mfr, key.key_id, &req->manufacturer_auth_nonce, now, why);
}

int actrd_package_auth(actrd_state_t *st, const Actr__RegisterRequest *req, const char *type_str,
                       actrd_refusal_t *why)
{
    if (!req->target || !req->target[0])
        return actrd_refuse(why, 400, "package registration requires target");
    if (!req->has_manifest_raw || req->manifest_raw.len == 0)
        return actrd_refuse(why, 400, "package registration requires manifest_raw");

    actrd_package_info_t pkg;
    int rc = actrd_package_find(st, type_str, req->target, &pkg);
    if (rc == 0)
        return check_published(&pkg, &req->manifest_raw, type_str, req->target, why);
    if (rc != ACTR_ENOTFOUND)
        return actrd_refuse(why, 500, "package store error");

    if (!req->has_mfr_signature || !req->has_manufacturer_auth_signature ||
        !req->has_manufacturer_auth_signed_at || !req->has_manufacturer_auth_nonce)
        return actrd_refuse(why, 403, "unpublished package %s needs mfr_signature and "
                            "manufacturer_auth_{signature,signed_at,nonce}", type_str);
    size_t nonce_len = req->manufacturer_auth_nonce.len;
    if (nonce_len != 16 && nonce_len != 32)
        return actrd_refuse(why, 400, "manufacturer_auth_nonce must be 16 or 32 bytes, not %zu",
                            nonce_len);
    int64_t now = actrd_now_s(st);
    if ((rc = check_signed_at(st, req->manufacturer_auth_signed_at, now, why)) != 0)
        return rc;
    actrd_manifest_t m;
    rc = check_signed(st, req, type_str, now, &m, why);
    actrd_manifest_free(&m);
    return rc;
}
