/* The per-actor SQLite key-value store (platform.md 4.1, 4.2; prefix semantics: docs/PLATFORM.md). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "actr/storage.h"
#include "tmpdir.h"

typedef struct fixture {
    char dir[TEST_TMPDIR_SIZE];
    char path[256];
    actr_kv_store_t *kv;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_tmpdir_make(f->dir);
    /* Two missing levels: open creates the parents. */
    test_path_join(f->path, sizeof f->path, f->dir, "acme/Sensor/1.0.0");
    actr_error_t err;
    assert_int_equal(actr_kv_store_open(f->path, &f->kv, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    actr_kv_store_close(f->kv);
    test_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static void put_str(actr_kv_store_t *kv, const char *key, const char *value)
{
    actr_error_t err;
    assert_int_equal(actr_kv_store_put(kv, key, value, strlen(value), &err), 0);
}

static void assert_value(actr_kv_store_t *kv, const char *key, const void *value, size_t len)
{
    actr_buf_t got;
    actr_error_t err;
    assert_int_equal(actr_kv_store_get(kv, key, &got, &err), 0);
    assert_int_equal(got.len, len);
    if (len > 0)
        assert_memory_equal(got.data, value, len);
    actr_buf_release(&got);
}

static void assert_absent(actr_kv_store_t *kv, const char *key)
{
    actr_buf_t got;
    assert_int_equal(actr_kv_store_get(kv, key, &got, NULL), ACTR_ENOTFOUND);
    assert_int_equal(got.len, 0);
}

/* Lists prefix and compares with the expected keys, in order. */
static void assert_list(actr_kv_store_t *kv, const char *prefix, const char *const *want, size_t n)
{
    actr_kv_keys_t keys;
    actr_error_t err;
    assert_int_equal(actr_kv_store_list_keys(kv, prefix, &keys, &err), 0);
    assert_int_equal(keys.count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(keys.keys[i], want[i]);
    actr_kv_keys_free(&keys);
    assert_int_equal(keys.count, 0);
}

#define LIST(kv, prefix, ...)                                              \
    do {                                                                   \
        static const char *const want_[] = {__VA_ARGS__};                  \
        assert_list(kv, prefix, want_, sizeof want_ / sizeof want_[0]);    \
    } while (0)
#define LIST_NONE(kv, prefix) assert_list(kv, prefix, NULL, 0)

/* ---- the reference's db_tests.rs ---- */

static void test_set_get_delete(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "k", "v1");
    assert_value(f->kv, "k", "v1", 2);
    put_str(f->kv, "k", "value two"); /* upsert */
    assert_value(f->kv, "k", "value two", 9);
    assert_absent(f->kv, "missing");

    bool removed = false;
    assert_int_equal(actr_kv_store_delete(f->kv, "k", &removed, NULL), 0);
    assert_true(removed);
    assert_absent(f->kv, "k");
    assert_int_equal(actr_kv_store_delete(f->kv, "k", &removed, NULL), 0);
    assert_false(removed);
    assert_int_equal(actr_kv_store_delete(f->kv, "never", NULL, NULL), 0);
}

static void test_list_order_and_prefix(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "c", "3");
    put_str(f->kv, "a", "1");
    put_str(f->kv, "b", "2");
    LIST(f->kv, NULL, "a", "b", "c");

    put_str(f->kv, "prefix:b", "");
    put_str(f->kv, "other:x", "");
    put_str(f->kv, "prefix:a", "");
    put_str(f->kv, "prefixa", "");
    LIST(f->kv, "prefix:", "prefix:a", "prefix:b");
    LIST(f->kv, "", "a", "b", "c", "other:x", "prefix:a", "prefix:b", "prefixa");
    LIST(f->kv, "prefix:a", "prefix:a"); /* a key equal to the prefix is listed */
    LIST_NONE(f->kv, "zzz");
}

static void test_batch_applies_in_order(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "existing", "old");
    const actr_kv_op_t ops[] = {
        {ACTR_KV_OP_SET, "new_key", "new", 3},
        {ACTR_KV_OP_SET, "existing", "updated", 7},
        {ACTR_KV_OP_DELETE, "existing", NULL, 0},
        {ACTR_KV_OP_DELETE, "absent", NULL, 0},
    };
    actr_error_t err;
    assert_int_equal(actr_kv_store_batch(f->kv, ops, 4, &err), 0);
    assert_value(f->kv, "new_key", "new", 3);
    assert_absent(f->kv, "existing");
    assert_int_equal(actr_kv_store_batch(f->kv, NULL, 0, &err), 0);
}

