/* lws_track.c - which uv handles a libwebsockets context made (lws_track.h). */
#include "wire/lws_track.h"

#include <stdlib.h>

typedef struct handle_set {
    void **items;
    size_t count, cap;
    bool failed;
} handle_set_t;

static void collect_handle(uv_handle_t *h, void *arg)
{
    handle_set_t *set = arg;
    if (set->failed)
        return;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        void **items = realloc(set->items, cap * sizeof *items);
        if (!items) {
            set->failed = true;
            return;
        }
        set->items = items;
        set->cap = cap;
    }
    set->items[set->count++] = h;
}

static bool set_has(const handle_set_t *set, const void *h)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i] == h)
            return true;
    return false;
}

int actr_lws_create_tracked(uv_loop_t *loop, struct lws_context_creation_info *info,
                            void **handles, size_t max, size_t *count, struct lws_context **out,
                            actr_error_t *err)
{
    handle_set_t before = {0}, after = {0};
    uv_walk(loop, collect_handle, &before);
    void *foreign_loops[1] = {loop};
    info->foreign_loops = foreign_loops;
    *out = lws_create_context(info);
    info->foreign_loops = NULL; /* it pointed into this frame */
    if (*out)
        uv_walk(loop, collect_handle, &after);
    int rc = 0;
    *count = 0;
    if (!*out) {
        rc = actr_error_set(err, ACTR_EIO, ACTR_KIND_INTERNAL, 0,
                            "libwebsockets context (is libwebsockets-evlib-uv installed?)");
    } else if (before.failed || after.failed) {
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    } else {
        for (size_t i = 0; i < after.count && !rc; i++) {
            if (set_has(&before, after.items[i]))
                continue;
            if (*count == max)
                rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0,
                                    "libwebsockets made more than %zu loop handles", max);
            else
                handles[(*count)++] = after.items[i];
        }
    }
    free(before.items);
    free(after.items);
    return rc;
}

bool actr_lws_handles_closed(uv_loop_t *loop, void *const *handles, size_t count)
{
    handle_set_t now = {0};
    uv_walk(loop, collect_handle, &now);
    bool closed = !now.failed;
    for (size_t i = 0; i < count && closed; i++)
        closed = !set_has(&now, handles[i]);
    free(now.items);
    return closed;
}
