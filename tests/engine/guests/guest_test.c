/*
 * guest_test.c - a test actor written with the guest SDK, loaded by the dynclib tests
 * (tests/engine/test_dynclib.c, test_attach.c). Each route exercises one part of the ABI; the
 * results come back as small binary or text answers the tests check.
 *
 * Built twice: guest_test.so, and guest_shutdown_fail.so (-DSHUTDOWN_FAILS) whose actr_shutdown
 * fails, so the host must keep it mapped.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actr_guest.h"

#define EXPORT __attribute__((visibility("default")))

/* Read by the tests with dlsym: how many times actr_init ran actr_guest_main in this image. */
EXPORT int guest_init_count;

static int in_guest, max_in_guest;
static uint64_t kept_token;
static char journal[512]; /* lifecycle and hook events, in order */

static void note(const char *what)
{
    size_t n = strlen(journal);
    snprintf(journal + n, sizeof journal - n, "%s%s", n ? "," : "", what);
}

static int reply_i32(actr_guest_buf_t *resp, int32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return actr_guest_reply(resp, b, 4);
}

static int echo(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    return actr_guest_reply(resp, req, len);
}

/* x (4 bytes LE) -> discover acme:DoubleImpl:1.0.0, one call_raw test.Impl.DoubleImpl. */
static int dbl(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    if (len != 4)
        return actr_guest_fail(ctx, "double wants 4 bytes, got %zu", len);
    actr_guest_type_t t = {"acme", "DoubleImpl", "1.0"};
    actr_guest_id_t impl;
    int rc = actr_guest_discover(ctx, &t, &impl);
    if (rc != 0)
        return actr_guest_fail(ctx, "discover: %d %s", rc, actr_guest_last_error(ctx));
    rc = actr_guest_call_raw(ctx, &impl, "test.Impl.DoubleImpl", req, len, resp);
    if (rc != 0)
        return actr_guest_fail(ctx, "call_raw: %d %s", rc, actr_guest_last_error(ctx));
    return 0;
}

/* Stays 20 ms inside the guest; answers the highest number of concurrent entries seen. */
static int serial(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    int now = __atomic_add_fetch(&in_guest, 1, __ATOMIC_SEQ_CST);
    if (now > max_in_guest)
        max_in_guest = now;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    __atomic_sub_fetch(&in_guest, 1, __ATOMIC_SEQ_CST);
    return reply_i32(resp, max_in_guest);
}

/* Retains this entry's token and keeps it for UseKept. */
static int keep(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    kept_token = actr_guest_token(ctx);
    int32_t rc = actr_guest_retain_token(kept_token);
    return reply_i32(resp, rc);
}

/* A host op with the kept token (its entry has returned), then releases it: the op's status. */
static int use_kept(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    int32_t status = 99;
    actr_guest_buf_t reply;
    int32_t rc = actr_guest_host_op(kept_token, 4, NULL, 0, &status, &reply);
    actr_guest_buf_free(&reply);
    actr_guest_release_token(kept_token);
    return reply_i32(resp, rc != 0 ? rc : status);
}

/* A host op with a token nobody registered. */
static int unknown_token(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len,
                         actr_guest_buf_t *resp)
{
    int32_t status = 99;
    actr_guest_buf_t reply;
    int32_t rc = actr_guest_host_op(0xfffffffffffull, 4, NULL, 0, &status, &reply);
    actr_guest_buf_free(&reply);
    return reply_i32(resp, rc != 0 ? rc : status);
}

/* HOST_REGISTER_STREAM (op 5): the runtime has no streams yet. */
/* Streams through the SDK: registers "s", then sends 3 chunks to itself (they arrive after this
 * entry, serialised with the others); answers the status of the first failing step or 0. */
static char stream_log[256];
static int stream_chunks;
static uint64_t stream_self_serial; /* the sender of chunks the actor sent to itself */

static int on_stream_chunk(actr_guest_ctx_t *ctx, const actr_guest_chunk_t *c,
                           const actr_guest_id_t *sender)
{
    size_t n = strlen(stream_log);
    snprintf(stream_log + n, sizeof stream_log - n, "%s%llu:%.*s:%.*s=%.*s", n ? "," : "",
             (unsigned long long)c->sequence, (int)c->len, (const char *)c->payload,
             c->metadata_count ? (int)c->metadata[0].key_len : 0,
             c->metadata_count ? c->metadata[0].key : "",
             c->metadata_count ? (int)c->metadata[0].value_len : 0,
             c->metadata_count ? c->metadata[0].value : "");
    if (stream_chunks++ == 0) {
        /* Not allowed from a stream callback (the reference answers UNSUPPORTED_OP). */
        n = strlen(stream_log);
        snprintf(stream_log + n, sizeof stream_log - n, ",reg_in_chunk=%d,self_sender=%d",
                 actr_guest_register_stream(ctx, "s2", on_stream_chunk),
                 sender->serial == stream_self_serial);
    }
    return 0;
}

