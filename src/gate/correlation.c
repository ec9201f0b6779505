/*
 * correlation.c - pending outbound requests (contract in correlation.h).
 *
 * Each entry is in the id map, in the deadline min-heap (unless it has no deadline; it keeps
 * its heap index for O(log n) removal) and, when it has a target, in that target's list (a map
 * from the target's identity bytes to the list), so a closed connection fails its own entries
 * without scanning the others. Entries are taken out of everything under the lock and their
 * callbacks run after unlocking.
 */
#include "gate/correlation.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/hashmap.h"

#define NO_HEAP SIZE_MAX
/* Orphans come from peers: log one per second at most. */
#define ORPHAN_LOG_INTERVAL_MS 1000

struct corr_group;

typedef struct corr_entry {
    struct corr_entry *grp_prev, *grp_next; /* the target's entries */
    struct corr_entry *fire_next;           /* ended, callback pending */
    struct corr_group *group;               /* NULL: no target */
    size_t heap_idx;
    uint64_t deadline_ms;
    actr_corr_done_fn fn;
    void *ud;
    bool has_target;
    actr_id_t target;
    size_t id_len;
    char id[];
} corr_entry_t;

/* Identity bytes of a target: realm, serial, then the three type strings with their NULs. */
#define TARGET_KEY_MAX (4 + 8 + sizeof(actr_type_t))

typedef struct corr_group {
    corr_entry_t *head;
    size_t key_len;
    uint8_t key[TARGET_KEY_MAX];
} corr_group_t;

struct actr_corr {
    pthread_mutex_t mu;
    actr_hmap_t *by_id;     /* id -> corr_entry_t */
    actr_hmap_t *by_target; /* target key -> corr_group_t */
    corr_entry_t **heap;
    size_t heap_len, heap_cap;
    uint64_t last_orphan_log_ms; /* 0: never */
    actr_corr_stats_t st;
};

static size_t target_key(const actr_id_t *id, uint8_t out[TARGET_KEY_MAX])
{
    size_t n = 0;
    for (int i = 3; i >= 0; i--)
        out[n++] = (uint8_t)(id->realm.realm_id >> (8 * i));
    for (int i = 7; i >= 0; i--)
        out[n++] = (uint8_t)(id->serial_number >> (8 * i));
    const char *parts[3] = {id->type.manufacturer, id->type.name, id->type.version};
    const size_t caps[3] = {sizeof id->type.manufacturer, sizeof id->type.name,
                            sizeof id->type.version};
    for (int p = 0; p < 3; p++) {
        size_t len = strnlen(parts[p], caps[p] - 1);
        memcpy(out + n, parts[p], len);
        n += len;
        out[n++] = 0;
    }
    return n;
}

int actr_corr_new(actr_corr_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    actr_corr_t *c = calloc(1, sizeof *c);
    if (!c)
        return ACTR_ENOMEM;
    if (actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &c->by_id) != 0 ||
        actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &c->by_target) != 0 ||
        pthread_mutex_init(&c->mu, NULL) != 0) {
        actr_hmap_free(c->by_id, NULL);
        actr_hmap_free(c->by_target, NULL);
        free(c);
        return ACTR_ENOMEM;
    }
    *out = c;
    return 0;
}

/* ---- the deadline heap ---- */

static void heap_set(actr_corr_t *c, size_t i, corr_entry_t *e)
{
    c->heap[i] = e;
    e->heap_idx = i;
}

static void heap_up(actr_corr_t *c, size_t i)
{
    corr_entry_t *e = c->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (c->heap[parent]->deadline_ms <= e->deadline_ms)
            break;
        heap_set(c, i, c->heap[parent]);
        i = parent;
    }
    heap_set(c, i, e);
}

