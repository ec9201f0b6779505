/*
 * ratelimit.h - token buckets, alone and in a table keyed by client address.
 *
 * A bucket holds up to `burst` tokens and refills at `rate_per_sec`; each request takes one.
 * actrix limits AIS with governor at 2 requests/s and a burst of 100 per IP; the same shape
 * serves WebSocket upgrades. Time comes from the caller (monotonic milliseconds) so tests step
 * it without sleeping.
 */
#ifndef ACTRD_NET_RATELIMIT_H
#define ACTRD_NET_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct actrd_bucket {
    double tokens;
    uint64_t last_ms;
} actrd_bucket_t;

typedef struct actrd_rate {
    double rate_per_sec; /* 0: unlimited */
    double burst;        /* at least 1 */
} actrd_rate_t;

/* A full bucket at now_ms. */
void actrd_bucket_init(actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms);

/*
 * Takes one token: 0, or ACTR_EAGAIN with *retry_after_ms (optional) the wait until one token
 * is back. A clock that goes backwards refills nothing.
 */
int actrd_bucket_take(actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms,
                      uint64_t *retry_after_ms);

/* True when the bucket has refilled completely by now_ms (it can be forgotten). */
int actrd_bucket_full(const actrd_bucket_t *b, const actrd_rate_t *rate, uint64_t now_ms);

/* Seconds for a Retry-After header: rounded up, at least 1. */
uint32_t actrd_retry_after_secs(uint64_t retry_after_ms);

/* Buckets keyed by address text ("127.0.0.1", "2001:db8::1"). */
typedef struct actrd_iplimit actrd_iplimit_t;

/*
 * max_keys bounds memory: a new address finding the table full triggers a sweep of refilled
 * buckets, and if still full it is refused (fail closed: a flood of fresh addresses cannot grow
 * the table). Returns 0, ACTR_EINVAL or ACTR_ENOMEM.
 */
int actrd_iplimit_new(double rate_per_sec, uint32_t burst, size_t max_keys,
                      actrd_iplimit_t **out);
void actrd_iplimit_free(actrd_iplimit_t *lim);

/* One request from key at now_ms: 0, or ACTR_EAGAIN with *retry_after_ms (optional). */
int actrd_iplimit_take(actrd_iplimit_t *lim, const char *key, uint64_t now_ms,
                       uint64_t *retry_after_ms);

/* Forgets buckets that have refilled (call about once a second). Returns how many. */
size_t actrd_iplimit_sweep(actrd_iplimit_t *lim, uint64_t now_ms);

size_t actrd_iplimit_count(const actrd_iplimit_t *lim);

#endif /* ACTRD_NET_RATELIMIT_H */
