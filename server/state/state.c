/*
 * state.c - opening and closing actrd's state: configuration defaults and checks, the secrets
 * generated on first start, the clock and periodic cleanup.
 *
 * Secrets generated on first start and kept in the settings table (the 0600 database):
 * - renewal_token_secret: 32 CSPRNG bytes, the HMAC key of renewal-token successors. The
 *   reference makes it a required setting; generating it means it can never be left empty.
 * - turn_secret: used only when the configuration gives none. Instead of the reference's
 *   well-known default ("actrix-turn-secret-change-in-production"), which would let anyone mint
 *   TURN credentials, we generate 32 random bytes written as 64 hex characters; `actrd init`
 *   prints it for the TURN server's static-auth-secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/hex.h"
#include "state/state.h"

#define SETTING_TURN "turn_secret"
#define SETTING_RENEWAL "renewal_token_secret"
#define SETTING_SERIAL "serial_hwm"
#define SETTING_LISTEN "listen"
#define HOUSEKEEPING_INTERVAL_S 60

void actrd_state_config_init(actrd_state_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->token_ttl_secs = 3600;
    cfg->renewal_token_ttl_secs = 86400;
    cfg->renewal_rotation_window_secs = 21600;
    cfg->heartbeat_interval_secs = 30;
    cfg->turn_secret[0] = '\0'; /* empty: the secret generated into the database */
    cfg->mfr_proof_future_secs = 60;
    cfg->mfr_proof_max_age_secs = 300;
    cfg->nonce_ttl_secs = 600;
}

static int config_check(const actrd_state_config_t *cfg, actr_error_t *err)
{
    if (!cfg->data_dir[0] || !memchr(cfg->data_dir, '\0', sizeof cfg->data_dir))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "data_dir is not set");
    if (!memchr(cfg->turn_secret, '\0', sizeof cfg->turn_secret))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "turn_secret is too long");
    if (cfg->token_ttl_secs == 0 || cfg->renewal_token_ttl_secs == 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "token_ttl_secs and renewal_token_ttl_secs must be positive");
    /* A nonce forgotten while its proof is still fresh could be replayed. */
    if ((uint64_t)cfg->nonce_ttl_secs <
        (uint64_t)cfg->mfr_proof_future_secs + cfg->mfr_proof_max_age_secs)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "nonce_ttl_secs (%u) must cover the proof window (%u + %u s)",
                              cfg->nonce_ttl_secs, cfg->mfr_proof_future_secs,
                              cfg->mfr_proof_max_age_secs);
    return 0;
}

/* Reads setting key into buf, or generates len random bytes (hex-encoded when hex) first. */
static int secret_load_or_create(actrd_state_t *st, const char *key, uint8_t *buf, size_t len,
                                 bool hex)
{
    size_t want = hex ? 2 * len : len, got = 0;
    char text[2 * 64 + 1];
    uint8_t *dst = hex ? (uint8_t *)text : buf;
    int rc = actrd_setting_get(st, key, dst, want, &got);
    if (rc == 0 && got == want)
        return 0;
    if (rc != 0 && rc != ACTR_ENOTFOUND && rc != ACTR_ERANGE)
        return rc;
    if (rc == 0 || rc == ACTR_ERANGE)
        actr_log(ACTR_LOG_WARN, "actrd.state", "stored secret has the wrong size; regenerating",
                 ACTR_KV("setting", key));
    if (actr_random_bytes(buf, len) != 0)
        return ACTR_EINTERNAL;
    if (hex)
        actr_hex_encode(buf, len, text);
    return actrd_setting_set(st, key, dst, want);
}

static int load_secrets(actrd_state_t *st)
{
    uint8_t turn_raw[32];
    char turn_hex[2 * sizeof turn_raw + 1];
    int rc = secret_load_or_create(st, SETTING_RENEWAL, st->renewal_secret,
                                   sizeof st->renewal_secret, false);
    if (rc == 0)
        rc = secret_load_or_create(st, SETTING_TURN, turn_raw, sizeof turn_raw, true);
    if (rc == 0) {
        size_t n = 0;
        rc = actrd_setting_get(st, SETTING_TURN, turn_hex, sizeof turn_hex - 1, &n);
        turn_hex[rc == 0 ? n : 0] = '\0';
    }
    if (rc == 0)
        snprintf(st->turn_secret, sizeof st->turn_secret, "%s",
                 st->cfg.turn_secret[0] ? st->cfg.turn_secret : turn_hex);
    memset(turn_raw, 0, sizeof turn_raw);
    memset(turn_hex, 0, sizeof turn_hex);
    return rc;
}

