/*
 * Inbound authentication of the direct WebSocket (protocol.md 4.1, 8.8) over real sockets on
 * 127.0.0.1: forged, expired, wrong-actor and missing credentials are dropped silently (the
 * dialler sees only the socket end, the listener never reports CONNECTED and counts why), the
 * AIS key is fetched asynchronously on a miss (single flight), a failed or silent fetch drops the
 * peer. Also the key cache alone: eviction, negative caching, cancel, returned key_id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ws_harness.h"

#define WAIT_MS 10000

static wh_side_t lis, dia;
static actr_id_t lis_id, dia_id;
static char url[64];

static int setup(void **state)
{
    (void)state;
    wh_open();
    wh_make_id(&lis_id, 0x11);
    wh_make_id(&dia_id, 0x22);
    memset(&lis, 0, sizeof lis);
    memset(&dia, 0, sizeof dia);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return wh_teardown_sides(&dia, &lis);
}

/* Dials the listener with ident, sends one frame, waits for the outcome. */
static bool try_dial(const actr_ws_identity_t *ident, const actr_ws_config_t *lcfg)
{
    wh_side_new(&lis, lcfg, true, 0, NULL);
    lis.echo = true;
    wh_side_new(&dia, NULL, false, 0, ident);
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    actr_ws_conn_id_t conn = 0;
    assert_int_equal(actr_ws_dial(dia.hub, &lis_id, url, &conn), 0);
    actr_buf_t b = actr_buf_static("ping", 4);
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, &b), 0);
    wh_wait(wh_cond_connected, &dia, WAIT_MS); /* the upgrade always completes */
    wh_count_t one = {&dia, 1};
    uint64_t deadline = actr_clock_mono_ms() + WAIT_MS;
    while (!wh_cond_frames(&one) && !wh_cond_disconnected(&dia) &&
           actr_clock_mono_ms() < deadline)
        wh_spin(5);
    return dia.n_frames == 1;
}

/* The listener refused: silently, never CONNECTED, one counter moved. */
static void expect_refused(const actr_ws_identity_t *ident, size_t counter_offset)
{
    assert_false(try_dial(ident, NULL));
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    assert_true(dia.last_reason == ACTR_WS_REASON_PEER_CLOSED);
    assert_int_equal(lis.n_connected, 0);
    assert_int_equal(lis.n_frames, 0);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_failed, 1);
    uint64_t v;
    memcpy(&v, (const char *)&st + counter_offset, sizeof v);
    assert_int_equal(v, 1);
    assert_int_equal(actr_ws_find(lis.hub, &dia_id, ACTR_WS_ACCEPTED), 0);
}

#define REFUSED_BY(field) offsetof(actr_ws_stats_t, field)

static void test_valid(void **state)
{
    (void)state;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    assert_true(try_dial(&ident, NULL));
    assert_int_equal(lis.n_connecting, 1); /* WebSocketConnectStart, then Connected */
    assert_int_equal(lis.n_connected, 1);
}

static void test_forged(void **state)
{
    (void)state;
    actr_signing_key_t *other;
    assert_int_equal(actr_signing_key_generate(&other), 0);
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, other); /* not the AIS key */
    actr_signing_key_free(other);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    expect_refused(&ident, REFUSED_BY(auth_signature));
    assert_true(lis.last_reason == ACTR_WS_REASON_AUTH_FAILED);
}

static void test_tampered_claims(void **state)
{
    (void)state;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    c.claims[c.claims_len - 1] ^= 1; /* the expiry changed after signing */
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    expect_refused(&ident, REFUSED_BY(auth_signature));
}

static void test_expired(void **state)
{
    (void)state;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() - 1, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    expect_refused(&ident, REFUSED_BY(auth_expired));
}

