/*
 * media.c - the node's media API (include/actr/media.h): the media frame registry of
 * spec/runtime.md 6.2 (remote track id -> callback) fed by the WebRTC coordinator's on_sample,
 * and add/remove track and send sample towards a remote actor, run on the I/O loop where the
 * coordinator lives.
 *
 * The registry is a small fixed table per node under a recursive mutex held while a callback
 * runs: so unregister returns only once the callback is not running, and a callback may still
 * register or unregister (same thread) without deadlocking. Callbacks run on the I/O thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actr/log.h"
#include "actr/media.h"
#include "lifecycle/actor.h"
#include "lifecycle/directory.h"
#include "lifecycle/media.h"
#include "lifecycle/node_internal.h"
#include "lifecycle/remote_internal.h"
#include "wire/webrtc/sdp.h"

typedef struct media_entry {
    char track_id[ACTR_MEDIA_TRACK_ID_MAX + 1];
    actr_media_cb cb;
    void *userdata;
} media_entry_t;

struct actr_media_reg {
    pthread_mutex_t lock; /* recursive */
    uint32_t n;
    media_entry_t entries[ACTR_MEDIA_MAX_CALLBACKS];
    uint64_t unrouted; /* samples of a track nobody registered */
};

/* Creation of the per-node table races between threads only at first use. */
static pthread_mutex_t g_create = PTHREAD_MUTEX_INITIALIZER;

static actr_media_reg_t *reg_get(actr_remote_t *r, bool create)
{
    pthread_mutex_lock(&g_create);
    actr_media_reg_t *g = r->media_reg;
    if (!g && create && (g = calloc(1, sizeof(*g)))) {
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&g->lock, &a);
        pthread_mutexattr_destroy(&a);
        r->media_reg = g;
    }
    pthread_mutex_unlock(&g_create);
    return g;
}

void actr_media_reg_free(actr_remote_t *r)
{
    actr_media_reg_t *g = r ? r->media_reg : NULL;
    if (!g)
        return;
    pthread_mutex_destroy(&g->lock);
    free(g);
    r->media_reg = NULL;
}

static bool track_id_ok(const char *id)
{
    return id && id[0] && strlen(id) <= ACTR_MEDIA_TRACK_ID_MAX;
}

/* The network side of node, or NULL (in-process node: no media path). */
static actr_remote_t *remote_of(struct actr_node *node)
{
    return node ? node->remote : NULL;
}

