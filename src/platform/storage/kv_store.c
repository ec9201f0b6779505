/*
 * kv_store.c - the per-actor key-value store: one SQLite file, one connection behind a mutex,
 * statements prepared once per handle (spec: platform.md 4.1, 4.2).
 *
 * The schema and the set/get/delete SQL are the reference's, so either implementation can open
 * the other's files. Prefix listing is ours: a range scan on the primary key, which is an exact
 * byte-prefix match (the reference's LIKE folds ASCII case and does not escape '\').
 */
#include "actr/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/identity_internal.h"
#include "base/fsutil.h"
#include "base/sqlite_util.h"

/* How many bytes of a key an error message quotes. */
#define KEY_QUOTE_MAX 64

enum kv_stmt {
    ST_GET,
    ST_PUT,
    ST_DELETE,
    ST_LIST_ALL,
    ST_LIST_FROM,  /* prefix made only of 0xFF bytes: no upper bound exists */
    ST_LIST_RANGE, /* prefix <= key < successor(prefix) */
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_COUNT
};

static const char *const kv_sql[ST_COUNT] = {
    [ST_GET] = "SELECT value FROM kv_store WHERE key = ?1",
    [ST_PUT] = "INSERT INTO kv_store (key, value, updated_at) VALUES (?1, ?2, unixepoch()) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
               "updated_at = excluded.updated_at",
    [ST_DELETE] = "DELETE FROM kv_store WHERE key = ?1",
    [ST_LIST_ALL] = "SELECT key FROM kv_store ORDER BY key",
    [ST_LIST_FROM] = "SELECT key FROM kv_store WHERE key >= ?1 ORDER BY key",
    [ST_LIST_RANGE] = "SELECT key FROM kv_store WHERE key >= ?1 AND key < ?2 ORDER BY key",
    /* IMMEDIATE takes the write lock up front, so a batch never fails halfway on a lock upgrade. */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
};

static const char kv_schema[] = "CREATE TABLE IF NOT EXISTS kv_store ("
                                "key TEXT PRIMARY KEY NOT NULL, "
                                "value BLOB NOT NULL, "
                                "updated_at INTEGER NOT NULL DEFAULT (unixepoch()))";

struct actr_kv_store {
    pthread_mutex_t lock; /* serialises every use of db and the statements */
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    char *path;
};

bool actr_kv_key_valid(const char *key)
{
    return key && *key && actr_ident_utf8_valid(key, strlen(key));
}

/* ---- errors ---- */

static int quote_len(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return (int)(n > KEY_QUOTE_MAX ? KEY_QUOTE_MAX : n);
}

/* "kv <op> `key` failed: <sqlite message>"; call with the lock held (the message is per
 * connection). */
static int kv_fail(actr_kv_store_t *kv, int rc, const char *op, const char *key, actr_error_t *err)
{
    return actr_error_set(err, actr_sql_code(rc), actr_sql_kind(rc), 0, "kv %s `%.*s` failed: %s", op,
                          quote_len(key), key ? key : "", sqlite3_errmsg(kv->db));
}

static int bad_key(const char *op, const char *key, actr_error_t *err)
{
    if (!key || !*key)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv %s: empty key", op);
    return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                          "kv %s `%.*s`: key is not valid UTF-8", op, quote_len(key), key);
}

/* ---- statement helpers (lock held) ---- */

/* Runs a statement that returns no rows and resets it; returns the sqlite code of the step. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int bind_key(sqlite3_stmt *st, int index, const char *key, size_t len)
{
    return sqlite3_bind_text64(st, index, key, len, SQLITE_STATIC, SQLITE_UTF8);
}

static int do_put(actr_kv_store_t *kv, const char *key, const void *value, size_t len)
{
    sqlite3_stmt *st = kv->stmt[ST_PUT];
    int rc = bind_key(st, 1, key, strlen(key));
    /* A NULL blob pointer binds SQL NULL, which the NOT NULL column refuses: bind an empty blob. */
    if (rc == SQLITE_OK)
        rc = len == 0 ? sqlite3_bind_zeroblob(st, 2, 0)
                      : sqlite3_bind_blob64(st, 2, value, len, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        sqlite3_clear_bindings(st);
        return rc;
    }
    return step_done(st);
}