static void test_wrong_actor(void **state)
{
    (void)state;
    /* a valid credential of another actor, presented under our source id */
    wh_cred_t c;
    actr_id_t other;
    wh_make_id(&other, 0x99);
    wh_make_cred(&c, &other, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    expect_refused(&ident, REFUSED_BY(auth_actor_mismatch));
}

static void test_missing_credential(void **state)
{
    (void)state;
    actr_ws_identity_t ident = wh_identity(&dia_id, NULL); /* source id, no credential */
    expect_refused(&ident, REFUSED_BY(auth_missing));
}

static void test_missing_source(void **state)
{
    (void)state;
    actr_ws_identity_t none;
    memset(&none, 0, sizeof none); /* no headers at all */
    expect_refused(&none, REFUSED_BY(auth_missing));
    assert_int_equal(lis.n_connecting, 0); /* no source id: no ConnectStart either */
}

static void test_unknown_key(void **state)
{
    (void)state;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    ident.key_id = WH_KEY_ID + 1; /* the cache has no fetcher: a miss is final */
    expect_refused(&ident, REFUSED_BY(auth_no_key));
}

/* ---- key fetches ---- */

typedef struct fetcher {
    int calls;
    int mode; /* 0: answer with the AIS key later, 1: fail later, 2: never answer */
    uint32_t key_id;
    actr_ais_key_cache_t *cache;
    uv_timer_t timer;
} fetcher_t;

static void fetch_answer(uv_timer_t *t)
{
    fetcher_t *f = t->data;
    uint8_t pub[32];
    actr_signing_key_public(wh_ais_key, pub);
    if (f->mode == 0)
        actr_ais_key_cache_fetched(f->cache, f->key_id, 0, f->key_id, pub);
    else
        actr_ais_key_cache_fetched(f->cache, f->key_id, ACTR_ENOTFOUND, 0, NULL);
}

static int fetch(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx)
{
    fetcher_t *f = ctx;
    f->calls++;
    f->cache = cache;
    f->key_id = key_id;
    if (f->mode != 2)
        uv_timer_start(&f->timer, fetch_answer, 20, 0);
    return 0;
}

static actr_ais_key_cache_t *fetching_cache(fetcher_t *f)
{
    uv_timer_init(wh_loop, &f->timer);
    f->timer.data = f;
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    kc.fetch = fetch;
    kc.fetch_ctx = f;
    actr_ais_key_cache_t *cache;
    assert_int_equal(actr_ais_key_cache_new(&kc, &cache), 0);
    return cache;
}

static void fetcher_done(fetcher_t *f, actr_ais_key_cache_t *cache)
{
    actr_ais_key_cache_free(cache);
    uv_close((uv_handle_t *)&f->timer, NULL);
    uv_run(wh_loop, UV_RUN_NOWAIT); /* f lives on the test's stack */
}

static void test_key_fetched(void **state)
{
    (void)state;
    fetcher_t f = {0};
    actr_ais_key_cache_t *cache = fetching_cache(&f);
    actr_ws_config_t lcfg;
    actr_ws_config_init(&lcfg);
    lcfg.keys = cache;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    assert_true(try_dial(&ident, &lcfg)); /* the frame sent at once waited for the verdict */
    assert_int_equal(f.calls, 1);
    /* a second peer finds the key cached */
    wh_side_t *d2 = calloc(1, sizeof *d2);
    wh_side_new(d2, NULL, false, 0, &ident);
    actr_ws_conn_id_t conn;
    assert_int_equal(actr_ws_dial(d2->hub, &lis_id, url, &conn), 0);
    actr_buf_t b = actr_buf_static("again", 5);
    assert_int_equal(actr_ws_send(d2->hub, conn, 0, &b), 0);
    wh_count_t one = {d2, 1};
    wh_wait(wh_cond_frames, &one, WAIT_MS);
    assert_int_equal(f.calls, 1);
    wh_side_free(d2);
    free(d2);
    wh_side_free(&dia);
    wh_side_free(&lis);
    fetcher_done(&f, cache);
}

static void test_key_fetch_fails(void **state)
{
    (void)state;
    fetcher_t f = {.mode = 1};
    actr_ais_key_cache_t *cache = fetching_cache(&f);
    actr_ws_config_t lcfg;
    actr_ws_config_init(&lcfg);
    lcfg.keys = cache;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    assert_false(try_dial(&ident, &lcfg));
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_no_key, 1);
    assert_int_equal(lis.n_connected, 0);
    wh_side_free(&dia);
    wh_side_free(&lis);
    fetcher_done(&f, cache);
}

static void test_key_fetch_timeout(void **state)
{
    (void)state;
    fetcher_t f = {.mode = 2};
    actr_ais_key_cache_t *cache = fetching_cache(&f);
    actr_ws_config_t lcfg;
    actr_ws_config_init(&lcfg);
    lcfg.keys = cache;
    lcfg.auth_timeout_ms = 100;
    wh_cred_t c;
    wh_make_cred(&c, &dia_id, NULL, actr_clock_wall_s() + 60, NULL);
    actr_ws_identity_t ident = wh_identity(&dia_id, &c);
    assert_false(try_dial(&ident, &lcfg));
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_timeout, 1);
    wh_side_free(&dia);
    wh_side_free(&lis);
    /* the fetch never answered: freeing the cache cancels nothing left (the conn withdrew) */
    fetcher_done(&f, cache);
}

/* ---- the key cache alone ---- */

typedef struct got {
    int calls, status;
    uint32_t key_id;
} got_t;

static void on_got(int status, uint32_t key_id, const uint8_t *pub, void *arg)
{
    got_t *g = arg;
    g->calls++;
    g->status = status;
    g->key_id = key_id;
    assert_true((status == 0) == (pub != NULL));
}

static uint64_t fake_now;
static uint64_t fake_clock(void)
{
    return fake_now;
}

static int sync_fetch(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    uint8_t pub[32];
    actr_signing_key_public(wh_ais_key, pub);
    if (key_id == 50) /* answers with another key_id than asked */
        actr_ais_key_cache_fetched(cache, key_id, 0, 51, pub);
    else if (key_id == 60)
        return ACTR_EIO;
    else
        actr_ais_key_cache_fetched(cache, key_id, 0, key_id, pub);
    return 0;
}