static void test_persists_across_reopen(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "persist", "me");
    actr_kv_store_close(f->kv);
    f->kv = NULL;
    actr_error_t err;
    assert_int_equal(actr_kv_store_open(f->path, &f->kv, &err), 0);
    assert_string_equal(actr_kv_store_path(f->kv), f->path);
    assert_value(f->kv, "persist", "me", 2);
}

/* ---- exact byte-prefix semantics (ours; the reference uses LIKE) ---- */

static void test_prefix_wildcards_are_literal(void **state)
{
    fixture_t *f = *state;
    static const char *const keys[] = {"a%b", "a%c", "axb", "a_b", "a\\b", "a\\c", "ab", "a"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        put_str(f->kv, keys[i], "");
    LIST(f->kv, "a%", "a%b", "a%c");
    LIST(f->kv, "a_", "a_b");
    LIST(f->kv, "a\\", "a\\b", "a\\c");
    LIST(f->kv, "a%b", "a%b");
    LIST_NONE(f->kv, "%");
    LIST_NONE(f->kv, "_");
}

static void test_prefix_is_case_sensitive(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "Prefix:1", "");
    put_str(f->kv, "prefix:2", "");
    put_str(f->kv, "PREFIX:3", "");
    LIST(f->kv, "Prefix:", "Prefix:1");
    LIST(f->kv, "prefix:", "prefix:2");
    LIST(f->kv, NULL, "PREFIX:3", "Prefix:1", "prefix:2"); /* byte order: upper case first */
}

static void test_prefix_bytes_beyond_ascii(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "caf\xC3\xA9:1", ""); /* "café:1" */
    put_str(f->kv, "caf\xC3\xAA", "");   /* "cafê" */
    put_str(f->kv, "cafe", "");
    put_str(f->kv, "\xF4\x8F\xBF\xBF", ""); /* U+10FFFF, the largest key byte string */
    /* A partial UTF-8 sequence is still a byte prefix. */
    LIST(f->kv, "caf\xC3", "caf\xC3\xA9:1", "caf\xC3\xAA");
    LIST(f->kv, "caf\xC3\xA9", "caf\xC3\xA9:1");
    /* No valid key holds 0xFF; trailing 0xFF bytes leave no upper bound internally. */
    LIST_NONE(f->kv, "\xFF");
    LIST_NONE(f->kv, "\xFF\xFF");
    LIST_NONE(f->kv, "caf\xFF");
    LIST(f->kv, "\xF4", "\xF4\x8F\xBF\xBF");
    LIST(f->kv, "\xF4\x8F\xBF", "\xF4\x8F\xBF\xBF");
}

/* ---- values and keys ---- */

static void test_binary_empty_and_large_values(void **state)
{
    fixture_t *f = *state;
    static const uint8_t bin[] = {0, 1, 0, 0xFF, 0, 'x', 0};
    actr_error_t err;
    assert_int_equal(actr_kv_store_put(f->kv, "bin", bin, sizeof bin, &err), 0);
    assert_value(f->kv, "bin", bin, sizeof bin);

    /* An empty value is stored (not NULL, not absent). */
    assert_int_equal(actr_kv_store_put(f->kv, "empty", NULL, 0, &err), 0);
    assert_int_equal(actr_kv_store_put(f->kv, "empty2", "", 0, &err), 0);
    assert_value(f->kv, "empty", NULL, 0);
    assert_value(f->kv, "empty2", NULL, 0);

    size_t big_len = 1024 * 1024;
    uint8_t *big = malloc(big_len);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(actr_kv_store_put(f->kv, "big", big, big_len, &err), 0);
    assert_value(f->kv, "big", big, big_len);
    free(big);

    /* The 4-byte little-endian key id Hyper stores after registration. */
    static const uint8_t key_id[4] = {0x2A, 0, 0, 0};
    assert_int_equal(actr_kv_store_put(f->kv, "hyper:ais:signing_key_id", key_id, 4, &err), 0);
    assert_value(f->kv, "hyper:ais:signing_key_id", key_id, 4);
}

