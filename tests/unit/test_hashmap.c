/* SipHash vectors, and the Robin Hood map against a reference model (100k+ entries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/hashmap.h"
#include "base/siphash.h"

#define PTR(x) ((void *)(uintptr_t)(x))

static void test_siphash_vectors(void **state)
{
    (void)state;
    uint8_t key[16], zero[16] = {0}, msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    /* SipHash-2-4 reference vectors (key 00..0f, message 00..len-1). */
    assert_int_equal(actr_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
    assert_int_equal(actr_siphash24(key, msg, 7), 0xab0200f58b01d137ULL);
    assert_int_equal(actr_siphash24(key, msg, 8), 0x93f5f5799a932462ULL);
    assert_int_equal(actr_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
    assert_int_equal(actr_siphash24(key, msg, 63), 0x958a324ceb064572ULL);
    /* SipHash-1-3 with the all-zero key, from the reference implementation. */
    assert_int_equal(actr_siphash13(zero, msg, 0), 0xd1fba762150c532cULL);
    assert_int_equal(actr_siphash13(zero, msg, 1), 0x68a914128e01e473ULL);
    assert_int_equal(actr_siphash13(zero, msg, 7), 0x2f098ab0c751325aULL);
    assert_int_equal(actr_siphash13(zero, msg, 8), 0xead411e67ebe2eeaULL);
    assert_int_equal(actr_siphash13(zero, msg, 16), 0x8972188433a5c5b7ULL);
    assert_int_equal(actr_siphash13(zero, msg, 63), 0x385d3e39e5f37359ULL);
    assert_int_equal(actr_siphash13(zero, NULL, 0), 0xd1fba762150c532cULL);
}

static void test_new_validates(void **state)
{
    (void)state;
    actr_hmap_t *m = PTR(1);
    assert_int_equal(actr_hmap_new((actr_hmap_keys_t)0, 0, &m), ACTR_EINVAL);
    assert_null(m);
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, NULL), ACTR_EINVAL);
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, SIZE_MAX, &m), ACTR_ERANGE);
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, SIZE_MAX / 8, &m), ACTR_ERANGE);
    assert_int_equal(actr_hmap_new_seeded(ACTR_HMAP_KEY_U64, 0, NULL, &m), ACTR_EINVAL);
    /* Presized: 1000 entries fit without growing. */
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_U64, 1000, &m), 0);
    size_t cap = actr_hmap_capacity(m);
    assert_true(cap >= 1000 && (cap & (cap - 1)) == 0);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(actr_hmap_insert_u64(m, i, PTR(i)), 0);
    assert_int_equal(actr_hmap_capacity(m), cap);
    actr_hmap_free(m, NULL);
    actr_hmap_free(NULL, NULL);
}

