/*
 * tokens.c - the bridge-token registry (engines.md §2.2, §2.4): a process-wide map from token to
 * the ctx of the entry that opened it, with a reference count the guest drives through
 * retain_context / release_context. Token numbers start at 1 and only grow, so a stale token can
 * never name a later entry.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/hashmap.h"
#include "engine/abi/abi_internal.h"

typedef struct token_entry {
    uint32_t refs;
    actr_ctx_t *ctx;  /* NULL once the entry has returned */
    pthread_t thread; /* the entry's thread: the only one that may use ctx */
} token_entry_t;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static actr_hmap_t *g_tokens; /* created on first use, lives for the process */
static uint64_t g_next = 1;   /* under g_lock */

int actr_abi_token_open(actr_ctx_t *ctx, uint64_t *token)
{
    if (!token)
        return ACTR_EINVAL;
    *token = 0;
    token_entry_t *e = malloc(sizeof *e);
    if (!e)
        return ACTR_ENOMEM;
    e->refs = 1;
    e->ctx = ctx;
    e->thread = pthread_self();
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    if (!g_tokens && actr_hmap_new(ACTR_HMAP_KEY_U64, 64, &g_tokens) != 0)
        rc = ACTR_ENOMEM;
    else if (actr_hmap_count(g_tokens) >= ACTR_ABI_MAX_TOKENS)
        rc = ACTR_EAGAIN;
    else if (actr_hmap_insert_u64(g_tokens, g_next, e) != 0)
        rc = ACTR_ENOMEM;
    else
        *token = g_next++;
    pthread_mutex_unlock(&g_lock);
    if (rc != 0)
        free(e);
    return rc;
}

/* Drops one reference of the entry under g_lock; frees it at zero. */
static void unref_locked(uint64_t token, token_entry_t *e)
{
    if (--e->refs > 0)
        return;
    actr_hmap_remove_u64(g_tokens, token, NULL);
    free(e);
}

void actr_abi_token_close(uint64_t token)
{
    pthread_mutex_lock(&g_lock);
    void *v;
    if (g_tokens && actr_hmap_get_u64(g_tokens, token, &v) == 0) {
        token_entry_t *e = v;
        e->ctx = NULL;
        unref_locked(token, e);
    }
    pthread_mutex_unlock(&g_lock);
}

int32_t actr_abi_token_retain(uint64_t token)
{
    int32_t rc = ACTR_ABI_GENERIC_ERROR;
    pthread_mutex_lock(&g_lock);
    void *v;
    if (g_tokens && actr_hmap_get_u64(g_tokens, token, &v) == 0) {
        token_entry_t *e = v;
        if (e->refs < UINT32_MAX) { /* a guest looping on retain cannot wrap the count */
            e->refs++;
            rc = ACTR_ABI_SUCCESS;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void actr_abi_token_release(uint64_t token)
{
    pthread_mutex_lock(&g_lock);
    void *v;
    if (g_tokens && actr_hmap_get_u64(g_tokens, token, &v) == 0)
        unref_locked(token, v);
    pthread_mutex_unlock(&g_lock);
}

size_t actr_abi_token_count(void)
{
    pthread_mutex_lock(&g_lock);
    size_t n = g_tokens ? actr_hmap_count(g_tokens) : 0;
    pthread_mutex_unlock(&g_lock);
    return n;
}

int actr_abi_token_ctx(uint64_t token, actr_ctx_t **ctx, const char **why)
{
    *ctx = NULL;
    *why = NULL;
    int rc = 0;
    pthread_mutex_lock(&g_lock);
    void *v;
    if (!g_tokens || actr_hmap_get_u64(g_tokens, token, &v) != 0) {
        rc = ACTR_ENOTFOUND;
        *why = "unknown bridge token";
    } else {
        token_entry_t *e = v;
        if (!e->ctx) {
            rc = ACTR_ESTATE;
            *why = "the entry of this bridge token has returned";
        } else if (!pthread_equal(e->thread, pthread_self())) {
            rc = ACTR_ESTATE;
            *why = "host call from a thread other than the entry's";
        } else {
            *ctx = e->ctx;
        }
    }
    pthread_mutex_unlock(&g_lock);
    return rc;
}