static void test_invalid_keys_and_arguments(void **state)
{
    fixture_t *f = *state;
    actr_error_t err;
    actr_buf_t got;
    assert_int_equal(actr_kv_store_put(f->kv, "", "v", 1, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "empty key"));
    assert_int_equal(actr_kv_store_put(f->kv, NULL, "v", 1, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_put(f->kv, "bad\xFF", "v", 1, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "UTF-8"));
    assert_int_equal(actr_kv_store_put(f->kv, "\xC0\x80", "v", 1, &err), ACTR_EINVAL); /* overlong */
    assert_int_equal(actr_kv_store_get(f->kv, "", &got, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_delete(f->kv, "\xED\xA0\x80", NULL, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_put(f->kv, "k", NULL, 3, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_put(NULL, "k", "v", 1, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_get(f->kv, "k", NULL, &err), ACTR_EINVAL);
    assert_int_equal(actr_kv_store_list_keys(f->kv, NULL, NULL, &err), ACTR_EINVAL);
    assert_true(actr_kv_key_valid("hyper:ais:signing_pubkey"));
    assert_true(actr_kv_key_valid("\xE4\xB8\xAD")); /* 中 */
    assert_false(actr_kv_key_valid(""));
    LIST_NONE(f->kv, NULL);
}

/* ---- atomic batches ---- */

/* Installs, through a second connection, a trigger that makes any insert of key 'boom' fail. */
static void install_failing_trigger(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER fail_boom BEFORE INSERT ON kv_store "
                                  "WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'forced'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void test_batch_rolls_back_on_failure(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "keep", "original");
    put_str(f->kv, "gone", "still here");
    install_failing_trigger(f->path);

    /* The third op fails inside the transaction: the first two must be undone. */
    const actr_kv_op_t ops[] = {
        {ACTR_KV_OP_SET, "keep", "changed", 7},
        {ACTR_KV_OP_DELETE, "gone", NULL, 0},
        {ACTR_KV_OP_SET, "boom", "x", 1},
        {ACTR_KV_OP_SET, "after", "y", 1},
    };
    actr_error_t err;
    assert_int_not_equal(actr_kv_store_batch(f->kv, ops, 4, &err), 0);
    assert_non_null(strstr(err.message, "op 2"));
    assert_non_null(strstr(err.message, "`boom`"));
    assert_non_null(strstr(err.message, "forced"));
    assert_value(f->kv, "keep", "original", 8);
    assert_value(f->kv, "gone", "still here", 10);
    assert_absent(f->kv, "after");

    /* A plain put reports the key and SQLite's reason. */
    assert_int_not_equal(actr_kv_store_put(f->kv, "boom", "x", 1, &err), 0);
    assert_string_equal(err.message, "kv put `boom` failed: forced");

    /* The handle is usable afterwards (no transaction left open). */
    const actr_kv_op_t good[] = {{ACTR_KV_OP_SET, "keep", "changed", 7}};
    assert_int_equal(actr_kv_store_batch(f->kv, good, 1, &err), 0);
    assert_value(f->kv, "keep", "changed", 7);
}

static void test_batch_invalid_op_applies_nothing(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "keep", "original");
    const actr_kv_op_t ops[] = {
        {ACTR_KV_OP_SET, "keep", "changed", 7},
        {ACTR_KV_OP_SET, "new", "n", 1},
        {ACTR_KV_OP_SET, "bad\xFF", "x", 1},
    };
    actr_error_t err;
    assert_int_equal(actr_kv_store_batch(f->kv, ops, 3, &err), ACTR_EINVAL);
    assert_non_null(strstr(err.message, "op 2"));
    assert_value(f->kv, "keep", "original", 8);
    assert_absent(f->kv, "new");

    const actr_kv_op_t bad_kind[] = {{(actr_kv_op_kind_t)7, "k", NULL, 0}};
    assert_int_equal(actr_kv_store_batch(f->kv, bad_kind, 1, &err), ACTR_EINVAL);
    const actr_kv_op_t no_value[] = {{ACTR_KV_OP_SET, "k", NULL, 5}};
    assert_int_equal(actr_kv_store_batch(f->kv, no_value, 1, &err), ACTR_EINVAL);
}

/* ---- files on disk ---- */

static void assert_mode(const char *path, mode_t want)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, want);
}

static void test_files_wal_and_modes(void **state)
{
    fixture_t *f = *state;
    put_str(f->kv, "k", "v");
    char side[300];
    snprintf(side, sizeof side, "%s-wal", f->path);
    assert_mode(side, 0600);
    snprintf(side, sizeof side, "%s-shm", f->path);
    assert_mode(side, 0600);
    assert_mode(f->path, 0600);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/acme/Sensor", f->dir);
    assert_mode(dir, 0700);
    snprintf(dir, sizeof dir, "%s/acme", f->dir);
    assert_mode(dir, 0700);

    /* The file is a plain SQLite database with the reference's table. */
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT key, value, updated_at FROM kv_store", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "k");
    assert_int_equal(sqlite3_column_type(st, 1), SQLITE_BLOB);
    assert_true(sqlite3_column_int64(st, 2) > 1700000000);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_open_errors(void **state)
{
    fixture_t *f = *state;
    actr_kv_store_t *kv = (actr_kv_store_t *)1;
    actr_error_t err;
    assert_int_equal(actr_kv_store_open(NULL, &kv, &err), ACTR_EINVAL);
    assert_null(kv);
    assert_int_equal(actr_kv_store_open("", &kv, &err), ACTR_EINVAL);

    /* A directory cannot be a store. */
    char path[300];
    snprintf(path, sizeof path, "%s/acme", f->dir);
    assert_int_not_equal(actr_kv_store_open(path, &kv, &err), 0);
    assert_null(kv);

    /* A file that is not a database. */
    snprintf(path, sizeof path, "%s/garbage", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 64; i++)
        fputs("this is not an SQLite database file ", fp);
    fclose(fp);
    assert_int_equal(actr_kv_store_open(path, &kv, &err), ACTR_EIO);
    assert_int_equal(err.kind, ACTR_KIND_CORRUPT);
    assert_non_null(strstr(err.message, path));

    /* A parent that is a file. */
    snprintf(path, sizeof path, "%s/garbage/store", f->dir);
    assert_int_not_equal(actr_kv_store_open(path, &kv, &err), 0);
    assert_null(kv);
    actr_kv_store_close(NULL);
}

/* ---- threads ---- */

#define THREAD_KEYS 200

typedef struct writer {
    actr_kv_store_t *kv;
    int id;
    int failures;
} writer_t;

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    for (int i = 0; i < THREAD_KEYS; i++) {
        char key[32], value[32];
        snprintf(key, sizeof key, "t%d:%04d", w->id, i);
        snprintf(value, sizeof value, "v%d", i);
        if (actr_kv_store_put(w->kv, key, value, strlen(value), NULL) != 0)
            w->failures++;
        if (i % 10 == 0) {
            const actr_kv_op_t ops[] = {{ACTR_KV_OP_SET, key, "batched", 7}};
            if (actr_kv_store_batch(w->kv, ops, 1, NULL) != 0)
                w->failures++;
        }
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fixture_t *f = *state;
    actr_kv_store_t *other;
    assert_int_equal(actr_kv_store_open(f->path, &other, NULL), 0);
    /* Two threads share one handle; a third writes the same file through a second handle. */
    writer_t w[3] = {{f->kv, 0, 0}, {f->kv, 1, 0}, {other, 2, 0}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    actr_kv_store_close(other);
    actr_kv_keys_t keys;
    assert_int_equal(actr_kv_store_list_keys(f->kv, "t", &keys, NULL), 0);
    assert_int_equal(keys.count, 3 * THREAD_KEYS);
    actr_kv_keys_free(&keys);
    assert_value(f->kv, "t2:0010", "batched", 7);
    assert_value(f->kv, "t1:0011", "v11", 3);
}

int main(void)
{
    umask(022); /* the usual umask: new stores must still be 0600 */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_order_and_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_applies_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persists_across_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_wildcards_are_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_is_case_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_bytes_beyond_ascii, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_empty_and_large_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_keys_and_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_rolls_back_on_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_invalid_op_applies_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_wal_and_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
