/*
 * registry.c - RegistryTrust and its manufacturer key cache (platform.md §2.3).
 *
 * Flow: read the manifest without trusting it, require signing_key_id, look the key up (cache,
 * else the MFR registry), check that the key's own id is the one the manifest names (the
 * reference does not: a registry answering with another key would otherwise be believed until
 * the signature check), then verify the whole package with that key, which re-authenticates the
 * fields used for the lookup. Nothing reaches the network for input that is not a package, lacks
 * signing_key_id, or names a manufacturer that could never pass verification.
 *
 * Cache: "manufacturer:key_id" -> key, valid for the TTL on the monotonic clock. Expired entries
 * count as misses and are overwritten; the cache holds at most CACHE_MAX keys (the oldest go
 * first), unlike the reference's unbounded map. Fetches happen outside the lock, so concurrent
 * misses may fetch twice, as in the reference; the result is the same key.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "platform/package/package_internal.h"
#include "platform/trust/trust_internal.h"

#define CACHE_MAX 4096
#define DEFAULT_CONNECT_MS 5000u
#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_TTL_MS 3600000u

typedef struct cache_entry {
    char *key; /* "manufacturer:key_id" or "manufacturer" */
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    uint64_t expires_ms;
} cache_entry_t;

typedef struct registry_trust {
    actr_trust_provider_t base;
    char *base_url;
    uint32_t connect_ms, timeout_ms, ttl_ms;
    pthread_mutex_t lock;
    cache_entry_t entries[CACHE_MAX];
    size_t count;
} registry_trust_t;

static char *cache_key(const char *manufacturer, const char *key_id)
{
    size_t n = strlen(manufacturer) + (key_id ? strlen(key_id) + 1 : 0) + 1;
    char *key = malloc(n);
    if (key)
        snprintf(key, n, key_id ? "%s:%s" : "%s", manufacturer, key_id);
    return key;
}

/* Index of key, or -1. Caller holds the lock. */
static long find_locked(const registry_trust_t *r, const char *key)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->entries[i].key, key) == 0)
            return (long)i;
    }
    return -1;
}

static bool lookup(registry_trust_t *r, const char *key, uint8_t *pub)
{
    pthread_mutex_lock(&r->lock);
    long i = find_locked(r, key);
    bool hit = i >= 0 && actr_clock_mono_ms() < r->entries[i].expires_ms;
    if (hit)
        memcpy(pub, r->entries[i].pub, ACTR_ED25519_PUBLIC_KEY_LEN);
    pthread_mutex_unlock(&r->lock);
    return hit;
}

/* Stores key (taking ownership) -> pub, replacing an older entry or the oldest one when full. */
static void store(registry_trust_t *r, char *key, const uint8_t *pub)
{
    pthread_mutex_lock(&r->lock);
    long i = find_locked(r, key);
    if (i < 0 && r->count < CACHE_MAX) {
        i = (long)r->count++;
    } else if (i < 0) {
        i = 0;
        for (size_t j = 1; j < r->count; j++) {
            if (r->entries[j].expires_ms < r->entries[i].expires_ms)
                i = (long)j;
        }
    }
    free(r->entries[i].key);
    r->entries[i].key = key;
    memcpy(r->entries[i].pub, pub, ACTR_ED25519_PUBLIC_KEY_LEN);
    r->entries[i].expires_ms = actr_clock_mono_ms() + r->ttl_ms;
    pthread_mutex_unlock(&r->lock);
}