int actr_node_register_media_track(struct actr_node *node, const char *track_id,
                                   actr_media_cb cb, void *userdata)
{
    if (!node || !track_id_ok(track_id) || !cb)
        return ACTR_EINVAL;
    actr_remote_t *r = remote_of(node);
    if (!r)
        return ACTR_EUNSUPPORTED;
    actr_media_reg_t *g = reg_get(r, true);
    if (!g)
        return ACTR_ENOMEM;
    int rc = 0;
    pthread_mutex_lock(&g->lock);
    for (uint32_t i = 0; i < g->n && rc == 0; i++)
        if (strcmp(g->entries[i].track_id, track_id) == 0)
            rc = ACTR_EEXIST;
    if (rc == 0 && g->n >= ACTR_MEDIA_MAX_CALLBACKS)
        rc = ACTR_ERANGE;
    if (rc == 0) {
        media_entry_t *e = &g->entries[g->n++];
        memcpy(e->track_id, track_id, strlen(track_id) + 1);
        e->cb = cb;
        e->userdata = userdata;
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

int actr_node_unregister_media_track(struct actr_node *node, const char *track_id)
{
    if (!node || !track_id)
        return ACTR_EINVAL;
    actr_remote_t *r = remote_of(node);
    actr_media_reg_t *g = r ? reg_get(r, false) : NULL;
    if (!g)
        return ACTR_ENOTFOUND;
    int rc = ACTR_ENOTFOUND;
    pthread_mutex_lock(&g->lock);
    for (uint32_t i = 0; i < g->n; i++) {
        if (strcmp(g->entries[i].track_id, track_id) != 0)
            continue;
        g->entries[i] = g->entries[--g->n];
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

void actr_media_on_sample(void *ud, const actr_id_t *peer, const char *track_id,
                          const actr_media_sample_t *s)
{
    actr_remote_t *r = ud;
    actr_media_reg_t *g = reg_get(r, false);
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    bool found = false;
    for (uint32_t i = 0; i < g->n && !found; i++) {
        media_entry_t *e = &g->entries[i];
        if (strcmp(e->track_id, track_id) == 0) {
            found = true;
            e->cb(e->userdata, s, peer);
        }
    }
    if (!found && g->unrouted++ == 0)
        actr_log(ACTR_LOG_DEBUG, "media", "sample of an unregistered track dropped",
                 ACTR_KV("track", track_id));
    pthread_mutex_unlock(&g->lock);
}

/* ---- towards a peer: run on the loop ---- */

typedef struct media_op {
    actr_remote_t *r;
    actr_id_t target;
    const char *track_id;
    int codec; /* add */
    bool remove;
    const actr_media_sample_t *sample; /* send */
    int rc;
} media_op_t;

static void op_on_loop(uv_loop_t *uv, void *arg)
{
    (void)uv;
    media_op_t *q = arg;
    actr_rtc_coord_t *c = q->r->rtc;
    if (!c || q->r->stopping)
        q->rc = c ? ACTR_ECLOSED : ACTR_EUNSUPPORTED;
    else if (q->sample)
        q->rc = actr_rtc_coord_send_sample(c, &q->target, q->track_id, q->sample->timestamp,
                                           q->sample->data, q->sample->len);
    else if (q->remove)
        q->rc = actr_rtc_coord_remove_track(c, &q->target, q->track_id);
    else
        q->rc = actr_rtc_coord_add_track(c, &q->target, q->track_id, q->codec);
}

static int codec_id(const char *codec)
{
    if (!codec)
        return -1;
    if (strcasecmp(codec, "VP8") == 0)
        return ACTR_SDP_CODEC_VP8;
    if (strcasecmp(codec, "H264") == 0)
        return ACTR_SDP_CODEC_H264;
    if (strcasecmp(codec, "OPUS") == 0)
        return ACTR_SDP_CODEC_OPUS;
    return -1;
}

static int run_op(struct actr_node *node, const actr_id_t *target, media_op_t *q)
{
    if (!node || !target || !track_id_ok(q->track_id))
        return ACTR_EINVAL;
    /* Media needs WebRTC: not to ourselves, not in-process, not without signaling. */
    if (actr_id_equal(target, &node->id))
        return ACTR_EUNSUPPORTED;
    struct actr_node *local = actr_directory_get(node->hyper->dir, target);
    if (local) {
        actr_node_release(local);
        return ACTR_EUNSUPPORTED;
    }
    actr_remote_t *r = remote_of(node);
    if (!r || !r->loop)
        return ACTR_EUNSUPPORTED;
    q->r = r;
    q->target = *target;
    int rc = actr_loop_call(r->loop, op_on_loop, q);
    return rc ? rc : q->rc;
}

int actr_node_add_media_track(struct actr_node *node, const actr_id_t *target,
                              const char *track_id, const char *codec)
{
    media_op_t q = {.track_id = track_id, .codec = codec_id(codec)};
    if (q.codec < 0)
        return ACTR_EINVAL;
    return run_op(node, target, &q);
}

int actr_node_remove_media_track(struct actr_node *node, const actr_id_t *target,
                                 const char *track_id)
{
    media_op_t q = {.track_id = track_id, .remove = true};
    return run_op(node, target, &q);
}

int actr_node_send_media_sample(struct actr_node *node, const actr_id_t *target,
                                const char *track_id, const actr_media_sample_t *sample)
{
    if (!sample || (!sample->data && sample->len))
        return ACTR_EINVAL;
    if (sample->len > ACTR_MEDIA_MAX_SAMPLE)
        return ACTR_ETOOBIG;
    media_op_t q = {.track_id = track_id, .sample = sample};
    return run_op(node, target, &q);
}

/* ---- from a workload entry ---- */

int actr_ctx_register_media_track(actr_ctx_t *ctx, const char *track_id, actr_media_cb cb,
                                  void *userdata)
{
    return ctx ? actr_node_register_media_track(ctx->node, track_id, cb, userdata) : ACTR_EINVAL;
}

int actr_ctx_unregister_media_track(actr_ctx_t *ctx, const char *track_id)
{
    return ctx ? actr_node_unregister_media_track(ctx->node, track_id) : ACTR_EINVAL;
}

int actr_ctx_add_media_track(actr_ctx_t *ctx, const actr_id_t *target, const char *track_id,
                             const char *codec)
{
    return ctx ? actr_node_add_media_track(ctx->node, target, track_id, codec) : ACTR_EINVAL;
}

int actr_ctx_remove_media_track(actr_ctx_t *ctx, const actr_id_t *target, const char *track_id)
{
    return ctx ? actr_node_remove_media_track(ctx->node, target, track_id) : ACTR_EINVAL;
}

int actr_ctx_send_media_sample(actr_ctx_t *ctx, const actr_id_t *target, const char *track_id,
                               const actr_media_sample_t *sample)
{
    return ctx ? actr_node_send_media_sample(ctx->node, target, track_id, sample) : ACTR_EINVAL;
}
