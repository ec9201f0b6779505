/*
 * state.h - internals of actrd's state side, shared by the files in server/state/.
 *
 * One actrd_state_t owns one SQLite connection to {data_dir}/actrd.db. Every module keeps its SQL
 * next to its code and fetches prepared statements from the store's cache (actrd_stmt), so a
 * statement is compiled once per process. All calls run on one thread (backend.h), so the state
 * needs no locks; other processes (the admin commands) may use the same database concurrently,
 * which WAL mode and a busy timeout make safe.
 */
#ifndef ACTRD_STATE_STATE_H
#define ACTRD_STATE_STATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/types.h"
#include "backend.h"
#include "state/admin_api.h"
#include "state/serial.h"

#define ACTRD_DB_FILE "actrd.db"
#define ACTRD_STMT_CACHE 64
#define ACTRD_RENEWAL_SECRET_LEN 32
#define ACTRD_TOKEN_LEN 32

/* Wall clock in milliseconds; tests replace it to step time without sleeping. */
typedef int64_t (*actrd_clock_fn)(void *ud);

typedef struct actrd_stmt_slot {
    const char *sql; /* identity: the address of the module's static SQL text */
    sqlite3_stmt *stmt;
} actrd_stmt_slot_t;

struct actrd_state {
    actrd_state_config_t cfg;
    sqlite3 *db;
    actrd_stmt_slot_t stmts[ACTRD_STMT_CACHE];
    actrd_clock_fn clock;
    void *clock_ud;
    actrd_serial_t serial;
    char turn_secret[256];
    uint8_t renewal_secret[ACTRD_RENEWAL_SECRET_LEN];
    /* The active signing key, reloaded when another process rotated it (signing_keys.c). */
    uint32_t key_id;
    actr_signing_key_t *key;
    uint8_t key_pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    int64_t next_housekeeping_s;
};

/* ---- store.c: database file, schema, statements, transactions, settings ---- */

int actrd_store_open(actrd_state_t *st, actr_error_t *err);
void actrd_store_close(actrd_state_t *st);
/* The cached statement for sql (a static string), reset and unbound; NULL after logging. */
sqlite3_stmt *actrd_stmt(actrd_state_t *st, const char *sql);
/* Resets a statement after use so it holds no read snapshot; NULL is allowed. */
void actrd_stmt_done(sqlite3_stmt *stmt);
/* Steps a write statement to completion and resets it: 0 or ACTR_EIO (ACTR_EEXIST on UNIQUE). */
int actrd_stmt_run(actrd_state_t *st, sqlite3_stmt *stmt);
int actrd_exec(actrd_state_t *st, const char *sql);
/* BEGIN IMMEDIATE (the write lock up front, so no deadlock on upgrade), COMMIT, ROLLBACK. */
int actrd_tx_begin(actrd_state_t *st);
int actrd_tx_commit(actrd_state_t *st);
void actrd_tx_rollback(actrd_state_t *st);
/* Settings: small named blobs (secrets, the serial high-water mark). ACTR_ENOTFOUND if unset. */
int actrd_setting_get(actrd_state_t *st, const char *key, void *buf, size_t cap, size_t *len);
int actrd_setting_set(actrd_state_t *st, const char *key, const void *data, size_t len);
/* Logs a failed SQLite call and returns ACTR_EIO. */
int actrd_db_error(actrd_state_t *st, const char *what);
/* Binds a NUL-terminated string (SQLITE_STATIC: must outlive the step). */
int actrd_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
/* Copies column col as a NUL-terminated string into buf (truncating); "" for NULL. */
void actrd_column_text(sqlite3_stmt *stmt, int col, char *buf, size_t cap);
/* Steps s to the end, converting each row with row() into a malloc'd array of elem_size items
 * (NULL when empty; free() it). 0, ACTR_ENOMEM or ACTR_EIO (then *out is NULL). */
typedef void (*actrd_row_fn)(sqlite3_stmt *s, void *elem);
int actrd_collect(actrd_state_t *st, sqlite3_stmt *s, size_t elem_size, actrd_row_fn row,
                  void **out, size_t *count);

/* ---- state.c: clock, housekeeping ---- */

int64_t actrd_now_ms(const actrd_state_t *st);
int64_t actrd_now_s(const actrd_state_t *st);
/* Tests: replace the wall clock (NULL restores it). */
void actrd_state_set_clock(actrd_state_t *st, actrd_clock_fn clock, void *ud);
/* Deletes expired nonces, renewal tokens and stale pending rows, at most once a minute. */
void actrd_housekeeping(actrd_state_t *st);
/* Records the address `actrd init --listen` printed URLs for (see actrd_state_listen_get). */
int actrd_state_listen_set(actrd_state_t *st, const char *listen);
/* The next serial (serial.h), recorded as the restart floor: call inside the transaction. */
int actrd_serial_allocate(actrd_state_t *st, uint64_t *serial);

/* ---- realm.c ---- */

typedef enum actrd_secret_check {
    ACTRD_SECRET_NOT_CONFIGURED,
    ACTRD_SECRET_VALID_CURRENT,
    ACTRD_SECRET_VALID_PREVIOUS,
    ACTRD_SECRET_MISSING,
    ACTRD_SECRET_INVALID,
} actrd_secret_check_t;

