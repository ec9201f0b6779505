/*
 * realm.c - realms (protocol.md 9.3) and realm secrets (protocol.md 4.6).
 *
 * A realm is usable when it exists, is enabled and has not expired; AIS and signaling check this
 * on every request. Secrets look like "rs_" + base64url(24 random bytes) and are stored only as
 * hex(SHA-256(secret)); a rotation keeps the previous hash valid for 4 hours so running nodes
 * can be reconfigured. Hashes are compared in constant time.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/hex.h"
#include "state/state.h"

#define SECRET_RANDOM_BYTES 24
#define HASH_HEX_SIZE (2 * ACTR_SHA256_LEN + 1)

static const char SQL_REALM_STATUS[] =
    "SELECT enabled, expires_at FROM realms WHERE realm_id = ?1";
static const char SQL_REALM_SECRETS[] =
    "SELECT secret_hash, prev_secret_hash, prev_secret_valid_until FROM realms"
    " WHERE realm_id = ?1";
static const char SQL_REALM_NEXT_ID[] = "SELECT COALESCE(MAX(realm_id), 0) + 1 FROM realms";
static const char SQL_REALM_INSERT[] =
    "INSERT INTO realms (realm_id, name, enabled, expires_at, created_at, secret_hash)"
    " VALUES (?1, ?2, 1, ?3, ?4, ?5)";
static const char SQL_REALM_ROTATE[] =
    "UPDATE realms SET prev_secret_hash = secret_hash,"
    " prev_secret_valid_until = CASE WHEN secret_hash IS NULL THEN NULL ELSE ?2 END,"
    " secret_hash = ?3, secret_rotated_at = ?4 WHERE realm_id = ?1";
static const char SQL_REALM_ENABLE[] = "UPDATE realms SET enabled = ?2 WHERE realm_id = ?1";
static const char SQL_REALM_SELECT[] =
    "SELECT realm_id, name, enabled, expires_at, created_at, secret_hash IS NOT NULL,"
    " secret_rotated_at, prev_secret_valid_until FROM realms ORDER BY realm_id";
static const char SQL_REALM_SELECT_ONE[] =
    "SELECT realm_id, name, enabled, expires_at, created_at, secret_hash IS NOT NULL,"
    " secret_rotated_at, prev_secret_valid_until FROM realms WHERE realm_id = ?1";

static void secret_hash_hex(const char *secret, size_t len, char out[HASH_HEX_SIZE])
{
    uint8_t digest[ACTR_SHA256_LEN];
    actr_sha256(secret, len, digest);
    actr_hex_encode(digest, sizeof digest, out);
}

static int secret_generate(char secret[ACTRD_REALM_SECRET_SIZE], char hash[HASH_HEX_SIZE])
{
    uint8_t raw[SECRET_RANDOM_BYTES];
    if (actr_random_bytes(raw, sizeof raw) != 0)
        return ACTR_EINTERNAL;
    memcpy(secret, "rs_", 3);
    actr_base64_encode(raw, sizeof raw, secret + 3, ACTR_B64_URL_NOPAD);
    memset(raw, 0, sizeof raw);
    secret_hash_hex(secret, strlen(secret), hash);
    return 0;
}

int actrd_realm_validate(actrd_state_t *st, uint32_t realm_id, char *msg, size_t cap)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_REALM_STATUS);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    int rc = sqlite3_step(s);
    int out = 0;
    if (rc == SQLITE_DONE) {
        snprintf(msg, cap, "realm %u does not exist", realm_id);
        out = ACTR_EPERM;
    } else if (rc != SQLITE_ROW) {
        snprintf(msg, cap, "realm store error");
        out = actrd_db_error(st, "realm validate");
    } else if (!sqlite3_column_int(s, 0)) {
        snprintf(msg, cap, "realm %u is disabled", realm_id);
        out = ACTR_EPERM;
    } else if (sqlite3_column_type(s, 1) != SQLITE_NULL &&
               sqlite3_column_int64(s, 1) <= actrd_now_s(st)) {
        char when[ACTR_RFC3339_LEN + 1];
        actr_rfc3339_format(sqlite3_column_int64(s, 1), when);
        snprintf(msg, cap, "realm %u expired at %s", realm_id, when);
        out = ACTR_EPERM;
    }
    actrd_stmt_done(s);
    return out;
}

int actrd_realm_check(actrd_state_t *st, uint32_t realm_id)
{
    char msg[128];
    if (!st)
        return ACTR_EIO;
    return actrd_realm_validate(st, realm_id, msg, sizeof msg);
}

/* The secret without surrounding whitespace, as the reference trims the header. */
static const char *trim(const char *s, size_t *len)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static bool hash_matches(sqlite3_stmt *s, int col, const char *hash)
{
    const unsigned char *stored = sqlite3_column_text(s, col);
    return stored && strlen((const char *)stored) == HASH_HEX_SIZE - 1 &&
           actr_ct_equal(stored, hash, HASH_HEX_SIZE - 1);
}

