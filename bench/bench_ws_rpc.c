/*
 * bench_ws_rpc - RPC over the direct WebSocket hub (src/wire/websocket) on loopback: round-trip
 * time with one call in flight (p50, p99) and pipelined calls per second with a window of calls
 * in flight, against a raw libwebsockets echo (one lws context, server and client, no framing,
 * no queues, no auth) measured in the same run on the same loop. The listener echoes each lane-0
 * frame back as the reply, as a node answers a request; payloads are opaque bytes (no envelope
 * encoding: that is the node's cost, not the transport's). Rounds alternate hub and raw.
 *
 *   bench_ws_rpc [--size 64] [--rtt 20000] [--calls 200000] [--window 100] [--rounds 3]
 *
 * Prints each round, then the median of the rounds for the hub, the raw baseline and their ratio,
 * including the process's CPU time per pipelined call (less sensitive to a busy machine); exits non-zero if any call was
 * lost. docs/BENCHMARKS.md has figures and the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <libwebsockets.h>

#include "actr.pb-c.h"
#include "actr/log.h"
#include "base/clock.h"
#include "util/stats.h"
#include "codec/pb.h"
#include "wire/websocket/ws.h"

#define RAW_PROTO "bench-raw"

typedef struct opts {
    size_t size;
    size_t rtt;
    size_t calls;
    size_t window;
    int rounds;
} opts_t;

/* One measurement: mode rtt (one in flight, every sample kept) or pipelined (a window). */
typedef struct run {
    bool pipelined;
    size_t target, window;
    size_t sent, recvd;
    uint64_t t_sent_ns, t0_ns, t1_ns;
    uint64_t cpu0_ns, cpu1_ns; /* this process's user + system time */
    uint32_t *samples; /* round trips in ns / 10 */
    size_t n_samples;
    bool done;
    bool failed;
} run_t;

typedef struct result {
    double p50_us, p99_us, calls_per_s, cpu_us_per_call;
} result_t;

static uv_loop_t loop;
static opts_t o = {64, 20000, 200000, 100, 3};
static uint8_t *payload;

static void run_reset(run_t *r, bool pipelined)
{
    uint32_t *s = r->samples;
    memset(r, 0, sizeof *r);
    r->samples = s;
    r->pipelined = pipelined;
    r->target = pipelined ? o.calls : o.rtt;
    r->window = pipelined ? o.window : 1;
}