static int stream(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    stream_self_serial = actr_guest_self_id(ctx)->serial;
    int rc = actr_guest_register_stream(ctx, "s", on_stream_chunk);
    static const actr_guest_meta_t meta = {"k", "v", 1, 1};
    for (uint64_t i = 0; rc == 0 && i < 3; i++) {
        char text[8];
        snprintf(text, sizeof text, "c%llu", (unsigned long long)i);
        actr_guest_chunk_t c = {.stream_id = "s", .sequence = i, .payload = (const uint8_t *)text,
                                .len = strlen(text), .metadata = &meta, .metadata_count = 1};
        rc = actr_guest_send_data_chunk(ctx, NULL, &c, ACTR_GUEST_STREAM_RELIABLE);
    }
    return reply_i32(resp, rc);
}

static int stream_log_get(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len,
                          actr_guest_buf_t *resp)
{
    return actr_guest_reply(resp, stream_log, strlen(stream_log));
}

/* Calls this actor itself synchronously (Dest::Workload): answers "<status> <host message>". */
static int call_self(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len,
                     actr_guest_buf_t *resp)
{
    actr_guest_buf_t r = {0};
    int rc = actr_guest_call(ctx, NULL, "test.Guest.Echo", "x", 1, &r);
    actr_guest_buf_free(&r);
    char text[400];
    int n = snprintf(text, sizeof text, "%d %s", rc, actr_guest_last_error(ctx));
    return actr_guest_reply(resp, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

/* One-way test.Impl.Count to the impl actor. */
static int tell(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    actr_guest_type_t t = {"acme", "DoubleImpl", "1.0"};
    actr_guest_id_t impl;
    int rc = actr_guest_discover(ctx, &t, &impl);
    if (rc == 0)
        rc = actr_guest_tell(ctx, &impl, "test.Impl.Count", req, len);
    return reply_i32(resp, rc);
}

/* "caller=<0|1> rid=<request id> self=<m:n:v> type=<init type>" */
static int info(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    const actr_guest_id_t *self = actr_guest_self_id(ctx);
    char text[800];
    int n = snprintf(text, sizeof text, "caller=%d rid=%s self=%s:%s:%s type=%s route=%s",
                     actr_guest_caller_id(ctx) != NULL, actr_guest_request_id(ctx),
                     self->type.manufacturer, self->type.name, self->type.version,
                     actr_guest_actr_type(), actr_guest_route_key(ctx));
    return actr_guest_reply(resp, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

static int fail(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len, actr_guest_buf_t *resp)
{
    return actr_guest_fail(ctx, "boom: %.*s", (int)len, (const char *)req);
}

static int get_journal(actr_guest_ctx_t *ctx, const uint8_t *req, size_t len,
                       actr_guest_buf_t *resp)
{
    return actr_guest_reply(resp, journal, strlen(journal));
}

static int on_start(actr_guest_ctx_t *ctx)
{
    note(actr_guest_request_id(ctx));
    if (strstr(actr_guest_actr_type(), "FailStart"))
        return actr_guest_fail(ctx, "fixture lifecycle on_start failed");
    return 0;
}

static int on_ready(actr_guest_ctx_t *ctx)
{
    note(actr_guest_request_id(ctx));
    return 0;
}

static void on_hook(actr_guest_ctx_t *ctx, const actr_guest_hook_event_t *ev)
{
    char text[128];
    snprintf(text, sizeof text, "%s:%u:%llu:%llu", actr_guest_request_id(ctx), (unsigned)ev->hook,
             (unsigned long long)ev->queue_len, (unsigned long long)ev->threshold);
    note(text);
}

static int on_shutdown(void)
{
#ifdef SHUTDOWN_FAILS
    return -1;
#else
    return 0;
#endif
}

int actr_guest_main(void)
{
    static const struct {
        const char *key;
        actr_guest_handler_fn fn;
    } routes[] = {
        {"test.Guest.Echo", echo},         {"test.Guest.Double", dbl},
        {"test.Guest.Serial", serial},     {"test.Guest.Keep", keep},
        {"test.Guest.UseKept", use_kept},  {"test.Guest.UnknownToken", unknown_token},
        {"test.Guest.Stream", stream},     {"test.Guest.CallSelf", call_self},
        {"test.Guest.Tell", tell},         {"test.Guest.Info", info},
        {"test.Guest.Fail", fail},         {"test.Guest.Journal", get_journal},
        {"test.Guest.StreamLog", stream_log_get},
    };
    guest_init_count++;
    journal[0] = '\0';
    in_guest = max_in_guest = 0;
    stream_log[0] = '\0';
    stream_chunks = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (actr_guest_route(routes[i].key, routes[i].fn) != 0)
            return -1;
    actr_guest_on_start(on_start);
    actr_guest_on_ready(on_ready);
    actr_guest_on_hook(on_hook);
    actr_guest_on_shutdown(on_shutdown);
    return 0;
}