static int do_delete(actr_kv_store_t *kv, const char *key, bool *removed)
{
    sqlite3_stmt *st = kv->stmt[ST_DELETE];
    int rc = bind_key(st, 1, key, strlen(key));
    if (rc == SQLITE_OK)
        rc = step_done(st);
    if (removed)
        *removed = rc == SQLITE_OK && sqlite3_changes(kv->db) > 0;
    return rc;
}

/* ---- open / close ---- */

static void kv_free(actr_kv_store_t *kv)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(kv->stmt[i]);
    /* Every statement is finalized, so close cannot be refused for open statements. */
    sqlite3_close(kv->db);
    pthread_mutex_destroy(&kv->lock);
    free(kv->path);
    free(kv);
}

/* Creates the file with mode 0600 before SQLite does (SQLite would use 0644 minus the umask);
 * the WAL and shm sidecars inherit the database file's mode. */
static int precreate(const char *path, actr_error_t *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        int code = actr_errno_code(e);
        return actr_error_set(err, code, code == ACTR_EIO ? ACTR_KIND_INTERNAL : ACTR_KIND_CLIENT,
                              0, "cannot open kv store %s: %s", path, strerror(e));
    }
    close(fd);
    return 0;
}

static int open_fail(actr_kv_store_t *kv, int rc, const char *what, actr_error_t *err)
{
    return actr_error_set(err, actr_sql_code(rc), actr_sql_kind(rc), 0, "cannot open kv store %s: %s: %s",
                          kv->path, what, kv->db ? sqlite3_errmsg(kv->db) : sqlite3_errstr(rc));
}

/* WAL journal. A file system without WAL support keeps the rollback journal: like the
 * reference, which ignores the pragma's answer, we carry on rather than refuse to start. */