static void test_bytes_basics(void **state)
{
    (void)state;
    actr_hmap_t *m;
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &m), 0);
    char key[16] = "req-1";
    void *v = PTR(123);
    void *old = PTR(99);
    assert_int_equal(actr_hmap_put(m, key, 5, PTR(1), &old), 0);
    assert_null(old);
    memcpy(key, "XXXXX", 5); /* the map keeps its own copy */
    assert_int_equal(actr_hmap_get(m, "req-1", 5, &v), 0);
    assert_ptr_equal(v, PTR(1));
    assert_int_equal(actr_hmap_get(m, "XXXXX", 5, &v), ACTR_ENOTFOUND);
    assert_int_equal(actr_hmap_get(m, "req-", 4, NULL), ACTR_ENOTFOUND); /* prefix */
    assert_int_equal(actr_hmap_get(m, "req-1\0", 6, NULL), ACTR_ENOTFOUND);

    assert_int_equal(actr_hmap_put(m, "req-1", 5, PTR(2), &old), 0); /* replace */
    assert_ptr_equal(old, PTR(1));
    assert_int_equal(actr_hmap_insert(m, "req-1", 5, PTR(3)), ACTR_EEXIST);
    assert_int_equal(actr_hmap_get(m, "req-1", 5, &v), 0);
    assert_ptr_equal(v, PTR(2));
    assert_int_equal(actr_hmap_count(m), 1);

    /* The empty key, NUL bytes inside keys and NULL values are all ordinary. */
    assert_int_equal(actr_hmap_insert(m, NULL, 0, PTR(10)), 0);
    assert_int_equal(actr_hmap_get(m, "", 0, &v), 0);
    assert_ptr_equal(v, PTR(10));
    assert_int_equal(actr_hmap_insert(m, "a\0b", 3, NULL), 0);
    assert_int_equal(actr_hmap_insert(m, "a\0c", 3, PTR(11)), 0);
    v = PTR(5);
    assert_int_equal(actr_hmap_get(m, "a\0b", 3, &v), 0);
    assert_null(v);
    assert_int_equal(actr_hmap_count(m), 4);

    assert_int_equal(actr_hmap_remove(m, "a\0b", 3, &v), 0);
    assert_int_equal(actr_hmap_remove(m, "a\0b", 3, &v), ACTR_ENOTFOUND);
    assert_int_equal(actr_hmap_remove(m, "", 0, NULL), 0);
    assert_int_equal(actr_hmap_count(m), 2);

    /* Wrong key kind and bad arguments. */
    assert_int_equal(actr_hmap_put_u64(m, 1, NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_hmap_get_u64(m, 1, NULL), ACTR_EINVAL);
    assert_int_equal(actr_hmap_put(m, NULL, 3, NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_hmap_get(NULL, "x", 1, NULL), ACTR_EINVAL);
    actr_hmap_free(m, NULL);
}

static void test_u64_basics(void **state)
{
    (void)state;
    actr_hmap_t *m;
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_U64, 0, &m), 0);
    void *v;
    assert_int_equal(actr_hmap_insert_u64(m, 0, PTR(1)), 0);
    assert_int_equal(actr_hmap_insert_u64(m, UINT64_MAX, PTR(2)), 0);
    assert_int_equal(actr_hmap_insert_u64(m, 0, PTR(3)), ACTR_EEXIST);
    void *old;
    assert_int_equal(actr_hmap_put_u64(m, UINT64_MAX, PTR(4), &old), 0);
    assert_ptr_equal(old, PTR(2));
    assert_int_equal(actr_hmap_get_u64(m, 0, &v), 0);
    assert_ptr_equal(v, PTR(1));
    assert_int_equal(actr_hmap_get_u64(m, 1, &v), ACTR_ENOTFOUND);
    assert_int_equal(actr_hmap_remove_u64(m, UINT64_MAX, &v), 0);
    assert_ptr_equal(v, PTR(4));
    assert_int_equal(actr_hmap_count(m), 1);
    assert_int_equal(actr_hmap_put(m, "k", 1, NULL, NULL), ACTR_EINVAL);
    assert_int_equal(actr_hmap_remove(m, "k", 1, NULL), ACTR_EINVAL);
    actr_hmap_free(m, NULL);
}

/* ---- reference-model comparison ---- */

#define IDS 150000u

static uint32_t lcg_state;

static uint32_t next_random(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return lcg_state >> 8;
}

static size_t key_for(uint32_t id, char *buf)
{
    return (size_t)snprintf(buf, 32, "request-%u", id);
}

/* model[id]: 0 when absent, else the value + 1 stored for that key. */
static void verify_all(actr_hmap_t *m, const uintptr_t *model)
{
    size_t expect = 0;
    for (uint32_t id = 0; id < IDS; id++)
        expect += model[id] != 0;
    assert_int_equal(actr_hmap_count(m), expect);
    uint8_t *seen = calloc(IDS, 1);
    assert_non_null(seen);
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    size_t n = 0;
    for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e); n++) {
        char buf[32];
        assert_true(e.key_len < sizeof buf);
        memcpy(buf, e.key, e.key_len);
        buf[e.key_len] = '\0';
        unsigned id;
        assert_int_equal(sscanf(buf, "request-%u", &id), 1);
        assert_true(id < IDS);
        assert_false(seen[id]); /* each entry exactly once */
        seen[id] = 1;
        assert_int_equal((uintptr_t)e.value + 1, model[id]);
    }
    assert_int_equal(n, expect);
    free(seen);
}