static int serial_floor(actrd_state_t *st, uint64_t *floor)
{
    uint8_t be[8];
    size_t n = 0;
    int rc = actrd_setting_get(st, SETTING_SERIAL, be, sizeof be, &n);
    *floor = 0;
    if (rc == ACTR_ENOTFOUND)
        return 0;
    if (rc != 0 || n != sizeof be)
        return rc ? rc : ACTR_EIO;
    for (size_t i = 0; i < sizeof be; i++)
        *floor = (*floor << 8) | be[i];
    return 0;
}

int actrd_serial_allocate(actrd_state_t *st, uint64_t *serial)
{
    int rc = actrd_serial_next(&st->serial, actrd_now_ms(st), serial);
    if (rc != 0)
        return rc;
    uint8_t be[8];
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(*serial >> (56 - 8 * i));
    return actrd_setting_set(st, SETTING_SERIAL, be, sizeof be);
}

int actrd_state_open(const actrd_state_config_t *cfg, actrd_state_t **out, actr_error_t *err)
{
    if (!cfg || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "NULL argument");
    *out = NULL;
    int rc = config_check(cfg, err);
    if (rc != 0)
        return rc;
    actrd_state_t *st = calloc(1, sizeof *st);
    if (!st)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_TRANSIENT, 0, "out of memory");
    st->cfg = *cfg;
    if ((rc = actrd_store_open(st, err)) != 0) {
        free(st);
        return rc;
    }
    /* One transaction, so two processes starting together generate the secrets only once. */
    uint64_t floor = 0;
    rc = actrd_tx_begin(st);
    if (rc == 0)
        rc = load_secrets(st);
    if (rc == 0)
        rc = actrd_signing_keys_ensure(st);
    if (rc == 0)
        rc = serial_floor(st, &floor);
    if (rc == 0)
        rc = actrd_tx_commit(st);
    if (rc != 0) {
        actrd_tx_rollback(st);
        actrd_state_close(st);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0,
                              "cannot initialise the state in %s (see the log)", cfg->data_dir);
    }
    actrd_serial_init(&st->serial, actrd_serial_worker_id(), floor);
    *out = st;
    return 0;
}

void actrd_state_close(actrd_state_t *st)
{
    if (!st)
        return;
    actrd_store_close(st);
    actr_signing_key_free(st->key);
    memset(st, 0, sizeof *st); /* wipes the secrets */
    free(st);
}

void actrd_http_reply_free(actrd_http_reply_t *reply)
{
    if (!reply)
        return;
    free(reply->body);
    reply->body = NULL;
    reply->len = 0;
}

int64_t actrd_now_ms(const actrd_state_t *st)
{
    return st->clock ? st->clock(st->clock_ud) : actr_clock_wall_ms();
}

int64_t actrd_now_s(const actrd_state_t *st)
{
    int64_t ms = actrd_now_ms(st);
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

void actrd_state_set_clock(actrd_state_t *st, actrd_clock_fn clock, void *ud)
{
    st->clock = clock;
    st->clock_ud = ud;
    st->next_housekeeping_s = 0;
}

static const char SQL_GC_NONCES[] = "DELETE FROM used_nonces WHERE expires_at < ?1";
static const char SQL_GC_TOKENS[] = "DELETE FROM renewal_tokens WHERE expires_at <= ?1";
static const char SQL_GC_PENDING[] = "DELETE FROM pending_registrations WHERE touched_at < ?1";

void actrd_housekeeping(actrd_state_t *st)
{
    int64_t now = actrd_now_s(st);
    if (now < st->next_housekeeping_s)
        return;
    st->next_housekeeping_s = now + HOUSEKEEPING_INTERVAL_S;
    /* A pending row matters while its actor may still connect: until its last renewal token
     * (at most ttl + window after the last renew) and the credential issued with it expire. */
    int64_t pending_keep = (int64_t)st->cfg.renewal_token_ttl_secs +
                           st->cfg.renewal_rotation_window_secs + st->cfg.token_ttl_secs;
    const char *sql[] = {SQL_GC_NONCES, SQL_GC_TOKENS, SQL_GC_PENDING};
    int64_t arg[] = {now, now, now - pending_keep};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *s = actrd_stmt(st, sql[i]);
        if (s) {
            sqlite3_bind_int64(s, 1, arg[i]);
            actrd_stmt_run(st, s);
        }
    }
}

const char *actrd_state_turn_secret(const actrd_state_t *st)
{
    return st->turn_secret;
}

int actrd_state_listen_get(actrd_state_t *st, char *buf, size_t cap)
{
    size_t n = 0;
    if (!st || !buf || cap == 0)
        return ACTR_EINVAL;
    int rc = actrd_setting_get(st, SETTING_LISTEN, buf, cap - 1, &n);
    buf[rc == 0 ? n : 0] = '\0';
    return rc;
}

int actrd_state_listen_set(actrd_state_t *st, const char *listen)
{
    return actrd_setting_set(st, SETTING_LISTEN, listen, strlen(listen));
}