static int enable_wal(actr_kv_store_t *kv, actr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(kv->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        rc = open_fail(kv, rc, "enabling WAL", err);
    sqlite3_finalize(st);
    return rc;
}

static int kv_setup(actr_kv_store_t *kv, actr_error_t *err)
{
    /* One connection used under our mutex: SQLite's own per-connection mutex is redundant. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(kv->path, &kv->db, flags, NULL);
    if (rc != SQLITE_OK)
        return open_fail(kv, rc, "open", err);
    sqlite3_extended_result_codes(kv->db, 1);
    sqlite3_busy_timeout(kv->db, ACTR_KV_BUSY_TIMEOUT_MS);
    if ((rc = enable_wal(kv, err)) != 0)
        return rc;
    rc = sqlite3_exec(kv->db, kv_schema, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return open_fail(kv, rc, "creating the schema", err);
    for (int i = 0; i < ST_COUNT; i++) {
        rc = sqlite3_prepare_v3(kv->db, kv_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &kv->stmt[i],
                                NULL);
        if (rc != SQLITE_OK)
            return open_fail(kv, rc, "preparing statements", err);
    }
    return 0;
}

int actr_kv_store_open(const char *path, actr_kv_store_t **out, actr_error_t *err)
{
    if (out)
        *out = NULL;
    if (!path || !*path || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv open: no path given");
    int rc = actr_mkdirs_parent(path, 0700, err);
    if (rc != 0)
        return rc;
    if ((rc = precreate(path, err)) != 0)
        return rc;
    actr_kv_store_t *kv = calloc(1, sizeof *kv);
    if (!kv || !(kv->path = strdup(path))) {
        free(kv);
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    pthread_mutex_init(&kv->lock, NULL);
    if ((rc = kv_setup(kv, err)) != 0) {
        kv_free(kv);
        return rc;
    }
    *out = kv;
    return 0;
}

void actr_kv_store_close(actr_kv_store_t *store)
{
    if (store)
        kv_free(store);
}

const char *actr_kv_store_path(const actr_kv_store_t *store)
{
    return store ? store->path : NULL;
}

/* ---- operations ---- */

int actr_kv_store_get(actr_kv_store_t *store, const char *key, actr_buf_t *value,
                      actr_error_t *err)
{
    if (value)
        *value = (actr_buf_t)ACTR_BUF_INIT;
    if (!store || !value)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv get: no store or output");
    if (!actr_kv_key_valid(key))
        return bad_key("get", key, err);
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *st = store->stmt[ST_GET];
    int rc = bind_key(st, 1, key, strlen(key));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *data = sqlite3_column_blob(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        rc = actr_buf_copy(data, (size_t)len, value);
        if (rc != 0)
            rc = actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "kv get `%.*s`: out of memory",
                                quote_len(key), key);
    } else if (rc == SQLITE_DONE) {
        rc = actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 0, "kv key `%.*s` not found",
                            quote_len(key), key);
    } else {
        rc = kv_fail(store, rc, "get", key, err);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    pthread_mutex_unlock(&store->lock);
    return rc;
}

int actr_kv_store_put(actr_kv_store_t *store, const char *key, const void *value, size_t len,
                      actr_error_t *err)
{
    if (!store || (!value && len > 0))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv put: no store or value");
    if (!actr_kv_key_valid(key))
        return bad_key("put", key, err);
    pthread_mutex_lock(&store->lock);
    int rc = do_put(store, key, value, len);
    if (rc != SQLITE_OK)
        rc = kv_fail(store, rc, "put", key, err);
    pthread_mutex_unlock(&store->lock);
    return rc;
}

int actr_kv_store_delete(actr_kv_store_t *store, const char *key, bool *removed,
                         actr_error_t *err)
{
    if (removed)
        *removed = false;
    if (!store)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv delete: no store");
    if (!actr_kv_key_valid(key))
        return bad_key("delete", key, err);
    pthread_mutex_lock(&store->lock);
    int rc = do_delete(store, key, removed);
    if (rc != SQLITE_OK)
        rc = kv_fail(store, rc, "delete", key, err);
    pthread_mutex_unlock(&store->lock);
    return rc;
}

void actr_kv_keys_free(actr_kv_keys_t *keys)
{
    if (!keys)
        return;
    for (size_t i = 0; i < keys->count; i++)
        free(keys->keys[i]);
    free(keys->keys);
    keys->keys = NULL;
    keys->count = 0;
}

/* Appends one key (len bytes, no NUL inside: keys are validated UTF-8) to out. */
static int keys_push(actr_kv_keys_t *out, size_t *cap, const unsigned char *text, int len)
{
    if (out->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **grown = realloc(out->keys, ncap * sizeof *grown);
        if (!grown)
            return ACTR_ENOMEM;
        out->keys = grown;
        *cap = ncap;
    }
    char *copy = strndup(text ? (const char *)text : "", (size_t)len);
    if (!copy)
        return ACTR_ENOMEM;
    out->keys[out->count++] = copy;
    return 0;
}

/*
 * The smallest byte string greater than every string starting with prefix: drop trailing 0xFF
 * bytes, then add one to the last byte. Returns its length, 0 when none exists (all 0xFF).
 * succ has room for strlen(prefix) bytes.
 */
static size_t prefix_successor(const char *prefix, size_t len, char *succ)
{
    while (len > 0 && (unsigned char)prefix[len - 1] == 0xFF)
        len--;
    if (len == 0)
        return 0;
    memcpy(succ, prefix, len);
    succ[len - 1] = (char)((unsigned char)succ[len - 1] + 1);
    return len;
}

/* Runs the chosen list statement (bindings done) and collects its keys; lock held. */
static int collect_keys(actr_kv_store_t *store, sqlite3_stmt *st, const char *prefix,
                        actr_kv_keys_t *out, actr_error_t *err)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (keys_push(out, &cap, sqlite3_column_text(st, 0), sqlite3_column_bytes(st, 0)) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    int result = 0;
    if (rc == SQLITE_NOMEM)
        result = actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "kv list: out of memory");
    else if (rc != SQLITE_DONE)
        result = kv_fail(store, rc, "list", prefix, err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (result != 0)
        actr_kv_keys_free(out);
    return result;
}

int actr_kv_store_list_keys(actr_kv_store_t *store, const char *prefix, actr_kv_keys_t *out,
                            actr_error_t *err)
{
    if (out) {
        out->keys = NULL;
        out->count = 0;
    }
    if (!store || !out)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv list: no store or output");
    size_t plen = prefix ? strlen(prefix) : 0;
    char *succ = NULL;
    if (plen > 0 && !(succ = malloc(plen)))
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "kv list: out of memory");
    size_t slen = plen > 0 ? prefix_successor(prefix, plen, succ) : 0;
    pthread_mutex_lock(&store->lock);
    sqlite3_stmt *st = store->stmt[plen == 0 ? ST_LIST_ALL : slen == 0 ? ST_LIST_FROM
                                                                       : ST_LIST_RANGE];
    /* The bounds may be partial UTF-8 sequences: the key column's BINARY collation compares
     * bytes with memcmp, so they order correctly against the stored (valid) keys. */
    int rc = SQLITE_OK;
    if (plen > 0)
        rc = bind_key(st, 1, prefix, plen);
    if (rc == SQLITE_OK && slen > 0)
        rc = bind_key(st, 2, succ, slen);
    if (rc != SQLITE_OK) {
        rc = kv_fail(store, rc, "list", prefix, err);
        sqlite3_clear_bindings(st);
    } else {
        rc = collect_keys(store, st, prefix, out, err);
    }
    pthread_mutex_unlock(&store->lock);
    free(succ);
    return rc;
}

