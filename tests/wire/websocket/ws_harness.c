/*
 * ws_harness.c - loop, credentials and recording sides for the direct WebSocket tests.
 */
#include "ws_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "codec/pb.h"

uv_loop_t *wh_loop;
actr_signing_key_t *wh_ais_key;
actr_ais_key_cache_t *wh_keys;
static uv_loop_t loop_storage;

void wh_open(void)
{
    assert_int_equal(uv_loop_init(&loop_storage), 0);
    wh_loop = &loop_storage;
    assert_int_equal(actr_signing_key_generate(&wh_ais_key), 0);
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    assert_int_equal(actr_ais_key_cache_new(&kc, &wh_keys), 0);
    uint8_t pub[32];
    actr_signing_key_public(wh_ais_key, pub);
    assert_int_equal(actr_ais_key_cache_put(wh_keys, WH_KEY_ID, pub), 0);
}

void wh_close(void)
{
    actr_ais_key_cache_free(wh_keys);
    wh_keys = NULL;
    actr_signing_key_free(wh_ais_key);
    wh_ais_key = NULL;
    for (int i = 0; i < 100 && uv_loop_alive(wh_loop); i++)
        uv_run(wh_loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(wh_loop), 0);
    wh_loop = NULL;
}

static void on_watchdog(uv_timer_t *t)
{
    *(bool *)t->data = true;
    uv_stop(t->loop);
}

static void on_poll(uv_timer_t *t)
{
    uv_stop(t->loop); /* let wh_wait look at its condition */
}

void wh_wait(bool (*cond)(void *arg), void *arg, uint64_t timeout_ms)
{
    bool expired = false;
    uv_timer_t dog, poll;
    uv_timer_init(wh_loop, &dog);
    uv_timer_init(wh_loop, &poll);
    dog.data = &expired;
    uv_timer_start(&dog, on_watchdog, timeout_ms, 0);
    uv_timer_start(&poll, on_poll, 1, 1);
    while (!cond(arg) && !expired)
        uv_run(wh_loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&dog, NULL);
    uv_close((uv_handle_t *)&poll, NULL);
    uv_run(wh_loop, UV_RUN_NOWAIT);
    if (!cond(arg))
        fail_msg("condition not met within %llu ms", (unsigned long long)timeout_ms);
}

static bool never(void *arg)
{
    return *(bool *)arg;
}

