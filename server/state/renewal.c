/*
 * renewal.c - renewal tokens (protocol.md 4.3).
 *
 * A token is 32 CSPRNG bytes handed to the actor once; the database keeps only SHA-256(token),
 * keyed by the ActrId string, so a stolen database does not yield usable tokens. Renewing with a
 * token that still has more than the rotation window to live returns it unchanged; inside the
 * window the successor is derived with HMAC-SHA256, so a retried renewal (or two racing ones)
 * yields the same successor instead of forking the chain. At most two tokens per actor are kept:
 * the successor and the token it replaced, so a client that lost the reply can retry.
 */
#include <string.h>

#include "actr/log.h"
#include "state/state.h"

#define SUCCESSOR_LABEL "actrix/ais/renewal/v1"

static const char SQL_TOKEN_INSERT[] =
    "INSERT OR IGNORE INTO renewal_tokens (actor_id, token_hash, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_TOKEN_FIND[] =
    "SELECT expires_at FROM renewal_tokens"
    " WHERE actor_id = ?1 AND token_hash = ?2 AND expires_at > ?3";
static const char SQL_TOKEN_DROP_EXPIRED[] =
    "DELETE FROM renewal_tokens WHERE actor_id = ?1 AND expires_at <= ?2";
static const char SQL_TOKEN_TRIM[] =
    "DELETE FROM renewal_tokens WHERE actor_id = ?1 AND id NOT IN ("
    " SELECT id FROM renewal_tokens WHERE actor_id = ?1"
    " ORDER BY expires_at DESC, created_at DESC, id DESC LIMIT 2)";

int actrd_renewal_successor(const uint8_t *secret, size_t secret_len,
                            const uint8_t token[ACTRD_TOKEN_LEN], const char *actor_id,
                            int64_t old_expires_at, uint8_t out[ACTRD_TOKEN_LEN])
{
    uint8_t msg[sizeof SUCCESSOR_LABEL - 1 + ACTRD_TOKEN_LEN + ACTR_ID_STR_SIZE + 8];
    size_t id_len = strlen(actor_id), n = 0;
    if (id_len >= ACTR_ID_STR_SIZE)
        return ACTR_EINVAL;
    memcpy(msg, SUCCESSOR_LABEL, sizeof SUCCESSOR_LABEL - 1);
    n += sizeof SUCCESSOR_LABEL - 1;
    memcpy(msg + n, token, ACTRD_TOKEN_LEN);
    n += ACTRD_TOKEN_LEN;
    memcpy(msg + n, actor_id, id_len);
    n += id_len;
    for (int i = 0; i < 8; i++) /* i64 big-endian */
        msg[n++] = (uint8_t)((uint64_t)old_expires_at >> (56 - 8 * i));
    return actr_hmac_sha256(secret, secret_len, msg, n, out);
}

static int token_insert(actrd_state_t *st, const char *actor_id,
                        const uint8_t token[ACTRD_TOKEN_LEN], int64_t expires_at)
{
    uint8_t hash[ACTR_SHA256_LEN];
    if (actr_sha256(token, ACTRD_TOKEN_LEN, hash) != 0)
        return ACTR_EINTERNAL;
    sqlite3_stmt *s = actrd_stmt(st, SQL_TOKEN_INSERT);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, actor_id);
    sqlite3_bind_blob(s, 2, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, expires_at);
    sqlite3_bind_int64(s, 4, actrd_now_s(st));
    return actrd_stmt_run(st, s);
}

int actrd_renewal_issue(actrd_state_t *st, const char *actor_id, uint8_t token[ACTRD_TOKEN_LEN],
                        int64_t *expires_at)
{
    if (actr_random_bytes(token, ACTRD_TOKEN_LEN) != 0)
        return ACTR_EINTERNAL;
    *expires_at = actrd_now_s(st) + (int64_t)st->cfg.renewal_token_ttl_secs;
    return token_insert(st, actor_id, token, *expires_at);
}

/* Runs a DELETE bound to (actor_id[, now]). */
static int token_cleanup(actrd_state_t *st, const char *sql, const char *actor_id, int64_t now)
{
    sqlite3_stmt *s = actrd_stmt(st, sql);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, actor_id);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int64(s, 2, now);
    return actrd_stmt_run(st, s);
}

int actrd_renewal_rotate(actrd_state_t *st, const char *actor_id,
                         const uint8_t token[ACTRD_TOKEN_LEN], uint8_t out[ACTRD_TOKEN_LEN],
                         int64_t *expires_at)
{
    uint8_t hash[ACTR_SHA256_LEN];
    if (actr_sha256(token, ACTRD_TOKEN_LEN, hash) != 0)
        return ACTR_EINTERNAL;
    int64_t now = actrd_now_s(st);
    sqlite3_stmt *s = actrd_stmt(st, SQL_TOKEN_FIND);
    if (!s)
        return ACTR_EIO;
    actrd_bind_text(s, 1, actor_id);
    sqlite3_bind_blob(s, 2, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int rc = sqlite3_step(s);
    int64_t current = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    actrd_stmt_done(s);
    if (rc == SQLITE_DONE)
        return ACTR_EPERM;
    if (rc != SQLITE_ROW)
        return actrd_db_error(st, "renewal token lookup");

    if (current - now > (int64_t)st->cfg.renewal_rotation_window_secs) {
        memcpy(out, token, ACTRD_TOKEN_LEN);
        *expires_at = current;
        return 0;
    }
    rc = actrd_renewal_successor(st->renewal_secret, sizeof st->renewal_secret, token, actor_id,
                                 current, out);
    *expires_at = current + (int64_t)st->cfg.renewal_token_ttl_secs;
    if (rc == 0)
        rc = token_insert(st, actor_id, out, *expires_at);
    if (rc == 0)
        rc = token_cleanup(st, SQL_TOKEN_DROP_EXPIRED, actor_id, now);
    if (rc == 0)
        rc = token_cleanup(st, SQL_TOKEN_TRIM, actor_id, now);
    if (rc == 0)
        actr_log(ACTR_LOG_INFO, "actrd.ais", "renewal token rotated", ACTR_KV("actor_id", actor_id));
    return rc;
}
