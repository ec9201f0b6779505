/*
 * key_cache.h - the node's cache of AIS signing keys (protocol.md 4.1, "Node"): key_id -> 32-byte
 * Ed25519 verifying key, used to authenticate inbound direct-WebSocket peers (protocol.md 8.8).
 *
 * Seed it with the key that came with RegisterOk (actr_ais_key_cache_put). On a miss a lookup
 * asks a caller-supplied asynchronous fetcher (the node answers it with the signaling client's
 * GetSigningKeyRequest); the answer is stored under the key_id the fetcher returns, as the
 * reference does, and only completes lookups for the key_id they asked for.
 *
 * Differences from the reference, all bounded: at most max_entries keys (the oldest insert goes
 * first; real deployments have a handful); one fetch per key_id at a time however many lookups
 * wait (single flight); at most max_fetches distinct key_ids being fetched (further misses fail
 * at once with ACTR_EAGAIN, so forged key_ids cannot flood signaling); a key_id whose fetch
 * failed fails again without a fetch for negative_ttl_ms.
 *
 * Threading: single-threaded, on the node's loop thread; every callback runs there. The fetcher
 * may answer inside its own call or later.
 */
#ifndef ACTR_PLATFORM_AIS_KEY_CACHE_H
#define ACTR_PLATFORM_AIS_KEY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/crypto.h"
#include "actr/error.h"

typedef struct actr_ais_key_cache actr_ais_key_cache_t;

/*
 * Asked to fetch key_id. Return 0 and later (or now) call actr_ais_key_cache_fetched() exactly
 * once for it; a non-zero return means no fetch started (the waiting lookups fail with it).
 */
typedef int (*actr_ais_key_fetch_fn)(actr_ais_key_cache_t *cache, uint32_t key_id, void *ctx);

/* A lookup's result: status 0 with the key, or a negative ACTR_E* code and pub == NULL. */
typedef void (*actr_ais_key_done_fn)(int status, uint32_t key_id, const uint8_t *pub, void *arg);

typedef struct actr_ais_key_cache_config {
    actr_ais_key_fetch_fn fetch; /* NULL: misses fail with ACTR_ENOTFOUND */
    void *fetch_ctx;
    size_t max_entries;          /* 64 */
    size_t max_fetches;          /* distinct key_ids in flight (8) */
    size_t max_waiters;          /* lookups waiting in all (1024) */
    uint32_t negative_ttl_ms;    /* 10000; 0 = no negative caching */
    uint64_t (*now_ms)(void);    /* monotonic clock; NULL: actr_clock_mono_ms (tests fake it) */
} actr_ais_key_cache_config_t;

void actr_ais_key_cache_config_init(actr_ais_key_cache_config_t *cfg);

int actr_ais_key_cache_new(const actr_ais_key_cache_config_t *cfg, actr_ais_key_cache_t **out);

/* Fails every waiting lookup with ACTR_ECANCELED (their callbacks run now), then frees. */
void actr_ais_key_cache_free(actr_ais_key_cache_t *cache);

/* Stores a key (RegisterOk seed, or a key learnt elsewhere). ACTR_EINVAL: not a curve point. */
int actr_ais_key_cache_put(actr_ais_key_cache_t *cache, uint32_t key_id,
                           const uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);

/* Synchronous: 0 and the key when cached, else ACTR_ENOTFOUND. */
int actr_ais_key_cache_get(const actr_ais_key_cache_t *cache, uint32_t key_id,
                           uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);

/*
 * Asynchronous lookup. A cached key: returns 0 with *ticket = 0 and done() has already run. A
 * miss: returns 0 with a non-zero *ticket and done() runs later (possibly before this returns,
 * when the fetcher answers synchronously; *ticket is then 0). Errors (done() not called):
 * ACTR_EAGAIN (too many fetches or waiters), ACTR_ENOMEM.
 */
int actr_ais_key_cache_lookup(actr_ais_key_cache_t *cache, uint32_t key_id,
                              actr_ais_key_done_fn done, void *arg, uint64_t *ticket);

/* Withdraws a waiting lookup: its done() will not run. Unknown or finished tickets are ignored. */
void actr_ais_key_cache_cancel(actr_ais_key_cache_t *cache, uint64_t ticket);

/*
 * The fetcher's answer for asked_key_id: status 0 with the key under returned_key_id, or a
 * negative code. A key that is not a valid point counts as a failure (ACTR_EINVAL).
 */
void actr_ais_key_cache_fetched(actr_ais_key_cache_t *cache, uint32_t asked_key_id, int status,
                                uint32_t returned_key_id, const uint8_t *pub);

typedef struct actr_ais_key_cache_stats {
    uint64_t hits, misses, fetches, fetch_failures, negative_hits, refused, evictions;
} actr_ais_key_cache_stats_t;

void actr_ais_key_cache_stats(const actr_ais_key_cache_t *cache, actr_ais_key_cache_stats_t *out);

#endif /* ACTR_PLATFORM_AIS_KEY_CACHE_H */
