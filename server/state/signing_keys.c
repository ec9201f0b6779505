/*
 * signing_keys.c - the AIS Ed25519 signing keys (protocol.md 4.1).
 *
 * actrix keeps these in a separate signer service; actrd keeps the active key's 32-byte seed in
 * its own database (mode 0600, directory 0700), which is the only place it exists. Key ids are
 * u32, monotonic from 1. Exactly one key is active (a partial unique index enforces it). A
 * rotation retires the active key: its seed is wiped (secure_delete overwrites the page) and its
 * public key keeps verifying until the last credential it signed expires - each issuance records
 * that expiry in signed_until, so the window is exact whatever TTL the signing process used.
 * The server notices a rotation made by `actrd signing-key rotate` in another process because it
 * reads the active key id inside every issuing transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "state/state.h"

static const char SQL_KEY_ACTIVE_ID[] = "SELECT key_id FROM signing_keys WHERE active = 1";
static const char SQL_KEY_SEED[] =
    "SELECT seed, pubkey FROM signing_keys WHERE key_id = ?1 AND active = 1";
static const char SQL_KEY_LOOKUP[] =
    "SELECT pubkey FROM signing_keys WHERE key_id = ?1 AND (active = 1 OR signed_until > ?2)";
static const char SQL_KEY_MAX_ID[] = "SELECT COALESCE(MAX(key_id), 0) FROM signing_keys";
static const char SQL_KEY_RETIRE[] =
    "UPDATE signing_keys SET active = 0, seed = NULL, retired_at = ?1 WHERE active = 1";
static const char SQL_KEY_INSERT[] =
    "INSERT INTO signing_keys (key_id, seed, pubkey, created_at, active) VALUES (?1, ?2, ?3, ?4, 1)";
static const char SQL_KEY_SIGNED[] =
    "UPDATE signing_keys SET signed_until = MAX(signed_until, ?2) WHERE key_id = ?1";
static const char SQL_KEY_LIST[] =
    "SELECT key_id, pubkey, created_at, active, retired_at, signed_until FROM signing_keys"
    " ORDER BY key_id";

/* Reads one integer column of a one-row query; ACTR_ENOTFOUND when there is no row. */
static int query_int(actrd_state_t *st, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = actrd_stmt(st, sql);
    if (!s)
        return ACTR_EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    actrd_stmt_done(s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? ACTR_ENOTFOUND : actrd_db_error(st, "signing key query");
}

/* Inserts a fresh active key with the next id; the caller holds the transaction. */
static int key_create(actrd_state_t *st, uint32_t *key_id)
{
    int64_t max_id = 0;
    int rc = query_int(st, SQL_KEY_MAX_ID, &max_id);
    if (rc != 0)
        return rc;
    if (max_id >= UINT32_MAX)
        return ACTR_ERANGE;
    uint8_t seed[ACTR_ED25519_SEED_LEN], pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    actr_signing_key_t *key = NULL;
    if (actr_random_bytes(seed, sizeof seed) != 0 ||
        actr_signing_key_from_seed(seed, sizeof seed, &key) != 0) {
        memset(seed, 0, sizeof seed);
        return ACTR_EINTERNAL;
    }
    actr_signing_key_public(key, pub);
    actr_signing_key_free(key);
    sqlite3_stmt *s = actrd_stmt(st, SQL_KEY_INSERT);
    rc = ACTR_EIO;
    if (s) {
        sqlite3_bind_int64(s, 1, max_id + 1);
        sqlite3_bind_blob(s, 2, seed, sizeof seed, SQLITE_STATIC);
        sqlite3_bind_blob(s, 3, pub, sizeof pub, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, actrd_now_s(st));
        rc = actrd_stmt_run(st, s);
        sqlite3_clear_bindings(s); /* no pointer to the seed outlives it */
    }
    memset(seed, 0, sizeof seed);
    if (rc == 0)
        *key_id = (uint32_t)(max_id + 1);
    return rc;
}

int actrd_signing_keys_ensure(actrd_state_t *st)
{
    int64_t id = 0;
    int rc = query_int(st, SQL_KEY_ACTIVE_ID, &id);
    if (rc != ACTR_ENOTFOUND)
        return rc;
    uint32_t key_id = 0;
    rc = key_create(st, &key_id);
    if (rc == 0)
        actr_logf(ACTR_LOG_INFO, "actrd.keys", "generated AIS signing key %u", key_id);
    return rc;
}

/* Loads the seed of key_id into the in-memory cache. */
static int key_load(actrd_state_t *st, uint32_t key_id)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_KEY_SEED);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, key_id);
    int rc = sqlite3_step(s);
    actr_signing_key_t *key = NULL;
    int out = ACTR_EIO;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ACTR_ED25519_SEED_LEN &&
        sqlite3_column_bytes(s, 1) == ACTR_ED25519_PUBLIC_KEY_LEN) {
        uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
        out = actr_signing_key_from_seed(sqlite3_column_blob(s, 0), ACTR_ED25519_SEED_LEN, &key);
        if (out == 0) {
            actr_signing_key_public(key, pub);
            /* A seed that does not give the stored public key is corruption: never sign. */
            if (memcmp(pub, sqlite3_column_blob(s, 1), sizeof pub) != 0) {
                actr_log(ACTR_LOG_ERROR, "actrd.keys", "signing key seed does not match its "
                         "public key");
                actr_signing_key_free(key);
                key = NULL;
                out = ACTR_EIO;
            }
        }
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        actrd_db_error(st, "signing key load");
    }
    actrd_stmt_done(s);
    if (out != 0)
        return out;
    actr_signing_key_free(st->key);
    st->key = key;
    st->key_id = key_id;
    actr_signing_key_public(key, st->key_pub);
    return 0;
}

