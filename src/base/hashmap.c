/* hashmap.c - Robin Hood hash map with SipHash-1-3 and backward-shift deletion. */
#include "base/hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/random.h"
#include "base/siphash.h"

#define MIN_CAPACITY 8
/* Grow when count would exceed 7/8 of the slots: Robin Hood keeps probes short up to ~0.9. */
#define LOAD_NUM 7
#define LOAD_DEN 8

struct slot {
    uint64_t hash;
    uint32_t dist; /* 1 + distance from the home slot; 0 marks an empty slot */
    size_t key_len;
    union {
        uint8_t *bytes; /* owned copy, NULL for the empty key */
        uint64_t u64;
    } key;
    void *value;
};

struct actr_hmap {
    struct slot *slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    size_t count;
    actr_hmap_keys_t kind;
    uint8_t seed[ACTR_SIPHASH_KEY_LEN];
};

/* A key as passed in by a caller (not owned). */
struct key {
    const uint8_t *bytes;
    size_t len;
    uint64_t u64;
};

static uint64_t hash_key(const actr_hmap_t *m, const struct key *k)
{
    if (m->kind == ACTR_HMAP_KEY_U64) {
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(k->u64 >> (8 * i));
        return actr_siphash13(m->seed, le, sizeof le);
    }
    return actr_siphash13(m->seed, k->bytes, k->len);
}

static int key_equal(const actr_hmap_t *m, const struct slot *s, const struct key *k)
{
    if (m->kind == ACTR_HMAP_KEY_U64)
        return s->key.u64 == k->u64;
    return s->key_len == k->len && (k->len == 0 || memcmp(s->key.bytes, k->bytes, k->len) == 0);
}

/* Smallest power-of-two capacity holding n entries under the load limit. */
static int capacity_for(size_t n, size_t *cap)
{
    size_t c = MIN_CAPACITY;
    while (n > c / LOAD_DEN * LOAD_NUM) {
        if (c > SIZE_MAX / 2 / sizeof(struct slot))
            return ACTR_ERANGE;
        c *= 2;
    }
    *cap = c;
    return 0;
}

static int map_new(actr_hmap_keys_t keys, size_t expected, const uint8_t *seed,
                   actr_hmap_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (keys != ACTR_HMAP_KEY_BYTES && keys != ACTR_HMAP_KEY_U64)
        return ACTR_EINVAL;
    size_t cap;
    int rc = capacity_for(expected, &cap);
    if (rc != 0)
        return rc;
    actr_hmap_t *m = calloc(1, sizeof *m);
    if (!m)
        return ACTR_ENOMEM;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return ACTR_ENOMEM;
    }
    m->mask = cap - 1;
    m->kind = keys;
    if (seed) {
        memcpy(m->seed, seed, sizeof m->seed);
    } else if (actr_os_random(m->seed, sizeof m->seed) != 0) {
        /* Still differs per map and per process; only without a working getrandom(). */
        uint64_t a = actr_os_random_u64(), b = actr_os_random_u64();
        memcpy(m->seed, &a, 8);
        memcpy(m->seed + 8, &b, 8);
    }
    *out = m;
    return 0;
}

int actr_hmap_new(actr_hmap_keys_t keys, size_t expected, actr_hmap_t **out)
{
    return map_new(keys, expected, NULL, out);
}

int actr_hmap_new_seeded(actr_hmap_keys_t keys, size_t expected, const uint8_t seed[16],
                         actr_hmap_t **out)
{
    if (!seed)
        return ACTR_EINVAL;
    return map_new(keys, expected, seed, out);
}

void actr_hmap_free(actr_hmap_t *m, actr_hmap_free_fn free_value)
{
    if (!m)
        return;
    for (size_t i = 0; i <= m->mask; i++) {
        struct slot *s = &m->slots[i];
        if (s->dist == 0)
            continue;
        if (m->kind == ACTR_HMAP_KEY_BYTES)
            free(s->key.bytes);
        if (free_value)
            free_value(s->value);
    }
    free(m->slots);
    free(m);
}

size_t actr_hmap_count(const actr_hmap_t *m)
{
    return m->count;
}

size_t actr_hmap_capacity(const actr_hmap_t *m)
{
    return m->mask + 1;
}

