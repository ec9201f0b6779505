/* ratelimit.c - token buckets and the per-address table (see ratelimit.h). */
#include "net/ratelimit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/hashmap.h"

struct actrd_iplimit {
    actrd_rate_t rate;
    size_t max_keys;
    actr_hmap_t *map; /* key text -> actrd_bucket_t * */
};

static void refill(actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms)
{
    if (now_ms <= b->last_ms)
        return;
    double add = (double)(now_ms - b->last_ms) * rate->rate_per_sec / 1000.0;
    b->tokens = fmin(rate->burst, b->tokens + add);
    b->last_ms = now_ms;
}

void actrd_bucket_init(actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms)
{
    b->tokens = rate->burst;
    b->last_ms = now_ms;
}

int actrd_bucket_take(actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms,
                      uint64_t *retry_after_ms)
{
    if (rate->rate_per_sec <= 0)
        return 0;
    refill(b, rate, now_ms);
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    if (retry_after_ms)
        *retry_after_ms = (uint64_t)ceil((1.0 - b->tokens) * 1000.0 / rate->rate_per_sec);
    return ACTR_EAGAIN;
}

int actrd_bucket_full(const actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms)
{
    actrd_bucket_t copy = *b;
    refill(&copy, rate, now_ms);
    return copy.tokens >= rate->burst;
}

uint32_t actrd_retry_after_secs(uint64_t retry_after_ms)
{
    uint64_t s = retry_after_ms / 1000 + (retry_after_ms % 1000 != 0);
    if (s < 1)
        s = 1;
    return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

int actrd_iplimit_new(double rate_per_sec, uint32_t burst, size_t max_keys,
                      actrd_iplimit_t **out)
{
    if (!out || rate_per_sec < 0 || burst < 1 || max_keys < 1)
        return ACTR_EINVAL;
    actrd_iplimit_t *lim = calloc(1, sizeof *lim);
    if (!lim)
        return ACTR_ENOMEM;
    lim->rate.rate_per_sec = rate_per_sec;
    lim->rate.burst = burst;
    lim->max_keys = max_keys;
    int rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &lim->map);
    if (rc) {
        free(lim);
        return rc;
    }
    *out = lim;
    return 0;
}

void actrd_iplimit_free(actrd_iplimit_t *lim)
{
    if (!lim)
        return;
    actr_hmap_free(lim->map, free);
    free(lim);
}

int actrd_iplimit_take(actrd_iplimit_t *lim, const char *key, uint64_t now_ms,
                       uint64_t *retry_after_ms)
{
    if (lim->rate.rate_per_sec <= 0)
        return 0;
    size_t len = strlen(key);
    void *v;
    if (actr_hmap_get(lim->map, key, len, &v) == 0)
        return actrd_bucket_take(v, &lim->rate, now_ms, retry_after_ms);
    if (actr_hmap_count(lim->map) >= lim->max_keys)
        actrd_iplimit_sweep(lim, now_ms);
    actrd_bucket_t *b = malloc(sizeof *b);
    if (!b || actr_hmap_count(lim->map) >= lim->max_keys ||
        actr_hmap_insert(lim->map, key, len, b) != 0) {
        free(b);
        if (retry_after_ms)
            *retry_after_ms = 1000;
        return ACTR_EAGAIN;
    }
    actrd_bucket_init(b, &lim->rate, now_ms);
    return actrd_bucket_take(b, &lim->rate, now_ms, retry_after_ms);
}

size_t actrd_iplimit_sweep(actrd_iplimit_t *lim, uint64_t now_ms)
{
    size_t removed = 0;
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(lim->map, &it); actr_hmap_iter_next(&it, &e);) {
        if (actrd_bucket_full(e.value, &lim->rate, now_ms)) {
            free(e.value);
            actr_hmap_iter_remove(&it);
            removed++;
        }
    }
    return removed;
}

size_t actrd_iplimit_count(const actrd_iplimit_t *lim)
{
    return actr_hmap_count(lim->map);
}