void wh_spin(uint64_t ms)
{
    bool expired = false;
    uv_timer_t t;
    uv_timer_init(wh_loop, &t);
    t.data = &expired;
    uv_timer_start(&t, on_watchdog, ms, 0);
    while (!never(&expired))
        uv_run(wh_loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(wh_loop, UV_RUN_NOWAIT);
}

void wh_make_id(actr_id_t *id, uint64_t serial)
{
    memset(id, 0, sizeof *id);
    id->realm.realm_id = 101;
    id->serial_number = serial;
    assert_int_equal(actr_type_set(&id->type, "acme", "echo-service", "1.0.0", NULL), 0);
}

void wh_make_cred(wh_cred_t *c, const actr_id_t *id, const char *actor_id, int64_t expires_at,
                  const actr_signing_key_t *key)
{
    char str[ACTR_ID_STR_SIZE];
    assert_int_equal(actr_id_format(id, str, sizeof str, NULL), 0);
    Actr__IdentityClaims claims = ACTR__IDENTITY_CLAIMS__INIT;
    claims.realm_id = id->realm.realm_id;
    claims.actor_id = (char *)(actor_id ? actor_id : str);
    claims.expires_at = (uint64_t)expires_at;
    uint8_t *bytes = NULL;
    size_t n = 0;
    assert_int_equal(actr_pb_encode(&claims.base, &bytes, &n, NULL), 0);
    assert_true(n <= sizeof c->claims);
    memcpy(c->claims, bytes, n);
    c->claims_len = n;
    free(bytes);
    assert_int_equal(actr_signing_key_sign(key ? key : wh_ais_key, c->claims, n, c->sig), 0);
}

actr_ws_identity_t wh_identity(const actr_id_t *id, const wh_cred_t *c)
{
    actr_ws_identity_t ident = {.id = *id, .key_id = WH_KEY_ID};
    if (c) {
        ident.claims = c->claims;
        ident.claims_len = c->claims_len;
        ident.signature = c->sig;
        ident.signature_len = sizeof c->sig;
    }
    return ident;
}

/* ---- sides ---- */

static void on_state(actr_ws_hub_t *hub, const actr_ws_event_t *ev, void *ud)
{
    (void)hub;
    wh_side_t *s = ud;
    s->last = *ev;
    s->last.peer = NULL;
    s->last_conn = ev->conn;
    if (ev->state == ACTR_WS_CONNECTING)
        s->n_connecting++;
    else if (ev->state == ACTR_WS_CONNECTED)
        s->n_connected++;
    else {
        s->n_disconnected++;
        s->last_reason = ev->reason;
    }
}

static void on_frame(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_dir_t dir,
                     const actr_id_t *peer, uint8_t pt, actr_buf_t payload, void *ud)
{
    wh_side_t *s = ud;
    if (s->echo && pt == 0)
        assert_int_equal(actr_ws_send(hub, conn, 0, &payload), 0);
    if (s->n_frames == WH_MAX_FRAMES) {
        actr_buf_release(&payload);
        return;
    }
    wh_frame_t *f = &s->frames[s->n_frames++];
    f->conn = conn;
    f->dir = dir;
    if (peer)
        f->peer = *peer;
    f->payload_type = pt;
    f->payload = payload;
}

static void on_writable(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, void *ud)
{
    (void)hub;
    (void)conn;
    ((wh_side_t *)ud)->n_writable++;
}

void wh_side_new(wh_side_t *side, const actr_ws_config_t *cfg, bool listen, uint16_t port,
                 const actr_ws_identity_t *identity)
{
    actr_ws_config_t c;
    if (cfg)
        c = *cfg;
    else
        actr_ws_config_init(&c);
    if (listen) {
        c.listen_host = "127.0.0.1";
        c.listen_port = port;
    }
    if (identity)
        c.identity = *identity;
    if (!c.keys)
        c.keys = wh_keys;
    actr_ws_callbacks_t cb = {on_state, on_frame, on_writable, side};
    actr_error_t err = {0};
    if (actr_ws_hub_new(wh_loop, &c, &cb, &side->hub, &err) != 0)
        fail_msg("hub: %s", err.message);
    side->destroyed = false;
}

static void on_destroyed(void *arg)
{
    ((wh_side_t *)arg)->destroyed = true;
}

static bool is_destroyed(void *arg)
{
    return ((wh_side_t *)arg)->destroyed;
}

void wh_side_reset(wh_side_t *side)
{
    for (size_t i = 0; i < side->n_frames; i++)
        actr_buf_release(&side->frames[i].payload);
    side->n_frames = 0;
    side->n_connecting = side->n_connected = side->n_disconnected = side->n_writable = 0;
    side->last_reason = ACTR_WS_REASON_NONE;
}

void wh_side_free(wh_side_t *side)
{
    if (side->hub) {
        actr_ws_hub_destroy(side->hub, on_destroyed, side);
        wh_wait(is_destroyed, side, 10000);
        side->hub = NULL;
    }
    wh_side_reset(side);
}

int wh_teardown_sides(wh_side_t *a, wh_side_t *b)
{
    wh_side_free(a);
    wh_side_free(b);
    wh_close();
    return 0;
}

bool wh_cond_connected(void *side)
{
    return ((wh_side_t *)side)->n_connected > 0;
}

bool wh_cond_disconnected(void *side)
{
    return ((wh_side_t *)side)->n_disconnected > 0;
}

bool wh_cond_frames(void *count)
{
    wh_count_t *c = count;
    return c->side->n_frames >= c->n;
}
