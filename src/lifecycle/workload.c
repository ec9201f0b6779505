/* workload.c - route-table workloads and the errno/wire-code mapping of handler errors. */
#include "actr/workload.h"

#include <stdlib.h>
#include <string.h>

#include "base/hashmap.h"

/* Up to this many routes a linear scan (length first) beats hashing the key. */
#define LINEAR_MAX 8

typedef struct route_entry {
    char *key;
    size_t len;
    actr_handler_fn handler;
} route_entry_t;

typedef struct route_table {
    route_entry_t *routes;
    size_t count;
    actr_hmap_t *index; /* key -> route_entry_t*, only above LINEAR_MAX */
    actr_workload_vtable_t vtable; /* dispatch = ours, the rest from the caller's hooks */
    const actr_workload_vtable_t *hooks;
    void *self;
} route_table_t;

static const route_entry_t *lookup(const route_table_t *t, const char *key)
{
    size_t len = strlen(key);
    if (t->index) {
        void *v;
        return actr_hmap_get(t->index, key, len, &v) == 0 ? v : NULL;
    }
    for (size_t i = 0; i < t->count; i++)
        if (t->routes[i].len == len && memcmp(t->routes[i].key, key, len) == 0)
            return &t->routes[i];
    return NULL;
}

static int table_dispatch(void *self, actr_ctx_t *ctx, const char *route_key,
                          const actr_buf_t *request, actr_buf_t *response, actr_error_t *err)
{
    route_table_t *t = self;
    const route_entry_t *r = lookup(t, route_key);
    if (!r)
        return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, ACTR_WIRE_UNKNOWN_ROUTE,
                              "unknown route: %s", route_key);
    return r->handler(t->self, ctx, request, response, err);
}

static int table_on_start(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    route_table_t *t = self;
    return t->hooks->on_start(t->self, ctx, err);
}

static int table_on_ready(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    route_table_t *t = self;
    return t->hooks->on_ready(t->self, ctx, err);
}

static int table_on_stop(void *self, actr_ctx_t *ctx, actr_error_t *err)
{
    route_table_t *t = self;
    return t->hooks->on_stop(t->self, ctx, err);
}

static void table_on_hook(void *self, actr_ctx_t *ctx, const actr_hook_event_t *event)
{
    route_table_t *t = self;
    t->hooks->on_hook(t->self, ctx, event);
}

static void table_free(route_table_t *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->routes[i].key);
    actr_hmap_free(t->index, NULL);
    free(t->routes);
    free(t);
}

static void table_destroy(void *self)
{
    route_table_t *t = self;
    if (t->hooks && t->hooks->destroy)
        t->hooks->destroy(t->self);
    table_free(t);
}

static int add_route(route_table_t *t, const actr_route_t *r, actr_error_t *err)
{
    size_t len = r->route_key ? strlen(r->route_key) : 0;
    if (!r->handler)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "route %s has no handler",
                              r->route_key ? r->route_key : "(null)");
    int rc = actr_route_key_validate(r->route_key ? r->route_key : "", len, err);
    if (rc != 0)
        return rc;
    if (lookup(t, r->route_key))
        return actr_error_set(err, ACTR_EEXIST, ACTR_KIND_CLIENT, 0, "duplicate route %s",
                              r->route_key);
    route_entry_t *e = &t->routes[t->count];
    if (!(e->key = strdup(r->route_key)))
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    e->len = len;
    e->handler = r->handler;
    t->count++;
    return 0;
}

int actr_workload_from_routes(const actr_route_t *routes, size_t count,
                              const actr_workload_vtable_t *hooks, void *self,
                              actr_workload_t *out, actr_error_t *err)
{
    if (!out || (count && !routes))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "routes and out are required");
    route_table_t *t = calloc(1, sizeof *t);
    if (!t || !(t->routes = calloc(count ? count : 1, sizeof *t->routes))) {
        free(t);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    t->hooks = hooks;
    t->self = self;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = add_route(t, &routes[i], err);
    if (rc == 0 && count > LINEAR_MAX) {
        rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, count, &t->index);
        for (size_t i = 0; i < count && rc == 0; i++)
            rc = actr_hmap_insert(t->index, t->routes[i].key, t->routes[i].len, &t->routes[i]);
        if (rc != 0)
            actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    if (rc != 0) {
        table_free(t);
        return rc;
    }
    t->vtable.dispatch = table_dispatch;
    t->vtable.on_start = hooks && hooks->on_start ? table_on_start : NULL;
    t->vtable.on_ready = hooks && hooks->on_ready ? table_on_ready : NULL;
    t->vtable.on_stop = hooks && hooks->on_stop ? table_on_stop : NULL;
    t->vtable.on_hook = hooks && hooks->on_hook ? table_on_hook : NULL;
    t->vtable.destroy = table_destroy;
    out->vtable = &t->vtable;
    out->self = t;
    return 0;
}

void actr_workload_destroy(actr_workload_t *wl)
{
    if (wl && wl->vtable && wl->vtable->destroy)
        wl->vtable->destroy(wl->self);
    if (wl) {
        wl->vtable = NULL;
        wl->self = NULL;
    }
}

uint32_t actr_wire_code_for_errno(int code)
{
    switch (code) {
    case ACTR_EINVAL: return ACTR_WIRE_INVALID_ARGUMENT;
    case ACTR_ENOTFOUND: return ACTR_WIRE_NOT_FOUND;
    case ACTR_EPERM: return ACTR_WIRE_PERMISSION_DENIED;
    case ACTR_ETIMEDOUT: return ACTR_WIRE_TIMED_OUT;
    case ACTR_EPARSE: return ACTR_WIRE_DECODE_FAILURE;
    case ACTR_EUNSUPPORTED: return ACTR_WIRE_NOT_IMPLEMENTED;
    case ACTR_EAGAIN:
    case ACTR_EUNAVAILABLE:
    case ACTR_ECLOSED: return ACTR_WIRE_UNAVAILABLE;
    default: return ACTR_WIRE_INTERNAL;
    }
}

int actr_errno_for_wire_code(uint32_t wire_code)
{
    switch (wire_code) {
    case ACTR_WIRE_TIMED_OUT: return ACTR_ETIMEDOUT;
    case ACTR_WIRE_NOT_FOUND:
    case ACTR_WIRE_UNKNOWN_ROUTE:
    case ACTR_WIRE_DEPENDENCY_NOT_FOUND: return ACTR_ENOTFOUND;
    case ACTR_WIRE_PERMISSION_DENIED: return ACTR_EPERM;
    case ACTR_WIRE_INVALID_ARGUMENT: return ACTR_EINVAL;
    case ACTR_WIRE_DECODE_FAILURE: return ACTR_EPARSE;
    case ACTR_WIRE_NOT_IMPLEMENTED: return ACTR_EUNSUPPORTED;
    case ACTR_WIRE_INTERNAL: return ACTR_EINTERNAL;
    default: return ACTR_EUNAVAILABLE;
    }
}
