/*
 * key_cache.c - AIS signing keys by key_id, with single-flight asynchronous fetches on a miss
 * (see key_cache.h). Tables are small arrays searched linearly: an AIS has a few keys.
 */
#include "platform/ais/key_cache.h"

#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"

#define KC_LOG "ais.keys"

typedef struct kc_entry {
    uint32_t key_id;
    bool used;
    uint64_t seq; /* insertion order, for eviction */
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
} kc_entry_t;

typedef struct kc_negative {
    uint32_t key_id;
    bool used;
    uint64_t until_ms;
} kc_negative_t;

typedef struct kc_waiter {
    struct kc_waiter *next;
    uint64_t ticket;
    uint32_t key_id;
    actr_ais_key_done_fn done;
    void *arg;
} kc_waiter_t;

struct actr_ais_key_cache {
    actr_ais_key_cache_config_t cfg;
    kc_entry_t *entries;
    kc_negative_t *negatives; /* as many as entries */
    uint32_t *fetching;       /* key_ids with a fetch out */
    size_t n_fetching;
    kc_waiter_t *waiters;
    size_t n_waiters;
    uint64_t next_seq, next_ticket;
    actr_ais_key_cache_stats_t stats;
};

void actr_ais_key_cache_config_init(actr_ais_key_cache_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_entries = 64;
    cfg->max_fetches = 8;
    cfg->max_waiters = 1024;
    cfg->negative_ttl_ms = 10000;
}

int actr_ais_key_cache_new(const actr_ais_key_cache_config_t *cfg, actr_ais_key_cache_t **out)
{
    if (!cfg || !out || !cfg->max_entries || !cfg->max_fetches || !cfg->max_waiters)
        return ACTR_EINVAL;
    *out = NULL;
    actr_ais_key_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return ACTR_ENOMEM;
    c->cfg = *cfg;
    if (!c->cfg.now_ms)
        c->cfg.now_ms = actr_clock_mono_ms;
    c->entries = calloc(cfg->max_entries, sizeof *c->entries);
    c->negatives = calloc(cfg->max_entries, sizeof *c->negatives);
    c->fetching = calloc(cfg->max_fetches, sizeof *c->fetching);
    if (!c->entries || !c->negatives || !c->fetching) {
        actr_ais_key_cache_free(c);
        return ACTR_ENOMEM;
    }
    c->next_ticket = 1;
    *out = c;
    return 0;
}

/* Runs and frees every waiter for key_id (all of them when all is set). */
static void complete_waiters(actr_ais_key_cache_t *c, uint32_t key_id, bool all, int status,
                             const uint8_t *pub)
{
    /* Detach first: callbacks may look up again (new waiters) or cancel others. */
    kc_waiter_t *done = NULL, **tail = &done;
    for (kc_waiter_t **p = &c->waiters; *p;) {
        kc_waiter_t *w = *p;
        if (all || w->key_id == key_id) {
            *p = w->next;
            w->next = NULL;
            *tail = w;
            tail = &w->next;
            c->n_waiters--;
        } else {
            p = &w->next;
        }
    }
    while (done) {
        kc_waiter_t *next = done->next;
        done->done(status, done->key_id, status ? NULL : pub, done->arg);
        free(done);
        done = next;
    }
}

void actr_ais_key_cache_free(actr_ais_key_cache_t *c)
{
    if (!c)
        return;
    complete_waiters(c, 0, true, ACTR_ECANCELED, NULL);
    free(c->entries);
    free(c->negatives);
    free(c->fetching);
    free(c);
}

static kc_entry_t *find_entry(const actr_ais_key_cache_t *c, uint32_t key_id)
{
    for (size_t i = 0; i < c->cfg.max_entries; i++)
        if (c->entries[i].used && c->entries[i].key_id == key_id)
            return &c->entries[i];
    return NULL;
}

int actr_ais_key_cache_put(actr_ais_key_cache_t *c, uint32_t key_id,
                           const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    if (!c || !pub)
        return ACTR_EINVAL;
    if (actr_ed25519_pubkey_valid(pub, ACTR_ED25519_PUBLIC_KEY_LEN) != 0)
        return ACTR_EINVAL;
    kc_entry_t *e = find_entry(c, key_id);
    if (!e) {
        kc_entry_t *oldest = &c->entries[0];
        for (size_t i = 0; i < c->cfg.max_entries && !e; i++) {
            if (!c->entries[i].used)
                e = &c->entries[i];
            else if (c->entries[i].seq < oldest->seq)
                oldest = &c->entries[i];
        }
        if (!e) {
            e = oldest;
            c->stats.evictions++;
            actr_logf(ACTR_LOG_INFO, KC_LOG, "key cache full: dropped key_id %u", e->key_id);
        }
    }
    e->used = true;
    e->key_id = key_id;
    e->seq = c->next_seq++;
    memcpy(e->pub, pub, ACTR_ED25519_PUBLIC_KEY_LEN);
    for (size_t i = 0; i < c->cfg.max_entries; i++) /* a good key beats an old failure */
        if (c->negatives[i].used && c->negatives[i].key_id == key_id)
            c->negatives[i].used = false;
    return 0;
}

int actr_ais_key_cache_get(const actr_ais_key_cache_t *c, uint32_t key_id,
                           uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    const kc_entry_t *e = c ? find_entry(c, key_id) : NULL;
    if (!e)
        return ACTR_ENOTFOUND;
    memcpy(pub, e->pub, ACTR_ED25519_PUBLIC_KEY_LEN);
    return 0;
}

