/* actr_buf_t: ownership, slicing bounds, equality and a thread-safe reference count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "actr/buf.h"
#include "actr/error.h"

static void assert_empty(const actr_buf_t *b)
{
    assert_null(b->data);
    assert_int_equal(b->len, 0);
    assert_null(b->block);
}

static void test_copy_owns_its_bytes(void **state)
{
    (void)state;
    char src[] = "hello world";
    actr_buf_t b;
    assert_int_equal(actr_buf_copy(src, 11, &b), 0);
    assert_int_equal(b.len, 11);
    assert_ptr_not_equal(b.data, (const uint8_t *)src);
    src[0] = 'J'; /* the buffer took a copy */
    assert_memory_equal(b.data, "hello world", 11);
    assert_int_equal(actr_buf_refcount(&b), 1);
    actr_buf_release(&b);
    assert_empty(&b);
}

static void test_copy_edge_cases(void **state)
{
    (void)state;
    actr_buf_t b = actr_buf_static("x", 1);
    /* Empty input gives the empty buffer, without allocating. */
    assert_int_equal(actr_buf_copy(NULL, 0, &b), 0);
    assert_empty(&b);
    assert_int_equal(actr_buf_copy("abc", 0, &b), 0);
    assert_empty(&b);
    assert_int_equal(actr_buf_copy(NULL, 3, &b), ACTR_EINVAL);
    assert_empty(&b);
    assert_int_equal(actr_buf_copy("abc", 3, NULL), ACTR_EINVAL);
    /* A size whose header would overflow is rejected before malloc sees it. */
    uint8_t *w = (uint8_t *)&b;
    assert_int_equal(actr_buf_alloc(SIZE_MAX, &b, &w), ACTR_ERANGE);
    assert_empty(&b);
    assert_null(w);
    assert_int_equal(actr_buf_alloc(SIZE_MAX - 1, &b, &w), ACTR_ERANGE);
    assert_int_equal(actr_buf_alloc(4, NULL, &w), ACTR_EINVAL);
    assert_int_equal(actr_buf_alloc(4, &b, NULL), ACTR_EINVAL);
}

static void test_alloc_then_fill(void **state)
{
    (void)state;
    actr_buf_t b;
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(256, &b, &w), 0);
    assert_ptr_equal(w, b.data);
    for (int i = 0; i < 256; i++)
        w[i] = (uint8_t)i;
    actr_buf_t s;
    assert_int_equal(actr_buf_slice(&b, 255, 1, &s), 0);
    assert_int_equal(s.data[0], 255);
    actr_buf_release(&s);
    actr_buf_release(&b);

    assert_int_equal(actr_buf_alloc(0, &b, &w), 0);
    assert_empty(&b);
    assert_null(w);
}

struct free_log {
    int calls;
    void *last_ptr;
};

static void counting_free(void *ptr, void *opaque)
{
    struct free_log *log = opaque;
    log->calls++;
    log->last_ptr = ptr;
    free(ptr);
}

static void test_wrap_frees_once_at_last_release(void **state)
{
    (void)state;
    struct free_log log = {0, NULL};
    char *mem = malloc(8);
    assert_non_null(mem);
    memcpy(mem, "abcdefgh", 8);
    actr_buf_t b, r, s;
    assert_int_equal(actr_buf_wrap(mem, 8, counting_free, &log, &b), 0);
    assert_ptr_equal(b.data, (uint8_t *)mem); /* no copy */
    r = actr_buf_ref(&b);
    assert_int_equal(actr_buf_slice(&r, 2, 3, &s), 0);
    assert_int_equal(actr_buf_refcount(&b), 3);
    actr_buf_release(&b);
    actr_buf_release(&r);
    assert_int_equal(log.calls, 0);
    assert_memory_equal(s.data, "cde", 3); /* the slice keeps the bytes alive */
    actr_buf_release(&s);
    assert_int_equal(log.calls, 1);
    assert_ptr_equal(log.last_ptr, mem);
}

static void test_wrap_edge_cases(void **state)
{
    (void)state;
    struct free_log log = {0, NULL};
    actr_buf_t b;
    /* Zero length: ownership passes, so the memory is released immediately. */
    void *mem = malloc(4);
    assert_int_equal(actr_buf_wrap(mem, 0, counting_free, &log, &b), 0);
    assert_empty(&b);
    assert_int_equal(log.calls, 1);
    /* Failure leaves ownership with the caller: free_fn is not called. */
    assert_int_equal(actr_buf_wrap(NULL, 4, counting_free, &log, &b), ACTR_EINVAL);
    assert_int_equal(log.calls, 1);
    assert_int_equal(actr_buf_wrap(&log, 4, counting_free, &log, NULL), ACTR_EINVAL);
    /* No free function: for memory that outlives the buffer. */
    static const char text[] = "borrowed";
    assert_int_equal(actr_buf_wrap((void *)text, 8, NULL, NULL, &b), 0);
    assert_int_equal(actr_buf_refcount(&b), 1);
    actr_buf_release(&b);
}