static void test_model_bytes_100k(void **state)
{
    (void)state;
    uintptr_t *model = calloc(IDS, sizeof *model);
    assert_non_null(model);
    actr_hmap_t *m;
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &m), 0);
    lcg_state = 42;
    char key[32];
    /* Fill with 100k entries, then churn: removals interleaved with inserts and replaces. */
    for (uint32_t id = 0; id < 100000; id++) {
        assert_int_equal(actr_hmap_insert(m, key, key_for(id, key), PTR(id)), 0);
        model[id] = (uintptr_t)id + 1;
    }
    assert_int_equal(actr_hmap_count(m), 100000);
    for (int op = 0; op < 400000; op++) {
        uint32_t id = next_random() % IDS;
        size_t len = key_for(id, key);
        uint32_t kind = next_random() % 4;
        void *v;
        if (kind == 0) { /* remove */
            int rc = actr_hmap_remove(m, key, len, &v);
            if (model[id]) {
                assert_int_equal(rc, 0);
                assert_int_equal((uintptr_t)v + 1, model[id]);
                model[id] = 0;
            } else {
                assert_int_equal(rc, ACTR_ENOTFOUND);
            }
        } else if (kind == 1) { /* insert-if-absent */
            uintptr_t val = next_random();
            int rc = actr_hmap_insert(m, key, len, PTR(val));
            assert_int_equal(rc, model[id] ? ACTR_EEXIST : 0);
            if (!model[id])
                model[id] = val + 1;
        } else if (kind == 2) { /* put */
            uintptr_t val = next_random();
            void *old;
            assert_int_equal(actr_hmap_put(m, key, len, PTR(val), &old), 0);
            if (model[id])
                assert_int_equal((uintptr_t)old + 1, model[id]);
            else
                assert_null(old);
            model[id] = val + 1;
        } else { /* get */
            int rc = actr_hmap_get(m, key, len, &v);
            assert_int_equal(rc, model[id] ? 0 : ACTR_ENOTFOUND);
            if (model[id])
                assert_int_equal((uintptr_t)v + 1, model[id]);
        }
        if (op % 100000 == 0)
            verify_all(m, model);
    }
    verify_all(m, model);
    size_t cap = actr_hmap_capacity(m);
    assert_true(actr_hmap_count(m) * 8 <= cap * 7);

    /* Remove every even id while iterating; the rest must be intact and each seen once. */
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    size_t visited = 0, before = actr_hmap_count(m);
    for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e);) {
        unsigned id;
        char buf[32];
        memcpy(buf, e.key, e.key_len);
        buf[e.key_len] = '\0';
        assert_int_equal(sscanf(buf, "request-%u", &id), 1);
        visited++;
        if (id % 2 == 0) {
            assert_int_equal(actr_hmap_iter_remove(&it), 0);
            assert_int_equal(actr_hmap_iter_remove(&it), ACTR_ESTATE);
            model[id] = 0;
        }
    }
    assert_int_equal(visited, before);
    verify_all(m, model);
    for (uint32_t id = 0; id < IDS; id++) {
        void *v;
        int rc = actr_hmap_get(m, key, key_for(id, key), &v);
        assert_int_equal(rc, model[id] ? 0 : ACTR_ENOTFOUND);
    }
    actr_hmap_free(m, NULL);
    free(model);
}

static void test_model_u64_iter_remove_all(void **state)
{
    (void)state;
    actr_hmap_t *m;
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_U64, 0, &m), 0);
    lcg_state = 7;
    /* Random 64-bit keys (duplicates are possible: insert tells us). */
    size_t inserted = 0;
    uint64_t xor_keys = 0;
    for (int i = 0; i < 120000; i++) {
        uint64_t k = (uint64_t)next_random() << 40 ^ (uint64_t)next_random() << 16 ^ next_random();
        int rc = actr_hmap_insert_u64(m, k, PTR(~k));
        if (rc == 0) {
            inserted++;
            xor_keys ^= k;
        } else {
            assert_int_equal(rc, ACTR_EEXIST);
        }
    }
    assert_int_equal(actr_hmap_count(m), inserted);
    /* Iterate-and-remove everything: each entry seen once, table empty afterwards. */
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    size_t seen = 0;
    uint64_t xor_seen = 0;
    for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e);) {
        assert_ptr_equal(e.value, PTR(~e.key_u64));
        assert_null(e.key);
        xor_seen ^= e.key_u64;
        seen++;
        assert_int_equal(actr_hmap_iter_remove(&it), 0);
    }
    assert_int_equal(seen, inserted);
    assert_int_equal(xor_seen, xor_keys);
    assert_int_equal(actr_hmap_count(m), 0);
    actr_hmap_iter_init(m, &it);
    assert_int_equal(actr_hmap_iter_next(&it, &e), 0);
    assert_int_equal(actr_hmap_iter_remove(&it), ACTR_ESTATE);
    /* Still fully usable after emptying. */
    assert_int_equal(actr_hmap_insert_u64(m, 5, PTR(5)), 0);
    assert_int_equal(actr_hmap_get_u64(m, 5, NULL), 0);
    actr_hmap_free(m, NULL);
}