#define NOT_FOUND SIZE_MAX

/* Slot index holding k, or NOT_FOUND. Stops once entries are closer to home than we are. */
static size_t find_slot(const actr_hmap_t *m, const struct key *k, uint64_t hash)
{
    size_t i = (size_t)hash & m->mask;
    for (uint32_t dist = 1;; dist++) {
        const struct slot *s = &m->slots[i];
        if (s->dist < dist) /* empty, or a richer entry: ours would have displaced it */
            return NOT_FOUND;
        if (s->hash == hash && key_equal(m, s, k))
            return i;
        i = (i + 1) & m->mask;
    }
}

/* Robin Hood placement of a slot whose key is known to be absent; cannot fail. */
static void place(struct slot *slots, size_t mask, struct slot s)
{
    size_t i = (size_t)s.hash & mask;
    s.dist = 1;
    for (;;) {
        struct slot *t = &slots[i];
        if (t->dist == 0) {
            *t = s;
            return;
        }
        if (t->dist < s.dist) { /* take from the rich: the resident moves on instead */
            struct slot tmp = *t;
            *t = s;
            s = tmp;
        }
        s.dist++;
        i = (i + 1) & mask;
    }
}

static int grow(actr_hmap_t *m)
{
    size_t old_cap = m->mask + 1;
    if (old_cap > SIZE_MAX / 2 / sizeof(struct slot))
        return ACTR_ERANGE;
    size_t cap = old_cap * 2;
    struct slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ACTR_ENOMEM;
    for (size_t i = 0; i < old_cap; i++)
        if (m->slots[i].dist != 0)
            place(slots, cap - 1, m->slots[i]);
    free(m->slots);
    m->slots = slots;
    m->mask = cap - 1;
    return 0;
}

/* Shifts the followers of a freed slot back by one until one is at home or a gap is hit. */
static void remove_at(actr_hmap_t *m, size_t i)
{
    if (m->kind == ACTR_HMAP_KEY_BYTES)
        free(m->slots[i].key.bytes);
    for (;;) {
        size_t next = (i + 1) & m->mask;
        if (m->slots[next].dist <= 1) {
            memset(&m->slots[i], 0, sizeof m->slots[i]);
            break;
        }
        m->slots[i] = m->slots[next];
        m->slots[i].dist--;
        i = next;
    }
    m->count--;
}

/* Shared body of put and insert. replace: overwrite an existing value (put) or fail (insert). */
static int map_put(actr_hmap_t *m, const struct key *k, void *value, void **old_value,
                   int replace)
{
    if (old_value)
        *old_value = NULL;
    uint64_t hash = hash_key(m, k);
    size_t at = find_slot(m, k, hash);
    if (at != NOT_FOUND) {
        if (!replace)
            return ACTR_EEXIST;
        if (old_value)
            *old_value = m->slots[at].value;
        m->slots[at].value = value;
        return 0;
    }
    if ((m->count + 1) > (m->mask + 1) / LOAD_DEN * LOAD_NUM) {
        int rc = grow(m);
        if (rc != 0)
            return rc;
    }
    struct slot s = {.hash = hash, .key_len = k->len, .value = value};
    if (m->kind == ACTR_HMAP_KEY_U64) {
        s.key.u64 = k->u64;
    } else if (k->len > 0) {
        s.key.bytes = malloc(k->len);
        if (!s.key.bytes)
            return ACTR_ENOMEM;
        memcpy(s.key.bytes, k->bytes, k->len);
    }
    place(m->slots, m->mask, s);
    m->count++;
    return 0;
}

static int map_get(const actr_hmap_t *m, const struct key *k, void **value)
{
    size_t at = find_slot(m, k, hash_key(m, k));
    if (at == NOT_FOUND)
        return ACTR_ENOTFOUND;
    if (value)
        *value = m->slots[at].value;
    return 0;
}

static int map_remove(actr_hmap_t *m, const struct key *k, void **value)
{
    size_t at = find_slot(m, k, hash_key(m, k));
    if (at == NOT_FOUND)
        return ACTR_ENOTFOUND;
    if (value)
        *value = m->slots[at].value;
    remove_at(m, at);
    return 0;
}

