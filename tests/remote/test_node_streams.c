/*
 * test_node_streams.c - test_node's data-stream routes and commands (sregister, ssend, sstats;
 * test_node.c lists them): a received stream is counted, ordered and hashed, a sent one has
 * bytes that are a function of their offset, so a driver can check both ends byte-exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/ctx.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/stream.h"
#include "test_node.h"

#define STREAM_MAX_TOTAL (1024L * 1024 * 1024)

static actr_node_t *g_node;

void test_node_streams_bind(actr_node_t *node)
{
    g_node = node;
}

/* One received stream; its callback runs on the actor's serial context only. */
static struct {
    char id[64];
    long slow_ms, first_ms;
    uint64_t chunks, bytes, order_errors, next_seq, hash;
} g_rx = {.hash = 1469598103934665603ULL};

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int on_stream_chunk(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *c,
                           const actr_id_t *sender)
{
    (void)ctx, (void)ud, (void)sender;
    if (c->sequence < g_rx.next_seq)
        g_rx.order_errors++;
    g_rx.next_seq = c->sequence + 1;
    g_rx.chunks++;
    g_rx.bytes += c->payload.len;
    g_rx.hash = fnv(g_rx.hash, c->payload.data, c->payload.len);
    if (g_rx.chunks == 1 && g_rx.first_ms > 0)
        sleep_ms(g_rx.first_ms);
    if (g_rx.slow_ms > 0)
        sleep_ms(g_rx.slow_ms);
    return 0;
}

int test_node_stream_register(void *self, actr_ctx_t *ctx, const actr_buf_t *req,
                              actr_buf_t *resp, actr_error_t *err)
{
    (void)self, (void)resp;
    char text[128];
    snprintf(text, sizeof text, "%.*s", (int)(req->len < 127 ? req->len : 127),
             req->len ? (const char *)req->data : "");
    long slow = 0, first = 0;
    if (sscanf(text, "%63s %ld %ld", g_rx.id, &slow, &first) < 1)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "usage: STREAM SLOW_MS [FIRST_MS]");
    g_rx.slow_ms = slow;
    g_rx.first_ms = first;
    /* Counters start again for the newly registered stream. */
    g_rx.chunks = g_rx.bytes = g_rx.order_errors = g_rx.next_seq = 0;
    g_rx.hash = 1469598103934665603ULL;
    return actr_ctx_register_stream(ctx, g_rx.id, on_stream_chunk, NULL, err);
}

/* "TARGET STREAM LANE TOTAL CHUNK": the chunks' bytes are a function of their offset. */
int test_node_stream_send(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                          actr_error_t *err)
{
    (void)self;
    char text[512], target_s[ACTR_ID_STR_SIZE], stream[64];
    snprintf(text, sizeof text, "%.*s", (int)(req->len < 511 ? req->len : 511),
             req->len ? (const char *)req->data : "");
    int lane = 0;
    long total = 0, chunk = 0;
    actr_id_t target;
    if (sscanf(text, "%255s %63s %d %ld %ld", target_s, stream, &lane, &total, &chunk) != 5 ||
        total < 1 || total > STREAM_MAX_TOTAL || chunk < 1 || chunk > total ||
        actr_id_parse(&target, target_s, strlen(target_s), err) != 0)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "bad ssend arguments");
    uint64_t hash = 1469598103934665603ULL;
    long sent = 0;
    for (long off = 0, seq = 0; off < total; off += chunk, seq++) {
        size_t n = (size_t)(total - off < chunk ? total - off : chunk);
        actr_buf_t b;
        uint8_t *w;
        int rc = actr_buf_alloc(n, &b, &w);
        if (rc != 0)
            return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
        for (size_t i = 0; i < n; i++)
            w[i] = (uint8_t)(((size_t)off + i) * 7 + ((size_t)off + i) / 251);
        hash = fnv(hash, w, n);
        actr_data_chunk_t c = {.stream_id = stream, .sequence = (uint64_t)seq, .payload = b};
        rc = actr_ctx_send_data_chunk(ctx, &target, &c, (actr_stream_lane_t)lane, 0, err);
        actr_buf_release(&b);
        if (rc != 0)
            return rc;
        sent++;
    }
    char out[96];
    snprintf(out, sizeof out, "sent=%ld hash=%016llx", sent, (unsigned long long)hash);
    return actr_buf_copy(out, strlen(out), resp);
}

int test_node_stream_stats(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                           actr_error_t *err)
{
    (void)self, (void)ctx, (void)req, (void)err;
    actr_stream_stats_t st;
    actr_node_stream_stats(g_node, &st);
    char out[320];
    snprintf(out, sizeof out,
             "chunks=%llu bytes=%llu order_errors=%llu hash=%016llx latency_dropped=%llu "
             "unknown=%llu malformed=%llu received=%llu",
             (unsigned long long)g_rx.chunks, (unsigned long long)g_rx.bytes,
             (unsigned long long)g_rx.order_errors, (unsigned long long)g_rx.hash,
             (unsigned long long)st.latency_dropped, (unsigned long long)st.unknown_stream,
             (unsigned long long)st.malformed, (unsigned long long)st.received_remote);
    return actr_buf_copy(out, strlen(out), resp);
}

void test_node_stream_cmd(client_t *c, const char *route, const char *args, bool with_target)
{
    char payload[LINE_MAX_LEN + ACTR_ID_STR_SIZE + 2];
    if (with_target) {
        if (!c->has_target) {
            say("err EINVAL 0 ssend: discover a target first");
            return;
        }
        char id[ACTR_ID_STR_SIZE];
        actr_id_format(&c->target, id, sizeof id, NULL);
        snprintf(payload, sizeof payload, "%s %s", id, args);
    } else {
        snprintf(payload, sizeof payload, "%s", args);
    }
    actr_error_t err = {0};
    actr_buf_t req = actr_buf_static(payload, strlen(payload));
    actr_buf_t reply = ACTR_BUF_INIT;
    int rc = actr_ref_call(c->ref, NULL, route, &req, 120000, &reply, &err);
    if (rc != 0)
        say_err(route, rc, &err);
    else
        say("ok %.*s", (int)reply.len, reply.len ? (const char *)reply.data : "");
    actr_buf_release(&reply);
}
