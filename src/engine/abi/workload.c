/*
 * workload.c - an actr_workload_t whose entries are ABI frames sent over an engine's guest
 * transport (engines.md §1.5, §2.4): each entry opens a bridge token for its ctx, builds the
 * frame, lets the engine run it in the guest, closes the token and decodes the AbiReply. Guest
 * stream chunks (GUEST_DATA_CHUNK) are entries too, run from the node's stream registry.
 */
#include <stdlib.h>

#include "actr/log.h"
#include "engine/abi/abi_internal.h"

typedef struct abi_workload {
    const actr_abi_guest_vtable_t *vt;
    void *self;
    const char *engine;
} abi_workload_t;

/* Which frame an entry sends. */
typedef struct entry {
    uint32_t op;             /* ACTR_ABI_OP_GUEST_* */
    const char *route_key;   /* GUEST_HANDLE */
    const actr_buf_t *request;
    uint32_t lifecycle;      /* GUEST_LIFECYCLE */
    const actr_hook_event_t *event; /* GUEST_HOOK */
    const actr_data_chunk_t *chunk; /* GUEST_DATA_CHUNK */
    const actr_id_t *sender;
} entry_t;

/* The ABI workload whose entry runs on this thread, and whether it is a chunk (host ops use
 * it to register guest streams: streams.c). */
static _Thread_local abi_workload_t *tl_w;
static _Thread_local bool tl_in_chunk;

void *actr_abi_workload_current(bool *in_chunk)
{
    if (in_chunk)
        *in_chunk = tl_in_chunk;
    return tl_w;
}

static int build(actr_ctx_t *ctx, const entry_t *en, uint64_t token, uint8_t **frame,
                 size_t *len)
{
    switch (en->op) {
    case ACTR_ABI_OP_GUEST_HANDLE:
        return actr_abi_frame_guest_handle(ctx, en->route_key, en->request, token, frame, len);
    case ACTR_ABI_OP_GUEST_LIFECYCLE:
        return actr_abi_frame_guest_lifecycle(ctx, en->lifecycle, token, frame, len);
    case ACTR_ABI_OP_GUEST_DATA_CHUNK:
        return actr_abi_frame_guest_data_chunk(en->chunk, en->sender, token, frame, len);
    default:
        return actr_abi_frame_guest_hook(ctx, en->event, token, frame, len);
    }
}

/* Runs one entry in the guest; on success *out holds the reply payload (owned). */
static int run_entry(abi_workload_t *w, actr_ctx_t *ctx, const entry_t *en, actr_buf_t *out,
                     actr_error_t *err)
{
    *out = (actr_buf_t){0};
    uint64_t token;
    int rc = actr_abi_token_open(ctx, &token);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                              "%s: cannot open a bridge token (%s)", w->engine,
                              actr_strerror(rc));
    uint8_t *frame = NULL, *reply = NULL;
    size_t frame_len = 0, reply_len = 0;
    rc = build(ctx, en, token, &frame, &frame_len);
    if (rc != 0)
        rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, ACTR_WIRE_INTERNAL,
                            "%s: cannot encode the guest frame (%s)", w->engine,
                            actr_strerror(rc));
    else {
        abi_workload_t *outer_w = tl_w;
        bool outer_chunk = tl_in_chunk;
        tl_w = w;
        tl_in_chunk = en->op == ACTR_ABI_OP_GUEST_DATA_CHUNK;
        rc = w->vt->handle(w->self, frame, frame_len, &reply, &reply_len, err);
        tl_w = outer_w;
        tl_in_chunk = outer_chunk;
    }
    /* The guest has returned: host ops naming this token can no longer reach the ctx. */
    actr_abi_token_close(token);
    free(frame);
    if (rc == 0)
        rc = actr_abi_reply_decode(reply, reply_len, out, NULL, err);
    free(reply);
    return rc;
}