static void heap_down(actr_corr_t *c, size_t i)
{
    corr_entry_t *e = c->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= c->heap_len)
            break;
        if (child + 1 < c->heap_len &&
            c->heap[child + 1]->deadline_ms < c->heap[child]->deadline_ms)
            child++;
        if (e->deadline_ms <= c->heap[child]->deadline_ms)
            break;
        heap_set(c, i, c->heap[child]);
        i = child;
    }
    heap_set(c, i, e);
}

static int heap_push(actr_corr_t *c, corr_entry_t *e)
{
    if (c->heap_len == c->heap_cap) {
        size_t cap = c->heap_cap ? c->heap_cap * 2 : 16;
        corr_entry_t **h = realloc(c->heap, cap * sizeof *h);
        if (!h)
            return ACTR_ENOMEM;
        c->heap = h;
        c->heap_cap = cap;
    }
    heap_set(c, c->heap_len++, e);
    heap_up(c, e->heap_idx);
    return 0;
}

static void heap_remove(actr_corr_t *c, corr_entry_t *e)
{
    size_t i = e->heap_idx;
    if (i == NO_HEAP)
        return;
    e->heap_idx = NO_HEAP;
    corr_entry_t *last = c->heap[--c->heap_len];
    if (last == e)
        return;
    heap_set(c, i, last);
    heap_up(c, i);
    heap_down(c, last->heap_idx);
}

/* ---- entries ---- */

/* Takes e out of every index (the caller owns it afterwards). */
static void detach_locked(actr_corr_t *c, corr_entry_t *e)
{
    actr_hmap_remove(c->by_id, e->id, e->id_len, NULL);
    heap_remove(c, e);
    corr_group_t *g = e->group;
    if (!g)
        return;
    if (e->grp_prev)
        e->grp_prev->grp_next = e->grp_next;
    else
        g->head = e->grp_next;
    if (e->grp_next)
        e->grp_next->grp_prev = e->grp_prev;
    e->group = NULL;
    if (!g->head) {
        actr_hmap_remove(c->by_target, g->key, g->key_len, NULL);
        free(g);
    }
}

static int attach_group_locked(actr_corr_t *c, corr_entry_t *e)
{
    uint8_t key[TARGET_KEY_MAX];
    size_t len = target_key(&e->target, key);
    void *found;
    corr_group_t *g;
    if (actr_hmap_get(c->by_target, key, len, &found) == 0) {
        g = found;
    } else {
        g = calloc(1, sizeof *g);
        if (!g)
            return ACTR_ENOMEM;
        memcpy(g->key, key, len);
        g->key_len = len;
        if (actr_hmap_insert(c->by_target, key, len, g) != 0) {
            free(g);
            return ACTR_ENOMEM;
        }
    }
    e->group = g;
    e->grp_prev = NULL;
    e->grp_next = g->head;
    if (g->head)
        g->head->grp_prev = e;
    g->head = e;
    return 0;
}

int actr_corr_register(actr_corr_t *c, const char *id, size_t id_len, const actr_id_t *target,
                       uint64_t deadline_ms, actr_corr_done_fn fn, void *ud)
{
    if (!c || !id || id_len == 0 || id_len > ACTR_CORR_MAX_ID || !fn)
        return ACTR_EINVAL;
    corr_entry_t *e = calloc(1, sizeof *e + id_len);
    if (!e)
        return ACTR_ENOMEM;
    memcpy(e->id, id, id_len);
    e->id_len = id_len;
    e->deadline_ms = deadline_ms;
    e->heap_idx = NO_HEAP;
    e->fn = fn;
    e->ud = ud;
    if (target) {
        e->target = *target;
        e->has_target = true;
    }
    pthread_mutex_lock(&c->mu);
    int rc = actr_hmap_insert(c->by_id, id, id_len, e);
    if (rc == 0 && deadline_ms != ACTR_CORR_NO_DEADLINE)
        rc = heap_push(c, e);
    if (rc == 0 && target)
        rc = attach_group_locked(c, e);
    if (rc == 0) {
        c->st.registered++;
    } else if (rc != ACTR_EEXIST) {
        detach_locked(c, e);
    }
    pthread_mutex_unlock(&c->mu);
    if (rc != 0)
        free(e);
    return rc;
}