/*
 * Nearly full 8-slot tables under many seeds: probe runs that wrap from the last slot to the
 * first are common here, which is where iterate-and-remove could skip or repeat an entry.
 */
static void test_iter_remove_small_tables(void **state)
{
    (void)state;
    for (uint32_t round = 0; round < 2000; round++) {
        uint8_t seed[16] = {0};
        memcpy(seed, &round, sizeof round);
        actr_hmap_t *m;
        assert_int_equal(actr_hmap_new_seeded(ACTR_HMAP_KEY_U64, 0, seed, &m), 0);
        assert_int_equal(actr_hmap_capacity(m), 8);
        for (uint64_t k = 1; k <= 7; k++)
            assert_int_equal(actr_hmap_insert_u64(m, k, NULL), 0);
        assert_int_equal(actr_hmap_capacity(m), 8);
        unsigned seen = 0, removed = 0;
        actr_hmap_iter_t it;
        actr_hmap_entry_t e;
        for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e);) {
            assert_false(seen & (1u << e.key_u64));
            seen |= 1u << e.key_u64;
            if ((e.key_u64 + round) % 3 != 0) {
                assert_int_equal(actr_hmap_iter_remove(&it), 0);
                removed |= 1u << e.key_u64;
            }
        }
        assert_int_equal(seen, 0xfe); /* keys 1..7, each once */
        for (uint64_t k = 1; k <= 7; k++) {
            int rc = actr_hmap_get_u64(m, k, NULL);
            assert_int_equal(rc, (removed & (1u << k)) ? ACTR_ENOTFOUND : 0);
        }
        actr_hmap_free(m, NULL);
    }
}

static void collect_order(actr_hmap_t *m, uint64_t *order, size_t n)
{
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    size_t i = 0;
    for (actr_hmap_iter_init(m, &it); actr_hmap_iter_next(&it, &e) && i < n;)
        order[i++] = e.key_u64;
    assert_int_equal(i, n);
}

/* Layout depends on the per-map key: fixed seeds reproduce it, random seeds scatter it. */
static void test_seed_controls_layout(void **state)
{
    (void)state;
    enum { N = 1000 };
    static const uint8_t seed[16] = {1, 2, 3};
    actr_hmap_t *a, *b, *c;
    assert_int_equal(actr_hmap_new_seeded(ACTR_HMAP_KEY_U64, 0, seed, &a), 0);
    assert_int_equal(actr_hmap_new_seeded(ACTR_HMAP_KEY_U64, 0, seed, &b), 0);
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_U64, 0, &c), 0);
    for (uint64_t k = 0; k < N; k++) {
        assert_int_equal(actr_hmap_insert_u64(a, k, NULL), 0);
        assert_int_equal(actr_hmap_insert_u64(b, k, NULL), 0);
        assert_int_equal(actr_hmap_insert_u64(c, k, NULL), 0);
    }
    uint64_t oa[N], ob[N], oc[N];
    collect_order(a, oa, N);
    collect_order(b, ob, N);
    collect_order(c, oc, N);
    assert_memory_equal(oa, ob, sizeof oa);
    assert_memory_not_equal(oa, oc, sizeof oa);
    actr_hmap_free(a, NULL);
    actr_hmap_free(b, NULL);
    actr_hmap_free(c, NULL);
}

static int freed_values;

static void count_free(void *value)
{
    freed_values++;
    free(value);
}

static void test_free_releases_values(void **state)
{
    (void)state;
    actr_hmap_t *m;
    assert_int_equal(actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &m), 0);
    char key[32];
    for (uint32_t i = 0; i < 500; i++) {
        void *v = malloc(16);
        assert_non_null(v);
        assert_int_equal(actr_hmap_insert(m, key, key_for(i, key), v), 0);
    }
    void *v;
    assert_int_equal(actr_hmap_remove(m, "request-7", 9, &v), 0);
    free(v); /* removal hands the value back to the caller */
    freed_values = 0;
    actr_hmap_free(m, count_free);
    assert_int_equal(freed_values, 499);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_new_validates),
        cmocka_unit_test(test_bytes_basics),
        cmocka_unit_test(test_u64_basics),
        cmocka_unit_test(test_model_bytes_100k),
        cmocka_unit_test(test_model_u64_iter_remove_all),
        cmocka_unit_test(test_iter_remove_small_tables),
        cmocka_unit_test(test_seed_controls_layout),
        cmocka_unit_test(test_free_releases_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
