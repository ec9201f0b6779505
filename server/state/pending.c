/*
 * pending.c - what /ais/register leaves for signaling (protocol.md 5.1 step 8): the actor's
 * encoded ServiceSpec and its direct-WebSocket address, keyed by (realm, serial). Renewals keep
 * the row alive; housekeeping (state.c) drops rows whose actor can no longer hold a credential.
 */
#include <stdlib.h>
#include <string.h>

#include "state/state.h"

static const char SQL_PENDING_UPSERT[] =
    "INSERT INTO pending_registrations"
    " (realm_id, serial, service_spec, ws_address, created_at, touched_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (realm_id, serial) DO UPDATE SET"
    " service_spec = excluded.service_spec, ws_address = excluded.ws_address,"
    " touched_at = excluded.touched_at";
static const char SQL_PENDING_TOUCH[] =
    "UPDATE pending_registrations SET touched_at = ?3 WHERE realm_id = ?1 AND serial = ?2";
static const char SQL_PENDING_GET[] =
    "SELECT service_spec, ws_address FROM pending_registrations WHERE realm_id = ?1 AND serial = ?2";

int actrd_pending_upsert(actrd_state_t *st, uint32_t realm_id, uint64_t serial,
                         const uint8_t *spec, size_t spec_len, const char *ws_address)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_PENDING_UPSERT);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    sqlite3_bind_int64(s, 2, (int64_t)serial);
    if (spec)
        sqlite3_bind_blob(s, 3, spec_len ? (const void *)spec : "", (int)spec_len, SQLITE_STATIC);
    if (ws_address)
        actrd_bind_text(s, 4, ws_address);
    sqlite3_bind_int64(s, 5, actrd_now_s(st));
    return actrd_stmt_run(st, s);
}

int actrd_pending_touch(actrd_state_t *st, uint32_t realm_id, uint64_t serial)
{
    sqlite3_stmt *s = actrd_stmt(st, SQL_PENDING_TOUCH);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    sqlite3_bind_int64(s, 2, (int64_t)serial);
    sqlite3_bind_int64(s, 3, actrd_now_s(st));
    return actrd_stmt_run(st, s);
}

int actrd_pending_registration_get(actrd_state_t *st, uint32_t realm_id, uint64_t serial,
                                   uint8_t **service_spec, size_t *service_spec_len,
                                   char **ws_address)
{
    if (service_spec)
        *service_spec = NULL;
    if (service_spec_len)
        *service_spec_len = 0;
    if (ws_address)
        *ws_address = NULL;
    if (!st)
        return ACTR_EINVAL;
    sqlite3_stmt *s = actrd_stmt(st, SQL_PENDING_GET);
    if (!s)
        return ACTR_EIO;
    sqlite3_bind_int64(s, 1, realm_id);
    sqlite3_bind_int64(s, 2, (int64_t)serial);
    int rc = sqlite3_step(s);
    int out = 0;
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (service_spec && sqlite3_column_type(s, 0) != SQLITE_NULL) {
            /* One spare byte so an empty spec is still a non-NULL buffer. */
            *service_spec = malloc(n + 1);
            if (*service_spec) {
                memcpy(*service_spec, sqlite3_column_blob(s, 0), n);
                if (service_spec_len)
                    *service_spec_len = n;
            } else {
                out = ACTR_ENOMEM;
            }
        }
        const unsigned char *ws = sqlite3_column_text(s, 1);
        if (out == 0 && ws_address && ws && !(*ws_address = strdup((const char *)ws)))
            out = ACTR_ENOMEM;
    } else {
        out = rc == SQLITE_DONE ? ACTR_ENOTFOUND : actrd_db_error(st, "pending get");
    }
    actrd_stmt_done(s);
    if (out != 0 && service_spec) {
        free(*service_spec);
        *service_spec = NULL;
        if (service_spec_len)
            *service_spec_len = 0;
    }
    return out;
}