/* ---- ending entries ---- */

/* Runs the callbacks of a detached list (lock not held) and frees the entries. */
static size_t fire(corr_entry_t *list, int code, const actr_buf_t *response,
                   const actr_error_t *err)
{
    actr_error_t generic;
    if (code != 0 && !err) {
        if (code == ACTR_ETIMEDOUT)
            actr_error_set(&generic, code, ACTR_KIND_TRANSIENT, ACTR_WIRE_TIMED_OUT,
                           "timed out");
        else
            actr_error_set(&generic, code, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE, "%s",
                           actr_strerror(code));
        err = &generic;
    }
    size_t n = 0;
    while (list) {
        corr_entry_t *e = list;
        list = e->fire_next;
        actr_corr_outcome_t o = {
            .code = code,
            .response = code == 0 ? response : NULL,
            .error = code == 0 ? NULL : err,
            .target = e->has_target ? &e->target : NULL,
        };
        e->fn(e->ud, &o);
        free(e);
        n++;
    }
    return n;
}

static void log_orphan_locked(actr_corr_t *c, const char *id, size_t id_len)
{
    c->st.orphans++;
    uint64_t now = actr_clock_mono_ms() + 1; /* +1: 0 means never */
    if (c->last_orphan_log_ms && now - c->last_orphan_log_ms < ORPHAN_LOG_INTERVAL_MS)
        return;
    c->last_orphan_log_ms = now;
    char text[80];
    size_t n = id_len < sizeof text - 1 ? id_len : sizeof text - 1;
    memcpy(text, id, n);
    text[n] = '\0';
    actr_log(ACTR_LOG_WARN, "gate", "response with no pending request dropped",
             ACTR_KV("request_id", text), ACTR_KV("error_category", "orphan_response"));
}

/* Ends one entry by id: 0 with the entry detached in *out, or ACTR_ENOTFOUND. */
static int take_locked(actr_corr_t *c, const char *id, size_t id_len, corr_entry_t **out)
{
    void *found;
    if (!id || actr_hmap_get(c->by_id, id, id_len, &found) != 0)
        return ACTR_ENOTFOUND;
    corr_entry_t *e = found;
    detach_locked(c, e);
    e->fire_next = NULL;
    *out = e;
    return 0;
}

static int end_one(actr_corr_t *c, const char *id, size_t id_len, int code,
                   const actr_buf_t *response, const actr_error_t *err)
{
    if (!c)
        return ACTR_EINVAL;
    corr_entry_t *e;
    pthread_mutex_lock(&c->mu);
    int rc = take_locked(c, id, id_len, &e);
    if (rc != 0)
        log_orphan_locked(c, id ? id : "", id ? id_len : 0);
    else if (code == 0)
        c->st.completed++;
    else
        c->st.failed++;
    pthread_mutex_unlock(&c->mu);
    if (rc == 0)
        fire(e, code, response, err);
    return rc;
}

int actr_corr_complete(actr_corr_t *c, const char *id, size_t id_len, const actr_buf_t *response)
{
    actr_buf_t empty = ACTR_BUF_INIT;
    return end_one(c, id, id_len, 0, response ? response : &empty, NULL);
}

int actr_corr_fail(actr_corr_t *c, const char *id, size_t id_len, int code,
                   const actr_error_t *err)
{
    return end_one(c, id, id_len, code ? code : ACTR_EUNAVAILABLE, NULL, err);
}

int actr_corr_cancel(actr_corr_t *c, const char *id, size_t id_len)
{
    if (!c)
        return ACTR_EINVAL;
    corr_entry_t *e;
    pthread_mutex_lock(&c->mu);
    int rc = take_locked(c, id, id_len, &e);
    if (rc == 0)
        c->st.cancelled++;
    pthread_mutex_unlock(&c->mu);
    if (rc == 0)
        free(e);
    return rc;
}

