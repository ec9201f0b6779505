/*
 * packages.c - published packages (AIS Path 1): (type string, target) -> SHA-256 of the
 * manifest the manufacturer published. Publishing checks the manifest signature against the
 * manufacturer's registered key, so only the key holder can pin a type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/hex.h"
#include "state/manifest.h"
#include "state/state.h"

static const char SQL_PKG_FIND[] =
    "SELECT type_str, target, manifest_sha256, signing_key_id, published_at, revoked_at"
    " FROM packages WHERE type_str = ?1 AND target = ?2";
static const char SQL_PKG_UPSERT[] =
    "INSERT INTO packages (type_str, target, manifest_sha256, signing_key_id, published_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (type_str, target) DO UPDATE SET"
    " manifest_sha256 = excluded.manifest_sha256, signing_key_id = excluded.signing_key_id,"
    " published_at = excluded.published_at, revoked_at = NULL";
static const char SQL_PKG_REVOKE[] =
    "UPDATE packages SET revoked_at = ?3 WHERE type_str = ?1 AND target = ?2"
    " AND revoked_at IS NULL";
static const char SQL_PKG_LIST[] =
    "SELECT type_str, target, manifest_sha256, signing_key_id, published_at, revoked_at"
    " FROM packages ORDER BY type_str, target";

static void package_row(sqlite3_stmt *s, void *elem)
{
    actrd_package_info_t *p = elem;
    memset(p, 0, sizeof *p);
    actrd_column_text(s, 0, p->type_str, sizeof p->type_str);
    actrd_column_text(s, 1, p->target, sizeof p->target);
    actrd_column_text(s, 2, p->manifest_sha256, sizeof p->manifest_sha256);
    actrd_column_text(s, 3, p->signing_key_id, sizeof p->signing_key_id);
    p->published_at = sqlite3_column_int64(s, 4);
    p->revoked_at = sqlite3_column_int64(s, 5);
}

int actrd_package_find(actrd_state_t *st, const char *type_str, const char *target,
                       actrd_package_info_t *out)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_PKG_FIND);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, type_str);
    actrd_bind_text(s, 2, target);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        package_row(s, out);
    actrd_stmt_done(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? ACTR_ENOTFOUND : actrd_db_error(st, "package lookup");
}

/* Checks a manifest for publishing and fills the row it becomes (all but published_at). */
static int publish_check(actrd_state_t *st, const actrd_manifest_t *m, const uint8_t *manifest,
                         size_t len, const uint8_t *sig, size_t sig_len, actrd_package_info_t *p,
                         actr_error_t *err)
{
    actr_type_t type;
    actr_error_t why;
    if (!m->manufacturer || !m->name || !m->version || !m->target || !m->signing_key_id)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "manifest needs manufacturer, name, version, signing_key_id and "
                              "binary.target");
    if (actr_type_set(&type, m->manufacturer, m->name, m->version, &why) != 0 ||
        actr_type_format(&type, p->type_str, sizeof p->type_str, &why) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "manifest type: %s",
                              why.message);
    if (strlen(m->target) >= sizeof p->target || !m->target[0])
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "binary.target is %s",
                              m->target[0] ? "too long" : "empty");
    snprintf(p->target, sizeof p->target, "%s", m->target);
    actrd_mfr_key_t key;
    int rc = actrd_mfr_key_find(st, m->manufacturer, m->signing_key_id, &key);
    if (rc == ACTR_ENOTFOUND)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0,
                              "manufacturer %s has no key %s (add it with `actrd mfr add`)",
                              m->manufacturer, m->signing_key_id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    if (key.revoked_at)
        return actr_error_set(err, ACTR_EPERM, ACTR_KIND_CLIENT, 0, "key %s has been revoked",
                              key.key_id);
    if (actr_ed25519_verify(key.pub, sizeof key.pub, manifest, len, sig, sig_len) != 0)
        return actr_error_set(err, ACTR_ESIGNATURE, ACTR_KIND_CLIENT, 0,
                              "manifest signature does not verify under %s", key.key_id);
    snprintf(p->signing_key_id, sizeof p->signing_key_id, "%s", key.key_id);
    uint8_t digest[ACTR_SHA256_LEN];
    actr_sha256(manifest, len, digest);
    actr_hex_encode(digest, sizeof digest, p->manifest_sha256);
    return 0;
}

int actrd_package_publish(actrd_state_t *st, const uint8_t *manifest, size_t len,
                          const uint8_t *sig, size_t sig_len, actrd_package_info_t *out,
                          actr_error_t *err)
{
    if (!st || !manifest || !sig)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    actrd_manifest_t m;
    char msg[ACTR_ERROR_MESSAGE_MAX];
    if (actrd_manifest_parse(manifest, len, &m, msg, sizeof msg) != 0)
        return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CLIENT, 0, "%s", msg);
    actrd_package_info_t p;
    memset(&p, 0, sizeof p);
    int rc = publish_check(st, &m, manifest, len, sig, sig_len, &p, err);
    actrd_manifest_free(&m);
    if (rc != 0)
        return rc;
    p.published_at = actrd_now_s(st);
    sqlite3_stmt *s = actrd_stmt(st, SQL_PKG_UPSERT);
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    actrd_bind_text(s, 1, p.type_str);
    actrd_bind_text(s, 2, p.target);
    actrd_bind_text(s, 3, p.manifest_sha256);
    actrd_bind_text(s, 4, p.signing_key_id);
    sqlite3_bind_int64(s, 5, p.published_at);
    if ((rc = actrd_stmt_run(st, s)) != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    actr_log(ACTR_LOG_INFO, "actrd.mfr", "package published", ACTR_KV("type", p.type_str),
             ACTR_KV("target", p.target), ACTR_KV("manifest_sha256", p.manifest_sha256));
    if (out)
        *out = p;
    return 0;
}

int actrd_package_revoke(actrd_state_t *st, const char *type_str, const char *target,
                         actr_error_t *err)
{
    sqlite3_stmt *s = st && type_str && target ? actrd_stmt(st, SQL_PKG_REVOKE) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "database error");
    actrd_bind_text(s, 1, type_str);
    actrd_bind_text(s, 2, target);
    sqlite3_bind_int64(s, 3, actrd_now_s(st));
    int rc = actrd_stmt_run(st, s);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    if (sqlite3_changes(st->db) == 0)
        return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0,
                              "no published package %s (%s)", type_str, target);
    actr_log(ACTR_LOG_INFO, "actrd.mfr", "package revoked", ACTR_KV("type", type_str),
             ACTR_KV("target", target));
    return 0;
}

int actrd_package_list(actrd_state_t *st, actrd_package_info_t **out, size_t *count,
                       actr_error_t *err)
{
    sqlite3_stmt *s = st && out && count ? actrd_stmt(st, SQL_PKG_LIST) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    void *items = NULL;
    int rc = actrd_collect(st, s, sizeof(actrd_package_info_t), package_row, &items, count);
    *out = items;
    return rc ? actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot list packages") : 0;
}
