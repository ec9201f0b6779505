/*
 * mfr.c - the manufacturer key registry (protocol.md 4.5): keys published by `actrd mfr add`,
 * looked up by AIS Path 2 and served at GET /mfr/{manufacturer}/verifying_key.
 *
 * A key id is "mfr-" + 16 hex digits of SHA-256(public key), so one key belongs to exactly one
 * manufacturer. Revoked keys stay in the table (registrations signed with them are refused with a
 * clear reason, and the id cannot be re-added) but are never served.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/base64.h"
#include "state/state.h"

static const char SQL_MFR_INSERT[] =
    "INSERT INTO mfr_keys (key_id, manufacturer, pubkey, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_MFR_FIND[] =
    "SELECT key_id, manufacturer, pubkey, created_at, revoked_at FROM mfr_keys"
    " WHERE manufacturer = ?1 AND key_id = ?2";
static const char SQL_MFR_NEWEST[] =
    "SELECT key_id, manufacturer, pubkey, created_at, revoked_at FROM mfr_keys"
    " WHERE manufacturer = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1";
static const char SQL_MFR_REVOKE[] =
    "UPDATE mfr_keys SET revoked_at = ?2 WHERE key_id = ?1 AND revoked_at IS NULL";
static const char SQL_MFR_LIST[] =
    "SELECT key_id, manufacturer, pubkey, created_at, revoked_at FROM mfr_keys"
    " WHERE ?1 IS NULL OR manufacturer = ?1 ORDER BY manufacturer, created_at, rowid";

static void key_row(sqlite3_stmt *s, void *elem)
{
    actrd_mfr_key_t *k = elem;
    memset(k, 0, sizeof *k);
    actrd_column_text(s, 0, k->key_id, sizeof k->key_id);
    actrd_column_text(s, 1, k->manufacturer, sizeof k->manufacturer);
    if (sqlite3_column_bytes(s, 2) == ACTR_ED25519_PUBLIC_KEY_LEN)
        memcpy(k->pub, sqlite3_column_blob(s, 2), sizeof k->pub);
    k->created_at = sqlite3_column_int64(s, 3);
    k->revoked_at = sqlite3_column_int64(s, 4);
}

/* Steps a prepared key query once: 0 with *out, ACTR_ENOTFOUND or ACTR_EIO. */
static int key_fetch(actrd_state_t *st, sqlite3_stmt *s, actrd_mfr_key_t *out)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        key_row(s, out);
    actrd_stmt_done(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? ACTR_ENOTFOUND : actrd_db_error(st, "mfr key lookup");
}

int actrd_mfr_key_find(actrd_state_t *st, const char *manufacturer, const char *key_id,
                       actrd_mfr_key_t *out)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_MFR_FIND);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, manufacturer);
    actrd_bind_text(s, 2, key_id);
    return key_fetch(st, s, out);
}

int actrd_mfr_key_add(actrd_state_t *st, const char *manufacturer,
                      const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN],
                      char key_id[ACTR_MFR_KEY_ID_SIZE], actr_error_t *err)
{
    if (!st || !manufacturer || !pub || !key_id)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    actr_error_t why;
    if (actr_name_validate(manufacturer, strlen(manufacturer), &why) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "manufacturer '%s': %s",
                              manufacturer, why.message);
    if (actr_ed25519_pubkey_valid(pub, ACTR_ED25519_PUBLIC_KEY_LEN) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "public key is not an Ed25519 point");
    if (actr_mfr_key_id(pub, key_id) != 0)
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0, "hash failed");
    sqlite3_stmt *s = actrd_stmt(st, SQL_MFR_INSERT);
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    actrd_bind_text(s, 1, key_id);
    actrd_bind_text(s, 2, manufacturer);
    sqlite3_bind_blob(s, 3, pub, ACTR_ED25519_PUBLIC_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, actrd_now_s(st));
    int rc = actrd_stmt_run(st, s);
    if (rc == ACTR_EEXIST)
        return actr_error_set(err, rc, ACTR_KIND_CLIENT, 0, "key %s is already registered",
                              key_id);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    actr_log(ACTR_LOG_INFO, "actrd.mfr", "manufacturer key added",
             ACTR_KV("manufacturer", manufacturer), ACTR_KV("key_id", key_id));
    return 0;
}

