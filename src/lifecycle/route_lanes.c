/*
 * route_lanes.c - the per-method lane table of a node (spec: runtime.md §1.2 and §5.1: the
 * codegen'd payload_type() of each request type, checked by ensure_rpc_payload_type).
 *
 * Only methods declared on a lane other than RPC_RELIABLE are kept, so a node that declares
 * nothing (or only the default) has no table and its remote sends skip the lookup entirely.
 * In-process sends never look (the lane means nothing inside one hyper).
 */
#include "lifecycle/route_lanes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/stream.h"
#include "actr/types.h"
#include "base/hashmap.h"

_Static_assert((int)ACTR_LANE_STREAM_RELIABLE == (int)ACTR_STREAM_RELIABLE &&
                   (int)ACTR_LANE_STREAM_LATENCY_FIRST == (int)ACTR_STREAM_LATENCY_FIRST,
               "actr_lane_t and actr_stream_lane_t share the PayloadType values");

struct actr_route_lanes {
    actr_hmap_t *signal; /* route key -> lane (as a pointer-sized integer) */
};

static const char *lane_name(int lane)
{
    switch (lane) {
    case ACTR_LANE_RPC_RELIABLE: return "RPC_RELIABLE";
    case ACTR_LANE_RPC_SIGNAL: return "RPC_SIGNAL";
    case ACTR_LANE_STREAM_RELIABLE: return "STREAM_RELIABLE";
    case ACTR_LANE_STREAM_LATENCY_FIRST: return "STREAM_LATENCY_FIRST";
    case ACTR_LANE_MEDIA_RTP: return "MEDIA_RTP";
    default: return "unknown";
    }
}

void actr_route_lanes_free(actr_route_lanes_t *t)
{
    if (!t)
        return;
    actr_hmap_free(t->signal, NULL);
    free(t);
}

int actr_route_lanes_new(const actr_lane_decl_t *decls, size_t n, actr_route_lanes_t **out,
                         actr_error_t *err)
{
    *out = NULL;
    actr_hmap_t *all = NULL; /* every declared key, for duplicates */
    actr_route_lanes_t *t = calloc(1, sizeof *t);
    int rc = t ? actr_hmap_new(ACTR_HMAP_KEY_BYTES, n, &all) : ACTR_ENOMEM;
    if (rc == 0)
        rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, n, &t->signal);
    if (rc != 0) {
        rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = decls[i].route_key;
        size_t len = key ? strnlen(key, ACTR_ROUTE_KEY_STR_SIZE) : 0;
        int lane = (int)decls[i].lane;
        if (len == 0 || len >= ACTR_ROUTE_KEY_STR_SIZE) {
            rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                "route lane %zu: the route key must be 1..%d bytes", i,
                                ACTR_ROUTE_KEY_STR_SIZE - 1);
            goto out;
        }
        if (lane != ACTR_LANE_RPC_RELIABLE && lane != ACTR_LANE_RPC_SIGNAL) {
            rc = actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                "route lane %zu (%.200s): calls and tells go on RPC_RELIABLE or "
                                "RPC_SIGNAL, not %s (%d)", i, key, lane_name(lane), lane);
            goto out;
        }
        rc = actr_hmap_insert(all, key, len, NULL);
        if (rc == ACTR_EEXIST) {
            rc = actr_error_set(err, ACTR_EEXIST, ACTR_KIND_CLIENT, 0,
                                "route lane %zu: %.200s is declared twice", i, key);
            goto out;
        }
        if (rc == 0 && lane != ACTR_LANE_RPC_RELIABLE)
            rc = actr_hmap_insert(t->signal, key, len, (void *)(uintptr_t)lane);
        if (rc != 0) {
            rc = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
            goto out;
        }
    }
    if (actr_hmap_count(t->signal) == 0) { /* only the default: nothing to look up */
        actr_route_lanes_free(t);
        t = NULL;
    }
    *out = t;
    t = NULL;
out:
    actr_hmap_free(all, NULL);
    actr_route_lanes_free(t);
    return rc;
}

actr_lane_t actr_route_lanes_get(const actr_route_lanes_t *t, const char *route_key)
{
    void *v = NULL;
    if (!t || !route_key ||
        actr_hmap_get(t->signal, route_key, strnlen(route_key, ACTR_ROUTE_KEY_STR_SIZE), &v) != 0)
        return ACTR_LANE_RPC_RELIABLE;
    return (actr_lane_t)(uintptr_t)v;
}
