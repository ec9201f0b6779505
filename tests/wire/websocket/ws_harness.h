/*
 * ws_harness.h - shared pieces of the direct WebSocket tests: one libuv loop with bounded waits,
 * an AIS signing key made for the test with credentials signed by it, and "sides": a hub plus
 * everything its callbacks saw.
 */
#ifndef ACTR_TEST_WS_HARNESS_H
#define ACTR_TEST_WS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "actr/crypto.h"
#include "wire/websocket/ws.h"

#define WH_KEY_ID 7
#define WH_MAX_FRAMES 4096

extern uv_loop_t *wh_loop;
extern actr_signing_key_t *wh_ais_key; /* the "AIS" key; its public half is in wh_keys */
extern actr_ais_key_cache_t *wh_keys;

/* Loop, AIS key and key cache (seeded with the key under WH_KEY_ID). */
void wh_open(void);
/* Frees the cache and key, runs the loop until everything is closed, asserts uv_loop_close()==0. */
void wh_close(void);

/* Runs the loop until cond(arg) holds; fails the test after timeout_ms. */
void wh_wait(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms);
/* Runs the loop for ms. */
void wh_spin(uint64_t ms);

/* A credential: claims {realm of id, actor_id (NULL: id's string form), expires_at}. */
typedef struct wh_cred {
    uint8_t claims[512];
    size_t claims_len;
    uint8_t sig[64];
} wh_cred_t;

void wh_make_id(actr_id_t *id, uint64_t serial);
/* Signs with key (NULL: wh_ais_key). */
void wh_make_cred(wh_cred_t *c, const actr_id_t *id, const char *actor_id, int64_t expires_at,
                  const actr_signing_key_t *key);
actr_ws_identity_t wh_identity(const actr_id_t *id, const wh_cred_t *c);

/* One received frame. */
typedef struct wh_frame {
    actr_ws_conn_id_t conn;
    actr_ws_dir_t dir;
    actr_id_t peer;
    uint8_t payload_type;
    actr_buf_t payload;
} wh_frame_t;

typedef struct wh_side {
    actr_ws_hub_t *hub;
    bool echo;              /* reply to every lane-0 frame (our tests' requests), type 0 */
    wh_frame_t frames[WH_MAX_FRAMES];
    size_t n_frames;
    size_t n_connecting, n_connected, n_disconnected, n_writable;
    actr_ws_event_t last; /* last event (peer pointer not kept) */
    actr_ws_reason_t last_reason;
    actr_ws_conn_id_t last_conn;
    bool destroyed;
} wh_side_t;

/* Creates side->hub; listen: on 127.0.0.1 (port: 0 = ephemeral). cfg NULL: defaults. */
void wh_side_new(wh_side_t *side, const actr_ws_config_t *cfg, bool listen, uint16_t port,
                 const actr_ws_identity_t *identity);
/* Destroys the hub, waits until it has freed itself, releases recorded frames. */
void wh_side_free(wh_side_t *side);
void wh_side_reset(wh_side_t *side); /* forgets recorded frames and counters */

/* A test's teardown: frees both sides (either may be empty), then wh_close(). Returns 0. */
int wh_teardown_sides(wh_side_t *a, wh_side_t *b);

/* Conditions for wh_wait. */
bool wh_cond_connected(void *side);     /* n_connected > 0 */
bool wh_cond_disconnected(void *side);  /* n_disconnected > 0 */
typedef struct wh_count {
    wh_side_t *side;
    size_t n;
} wh_count_t;
bool wh_cond_frames(void *count); /* n_frames >= n */

#endif /* ACTR_TEST_WS_HARNESS_H */