int actrd_realm_secret_check(actrd_state_t *st, uint32_t realm_id, const char *secret,
                             actrd_secret_check_t *out)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_REALM_SECRETS);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        actrd_stmt_done(s);
        return rc == SQLITE_DONE ? ACTR_ENOTFOUND : actrd_db_error(st, "realm secret");
    }
    size_t len = 0;
    const char *given = secret ? trim(secret, &len) : NULL;
    char hash[HASH_HEX_SIZE];
    if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
        *out = ACTRD_SECRET_NOT_CONFIGURED;
    } else if (!given || len == 0) {
        *out = ACTRD_SECRET_MISSING;
    } else {
        secret_hash_hex(given, len, hash);
        bool prev_valid = sqlite3_column_type(s, 2) != SQLITE_NULL &&
                          actrd_now_s(st) <= sqlite3_column_int64(s, 2);
        if (hash_matches(s, 0, hash))
            *out = ACTRD_SECRET_VALID_CURRENT;
        else if (prev_valid && hash_matches(s, 1, hash))
            *out = ACTRD_SECRET_VALID_PREVIOUS;
        else
            *out = ACTRD_SECRET_INVALID;
    }
    actrd_stmt_done(s);
    return 0;
}

static int next_realm_id(actrd_state_t *st, uint32_t *id, actr_error_t *err)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_REALM_NEXT_ID);
    if (!s || sqlite3_step(s) != SQLITE_ROW) {
        actrd_stmt_done(s);
        return actr_error_set(err, actrd_db_error(st, "realm next id"), ACTR_KIND_INTERNAL, 0,
                              "database error");
    }
    int64_t next = sqlite3_column_int64(s, 0);
    actrd_stmt_done(s);
    if (next > UINT32_MAX)
        return actr_error_set(err, ACTR_ERANGE, ACTR_KIND_CLIENT, 0,
                              "no realm id left above the largest; pass one explicitly");
    *id = (uint32_t)next;
    return 0;
}

int actrd_realm_create(actrd_state_t *st, uint32_t *realm_id, const char *name, int64_t expires_at,
                       bool with_secret, char secret[ACTRD_REALM_SECRET_SIZE], actr_error_t *err)
{
    if (!st || !realm_id || (with_secret && !secret))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    if (name && strlen(name) >= ACTRD_REALM_NAME_SIZE)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "realm name is longer than %d bytes", ACTRD_REALM_NAME_SIZE - 1);
    char hash[HASH_HEX_SIZE];
    if (with_secret && secret_generate(secret, hash) != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0, "no randomness");
    if (actrd_tx_begin(st) != 0)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "database is busy");
    int rc = *realm_id ? 0 : next_realm_id(st, realm_id, err);
    sqlite3_stmt *s = rc == 0 ? actrd_stmt(st, SQL_REALM_INSERT) : NULL;
    if (s) {
        sqlite3_bind_int64(s, 1, *realm_id);
        actrd_bind_text(s, 2, name ? name : "");
        if (expires_at > 0)
            sqlite3_bind_int64(s, 3, expires_at);
        sqlite3_bind_int64(s, 4, actrd_now_s(st));
        if (with_secret)
            actrd_bind_text(s, 5, hash);
        rc = actrd_stmt_run(st, s);
        if (rc == ACTR_EEXIST)
            actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "realm %u already exists", *realm_id);
        else if (rc != 0)
            actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    } else if (rc == 0) {
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    }
    if (rc == 0 && actrd_tx_commit(st) != 0)
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "commit failed");
    if (rc != 0) {
        actrd_tx_rollback(st);
        if (with_secret)
            memset(secret, 0, ACTRD_REALM_SECRET_SIZE);
        return rc;
    }
    actr_logf(ACTR_LOG_INFO, "actrd.realm", "realm %u created (%s)", *realm_id,
              with_secret ? "with secret" : "no secret");
    return 0;
}