size_t actr_corr_fail_target(actr_corr_t *c, const actr_id_t *target, int code,
                             const actr_error_t *err)
{
    if (!c || !target)
        return 0;
    uint8_t key[TARGET_KEY_MAX];
    size_t len = target_key(target, key);
    corr_entry_t *list = NULL;
    pthread_mutex_lock(&c->mu);
    void *found;
    if (actr_hmap_get(c->by_target, key, len, &found) == 0) {
        /* Detaching the last entry frees the group: read each link before. */
        for (corr_entry_t *e = ((corr_group_t *)found)->head, *next; e; e = next) {
            next = e->grp_next;
            detach_locked(c, e);
            e->fire_next = list;
            list = e;
            c->st.failed++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return fire(list, code ? code : ACTR_EUNAVAILABLE, NULL, err);
}

size_t actr_corr_fail_all(actr_corr_t *c, int code, const actr_error_t *err)
{
    if (!c)
        return 0;
    corr_entry_t *list = NULL;
    pthread_mutex_lock(&c->mu);
    actr_hmap_iter_t it;
    actr_hmap_entry_t ent;
    /* Collect first: detaching changes the id map the iterator walks. */
    for (actr_hmap_iter_init(c->by_id, &it); actr_hmap_iter_next(&it, &ent);) {
        corr_entry_t *e = ent.value;
        e->fire_next = list;
        list = e;
    }
    for (corr_entry_t *e = list; e; e = e->fire_next) {
        detach_locked(c, e);
        c->st.failed++;
    }
    pthread_mutex_unlock(&c->mu);
    return fire(list, code ? code : ACTR_EUNAVAILABLE, NULL, err);
}

size_t actr_corr_expire(actr_corr_t *c, uint64_t now_ms)
{
    if (!c)
        return 0;
    corr_entry_t *list = NULL, **tail = &list; /* earliest deadline called back first */
    pthread_mutex_lock(&c->mu);
    while (c->heap_len > 0 && c->heap[0]->deadline_ms <= now_ms) {
        corr_entry_t *e = c->heap[0];
        detach_locked(c, e);
        e->fire_next = NULL;
        *tail = e;
        tail = &e->fire_next;
        c->st.timed_out++;
    }
    pthread_mutex_unlock(&c->mu);
    return fire(list, ACTR_ETIMEDOUT, NULL, NULL);
}

int actr_corr_next_deadline(actr_corr_t *c, uint64_t *deadline_ms)
{
    pthread_mutex_lock(&c->mu);
    int rc = ACTR_ENOTFOUND;
    if (c->heap_len > 0) {
        *deadline_ms = c->heap[0]->deadline_ms;
        rc = 0;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

bool actr_corr_pending(actr_corr_t *c, const char *id, size_t id_len)
{
    pthread_mutex_lock(&c->mu);
    bool p = id && actr_hmap_get(c->by_id, id, id_len, NULL) == 0;
    pthread_mutex_unlock(&c->mu);
    return p;
}

void actr_corr_stats(actr_corr_t *c, actr_corr_stats_t *out)
{
    pthread_mutex_lock(&c->mu);
    *out = c->st;
    out->pending = actr_hmap_count(c->by_id);
    out->targets = actr_hmap_count(c->by_target);
    pthread_mutex_unlock(&c->mu);
}

void actr_corr_free(actr_corr_t *c)
{
    if (!c)
        return;
    actr_error_t err;
    actr_error_set(&err, ACTR_ECLOSED, ACTR_KIND_TRANSIENT, ACTR_WIRE_UNAVAILABLE,
                   "pending request table closed");
    actr_corr_fail_all(c, ACTR_ECLOSED, &err);
    actr_hmap_free(c->by_id, NULL);
    actr_hmap_free(c->by_target, NULL);
    free(c->heap);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