/* Exists, enabled, unexpired: 0, ACTR_EPERM (msg says why) or ACTR_EIO. */
int actrd_realm_validate(actrd_state_t *st, uint32_t realm_id, char *msg, size_t cap);
/* Checks a presented secret (NULL/empty: absent) against the realm's: 0 or ACTR_EIO. */
int actrd_realm_secret_check(actrd_state_t *st, uint32_t realm_id, const char *secret,
                             actrd_secret_check_t *out);

/* ---- signing_keys.c ---- */

/* Creates key 1 when the table is empty. */
int actrd_signing_keys_ensure(actrd_state_t *st);
/* The key that signs now (reloaded if another process rotated it): 0 or ACTR_EIO. */
int actrd_signing_key_active(actrd_state_t *st, uint32_t *key_id, const actr_signing_key_t **key,
                             const uint8_t **pub);
/* Records that key_id signed a credential expiring at expires_at (its verification window). */
int actrd_signing_key_record_use(actrd_state_t *st, uint32_t key_id, uint64_t expires_at);
/* The public key of key_id if it may still verify: 0 or ACTR_ENOTFOUND / ACTR_EIO. */
int actrd_signing_key_lookup(actrd_state_t *st, uint32_t key_id, uint8_t pub[32]);

/* ---- credential.c ---- */

/* An issued access credential plus the TURN credential for the same expiry. */
typedef struct actrd_issued {
    uint32_t key_id;
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    uint8_t *claims; /* malloc'd encoded IdentityClaims */
    size_t claims_len;
    uint8_t sig[ACTR_ED25519_SIGNATURE_LEN];
    uint64_t expires_at;
    char turn_username[24 + ACTR_ID_STR_SIZE];
    char turn_password[32];
} actrd_issued_t;

int actrd_credential_issue(actrd_state_t *st, const actr_id_t *id, actrd_issued_t *out);
void actrd_issued_free(actrd_issued_t *issued);

/* ---- renewal.c ---- */

/* Stores a fresh token for actor_id (the ActrId string) and returns it: 0 or ACTR_EIO. */
int actrd_renewal_issue(actrd_state_t *st, const char *actor_id, uint8_t token[ACTRD_TOKEN_LEN],
                        int64_t *expires_at);
/*
 * Checks token for actor_id and rotates it (protocol.md 4.3); out gets the current or successor
 * token. 0, ACTR_EPERM (unknown or expired token) or ACTR_EIO. Call inside a transaction.
 */
int actrd_renewal_rotate(actrd_state_t *st, const char *actor_id,
                         const uint8_t token[ACTRD_TOKEN_LEN], uint8_t out[ACTRD_TOKEN_LEN],
                         int64_t *expires_at);
/* The successor token of protocol.md 4.3 (exposed for tests). */
int actrd_renewal_successor(const uint8_t *secret, size_t secret_len,
                            const uint8_t token[ACTRD_TOKEN_LEN], const char *actor_id,
                            int64_t old_expires_at, uint8_t out[ACTRD_TOKEN_LEN]);

/* ---- mfr.c / packages.c ---- */

/* The key key_id of manufacturer (revoked ones too; check revoked_at): ACTR_ENOTFOUND, EIO. */
int actrd_mfr_key_find(actrd_state_t *st, const char *manufacturer, const char *key_id,
                       actrd_mfr_key_t *out);

/* The published package (type string, target): 0, ACTR_ENOTFOUND or ACTR_EIO. */
int actrd_package_find(actrd_state_t *st, const char *type_str, const char *target,
                       actrd_package_info_t *out);

/* ---- mfr_proof.c: PACKAGE registration (protocol.md 5.1 step 4) ---- */

/* Why a registration was refused: an ErrorResponse code and message. */
typedef struct actrd_refusal {
    uint32_t code;
    char message[ACTR_ERROR_MESSAGE_MAX];
} actrd_refusal_t;

/* Formats a refusal and returns ACTR_EPERM (or ACTR_EIO for code 500). */
int actrd_refuse(actrd_refusal_t *why, uint32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct Actr__RegisterRequest;
/* Verifies a PACKAGE (or UNSPECIFIED) registration and consumes its nonce: 0 or a refusal. */
int actrd_package_auth(actrd_state_t *st, const struct Actr__RegisterRequest *req,
                       const char *type_str, actrd_refusal_t *why);

/* ---- acl_rows.c / pending.c ---- */

struct Actr__Acl;
/* Replaces the rows of (realm_id, to_type) with the rules of acl. */
int actrd_acl_replace(actrd_state_t *st, uint32_t realm_id, const char *to_type,
                      const struct Actr__Acl *acl);

int actrd_pending_upsert(actrd_state_t *st, uint32_t realm_id, uint64_t serial,
                         const uint8_t *spec, size_t spec_len, const char *ws_address);
/* Keeps an actor's pending row alive while it renews. */
int actrd_pending_touch(actrd_state_t *st, uint32_t realm_id, uint64_t serial);

#endif /* ACTRD_STATE_STATE_H */