static void test_key_cache(void **state)
{
    (void)state;
    int calls = 0;
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    kc.max_entries = 2;
    kc.fetch = sync_fetch;
    kc.fetch_ctx = &calls;
    kc.negative_ttl_ms = 1000;
    kc.now_ms = fake_clock;
    actr_ais_key_cache_t *cache;
    assert_int_equal(actr_ais_key_cache_new(&kc, &cache), 0);
    uint8_t pub[32], out[32];
    actr_signing_key_public(wh_ais_key, pub);
    uint8_t zero[32] = {2}; /* not a curve point */
    assert_int_equal(actr_ais_key_cache_put(cache, 1, zero), ACTR_EINVAL);

    /* a synchronous fetcher: done() runs inside lookup, the ticket is spent */
    got_t g = {0};
    uint64_t ticket = 99;
    assert_int_equal(actr_ais_key_cache_lookup(cache, 10, on_got, &g, &ticket), 0);
    assert_int_equal(ticket, 0);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.status, 0);
    assert_int_equal(actr_ais_key_cache_get(cache, 10, out), 0);
    assert_memory_equal(out, pub, 32);
    /* a hit does not fetch */
    assert_int_equal(actr_ais_key_cache_lookup(cache, 10, on_got, &g, &ticket), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(g.calls, 2);

    /* the answer names another key: stored under it, the asked one fails and is remembered */
    assert_int_equal(actr_ais_key_cache_lookup(cache, 50, on_got, &g, &ticket), 0);
    assert_int_equal(g.status, ACTR_ENOTFOUND);
    assert_int_equal(actr_ais_key_cache_get(cache, 51, out), 0);
    assert_int_equal(actr_ais_key_cache_lookup(cache, 50, on_got, &g, &ticket), 0);
    assert_int_equal(calls, 2); /* negative hit: no second fetch */
    fake_now += 1001;
    assert_int_equal(actr_ais_key_cache_lookup(cache, 50, on_got, &g, &ticket), 0);
    assert_int_equal(calls, 3); /* the negative entry ended */

    /* two entries at most (10 and 51): a third pushes the oldest, 10, out */
    assert_int_equal(actr_ais_key_cache_put(cache, 70, pub), 0);
    assert_int_equal(actr_ais_key_cache_get(cache, 51, out), 0);
    assert_int_equal(actr_ais_key_cache_get(cache, 10, out), ACTR_ENOTFOUND);
    actr_ais_key_cache_stats_t st;
    actr_ais_key_cache_stats(cache, &st);
    assert_true(st.evictions >= 1);

    /* a fetcher that cannot start */
    assert_int_equal(actr_ais_key_cache_lookup(cache, 60, on_got, &g, &ticket), 0);
    assert_int_equal(g.status, ACTR_EIO);
    actr_ais_key_cache_free(cache);
}

static int async_calls;
static int async_fetch(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx)
{
    (void)cache;
    (void)key_id;
    (void)ctx;
    async_calls++;
    return 0;
}

static void test_key_cache_single_flight(void **state)
{
    (void)state;
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    kc.fetch = async_fetch;
    kc.max_fetches = 1;
    actr_ais_key_cache_t *cache;
    assert_int_equal(actr_ais_key_cache_new(&kc, &cache), 0);
    got_t a = {0}, b = {0}, c = {0}, d = {0};
    uint64_t ta, tb, tc, td;
    assert_int_equal(actr_ais_key_cache_lookup(cache, 5, on_got, &a, &ta), 0);
    assert_int_equal(actr_ais_key_cache_lookup(cache, 5, on_got, &b, &tb), 0);
    assert_int_equal(actr_ais_key_cache_lookup(cache, 5, on_got, &c, &tc), 0);
    assert_int_equal(async_calls, 1); /* one fetch for three lookups */
    /* another key_id while one fetch is out and max_fetches = 1: refused at once */
    assert_int_equal(actr_ais_key_cache_lookup(cache, 6, on_got, &d, &td), ACTR_EAGAIN);
    assert_int_equal(d.calls, 0);
    actr_ais_key_cache_cancel(cache, tb);
    uint8_t pub[32];
    actr_signing_key_public(wh_ais_key, pub);
    actr_ais_key_cache_fetched(cache, 5, 0, 5, pub);
    actr_ais_key_cache_fetched(cache, 5, 0, 5, pub); /* a duplicate answer is ignored */
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 0); /* cancelled */
    assert_int_equal(c.calls, 1);
    assert_int_equal(a.status, 0);
    /* waiters still out when the cache goes learn ECANCELED */
    assert_int_equal(actr_ais_key_cache_lookup(cache, 6, on_got, &d, &td), 0);
    actr_ais_key_cache_free(cache);
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.status, ACTR_ECANCELED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_credential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_fetched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_fetch_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_fetch_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_cache_single_flight, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