static int wl_dispatch(void *self, actr_ctx_t *ctx, const char *route_key,
                       const actr_buf_t *request, actr_buf_t *response, actr_error_t *err)
{
    entry_t en = {.op = ACTR_ABI_OP_GUEST_HANDLE, .route_key = route_key, .request = request};
    return run_entry(self, ctx, &en, response, err);
}

static int lifecycle(abi_workload_t *w, actr_ctx_t *ctx, uint32_t hook, actr_error_t *err)
{
    entry_t en = {.op = ACTR_ABI_OP_GUEST_LIFECYCLE, .lifecycle = hook};
    actr_buf_t out;
    int rc = run_entry(w, ctx, &en, &out, err);
    actr_buf_release(&out);
    return rc;
}

static int wl_on_start(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    return lifecycle(self, ctx, ACTR_ABI_LIFECYCLE_ON_START, err);
}

static int wl_on_ready(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    return lifecycle(self, ctx, ACTR_ABI_LIFECYCLE_ON_READY, err);
}

/* The reference's call_on_stop: the on_stop frame, then the engine's shutdown; the result is
 * the hook's error, else the shutdown's. */
static int wl_on_stop(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    abi_workload_t *w = self;
    int rc = lifecycle(w, ctx, ACTR_ABI_LIFECYCLE_ON_STOP, err);
    if (w->vt->shutdown) {
        actr_error_t serr = {0};
        int src = w->vt->shutdown(w->self, &serr);
        if (src != 0 && rc == 0) {
            if (err)
                *err = serr;
            rc = src;
        }
    }
    return rc;
}

static void wl_on_hook(void *self, actr_ctx_t *ctx, const actr_hook_event_t *event)
{
    abi_workload_t *w = self;
    if (event->kind == ACTR_HOOK_ERROR) /* never forwarded to package guests (§1.5) */
        return;
    entry_t en = {.op = ACTR_ABI_OP_GUEST_HOOK, .event = event};
    actr_buf_t out;
    actr_error_t err = {0};
    if (run_entry(w, ctx, &en, &out, &err) != 0)
        actr_log(ACTR_LOG_WARN, "engine", "guest hook failed", ACTR_KV("engine", w->engine),
                 ACTR_KV("hook", actr_hook_kind_name(event->kind)), ACTR_KV("error", err.message));
    actr_buf_release(&out);
}

int actr_abi_stream_cb(actr_ctx_t *ctx, void *ud, const actr_data_chunk_t *chunk,
                       const actr_id_t *sender)
{
    abi_workload_t *w = ud;
    entry_t en = {.op = ACTR_ABI_OP_GUEST_DATA_CHUNK,
                  .chunk = chunk,
                  .sender = sender ? sender : actr_ctx_self_id(ctx)};
    actr_buf_t out;
    actr_error_t err = {0};
    int rc = run_entry(w, ctx, &en, &out, &err);
    if (rc != 0)
        actr_log(ACTR_LOG_WARN, "engine", "guest stream callback failed",
                 ACTR_KV("engine", w->engine), ACTR_KV("stream", chunk->stream_id),
                 ACTR_KV("error", err.message));
    actr_buf_release(&out);
    return rc;
}

static void wl_destroy(void *self)
{
    abi_workload_t *w = self;
    if (w->vt->destroy)
        w->vt->destroy(w->self);
    free(w);
}

static const actr_workload_vtable_t ABI_WORKLOAD = {
    .dispatch = wl_dispatch,
    .on_start = wl_on_start,
    .on_ready = wl_on_ready,
    .on_stop = wl_on_stop,
    .on_hook = wl_on_hook,
    .destroy = wl_destroy,
};

int actr_abi_workload_new(const actr_abi_guest_vtable_t *vt, void *self, const char *engine,
                          actr_workload_t *out, actr_error_t *err)
{
    if (!vt || !vt->handle || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "abi workload: vtable with handle and out are required");
    abi_workload_t *w = malloc(sizeof *w);
    if (!w)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    w->vt = vt;
    w->self = self;
    w->engine = engine ? engine : "engine";
    out->vtable = &ABI_WORKLOAD;
    out->self = w;
    return 0;
}
