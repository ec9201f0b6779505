/*
 * bench_streams - in-process data streams against in-process tells, same run (docs/RUNTIME.md
 * §8). One sender actor's handler sends N items to a receiver actor of the same hyper:
 *
 *   tells    N actr_ctx_tell()s of a shared 64 KiB payload to a counting handler (baseline);
 *   chunks   N actr_ctx_send_data_chunk()s (STREAM_RELIABLE, same payload) to a registered
 *            stream whose callback counts (depth 64: the sender waits when it is ahead).
 *
 * Both hand the payload over by reference, so the figure is per item, not per byte. Every figure
 * is the median of R rounds (the machine is shared); the ratio is chunks / tells (1.0: a stream
 * chunk costs what a tell costs).
 *
 *   bench_streams [--items N] [--rounds R]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/stream.h"
#include "base/clock.h"

#define MAX_ROUNDS 32

static uint64_t g_items = 200000;
static actr_buf_t g_payload;
static actr_id_t g_rx_id;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static uint64_t g_got; /* receiver side, serial context; read under g_lock at the end */

static void die(const char *what, const actr_error_t *err)
{
    fprintf(stderr, "bench_streams: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static void got_one(void)
{
    if (++g_got == g_items) {
        pthread_mutex_lock(&g_lock);
        pthread_cond_signal(&g_cond);
        pthread_mutex_unlock(&g_lock);
    }
}

static int rx_tell(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    (void)self, (void)ctx, (void)req, (void)resp, (void)err;
    got_one();
    return 0;
}

static int rx_chunk(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *c,
                    const actr_id_t *sender)
{
    (void)ctx, (void)ud, (void)c, (void)sender;
    got_one();
    return 0;
}

static int rx_start(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    (void)self;
    return actr_ctx_register_stream(ctx, "bench", rx_chunk, NULL, err);
}

static int tx_tells(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                    actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    for (uint64_t i = 0; i < g_items; i++)
        if (actr_ctx_tell(ctx, &g_rx_id, "bench.Rx.Tell", &g_payload, 30000, err) != 0)
            return -1;
    return 0;
}

static int tx_chunks(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                     actr_error_t *err)
{
    (void)self, (void)req, (void)resp;
    for (uint64_t i = 0; i < g_items; i++) {
        actr_data_chunk_t c = {.stream_id = "bench", .sequence = i, .payload = g_payload};
        if (actr_ctx_send_data_chunk(ctx, &g_rx_id, &c, ACTR_STREAM_RELIABLE, 30000, err) != 0)
            return -1;
    }
    return 0;
}

static actr_node_t *node(actr_hyper_t *h, const char *name, const actr_route_t *routes, size_t n,
                         const actr_workload_vtable_t *hooks, actr_ref_t **ref)
{
    actr_error_t err = {0};
    actr_node_t *nd;
    actr_type_t type;
    actr_workload_t wl;
    if (actr_node_new(h, NULL, &nd, &err) || actr_type_set(&type, "bench", name, "1.0", &err) ||
        actr_node_set_type(nd, &type, &err) ||
        actr_workload_from_routes(routes, n, hooks, NULL, &wl, &err) ||
        actr_node_link(nd, &wl, &err) || actr_node_register_local(nd, 1, 0, &err) ||
        actr_node_start(nd, ref, &err))
        die(name, &err);
    return nd;
}

/* Items per second of one round of route on the sender. */
static double round_of(actr_ref_t *tx, const char *route)
{
    g_got = 0;
    actr_error_t err = {0};
    actr_buf_t none = ACTR_BUF_INIT, resp;
    uint64_t t0 = actr_clock_mono_ns();
    if (actr_ref_call(tx, NULL, route, &none, 600000, &resp, &err) != 0)
        die(route, &err);
    actr_buf_release(&resp);
    pthread_mutex_lock(&g_lock);
    while (g_got < g_items)
        pthread_cond_wait(&g_cond, &g_lock);
    pthread_mutex_unlock(&g_lock);
    return (double)g_items * 1e9 / (double)(actr_clock_mono_ns() - t0);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int rounds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--items") == 0)
            g_items = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
    }
    if (g_items == 0 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_streams [--items N] [--rounds 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    actr_error_t err = {0};
    actr_hyper_options_t ho;
    actr_hyper_options_init(&ho);
    actr_hyper_t *h;
    if (actr_hyper_new(&ho, &h, &err) != 0)
        die("hyper", &err);
    uint8_t *w;
    if (actr_buf_alloc(64 * 1024, &g_payload, &w) != 0)
        die("payload", NULL);
    memset(w, 0x5a, 64 * 1024);
    static const actr_route_t rx_routes[] = {{"bench.Rx.Tell", rx_tell}};
    static const actr_route_t tx_routes[] = {{"bench.Tx.Tells", tx_tells},
                                             {"bench.Tx.Chunks", tx_chunks}};
    static const actr_workload_vtable_t rx_hooks = {.on_start = rx_start};
    actr_ref_t *rx_ref, *tx_ref;
    actr_node_t *rx = node(h, "Rx", rx_routes, 1, &rx_hooks, &rx_ref);
    actr_node_t *tx = node(h, "Tx", tx_routes, 2, NULL, &tx_ref);
    g_rx_id = *actr_node_id(rx);
    double tells[MAX_ROUNDS], chunks[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) { /* alternate, so both see the same machine load */
        tells[r] = round_of(tx_ref, "bench.Tx.Tells");
        chunks[r] = round_of(tx_ref, "bench.Tx.Chunks");
    }
    double t = median(tells, rounds), c = median(chunks, rounds);
    printf("in-process, %llu items of a 64 KiB payload by reference, median of %d rounds\n",
           (unsigned long long)g_items, rounds);
    printf("  tells (baseline)        %12.0f /s\n", t);
    printf("  stream chunks reliable  %12.0f /s\n", c);
    printf("  ratio chunks / tells    %12.2f\n", c / t);
    actr_node_free(tx);
    actr_node_free(rx);
    actr_hyper_free(h);
    actr_buf_release(&g_payload);
    return 0;
}
