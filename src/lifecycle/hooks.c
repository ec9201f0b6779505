/* hooks.c - observation hooks queued into the actor's inbox, bounded, newest dropped. */
#include "lifecycle/hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "lifecycle/node_internal.h"

typedef struct hook_item {
    actr_item_t item;
    actr_hook_event_t event;
} hook_item_t;

const char *actr_hook_kind_name(actr_hook_kind_t kind)
{
    switch (kind) {
    case ACTR_HOOK_SIGNALING_CONNECTING: return "on_signaling_connecting";
    case ACTR_HOOK_SIGNALING_CONNECTED: return "on_signaling_connected";
    case ACTR_HOOK_SIGNALING_DISCONNECTED: return "on_signaling_disconnected";
    case ACTR_HOOK_WEBSOCKET_CONNECTING: return "on_websocket_connecting";
    case ACTR_HOOK_WEBSOCKET_CONNECTED: return "on_websocket_connected";
    case ACTR_HOOK_WEBSOCKET_DISCONNECTED: return "on_websocket_disconnected";
    case ACTR_HOOK_WEBRTC_CONNECTING: return "on_webrtc_connecting";
    case ACTR_HOOK_WEBRTC_CONNECTED: return "on_webrtc_connected";
    case ACTR_HOOK_WEBRTC_DISCONNECTED: return "on_webrtc_disconnected";
    case ACTR_HOOK_CREDENTIAL_RENEWED: return "on_credential_renewed";
    case ACTR_HOOK_CREDENTIAL_EXPIRING: return "on_credential_expiring";
    case ACTR_HOOK_MAILBOX_BACKPRESSURE: return "on_mailbox_backpressure";
    case ACTR_HOOK_ERROR: return "on_error";
    }
    return "on_unknown";
}

int actr_hooks_emit(struct actr_node *node, const actr_hook_event_t *event)
{
    if (!node || !event)
        return ACTR_EINVAL;
    int state = atomic_load_explicit(&node->state, memory_order_acquire);
    if (!atomic_load_explicit(&node->actor_ready, memory_order_acquire) ||
        state == ACTR_NODE_STOPPED)
        return ACTR_ESTATE;
    actr_actor_t *a = &node->actor;
    if (atomic_fetch_add_explicit(&a->hooks_queued, 1, memory_order_relaxed) >=
        a->hook_capacity) {
        atomic_fetch_sub_explicit(&a->hooks_queued, 1, memory_order_relaxed);
        uint64_t n = atomic_fetch_add_explicit(&a->hooks_dropped, 1, memory_order_relaxed) + 1;
        static _Atomic uint64_t total;
        uint64_t t = atomic_fetch_add_explicit(&total, 1, memory_order_relaxed);
        if (t % 1000 == 0) {
            char count[24];
            snprintf(count, sizeof count, "%llu", (unsigned long long)n);
            actr_log(ACTR_LOG_WARN, "hooks", "hook queue full: event dropped",
                     ACTR_KV("hook", actr_hook_kind_name(event->kind)),
                     ACTR_KV("dropped_pending", count));
        }
        return ACTR_EAGAIN;
    }
    hook_item_t *h = malloc(sizeof *h);
    if (!h) {
        atomic_fetch_sub_explicit(&a->hooks_queued, 1, memory_order_relaxed);
        return ACTR_ENOMEM;
    }
    h->item.kind = ACTR_ITEM_HOOK;
    h->item.counted = 0;
    h->event = *event;
    h->event.message[sizeof h->event.message - 1] = '\0';
    h->event.dropped_before = atomic_exchange_explicit(&a->hooks_dropped, 0, memory_order_relaxed);
    actr_actor_push(a, &h->item);
    return 0;
}

void actr_hooks_run(actr_actor_t *a, actr_item_t *item)
{
    hook_item_t *h = (hook_item_t *)item;
    atomic_fetch_sub_explicit(&a->hooks_queued, 1, memory_order_relaxed);
    const actr_workload_vtable_t *v = a->node->workload.vtable;
    if (!a->stopped && v->on_hook) {
        char rid[64];
        snprintf(rid, sizeof rid, "hook:%s", actr_hook_kind_name(h->event.kind));
        actr_ctx_t ctx;
        actr_ctx_init(&ctx, a->node, rid);
        v->on_hook(a->node->workload.self, &ctx, &h->event);
    }
    free(h);
}