int actrd_mfr_key_revoke(actrd_state_t *st, const char *key_id, actr_error_t *err)
{
    sqlite3_stmt *s = st && key_id ? actrd_stmt(st, SQL_MFR_REVOKE) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "database error");
    actrd_bind_text(s, 1, key_id);
    sqlite3_bind_int64(s, 2, actrd_now_s(st));
    int rc = actrd_stmt_run(st, s);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "database error");
    if (sqlite3_changes(st->db) == 0)
        return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0,
                              "no active key %s", key_id);
    actr_log(ACTR_LOG_INFO, "actrd.mfr", "manufacturer key revoked", ACTR_KV("key_id", key_id));
    return 0;
}

int actrd_mfr_key_list(actrd_state_t *st, const char *manufacturer, actrd_mfr_key_t **out,
                       size_t *count, actr_error_t *err)
{
    sqlite3_stmt *s = st && out && count ? actrd_stmt(st, SQL_MFR_LIST) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    if (manufacturer)
        actrd_bind_text(s, 1, manufacturer);
    void *items = NULL;
    int rc = actrd_collect(st, s, sizeof(actrd_mfr_key_t), key_row, &items, count);
    *out = items;
    return rc ? actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot list manufacturer keys")
              : 0;
}

/* Fills out with a JSON body; "error" replies carry {"error": message}. */
static int json_reply(actrd_http_reply_t *out, int status, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text)
        return ACTR_ENOMEM;
    out->status = status;
    out->content_type = "application/json";
    out->body = (uint8_t *)text;
    out->len = strlen(text);
    return 0;
}

static int json_error(actrd_http_reply_t *out, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int json_error(actrd_http_reply_t *out, int status, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *obj = cJSON_CreateObject();
    if (obj && !cJSON_AddStringToObject(obj, "error", msg)) {
        cJSON_Delete(obj);
        obj = NULL;
    }
    return json_reply(out, status, obj);
}

int actrd_mfr_verifying_key(actrd_state_t *st, const char *manufacturer, const char *key_id,
                            actrd_http_reply_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    memset(out, 0, sizeof *out);
    if (!st)
        return json_error(out, 500, "%s", "state unavailable");
    if (!manufacturer || !actr_name_valid(manufacturer))
        return json_error(out, 400, "%s", "invalid manufacturer name");
    actrd_mfr_key_t key;
    int rc;
    if (key_id && *key_id) {
        sqlite3_stmt *s = actrd_stmt(st, SQL_MFR_FIND);
        if (s) {
            actrd_bind_text(s, 1, manufacturer);
            actrd_bind_text(s, 2, key_id);
        }
        rc = s ? key_fetch(st, s, &key) : ACTR_EIO;
    } else {
        sqlite3_stmt *s = actrd_stmt(st, SQL_MFR_NEWEST);
        if (s)
            actrd_bind_text(s, 1, manufacturer);
        rc = s ? key_fetch(st, s, &key) : ACTR_EIO;
    }
    if (rc == ACTR_ENOTFOUND)
        return json_error(out, 404, "no such key for manufacturer %s", manufacturer);
    if (rc != 0)
        return json_error(out, 500, "%s", "key store error");
    if (key.revoked_at)
        return json_error(out, 410, "key %s has been revoked", key.key_id);

    char b64[48];
    actr_base64_encode(key.pub, sizeof key.pub, b64, ACTR_B64_STD);
    cJSON *obj = cJSON_CreateObject();
    if (obj && (!cJSON_AddStringToObject(obj, "public_key", b64) ||
                !cJSON_AddStringToObject(obj, "key_id", key.key_id))) {
        cJSON_Delete(obj);
        obj = NULL;
    }
    return json_reply(out, 200, obj);
}