int actrd_signing_key_active(actrd_state_t *st, uint32_t *key_id, const actr_signing_key_t **key,
                             const uint8_t **pub)
{
    int64_t id = 0;
    int rc = query_int(st, SQL_KEY_ACTIVE_ID, &id);
    if (rc == 0 && (!st->key || st->key_id != (uint32_t)id))
        rc = key_load(st, (uint32_t)id);
    if (rc != 0) {
        actr_log(ACTR_LOG_ERROR, "actrd.keys", "no usable AIS signing key");
        return ACTR_EIO;
    }
    *key_id = st->key_id;
    *key = st->key;
    *pub = st->key_pub;
    return 0;
}

int actrd_signing_key_record_use(actrd_state_t *st, uint32_t key_id, uint64_t expires_at)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_KEY_SIGNED);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, key_id);
    sqlite3_bind_int64(s, 2, (int64_t)expires_at);
    return actrd_stmt_run(st, s);
}

int actrd_signing_key_lookup(actrd_state_t *st, uint32_t key_id, uint8_t pub[32])
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_KEY_LOOKUP);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, key_id);
    sqlite3_bind_int64(s, 2, actrd_now_s(st));
    int rc = sqlite3_step(s);
    int out = ACTR_ENOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(s, 0) == ACTR_ED25519_PUBLIC_KEY_LEN) {
        memcpy(pub, sqlite3_column_blob(s, 0), ACTR_ED25519_PUBLIC_KEY_LEN);
        out = 0;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = actrd_db_error(st, "signing key lookup");
    }
    actrd_stmt_done(s);
    return out;
}

int actrd_signing_key_get(actrd_state_t *st, uint32_t key_id, uint8_t pub[32])
{
    if (!st || !pub)
        return ACTR_EINVAL;
    return actrd_signing_key_lookup(st, key_id, pub);
}

int actrd_signing_key_rotate(actrd_state_t *st, uint32_t *new_key_id, actr_error_t *err)
{
    if (!st || !new_key_id)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    if (actrd_tx_begin(st) != 0)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_TRANSIENT, 0, "database is busy");
    sqlite3_stmt *s = actrd_stmt(st, SQL_KEY_RETIRE);
    int rc = ACTR_EIO;
    if (s) {
        sqlite3_bind_int64(s, 1, actrd_now_s(st));
        rc = actrd_stmt_run(st, s);
    }
    if (rc == 0)
        rc = key_create(st, new_key_id);
    if (rc == 0)
        rc = actrd_tx_commit(st);
    if (rc != 0) {
        actrd_tx_rollback(st);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0,
                              rc == ACTR_ERANGE ? "signing key ids are exhausted"
                                                : "cannot rotate the signing key (see the log)");
    }
    actr_logf(ACTR_LOG_INFO, "actrd.keys", "AIS signing key rotated; key %u now signs",
              *new_key_id);
    return 0;
}

static void key_info_row(sqlite3_stmt *s, void *elem)
{
    actrd_signing_key_info_t *k = elem;
    memset(k, 0, sizeof *k);
    k->key_id = (uint32_t)sqlite3_column_int64(s, 0);
    if (sqlite3_column_bytes(s, 1) == ACTR_ED25519_PUBLIC_KEY_LEN)
        memcpy(k->pub, sqlite3_column_blob(s, 1), sizeof k->pub);
    k->created_at = sqlite3_column_int64(s, 2);
    k->active = sqlite3_column_int(s, 3) != 0;
    k->retired_at = sqlite3_column_int64(s, 4);
    k->verify_until = k->active ? 0 : sqlite3_column_int64(s, 5);
}

int actrd_signing_key_list(actrd_state_t *st, actrd_signing_key_info_t **out, size_t *count,
                           actr_error_t *err)
{
    sqlite3_stmt *s = st && out && count ? actrd_stmt(st, SQL_KEY_LIST) : NULL;
    if (!s)
        return actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0, "database error");
    void *items = NULL;
    int rc = actrd_collect(st, s, sizeof(actrd_signing_key_info_t), key_info_row, &items, count);
    *out = items;
    return rc ? actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "cannot list signing keys") : 0;
}
