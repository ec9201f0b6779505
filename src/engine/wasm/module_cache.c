/*
 * module_cache.c - the process-wide table of shared decoded modules (module_cache.h). It holds
 * one entry per distinct module alive, so a linear scan under one mutex is enough: a process
 * runs few distinct packages, and a lookup happens only when an actor is loaded.
 */
#include "engine/wasm/module_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "actr/crypto.h"

typedef struct cache_entry {
    uint8_t hash[ACTR_SHA256_LEN];
    size_t len;
    wasm_module_t *module;
    size_t refs;
} cache_entry_t;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry_t *entries;
static size_t entry_count, entry_cap;

static cache_entry_t *find_hash(const uint8_t *hash, size_t len)
{
    for (size_t i = 0; i < entry_count; i++) {
        if (entries[i].len == len && memcmp(entries[i].hash, hash, sizeof entries[i].hash) == 0)
            return &entries[i];
    }
    return NULL;
}

/* Adds an entry with one reference; false when out of memory (the caller keeps it private). */
static bool insert(const uint8_t *hash, size_t len, wasm_module_t *m)
{
    if (entry_count == entry_cap) {
        size_t ncap = entry_cap ? entry_cap * 2 : 8;
        cache_entry_t *n = realloc(entries, ncap * sizeof *n);
        if (!n)
            return false;
        entries = n;
        entry_cap = ncap;
    }
    cache_entry_t *e = &entries[entry_count++];
    memcpy(e->hash, hash, sizeof e->hash);
    e->len = len;
    e->module = m;
    e->refs = 1;
    return true;
}

wasm_result_t actr_wasm_module_acquire(const uint8_t *bytes, size_t len, wasm_module_t **out,
                                       wasm_error_t *err)
{
    *out = NULL;
    uint8_t hash[ACTR_SHA256_LEN];
    bool hashed = actr_sha256(bytes, len, hash) == 0;
    if (hashed) {
        pthread_mutex_lock(&cache_lock);
        cache_entry_t *e = find_hash(hash, len);
        if (e) {
            e->refs++;
            *out = e->module;
        }
        pthread_mutex_unlock(&cache_lock);
        if (*out)
            return WASM_OK;
    }
    /* Decode outside the lock: it is the slow part. */
    wasm_module_t *m = NULL;
    wasm_result_t r = wasm_module_new(bytes, len, &m, err);
    if (r != WASM_OK)
        return r;
    if (!hashed) {
        *out = m; /* uncached: release frees it, since no entry names it */
        return WASM_OK;
    }
    pthread_mutex_lock(&cache_lock);
    cache_entry_t *e = find_hash(hash, len);
    if (e) {
        /* Another thread decoded the same bytes meanwhile: share its copy. */
        e->refs++;
        *out = e->module;
    } else {
        (void)insert(hash, len, m); /* if the table cannot grow, the module stays private */
        *out = m;
        m = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    if (m)
        wasm_module_free(m);
    return WASM_OK;
}

void actr_wasm_module_release(wasm_module_t *module)
{
    if (!module)
        return;
    wasm_module_t *to_free = module; /* an uncached module is freed at once */
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < entry_count; i++) {
        if (entries[i].module != module)
            continue;
        if (--entries[i].refs > 0) {
            to_free = NULL;
        } else {
            entries[i] = entries[--entry_count];
            if (entry_count == 0) { /* give the table back when the last actor goes */
                free(entries);
                entries = NULL;
                entry_cap = 0;
            }
        }
        break;
    }
    pthread_mutex_unlock(&cache_lock);
    if (to_free)
        wasm_module_free(to_free);
}

size_t actr_wasm_module_cache_size(void)
{
    pthread_mutex_lock(&cache_lock);
    size_t n = entry_count;
    pthread_mutex_unlock(&cache_lock);
    return n;
}