static int get_or_fetch(registry_trust_t *r, const char *mfr, const char *key_id, uint8_t *pub,
                        actr_error_t *err)
{
    char *key = cache_key(mfr, key_id);
    if (!key)
        return pkg_err(err, ACTR_ENOMEM, "out of memory looking up the MFR key");
    if (lookup(r, key, pub)) {
        free(key);
        return 0;
    }
    int rc = trust_mfr_fetch(r->base_url, mfr, key_id, r->connect_ms, r->timeout_ms, pub, err);
    char actual[ACTR_MFR_KEY_ID_SIZE];
    if (rc == 0 && actr_mfr_key_id(pub, actual) != 0)
        rc = pkg_err(err, ACTR_EINTERNAL, "cannot compute the key id");
    if (rc == 0 && key_id && strcmp(actual, key_id) != 0)
        rc = pkg_err(err, ACTR_ESIGNATURE,
                     "untrusted manufacturer: MFR pubkey key id mismatch (%s): the manifest names "
                     "%s, the registry's key is %s",
                     mfr, key_id, actual);
    if (rc != 0) {
        free(key);
        return rc;
    }
    store(r, key, pub);
    return 0;
}

static int registry_verify(void *self, const void *pkg, size_t len,
                           const actr_package_limits_t *limits, actr_verified_package_t *out,
                           actr_error_t *err)
{
    registry_trust_t *r = self;
    actr_package_manifest_t m;
    int rc = actr_package_read_manifest(pkg, len, &m, err);
    if (rc != 0)
        return rc;
    if (!m.signing_key_id)
        rc = pkg_err(err, ACTR_EINVAL,
                     "invalid manifest: package manifest missing `signing_key_id`; rebuild with "
                     "the latest `actr build`");
    if (rc == 0)
        rc = actr_package_manifest_validate(&m, err);
    uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN];
    if (rc == 0)
        rc = get_or_fetch(r, m.manufacturer, m.signing_key_id, pub, err);
    actr_package_manifest_free(&m);
    if (rc == 0)
        rc = actr_package_verify(pkg, len, pub, sizeof pub, limits, out, err);
    return rc;
}

static void registry_destroy(void *self)
{
    registry_trust_t *r = self;
    for (size_t i = 0; i < r->count; i++)
        free(r->entries[i].key);
    pthread_mutex_destroy(&r->lock);
    free(r->base_url);
    free(r);
}

static const actr_trust_vtable_t registry_vtable = {"registry", registry_verify,
                                                    registry_destroy};

int actr_trust_registry_new(const actr_registry_trust_options_t *opts, actr_trust_provider_t **out,
                            actr_error_t *err)
{
    if (!out)
        return pkg_err(err, ACTR_EINVAL, "output is NULL");
    *out = NULL;
    if (!opts || !opts->base_url || !opts->base_url[0])
        return pkg_err(err, ACTR_EINVAL, "registry trust needs a base URL");
    registry_trust_t *r = calloc(1, sizeof *r);
    if (!r || !(r->base_url = strdup(opts->base_url))) {
        free(r);
        return pkg_err(err, ACTR_ENOMEM, "out of memory creating registry trust");
    }
    r->connect_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms : DEFAULT_CONNECT_MS;
    r->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    r->ttl_ms = opts->ttl_ms ? opts->ttl_ms : DEFAULT_TTL_MS;
    pthread_mutex_init(&r->lock, NULL);
    r->base = (actr_trust_provider_t){&registry_vtable, r};
    *out = &r->base;
    return 0;
}

int actr_trust_registry_cached(const actr_trust_provider_t *p, const char *manufacturer,
                               const char *key_id, uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN])
{
    if (!p || p->vtable != &registry_vtable || !manufacturer || !pub)
        return ACTR_EINVAL;
    char *key = cache_key(manufacturer, key_id);
    if (!key)
        return ACTR_ENOMEM;
    bool hit = lookup(p->self, key, pub);
    free(key);
    return hit ? 0 : ACTR_ENOTFOUND;
}

int actr_trust_registry_base_url(const char *endpoint, char *out, size_t cap)
{
    if (!endpoint || !out)
        return ACTR_EINVAL;
    size_t n = strlen(endpoint);
    while (n >= 4 && memcmp(endpoint + n - 4, "/ais", 4) == 0)
        n -= 4;
    if (n + 1 > cap)
        return ACTR_ERANGE;
    memcpy(out, endpoint, n);
    out[n] = '\0';
    return 0;
}