static bool negative_hit(actr_ais_key_cache_t *c, uint32_t key_id)
{
    uint64_t now = c->cfg.now_ms();
    for (size_t i = 0; i < c->cfg.max_entries; i++) {
        kc_negative_t *n = &c->negatives[i];
        if (n->used && n->key_id == key_id) {
            if (now < n->until_ms)
                return true;
            n->used = false;
        }
    }
    return false;
}

static void negative_add(actr_ais_key_cache_t *c, uint32_t key_id)
{
    if (!c->cfg.negative_ttl_ms)
        return;
    kc_negative_t *slot = &c->negatives[0];
    for (size_t i = 0; i < c->cfg.max_entries; i++) {
        kc_negative_t *n = &c->negatives[i];
        if (!n->used || n->key_id == key_id) {
            slot = n;
            break;
        }
        if (n->until_ms < slot->until_ms)
            slot = n; /* full: the one that ends first goes */
    }
    slot->used = true;
    slot->key_id = key_id;
    slot->until_ms = c->cfg.now_ms() + c->cfg.negative_ttl_ms;
}

static bool is_fetching(const actr_ais_key_cache_t *c, uint32_t key_id)
{
    for (size_t i = 0; i < c->n_fetching; i++)
        if (c->fetching[i] == key_id)
            return true;
    return false;
}

static void fetching_remove(actr_ais_key_cache_t *c, uint32_t key_id)
{
    for (size_t i = 0; i < c->n_fetching; i++) {
        if (c->fetching[i] == key_id) {
            c->fetching[i] = c->fetching[--c->n_fetching];
            return;
        }
    }
}

int actr_ais_key_cache_lookup(actr_ais_key_cache_t *c, uint32_t key_id,
                              actr_ais_key_done_fn done, void *arg, uint64_t *ticket)
{
    if (!c || !done || !ticket)
        return ACTR_EINVAL;
    *ticket = 0;
    const kc_entry_t *e = find_entry(c, key_id);
    if (e) {
        c->stats.hits++;
        uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
        memcpy(pub, e->pub, sizeof pub); /* done() may put or evict */
        done(0, key_id, pub, arg);
        return 0;
    }
    c->stats.misses++;
    if (negative_hit(c, key_id) || !c->cfg.fetch) {
        c->stats.negative_hits++;
        done(ACTR_ENOTFOUND, key_id, NULL, arg);
        return 0;
    }
    bool start = !is_fetching(c, key_id);
    if (c->n_waiters >= c->cfg.max_waiters || (start && c->n_fetching >= c->cfg.max_fetches)) {
        c->stats.refused++;
        return ACTR_EAGAIN;
    }
    kc_waiter_t *w = calloc(1, sizeof *w);
    if (!w)
        return ACTR_ENOMEM;
    w->ticket = c->next_ticket++;
    w->key_id = key_id;
    w->done = done;
    w->arg = arg;
    w->next = c->waiters;
    c->waiters = w;
    c->n_waiters++;
    uint64_t t = w->ticket;
    *ticket = t;
    if (!start)
        return 0;
    c->fetching[c->n_fetching++] = key_id;
    c->stats.fetches++;
    int rc = c->cfg.fetch(c, key_id, c->cfg.fetch_ctx);
    if (rc != 0)
        actr_ais_key_cache_fetched(c, key_id, rc, key_id, NULL);
    /* The fetcher may have answered already: then the ticket is spent. */
    bool pending = false;
    for (kc_waiter_t *p = c->waiters; p && !pending; p = p->next)
        pending = p->ticket == t;
    if (!pending)
        *ticket = 0;
    return 0;
}

void actr_ais_key_cache_cancel(actr_ais_key_cache_t *c, uint64_t ticket)
{
    if (!c || !ticket)
        return;
    for (kc_waiter_t **p = &c->waiters; *p; p = &(*p)->next) {
        if ((*p)->ticket == ticket) {
            kc_waiter_t *w = *p;
            *p = w->next;
            free(w);
            c->n_waiters--;
            return;
        }
    }
}

void actr_ais_key_cache_fetched(actr_ais_key_cache_t *c, uint32_t asked_key_id, int status,
                                uint32_t returned_key_id, const uint8_t *pub)
{
    if (!c || !is_fetching(c, asked_key_id))
        return; /* a late or duplicate answer */
    fetching_remove(c, asked_key_id);
    if (status == 0 && (!pub || actr_ais_key_cache_put(c, returned_key_id, pub) != 0))
        status = ACTR_EINVAL;
    if (status == 0 && returned_key_id != asked_key_id)
        status = ACTR_ENOTFOUND; /* stored, but it is not the key the credential names */
    if (status != 0) {
        c->stats.fetch_failures++;
        negative_add(c, asked_key_id);
        actr_logf(ACTR_LOG_DEBUG, KC_LOG, "AIS key %u not available: %s", asked_key_id,
                  actr_strerror(status));
    }
    complete_waiters(c, asked_key_id, false, status, pub);
}

void actr_ais_key_cache_stats(const actr_ais_key_cache_t *c, actr_ais_key_cache_stats_t *out)
{
    if (c)
        *out = c->stats;
    else
        memset(out, 0, sizeof *out);
}