/* Runs an UPDATE on one realm; ACTR_ENOTFOUND when no row changed. */
static int realm_update(actrd_state_t *st, sqlite3_stmt *s, uint32_t realm_id, actr_error_t *err)
{
    int rc = s ? actrd_stmt_run(st, s) : ACTR_EIO;
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    if (sqlite3_changes(st->db) == 0)
        return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0,
                              "realm %u does not exist", realm_id);
    return 0;
}

int actrd_realm_secret_rotate(actrd_state_t *st, uint32_t realm_id,
                              char secret[ACTRD_REALM_SECRET_SIZE], actr_error_t *err)
{
    char hash[HASH_HEX_SIZE];
    if (!st || !secret)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    if (secret_generate(secret, hash) != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0, "no randomness");
    int64_t now = actrd_now_s(st);
    sqlite3_stmt *s = actrd_stmt(st, SQL_REALM_ROTATE);
    if (s) {
        sqlite3_bind_int64(s, 1, realm_id);
        sqlite3_bind_int64(s, 2, now + ACTRD_REALM_PREVIOUS_SECRET_SECS);
        actrd_bind_text(s, 3, hash);
        sqlite3_bind_int64(s, 4, now);
    }
    int rc = realm_update(st, s, realm_id, err);
    if (rc != 0) {
        memset(secret, 0, ACTRD_REALM_SECRET_SIZE);
        return rc;
    }
    actr_logf(ACTR_LOG_INFO, "actrd.realm", "realm %u secret rotated; the previous one is valid "
              "for %d more seconds", realm_id, ACTRD_REALM_PREVIOUS_SECRET_SECS);
    return 0;
}

int actrd_realm_set_enabled(actrd_state_t *st, uint32_t realm_id, bool enabled, actr_error_t *err)
{
    sqlite3_stmt *s = st ? actrd_stmt(st, SQL_REALM_ENABLE) : NULL;
    if (s) {
        sqlite3_bind_int64(s, 1, realm_id);
        sqlite3_bind_int(s, 2, enabled);
    }
    int rc = st ? realm_update(st, s, realm_id, err) : ACTR_EINVAL;
    if (rc == 0)
        actr_logf(ACTR_LOG_INFO, "actrd.realm", "realm %u %s", realm_id,
                  enabled ? "enabled" : "disabled");
    return rc;
}

static void realm_row(sqlite3_stmt *s, void *elem)
{
    actrd_realm_info_t *r = elem;
    memset(r, 0, sizeof *r);
    r->realm_id = (uint32_t)sqlite3_column_int64(s, 0);
    actrd_column_text(s, 1, r->name, sizeof r->name);
    r->enabled = sqlite3_column_int(s, 2) != 0;
    r->expires_at = sqlite3_column_int64(s, 3); /* NULL reads as 0: never */
    r->created_at = sqlite3_column_int64(s, 4);
    r->has_secret = sqlite3_column_int(s, 5) != 0;
    r->secret_rotated_at = sqlite3_column_int64(s, 6);
    r->previous_valid_until = sqlite3_column_int64(s, 7);
}

int actrd_realm_get(actrd_state_t *st, uint32_t realm_id, actrd_realm_info_t *out,
                    actr_error_t *err)
{
    sqlite3_stmt *s = st && out ? actrd_stmt(st, SQL_REALM_SELECT_ONE) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    sqlite3_bind_int64(s, 1, realm_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        realm_row(s, out);
    actrd_stmt_done(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0,
                              "realm %u does not exist", realm_id);
    return actr_error_set(err, actrd_db_error(st, "realm get"), ACTR_KIND_INTERNAL, 0,
                          "database error");
}

int actrd_realm_list(actrd_state_t *st, actrd_realm_info_t **out, size_t *count,
                     actr_error_t *err)
{
    sqlite3_stmt *s = st && out && count ? actrd_stmt(st, SQL_REALM_SELECT) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    void *items = NULL;
    int rc = actrd_collect(st, s, sizeof(actrd_realm_info_t), realm_row, &items, count);
    *out = items;
    return rc ? actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot list realms") : 0;
}