static void test_static_is_not_counted(void **state)
{
    (void)state;
    actr_buf_t b = actr_buf_static("static bytes", 12);
    assert_int_equal(b.len, 12);
    assert_null(b.block);
    assert_int_equal(actr_buf_refcount(&b), 0);
    actr_buf_t r = actr_buf_ref(&b);
    assert_true(actr_buf_equal(&b, &r));
    actr_buf_t s;
    assert_int_equal(actr_buf_slice(&b, 7, 5, &s), 0);
    assert_memory_equal(s.data, "bytes", 5);
    assert_null(s.block);
    actr_buf_release(&s);
    actr_buf_release(&r);
    actr_buf_release(&b);
    assert_empty(&b);
    actr_buf_t e = actr_buf_static(NULL, 5);
    assert_empty(&e);
    e = actr_buf_static("abc", 0);
    assert_empty(&e);
}

static void test_slice_bounds(void **state)
{
    (void)state;
    actr_buf_t b, s;
    assert_int_equal(actr_buf_copy("0123456789", 10, &b), 0);

    assert_int_equal(actr_buf_slice(&b, 0, 10, &s), 0); /* whole buffer */
    assert_true(actr_buf_equal(&b, &s));
    actr_buf_release(&s);
    assert_int_equal(actr_buf_slice(&b, 10, 0, &s), 0); /* empty at the end */
    assert_empty(&s);
    assert_int_equal(actr_buf_slice(&b, 0, 0, &s), 0);
    assert_empty(&s);
    assert_int_equal(actr_buf_refcount(&b), 1); /* empty slices hold nothing */

    assert_int_equal(actr_buf_slice(&b, 11, 0, &s), ACTR_ERANGE);
    assert_empty(&s);
    assert_int_equal(actr_buf_slice(&b, 5, 6, &s), ACTR_ERANGE);
    assert_int_equal(actr_buf_slice(&b, 0, 11, &s), ACTR_ERANGE);
    /* off + len would wrap around to a small number: still out of range. */
    assert_int_equal(actr_buf_slice(&b, 2, SIZE_MAX, &s), ACTR_ERANGE);
    assert_int_equal(actr_buf_slice(&b, SIZE_MAX, 2, &s), ACTR_ERANGE);
    assert_int_equal(actr_buf_slice(&b, SIZE_MAX, SIZE_MAX, &s), ACTR_ERANGE);
    assert_int_equal(actr_buf_slice(NULL, 0, 0, &s), ACTR_EINVAL);
    assert_int_equal(actr_buf_slice(&b, 0, 1, NULL), ACTR_EINVAL);
    assert_int_equal(actr_buf_refcount(&b), 1);

    /* Slices of slices address the original bytes and share one block. */
    actr_buf_t s2;
    assert_int_equal(actr_buf_slice(&b, 2, 6, &s), 0); /* "234567" */
    assert_int_equal(actr_buf_slice(&s, 3, 3, &s2), 0); /* "567" */
    assert_memory_equal(s2.data, "567", 3);
    assert_ptr_equal(s2.data, b.data + 5);
    assert_ptr_equal(s2.block, b.block);
    assert_int_equal(actr_buf_refcount(&b), 3);
    actr_buf_t bad;
    assert_int_equal(actr_buf_slice(&s, 3, 4, &bad), ACTR_ERANGE); /* bounds of s, not of b */
    actr_buf_release(&b);
    actr_buf_release(&s);
    assert_int_equal(actr_buf_refcount(&s2), 1);
    actr_buf_release(&s2);
}

static void test_release_is_safe_on_empty(void **state)
{
    (void)state;
    actr_buf_t e = ACTR_BUF_INIT;
    actr_buf_release(&e);
    actr_buf_release(&e);
    actr_buf_release(NULL);
    actr_buf_t r = actr_buf_ref(&e);
    assert_empty(&r);
    r = actr_buf_ref(NULL);
    assert_empty(&r);
    assert_int_equal(actr_buf_refcount(NULL), 0);
}

