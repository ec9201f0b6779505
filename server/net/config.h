/*
 * config.h - actrd's serving configuration: the actrd.toml file, defaults and command-line
 * overrides (docs/ACTRD.md "Configuration" lists every key).
 *
 * Precedence: built-in defaults < the file given with --config < command-line flags.
 * Unknown keys and wrong types are errors with the file's line, so a typo never silently falls
 * back to a default.
 */
#ifndef ACTRD_NET_CONFIG_H
#define ACTRD_NET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"
#include "actr/log.h"
#include "backend.h"
#include "signaling/signaling.h"

#define ACTRD_HOST_SIZE 256

typedef struct actrd_net_config {
    char listen_host[ACTRD_HOST_SIZE]; /* "127.0.0.1", "::1", "0.0.0.0" */
    uint16_t listen_port;              /* 0: any free port (printed once bound) */
    bool listen_given;                 /* else what `actrd init --listen` recorded, if any */
    actr_log_level_t log_level;
    bool log_level_given; /* else ACTR_LOG from the environment, or info */
    actrd_state_config_t state; /* data_dir and the AIS settings ([ais] in the file) */

    /* [limits] */
    double http_rate_per_sec;        /* per-IP token refill on /ais and /mfr; 0 = unlimited */
    uint32_t http_burst;             /* bucket size */
    double ws_connect_rate_per_sec;  /* per-IP WebSocket upgrade attempts; 0 = unlimited */
    uint32_t ws_connect_burst;
    uint32_t ratelimit_max_ips;      /* tracked addresses per table; beyond: refused (429) */
    uint32_t max_http_body_bytes;    /* larger request bodies get 413 */
    uint32_t max_frame_bytes;        /* larger WebSocket messages close the socket with 1009 */
    uint32_t send_queue_frames;      /* per-socket outbound queue, in frames ... */
    uint32_t send_queue_bytes;       /* ... and in bytes; full = the socket is closed (1013) */
    uint32_t max_connections;        /* signaling sockets; 0 = unlimited */
    uint32_t http_timeout_secs;      /* idle HTTP / unfinished handshake timeout */
    uint32_t ws_idle_secs;           /* silent sockets: Ping at half, dropped at this; 0 = never */
    double ws_msg_rate_per_sec;      /* per-socket signaling messages (envelope_error 429) */
    uint32_t ws_msg_burst;

    /* [signaling] */
    uint32_t registry_ttl_secs;      /* an actor without a Ping for longer is not discoverable */
    uint32_t sweep_interval_secs;
    uint32_t pong_interval_secs;     /* Pong.suggest_interval_secs */
    uint32_t max_route_candidates;
    uint32_t max_subscriptions;
    uint32_t shutdown_grace_ms;      /* on SIGTERM: time for sockets to close with 1001 */
} actrd_net_config_t;

/* Fills the defaults (listen 127.0.0.1:8081, actrix's 2 req/s burst 100 for AIS, ...). */
void actrd_net_config_init(actrd_net_config_t *cfg);

/*
 * Applies a TOML document (len bytes of text; name is used in messages) on top of cfg.
 * Returns 0, ACTR_EPARSE (syntax), ACTR_EINVAL (unknown key, wrong type, out of range) with
 * "name:LINE: ..." in err. On failure cfg may be partly updated.
 */
int actrd_net_config_apply_toml(actrd_net_config_t *cfg, const char *text, size_t len,
                                const char *name, actr_error_t *err);

/* Reads path (at most 1 MiB) and applies it: as above, or ACTR_EIO when it cannot be read. */
int actrd_net_config_load_file(actrd_net_config_t *cfg, const char *path, actr_error_t *err);

/*
 * Sets one key by its dotted name ("limits.http_burst", "listen") from command-line text,
 * converted to the key's type. Same errors as the file.
 */
int actrd_net_config_set(actrd_net_config_t *cfg, const char *key, const char *value,
                         actr_error_t *err);

/* Parses "HOST:PORT" or "[V6]:PORT" (port 0-65535): 0 or ACTR_EINVAL. */
int actrd_net_parse_listen(const char *text, char host[ACTRD_HOST_SIZE], uint16_t *port,
                           actr_error_t *err);

/* Cross-field checks before serving (data_dir set, burst >= 1 when rate > 0, ...). */
int actrd_net_config_check(const actrd_net_config_t *cfg, actr_error_t *err);

/* The signaling module's settings derived from cfg. */
void actrd_net_config_sig(const actrd_net_config_t *cfg, actrd_sig_config_t *out);

#endif /* ACTRD_NET_CONFIG_H */