/* ---- batch ---- */

static int validate_ops(const actr_kv_op_t *ops, size_t n, actr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const actr_kv_op_t *op = &ops[i];
        if (op->kind != ACTR_KV_OP_SET && op->kind != ACTR_KV_OP_DELETE)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "kv batch op %zu: unknown kind %d", i, (int)op->kind);
        if (!actr_kv_key_valid(op->key)) {
            actr_error_t inner;
            bad_key(op->kind == ACTR_KV_OP_SET ? "batch set" : "batch delete", op->key, &inner);
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv batch op %zu: %s",
                                  i, inner.message);
        }
        if (op->kind == ACTR_KV_OP_SET && !op->value && op->value_len > 0)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "kv batch op %zu: no value bytes", i);
    }
    return 0;
}

/* Applies the ops inside an open transaction; on failure sets err and returns nonzero. */
static int apply_ops(actr_kv_store_t *store, const actr_kv_op_t *ops, size_t n, actr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const actr_kv_op_t *op = &ops[i];
        bool set = op->kind == ACTR_KV_OP_SET;
        int rc = set ? do_put(store, op->key, op->value, op->value_len)
                     : do_delete(store, op->key, NULL);
        if (rc != SQLITE_OK)
            return actr_error_set(err, actr_sql_code(rc), actr_sql_kind(rc), 0,
                                  "kv batch op %zu (%s `%.*s`) failed: %s", i,
                                  set ? "set" : "delete", quote_len(op->key), op->key,
                                  sqlite3_errmsg(store->db));
    }
    int rc = step_done(store->stmt[ST_COMMIT]);
    if (rc != SQLITE_OK)
        return kv_fail(store, rc, "batch", "commit", err);
    return 0;
}

int actr_kv_store_batch(actr_kv_store_t *store, const actr_kv_op_t *ops, size_t n,
                        actr_error_t *err)
{
    if (!store || (!ops && n > 0))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "kv batch: no store or ops");
    int rc = validate_ops(ops, n, err);
    if (rc != 0 || n == 0)
        return rc;
    pthread_mutex_lock(&store->lock);
    int src = step_done(store->stmt[ST_BEGIN]);
    if (src != SQLITE_OK) {
        rc = kv_fail(store, src, "batch", "begin", err);
    } else if ((rc = apply_ops(store, ops, n, err)) != 0) {
        /* A failed statement or COMMIT may leave the transaction open (SQLite rolls back by
         * itself only after some errors): undo everything. No other statement of this
         * connection is running, so ROLLBACK itself cannot be refused. */
        if (!sqlite3_get_autocommit(store->db))
            (void)step_done(store->stmt[ST_ROLLBACK]);
    }
    pthread_mutex_unlock(&store->lock);
    return rc;
}