static uint64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/* A reply arrived: record it; returns how many calls to send now. */
static size_t run_on_reply(run_t *r)
{
    uint64_t now = actr_clock_mono_ns();
    r->recvd++;
    if (!r->pipelined && r->n_samples < o.rtt)
        r->samples[r->n_samples++] = (uint32_t)((now - r->t_sent_ns) / 10);
    if (r->recvd == r->target) {
        r->t1_ns = now;
        r->cpu1_ns = cpu_ns();
        r->done = true;
        uv_stop(&loop);
        return 0;
    }
    return r->sent < r->target ? 1 : 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void on_guard(uv_timer_t *t)
{
    run_t *r = t->data;
    r->failed = true;
    uv_stop(&loop);
}

/* Runs the loop until r is done (120 s at most). */
static void run_wait(run_t *r)
{
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    guard.data = r;
    uv_timer_start(&guard, on_guard, 120000, 0);
    while (!r->done && !r->failed)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
}

static void run_result(run_t *r, result_t *out, bool pipelined)
{
    if (pipelined) {
        out->calls_per_s = r->target / ((double)(r->t1_ns - r->t0_ns) / 1e9);
        out->cpu_us_per_call = (double)(r->cpu1_ns - r->cpu0_ns) / 1e3 / r->target;
        return;
    }
    qsort(r->samples, r->n_samples, sizeof *r->samples, cmp_u32);
    out->p50_us = r->samples[r->n_samples / 2] / 100.0;
    out->p99_us = r->samples[(size_t)(r->n_samples * 0.99)] / 100.0;
}

/* ---- the hub ---- */

typedef struct hub_bench {
    actr_ws_hub_t *lis, *dia;
    actr_ws_conn_id_t conn;
    run_t *run;
    bool connected, destroyed;
    int destroyed_count;
} hub_bench_t;

static hub_bench_t hb;

static void hub_send(void)
{
    actr_buf_t b = actr_buf_static(payload, o.size);
    hb.run->sent++;
    hb.run->t_sent_ns = actr_clock_mono_ns();
    if (actr_ws_send(hb.dia, hb.conn, ACTR_WS_RPC_RELIABLE, &b) != 0)
        hb.run->failed = true;
}

static void hub_on_frame(actr_ws_hub_t *hub, actr_ws_conn_id_t conn, actr_ws_dir_t dir,
                         const actr_id_t *peer, uint8_t pt, actr_buf_t p, void *ud)
{
    (void)peer;
    (void)pt;
    (void)ud;
    if (dir == ACTR_WS_ACCEPTED) { /* the listener answers on the connection it came in on */
        if (actr_ws_send(hub, conn, ACTR_WS_RPC_RELIABLE, &p) != 0)
            hb.run->failed = true;
    } else {
        for (size_t n = run_on_reply(hb.run); n; n--)
            hub_send();
    }
    actr_buf_release(&p);
}

static void hub_on_state(actr_ws_hub_t *hub, const actr_ws_event_t *ev, void *ud)
{
    (void)ud;
    if (hub == hb.dia && ev->state == ACTR_WS_CONNECTED) {
        hb.connected = true;
        uv_stop(&loop);
    }
}

static void hub_on_destroyed(void *arg)
{
    (void)arg;
    hb.destroyed_count++;
}

static actr_signing_key_t *ais_key;
static actr_ais_key_cache_t *keys;

static int hub_open(void)
{
    actr_id_t lis_id, dia_id;
    memset(&lis_id, 0, sizeof lis_id);
    lis_id.realm.realm_id = 1;
    lis_id.serial_number = 1;
    actr_type_set(&lis_id.type, "bench", "echo", "1", NULL);
    dia_id = lis_id;
    dia_id.serial_number = 2;
    char id_str[ACTR_ID_STR_SIZE];
    actr_id_format(&dia_id, id_str, sizeof id_str, NULL);
    Actr__IdentityClaims claims = ACTR__IDENTITY_CLAIMS__INIT;
    claims.realm_id = 1;
    claims.actor_id = id_str;
    claims.expires_at = (uint64_t)actr_clock_wall_s() + 3600;
    uint8_t *cl = NULL, sig[64], pub[32];
    size_t cl_len = 0;
    actr_ais_key_cache_config_t kc;
    actr_ais_key_cache_config_init(&kc);
    if (actr_signing_key_generate(&ais_key) || actr_pb_encode(&claims.base, &cl, &cl_len, NULL) ||
        actr_signing_key_sign(ais_key, cl, cl_len, sig) || actr_ais_key_cache_new(&kc, &keys))
        return -1;
    actr_signing_key_public(ais_key, pub);
    actr_ais_key_cache_put(keys, 1, pub);

    actr_ws_callbacks_t cb = {hub_on_state, hub_on_frame, NULL, NULL};
    actr_ws_config_t cfg;
    actr_ws_config_init(&cfg);
    cfg.max_queue_frames = (uint32_t)(o.window * 2 + 16);
    cfg.listen_host = "127.0.0.1";
    cfg.keys = keys;
    actr_error_t err = {0};
    int rc = actr_ws_hub_new(&loop, &cfg, &cb, &hb.lis, &err);
    cfg.listen_host = NULL;
    cfg.identity = (actr_ws_identity_t){dia_id, 1, cl, cl_len, sig, 64};
    if (!rc)
        rc = actr_ws_hub_new(&loop, &cfg, &cb, &hb.dia, &err);
    free(cl);
    char url[64];
    if (rc || actr_ws_hub_address(hb.lis, url, sizeof url) ||
        actr_ws_dial(hb.dia, &lis_id, url, &hb.conn)) {
        fprintf(stderr, "hub: %s\n", err.message);
        return -1;
    }
    uint64_t deadline = actr_clock_mono_ms() + 10000;
    while (!hb.connected && actr_clock_mono_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    return hb.connected ? 0 : -1;
}

static void hub_close(void)
{
    actr_ws_hub_destroy(hb.dia, hub_on_destroyed, NULL);
    actr_ws_hub_destroy(hb.lis, hub_on_destroyed, NULL);
    for (int i = 0; i < 100000 && hb.destroyed_count < 2; i++)
        uv_run(&loop, UV_RUN_ONCE);
    actr_ais_key_cache_free(keys);
    actr_signing_key_free(ais_key);
}

static int hub_measure(run_t *r, bool pipelined, result_t *out)
{
    run_reset(r, pipelined);
    hb.run = r;
    r->t0_ns = actr_clock_mono_ns();
    r->cpu0_ns = cpu_ns();
    for (size_t i = 0; i < r->window && i < r->target; i++)
        hub_send();
    run_wait(r);
    if (r->failed || r->recvd != r->target)
        return -1;
    run_result(r, out, pipelined);
    return 0;
}

/* ---- the raw lws baseline: echo server and client in one context ---- */

typedef struct raw_msg {
    struct raw_msg *next;
    size_t len;
    unsigned char buf[]; /* LWS_PRE + data */
} raw_msg_t;

typedef struct raw_side {
    struct lws *wsi;
    raw_msg_t *head, *tail;
    uint8_t *rx;
    size_t rx_len;
} raw_side_t;

static struct {
    struct lws_context *ctx;
    raw_side_t server, client;
    run_t *run;
    bool connected;
} raw;

static void raw_queue(raw_side_t *s, const uint8_t *data, size_t len)
{
    raw_msg_t *m = malloc(sizeof *m + LWS_PRE + len);
    if (!m)
        abort();
    m->next = NULL;
    m->len = len;
    memcpy(m->buf + LWS_PRE, data, len);
    bool was_empty = !s->head;
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    if (was_empty) /* the same write strategy as the hub's */
        lws_callback_on_writable(s->wsi);
}

static int raw_write(raw_side_t *s, struct lws *wsi)
{
    for (int n = 0; s->head && n < 16; n++) { /* the hub writes the same way */
        raw_msg_t *m = s->head;
        s->head = m->next;
        if (!s->head)
            s->tail = NULL;
        int w = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY);
        free(m);
        if (w < 0)
            return -1;
        if (lws_partial_buffered(wsi))
            break;
    }
    if (s->head)
        lws_callback_on_writable(wsi);
    return 0;
}

static void raw_send(void)
{
    static uint8_t frame[5 + 65536];
    size_t n = 5 + o.size; /* the same bytes on the wire as a hub frame */
    memcpy(frame + 5, payload, o.size);
    raw.run->sent++;
    raw.run->t_sent_ns = actr_clock_mono_ns();
    raw_queue(&raw.client, frame, n);
}

/* Reassembles a message into s->rx; returns true when it is complete. */
static bool raw_rx(raw_side_t *s, struct lws *wsi, const void *in, size_t len)
{
    if (lws_is_first_fragment(wsi))
        s->rx_len = 0;
    s->rx = realloc(s->rx, s->rx_len + len);
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    return lws_is_final_fragment(wsi);
}

static int raw_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        raw.server.wsi = wsi;
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        raw.connected = true;
        uv_stop(&loop);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (raw_rx(&raw.server, wsi, in, len))
            raw_queue(&raw.server, raw.server.rx, raw.server.rx_len);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (raw_rx(&raw.client, wsi, in, len))
            for (size_t n = run_on_reply(raw.run); n; n--)
                raw_send();
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return raw_write(&raw.server, wsi);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return raw_write(&raw.client, wsi);
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols raw_protocols[] = {
    {RAW_PROTO, raw_cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int raw_open(void)
{
    void *foreign[1] = {&loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign;
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = raw_protocols;
    info.gid = (gid_t)-1;
    info.uid = (uid_t)-1;
    raw.ctx = lws_create_context(&info);
    struct lws_vhost *vh = raw.ctx ? lws_get_vhost_by_name(raw.ctx, "default") : NULL;
    int port = vh ? lws_get_vhost_listen_port(vh) : 0;
    if (port <= 0)
        return -1;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = raw.ctx;
    ci.address = "127.0.0.1";
    ci.port = port;
    ci.path = "/";
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.local_protocol_name = RAW_PROTO;
    ci.pwsi = &raw.client.wsi;
    if (!lws_client_connect_via_info(&ci))
        return -1;
    uint64_t deadline = actr_clock_mono_ms() + 10000;
    while (!raw.connected && actr_clock_mono_ms() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    return raw.connected ? 0 : -1;
}

static void raw_destroy_cb(uv_timer_t *t)
{
    lws_context_destroy(raw.ctx); /* the first destroy from a loop callback (LOOP-NOTES) */
    uv_close((uv_handle_t *)t, NULL);
}

static void raw_close(void)
{
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, raw_destroy_cb, 0, 0);
    for (int i = 0; i < 100000 && uv_loop_alive(&loop); i++) /* lws closes its handles */
        uv_run(&loop, UV_RUN_ONCE);
    lws_context_destroy(raw.ctx); /* the second destroy frees the rest (4.1.6) */
    free(raw.server.rx);
    free(raw.client.rx);
}

static int raw_measure(run_t *r, bool pipelined, result_t *out)
{
    run_reset(r, pipelined);
    raw.run = r;
    r->t0_ns = actr_clock_mono_ns();
    r->cpu0_ns = cpu_ns();
    for (size_t i = 0; i < r->window && i < r->target; i++)
        raw_send();
    run_wait(r);
    if (r->failed || r->recvd != r->target)
        return -1;
    run_result(r, out, pipelined);
    return 0;
}

/* ---- main ---- */

static int parse(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return -1;
        }
        long n = strtol(v, NULL, 10);
        if (!strcmp(a, "--size") && n >= 0 && n <= 65536)
            o.size = (size_t)n;
        else if (!strcmp(a, "--rtt") && n > 0)
            o.rtt = (size_t)n;
        else if (!strcmp(a, "--calls") && n > 0)
            o.calls = (size_t)n;
        else if (!strcmp(a, "--window") && n > 0 && n <= 100000)
            o.window = (size_t)n;
        else if (!strcmp(a, "--rounds") && n > 0 && n <= 100)
            o.rounds = (int)n;
        else {
            fprintf(stderr, "usage: bench_ws_rpc [--size B] [--rtt N] [--calls N] "
                            "[--window N] [--rounds N]\n");
            return -1;
        }
        i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (parse(argc, argv))
        return 2;
    actr_log_set_level(ACTR_LOG_WARN);
    uv_loop_init(&loop);
    payload = malloc(o.size ? o.size : 1);
    for (size_t i = 0; i < o.size; i++)
        payload[i] = (uint8_t)i;
    run_t r = {0};
    r.samples = calloc(o.rtt, sizeof *r.samples);
    if (hub_open() || raw_open()) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    double h50[100], h99[100], hps[100], hcpu[100], r50[100], r99[100], rps[100], rcpu[100];
    int failed = 0;
    for (int k = 0; k < o.rounds && !failed; k++) {
        result_t a = {0}, b = {0};
        failed |= hub_measure(&r, false, &a) || raw_measure(&r, false, &b);
        failed |= hub_measure(&r, true, &a) || raw_measure(&r, true, &b);
        h50[k] = a.p50_us, h99[k] = a.p99_us, hps[k] = a.calls_per_s, hcpu[k] = a.cpu_us_per_call;
        r50[k] = b.p50_us, r99[k] = b.p99_us, rps[k] = b.calls_per_s, rcpu[k] = b.cpu_us_per_call;
        if (!failed)
            printf("round %d: hub p50 %.1f us p99 %.1f us %.0f calls/s %.2f cpu-us/call | raw "
                   "p50 %.1f us p99 %.1f us %.0f calls/s %.2f cpu-us/call\n",
                   k + 1, a.p50_us, a.p99_us, a.calls_per_s, a.cpu_us_per_call, b.p50_us,
                   b.p99_us, b.calls_per_s, b.cpu_us_per_call);
    }
    if (!failed) {
        int n = o.rounds;
        printf("\nbench_ws_rpc: %zu B payloads, %zu round trips one at a time, %zu calls with %zu "
               "in flight, median of %d rounds\n",
               o.size, o.rtt, o.calls, o.window, n);
        printf("%-30s %12s %12s %10s\n", "", "hub", "raw lws", "hub/raw");
        double a, b;
        a = bench_median(h50, n), b = bench_median(r50, n);
        printf("%-30s %12.1f %12.1f %10.2f\n", "round trip p50 (us)", a, b, a / b);
        a = bench_median(h99, n), b = bench_median(r99, n);
        printf("%-30s %12.1f %12.1f %10.2f\n", "round trip p99 (us)", a, b, a / b);
        a = bench_median(hps, n), b = bench_median(rps, n);
        printf("%-30s %12.0f %12.0f %10.2f\n", "pipelined calls/s", a, b, a / b);
        a = bench_median(hcpu, n), b = bench_median(rcpu, n);
        printf("%-30s %12.2f %12.2f %10.2f\n", "pipelined CPU per call (us)", a, b, a / b);
    } else {
        fprintf(stderr, "a run lost calls or timed out\n");
    }
    hub_close();
    raw_close();
    free(r.samples);
    free(payload);
    int lc = uv_loop_close(&loop);
    if (lc)
        fprintf(stderr, "loop not closed cleanly\n");
    return failed ? 1 : 0;
}