/* Validates a byte-key call and builds its key. */
static int bytes_key(const actr_hmap_t *m, const void *key, size_t key_len, struct key *k)
{
    if (!m || m->kind != ACTR_HMAP_KEY_BYTES || (!key && key_len > 0))
        return ACTR_EINVAL;
    *k = (struct key){key, key_len, 0};
    return 0;
}

static int u64_key(const actr_hmap_t *m, uint64_t key, struct key *k)
{
    if (!m || m->kind != ACTR_HMAP_KEY_U64)
        return ACTR_EINVAL;
    *k = (struct key){NULL, 0, key};
    return 0;
}

int actr_hmap_put(actr_hmap_t *m, const void *key, size_t key_len, void *value,
                  void **old_value)
{
    struct key k;
    int rc = bytes_key(m, key, key_len, &k);
    return rc != 0 ? rc : map_put(m, &k, value, old_value, 1);
}

int actr_hmap_insert(actr_hmap_t *m, const void *key, size_t key_len, void *value)
{
    struct key k;
    int rc = bytes_key(m, key, key_len, &k);
    return rc != 0 ? rc : map_put(m, &k, value, NULL, 0);
}

int actr_hmap_get(const actr_hmap_t *m, const void *key, size_t key_len, void **value)
{
    struct key k;
    int rc = bytes_key(m, key, key_len, &k);
    return rc != 0 ? rc : map_get(m, &k, value);
}

int actr_hmap_remove(actr_hmap_t *m, const void *key, size_t key_len, void **value)
{
    struct key k;
    int rc = bytes_key(m, key, key_len, &k);
    return rc != 0 ? rc : map_remove(m, &k, value);
}

int actr_hmap_put_u64(actr_hmap_t *m, uint64_t key, void *value, void **old_value)
{
    struct key k;
    int rc = u64_key(m, key, &k);
    return rc != 0 ? rc : map_put(m, &k, value, old_value, 1);
}

int actr_hmap_insert_u64(actr_hmap_t *m, uint64_t key, void *value)
{
    struct key k;
    int rc = u64_key(m, key, &k);
    return rc != 0 ? rc : map_put(m, &k, value, NULL, 0);
}

int actr_hmap_get_u64(const actr_hmap_t *m, uint64_t key, void **value)
{
    struct key k;
    int rc = u64_key(m, key, &k);
    return rc != 0 ? rc : map_get(m, &k, value);
}

int actr_hmap_remove_u64(actr_hmap_t *m, uint64_t key, void **value)
{
    struct key k;
    int rc = u64_key(m, key, &k);
    return rc != 0 ? rc : map_remove(m, &k, value);
}

void actr_hmap_iter_init(actr_hmap_t *m, actr_hmap_iter_t *it)
{
    it->map = m;
    it->visited = 0;
    it->has_current = 0;
    it->current = 0;
    /*
     * Start where no probe run crosses from the previous slot (an empty slot or an entry at
     * home). Backward shifts never move an entry across that boundary, so removing the
     * current entry can only pull not-yet-visited entries into the current slot.
     */
    size_t i = 0;
    while (i < m->mask && m->slots[i].dist > 1)
        i++;
    it->start = i;
}

int actr_hmap_iter_next(actr_hmap_iter_t *it, actr_hmap_entry_t *entry)
{
    const actr_hmap_t *m = it->map;
    it->has_current = 0;
    while (it->visited <= m->mask) {
        size_t i = (it->start + it->visited) & m->mask;
        it->visited++;
        const struct slot *s = &m->slots[i];
        if (s->dist == 0)
            continue;
        if (m->kind == ACTR_HMAP_KEY_U64) {
            entry->key = NULL;
            entry->key_len = 0;
            entry->key_u64 = s->key.u64;
        } else {
            entry->key = s->key.bytes;
            entry->key_len = s->key_len;
            entry->key_u64 = 0;
        }
        entry->value = s->value;
        it->current = i;
        it->has_current = 1;
        return 1;
    }
    return 0;
}

int actr_hmap_iter_remove(actr_hmap_iter_t *it)
{
    if (!it->has_current)
        return ACTR_ESTATE;
    remove_at(it->map, it->current);
    it->has_current = 0;
    it->visited--; /* look at this slot again: a follower may have shifted into it */
    return 0;
}
