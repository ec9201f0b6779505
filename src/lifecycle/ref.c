/* ref.c - the host application's handle on a running node. */
#include "actr/ref.h"

#include <errno.h>
#include <time.h>

#include "base/clock.h"
#include "lifecycle/host.h"
#include "lifecycle/node_internal.h"

static actr_send_t send_of(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                           const actr_buf_t *payload, int64_t timeout_ms)
{
    actr_send_t s = {.from = ref->node,
                     .from_entry = false,
                     .target = target,
                     .route_key = route_key,
                     .payload = payload,
                     .timeout_ms = timeout_ms};
    return s;
}

static int bad_ref(actr_error_t *err)
{
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, ACTR_WIRE_INVALID_ARGUMENT,
                          "no ref");
}

const actr_id_t *actr_ref_id(const actr_ref_t *ref)
{
    return ref ? &ref->node->id : NULL;
}

int actr_ref_call(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                  const actr_buf_t *payload, int64_t timeout_ms, actr_buf_t *response,
                  actr_error_t *err)
{
    if (!ref)
        return bad_ref(err);
    actr_send_t s = send_of(ref, target, route_key, payload, timeout_ms);
    return actr_host_call(&s, response, err);
}

int actr_ref_call_async(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                        const actr_buf_t *payload, int64_t timeout_ms, actr_call_cb cb,
                        void *userdata, actr_error_t *err)
{
    if (!ref)
        return bad_ref(err);
    actr_send_t s = send_of(ref, target, route_key, payload, timeout_ms);
    return actr_host_call_async(&s, cb, userdata, err);
}

int actr_ref_tell(actr_ref_t *ref, const actr_id_t *target, const char *route_key,
                  const actr_buf_t *payload, int64_t timeout_ms, actr_error_t *err)
{
    if (!ref)
        return bad_ref(err);
    actr_send_t s = send_of(ref, target, route_key, payload, timeout_ms);
    return actr_host_tell(&s, err);
}

int actr_ref_discover(actr_ref_t *ref, const actr_type_t *type, actr_id_t *out,
                      actr_error_t *err)
{
    if (!ref)
        return bad_ref(err);
    return actr_host_discover(ref->node, type, out, err);
}

void actr_ref_shutdown(actr_ref_t *ref)
{
    if (!ref)
        return;
    struct actr_node *n = ref->node;
    int expect = ACTR_NODE_RUNNING;
    if (!atomic_compare_exchange_strong_explicit(&n->state, &expect, ACTR_NODE_STOPPING,
                                                 memory_order_acq_rel, memory_order_acquire))
        return; /* already stopping or stopped */
    /* Close first (late senders get ACTR_ECLOSED), then queue the barrier behind what was
     * admitted. */
    actr_inbox_close(&n->actor.inbox);
    actr_actor_stop(&n->actor);
}

bool actr_ref_is_shutting_down(const actr_ref_t *ref)
{
    return ref && atomic_load_explicit(&ref->node->state, memory_order_acquire) >=
                      ACTR_NODE_STOPPING;
}

int actr_ref_wait(actr_ref_t *ref, int64_t timeout_ms)
{
    if (!ref)
        return ACTR_EINVAL;
    struct actr_node *n = ref->node;
    if (actr_actor_current() == &n->actor)
        return ACTR_ESTATE;
    struct timespec ts;
    if (timeout_ms >= 0)
        actr_clock_mono_deadline((uint64_t)timeout_ms * 1000000u, &ts);
    int rc = 0;
    pthread_mutex_lock(&n->lock);
    while (atomic_load_explicit(&n->state, memory_order_acquire) != ACTR_NODE_STOPPED) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&n->state_cv, &n->lock);
        } else if (pthread_cond_timedwait(&n->state_cv, &n->lock, &ts) == ETIMEDOUT) {
            if (atomic_load_explicit(&n->state, memory_order_acquire) != ACTR_NODE_STOPPED)
                rc = ACTR_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&n->lock);
    return rc;
}
