/* backoff.c - exponential backoff with jitter and an injectable random source. */
#include "base/backoff.h"

#include <math.h>
#include <stddef.h>

#include "actr/error.h"
#include "base/random.h"

/* xorshift64*: plenty for jitter, and each backoff owns its state (no locking). */
static double default_random(void *ctx)
{
    uint64_t *s = ctx;
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (double)((x * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

int actr_backoff_init(actr_backoff_t *b, const actr_backoff_config_t *cfg)
{
    static const actr_backoff_config_t defaults = ACTR_BACKOFF_DEFAULTS;
    if (!b)
        return ACTR_EINVAL;
    if (!cfg)
        cfg = &defaults;
    /* Written so that NaN fails every comparison and is rejected. */
    if (cfg->initial_ms == 0 || cfg->max_ms < cfg->initial_ms ||
        !(cfg->multiplier >= 1.0 && cfg->multiplier <= 1000.0) ||
        !(cfg->jitter >= 0.0 && cfg->jitter <= 1.0))
        return ACTR_EINVAL;
    b->cfg = *cfg;
    b->rng = actr_os_random_u64() | 1; /* xorshift state must not be zero */
    actr_backoff_set_random(b, NULL, NULL);
    actr_backoff_reset(b);
    return 0;
}

void actr_backoff_set_random(actr_backoff_t *b, actr_backoff_random_fn fn, void *ctx)
{
    /* NULL selects b->rng at call time, so copying the struct copies a working generator. */
    b->random = fn;
    b->random_ctx = ctx;
}

void actr_backoff_reset(actr_backoff_t *b)
{
    b->attempts = 0;
    b->base_ms = (double)b->cfg.initial_ms;
}

int actr_backoff_exhausted(const actr_backoff_t *b)
{
    return b->cfg.max_attempts != 0 && b->attempts >= b->cfg.max_attempts;
}

uint32_t actr_backoff_attempts(const actr_backoff_t *b)
{
    return b->attempts;
}

int actr_backoff_next(actr_backoff_t *b, uint64_t *delay_ms)
{
    if (actr_backoff_exhausted(b))
        return ACTR_EEXPIRED;
    double max = (double)b->cfg.max_ms;
    double base = fmin(b->base_ms, max);
    double r = b->random ? b->random(b->random_ctx) : default_random(&b->rng);
    if (!(r >= 0.0))
        r = 0.0;
    if (r > 1.0)
        r = 1.0;
    double delay = base * (1.0 + b->cfg.jitter * (2.0 * r - 1.0));
    /* Compare in double, return the integer ceiling itself: (double)UINT64_MAX is 2^64. */
    if (delay >= max)
        *delay_ms = b->cfg.max_ms;
    else
        *delay_ms = (uint64_t)(delay + 0.5);
    if (b->attempts < UINT32_MAX)
        b->attempts++;
    /* Growth stops at the ceiling, so base_ms never overflows to infinity. */
    b->base_ms = fmin(base * b->cfg.multiplier, max);
    return 0;
}
