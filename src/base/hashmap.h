/*
 * hashmap.h - open-addressing hash map (Robin Hood probing, backward-shift deletion).
 *
 * Keys are either byte strings (copied into the map and freed by it) or 64-bit integers,
 * chosen when the map is created; values are void pointers the map never touches (NULL is a
 * valid value). Every map hashes with SipHash-1-3 under its own random 128-bit key, so keys
 * chosen by a peer (request ids, actor ids) cannot be crafted to collide. The table doubles
 * when 7/8 full; deletion shifts followers back instead of leaving tombstones, so lookups stay
 * short after heavy churn.
 *
 *   actr_hmap_t *m;
 *   actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &m);
 *   actr_hmap_put(m, "req-1", 5, pending, NULL);
 *   void *v;
 *   if (actr_hmap_get(m, "req-1", 5, &v) == 0) ...
 *   actr_hmap_free(m, NULL);
 *
 * Not thread-safe: one owner, or the owner's lock. Pointers into the map (entry keys returned
 * by the iterator) stay valid until that entry is removed or the map is freed.
 */
#ifndef ACTR_BASE_HASHMAP_H
#define ACTR_BASE_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct actr_hmap actr_hmap_t;

typedef enum actr_hmap_keys {
    ACTR_HMAP_KEY_BYTES = 1, /* use the byte-key functions */
    ACTR_HMAP_KEY_U64 = 2,   /* use the *_u64 functions */
} actr_hmap_keys_t;

/* Called on every remaining value by actr_hmap_free() (optional). */
typedef void (*actr_hmap_free_fn)(void *value);

/*
 * Creates a map for keys of the given kind, sized to hold `expected` entries without growing
 * (0 for a small default). Returns 0, ACTR_EINVAL, ACTR_ERANGE (expected too large) or
 * ACTR_ENOMEM.
 */
int actr_hmap_new(actr_hmap_keys_t keys, size_t expected, actr_hmap_t **out);

/* As actr_hmap_new() with a fixed SipHash key: reproducible layout, for tests only. */
int actr_hmap_new_seeded(actr_hmap_keys_t keys, size_t expected, const uint8_t seed[16],
                         actr_hmap_t **out);

/* Frees the map and its copied keys; calls free_value (if not NULL) on each value. */
void actr_hmap_free(actr_hmap_t *m, actr_hmap_free_fn free_value);

size_t actr_hmap_count(const actr_hmap_t *m);
size_t actr_hmap_capacity(const actr_hmap_t *m);

/*
 * Byte keys. key may be NULL when key_len is 0 (the empty key is a valid key).
 *
 * put: inserts or replaces; *old_value (optional) receives the replaced value or NULL.
 * insert: inserts only if absent, else ACTR_EEXIST and the map is unchanged.
 * get/remove: 0 and *value (optional), or ACTR_ENOTFOUND.
 * All return ACTR_EINVAL on a map of the other key kind; put/insert may return ACTR_ENOMEM,
 * leaving the map unchanged.
 */
int actr_hmap_put(actr_hmap_t *m, const void *key, size_t key_len, void *value,
                  void **old_value);
int actr_hmap_insert(actr_hmap_t *m, const void *key, size_t key_len, void *value);
int actr_hmap_get(const actr_hmap_t *m, const void *key, size_t key_len, void **value);
int actr_hmap_remove(actr_hmap_t *m, const void *key, size_t key_len, void **value);

/* 64-bit integer keys: same contracts. */
int actr_hmap_put_u64(actr_hmap_t *m, uint64_t key, void *value, void **old_value);
int actr_hmap_insert_u64(actr_hmap_t *m, uint64_t key, void *value);
int actr_hmap_get_u64(const actr_hmap_t *m, uint64_t key, void **value);
int actr_hmap_remove_u64(actr_hmap_t *m, uint64_t key, void **value);

/* One entry seen by the iterator. key/key_len for byte keys, key_u64 for integer keys. */
typedef struct actr_hmap_entry {
    const void *key;
    size_t key_len;
    uint64_t key_u64;
    void *value;
} actr_hmap_entry_t;

typedef struct actr_hmap_iter {
    actr_hmap_t *map;
    size_t start;   /* first slot visited */
    size_t visited; /* slots looked at so far */
    size_t current; /* slot of the entry last returned */
    int has_current;
} actr_hmap_iter_t;

/*
 * Iterates every entry once, in no particular order:
 *
 *   actr_hmap_iter_t it;
 *   actr_hmap_entry_t e;
 *   for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e);)
 *       if (expired(e.value)) actr_hmap_iter_remove(&it);
 *
 * While iterating, the map may only change through actr_hmap_iter_remove() (and put on an
 * existing key, which just replaces the value). Any insert or other removal invalidates the
 * iterator.
 */
void actr_hmap_iter_init(actr_hmap_t *m, actr_hmap_iter_t *it);

/* 1 with *entry filled, or 0 when every entry has been seen. */
int actr_hmap_iter_next(actr_hmap_iter_t *it, actr_hmap_entry_t *entry);

/* Removes the entry last returned by iter_next (freeing its key copy; the value is the
 * caller's). Returns 0, or ACTR_ESTATE when there is no such entry. */
int actr_hmap_iter_remove(actr_hmap_iter_t *it);

#endif /* ACTR_BASE_HASHMAP_H */