static void test_equal(void **state)
{
    (void)state;
    actr_buf_t a, b, c;
    assert_int_equal(actr_buf_copy("same", 4, &a), 0);
    assert_int_equal(actr_buf_copy("same", 4, &b), 0);
    assert_int_equal(actr_buf_copy("samf", 4, &c), 0);
    actr_buf_t st = actr_buf_static("same!", 5);
    actr_buf_t e = ACTR_BUF_INIT;
    assert_true(actr_buf_equal(&a, &b));
    assert_false(actr_buf_equal(&a, &c));
    assert_false(actr_buf_equal(&a, &st)); /* different length */
    st.len = 4;
    assert_true(actr_buf_equal(&st, &a));
    assert_false(actr_buf_equal(&a, &e));
    assert_true(actr_buf_equal(&e, NULL));
    assert_true(actr_buf_equal(NULL, NULL));
    assert_false(actr_buf_equal(NULL, &a));
    actr_buf_release(&a);
    actr_buf_release(&b);
    actr_buf_release(&c);
}

/* ---- concurrency ---- */

#define THREADS 8
#define ROUNDS 20000

struct shared {
    actr_buf_t buf;
    atomic_int go;
};

/* Hammers ref/slice/release on one shared buffer while reading its bytes. */
static void *ref_worker(void *arg)
{
    struct shared *sh = arg;
    while (!atomic_load(&sh->go))
        ;
    unsigned sum = 0;
    for (int i = 0; i < ROUNDS; i++) {
        actr_buf_t r = actr_buf_ref(&sh->buf);
        actr_buf_t s;
        if (actr_buf_slice(&r, (size_t)i % 64, 1, &s) != 0)
            return NULL;
        sum += s.data[0];
        actr_buf_release(&r);
        actr_buf_release(&s);
    }
    return (void *)(uintptr_t)(sum + 1);
}

static void test_concurrent_ref_release(void **state)
{
    (void)state;
    struct shared sh;
    uint8_t *w;
    assert_int_equal(actr_buf_alloc(64, &sh.buf, &w), 0);
    memset(w, 1, 64);
    atomic_init(&sh.go, 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ref_worker, &sh), 0);
    atomic_store(&sh.go, 1);
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_int_equal((uintptr_t)ret, ROUNDS + 1); /* every slice saw the byte 1 */
    }
    assert_int_equal(actr_buf_refcount(&sh.buf), 1);
    actr_buf_release(&sh.buf);
}

struct handoff {
    actr_buf_t mine; /* a reference owned by the thread */
    atomic_int *go;
};

static atomic_int handoff_frees;

static void handoff_free(void *ptr, void *opaque)
{
    (void)opaque;
    atomic_fetch_add(&handoff_frees, 1);
    free(ptr);
}

static void *handoff_worker(void *arg)
{
    struct handoff *h = arg;
    while (!atomic_load(h->go))
        ;
    size_t sum = 0;
    for (size_t i = 0; i < h->mine.len; i++)
        sum += h->mine.data[i];
    actr_buf_release(&h->mine); /* one of these drops the last reference */
    return (void *)sum;
}

/* Whichever thread releases last frees the block, exactly once, after everyone's reads. */
static void test_last_release_on_any_thread(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        atomic_store(&handoff_frees, 0);
        uint8_t *mem = malloc(128);
        assert_non_null(mem);
        memset(mem, 2, 128);
        actr_buf_t b;
        assert_int_equal(actr_buf_wrap(mem, 128, handoff_free, NULL, &b), 0);
        atomic_int go;
        atomic_init(&go, 0);
        struct handoff h[THREADS];
        pthread_t th[THREADS];
        for (int i = 0; i < THREADS; i++) {
            h[i].mine = actr_buf_ref(&b);
            h[i].go = &go;
            assert_int_equal(pthread_create(&th[i], NULL, handoff_worker, &h[i]), 0);
        }
        actr_buf_release(&b);
        atomic_store(&go, 1);
        for (int i = 0; i < THREADS; i++) {
            void *ret;
            assert_int_equal(pthread_join(th[i], &ret), 0);
            assert_int_equal((size_t)ret, 256);
        }
        assert_int_equal(atomic_load(&handoff_frees), 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_owns_its_bytes),
        cmocka_unit_test(test_copy_edge_cases),
        cmocka_unit_test(test_alloc_then_fill),
        cmocka_unit_test(test_wrap_frees_once_at_last_release),
        cmocka_unit_test(test_wrap_edge_cases),
        cmocka_unit_test(test_static_is_not_counted),
        cmocka_unit_test(test_slice_bounds),
        cmocka_unit_test(test_release_is_safe_on_empty),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_concurrent_ref_release),
        cmocka_unit_test(test_last_release_on_any_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
