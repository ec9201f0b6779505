/*
 * bench_mailbox - durable mailbox throughput: Hyper's group-commit writer against the naive
 * baseline of one transaction per operation (the reference's way: one connection behind a
 * mutex, INSERT per enqueue, UPDATE..RETURNING per batch of 32, DELETE per ack), on the same
 * schema with the same pragmas, plus the in-memory mailbox.
 *
 * Every run: P producer threads enqueue 256-byte payloads while one consumer dequeues batches of
 * up to 32 and acks them; the clock stops when the consumer has acked everything (and, for
 * Hyper, the acks are flushed). Enqueue latency is measured around each enqueue call.
 *
 *   bench_mailbox [--dir DIR] [--producers P] [--messages N] [--naive-messages N]
 *                 [--only full|normal|memory]
 *
 * DIR must be on a real disk (not tmpfs) for the fsync figures to mean anything.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "actr/mailbox.h"
#include "base/clock.h"
#include "base/uuid.h"
#include "mailbox/mailbox_internal.h"

#define PAYLOAD_LEN 256
#define BATCH 32

/* ---- the naive baseline: reference schema and statements, one transaction per operation ---- */

typedef struct naive {
    sqlite3 *db;
    pthread_mutex_t lock; /* the reference's Mutex<Connection> */
    sqlite3_stmt *ins, *deq, *del;
} naive_t;

static void die_sql(sqlite3 *db, const char *what)
{
    fprintf(stderr, "bench_mailbox: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void naive_open(naive_t *nv, const char *path, int sync_full)
{
    if (sqlite3_open(path, &nv->db) != SQLITE_OK)
        die_sql(nv->db, "open");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;"
             "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, from_actr_id BLOB NOT "
             "NULL, payload BLOB NOT NULL, priority INTEGER NOT NULL, status INTEGER NOT NULL "
             "DEFAULT 0, created_at TEXT NOT NULL);"
             "CREATE INDEX IF NOT EXISTS idx_messages_priority_status ON messages(priority DESC, "
             "status, created_at ASC);",
             sync_full ? "FULL" : "NORMAL");
    if (sqlite3_exec(nv->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sql(nv->db, "schema");
    const char *ins = "INSERT INTO messages (id, from_actr_id, payload, priority, status, "
                      "created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)";
    const char *deq = "UPDATE messages SET status = 1 WHERE id IN (SELECT id FROM messages "
                      "WHERE status = 0 ORDER BY priority DESC, created_at ASC LIMIT 32) "
                      "RETURNING id, from_actr_id, payload, priority, created_at";
    const char *del = "DELETE FROM messages WHERE id = ?1";
    if (sqlite3_prepare_v2(nv->db, ins, -1, &nv->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(nv->db, deq, -1, &nv->deq, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(nv->db, del, -1, &nv->del, NULL) != SQLITE_OK)
        die_sql(nv->db, "prepare");
    pthread_mutex_init(&nv->lock, NULL);
}

static void naive_close(naive_t *nv)
{
    sqlite3_finalize(nv->ins);
    sqlite3_finalize(nv->deq);
    sqlite3_finalize(nv->del);
    sqlite3_close(nv->db);
    pthread_mutex_destroy(&nv->lock);
}

static void naive_enqueue(naive_t *nv, const uint8_t *payload)
{
    actr_uuid_t u;
    char id[ACTR_UUID_STR_LEN + 1], ts[ACTR_RFC3339_MS_LEN + 1];
    actr_uuid_v4(&u);
    actr_uuid_format(&u, id);
    actr_rfc3339_format_ms(actr_clock_wall_ms(), ts);
    pthread_mutex_lock(&nv->lock);
    sqlite3_bind_text(nv->ins, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(nv->ins, 2, "producer", 8, SQLITE_STATIC);
    sqlite3_bind_blob(nv->ins, 3, payload, PAYLOAD_LEN, SQLITE_STATIC);
    sqlite3_bind_int(nv->ins, 4, 0);
    sqlite3_bind_text(nv->ins, 5, ts, -1, SQLITE_STATIC);
    if (sqlite3_step(nv->ins) != SQLITE_DONE)
        die_sql(nv->db, "insert");
    sqlite3_reset(nv->ins);
    pthread_mutex_unlock(&nv->lock);
}

/* One batch: ids copied out (payloads copied too, as the reference returns owned records). */
static size_t naive_dequeue(naive_t *nv, char ids[BATCH][ACTR_UUID_STR_LEN + 1])
{
    size_t n = 0;
    pthread_mutex_lock(&nv->lock);
    while (n < BATCH && sqlite3_step(nv->deq) == SQLITE_ROW) {
        snprintf(ids[n], ACTR_UUID_STR_LEN + 1, "%s", (const char *)sqlite3_column_text(nv->deq, 0));
        actr_buf_t copy;
        actr_buf_copy(sqlite3_column_blob(nv->deq, 2), (size_t)sqlite3_column_bytes(nv->deq, 2),
                      &copy);
        actr_buf_release(&copy);
        n++;
    }
    sqlite3_reset(nv->deq);
    pthread_mutex_unlock(&nv->lock);
    return n;
}

static void naive_ack(naive_t *nv, const char *id)
{
    pthread_mutex_lock(&nv->lock);
    sqlite3_bind_text(nv->del, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(nv->del) != SQLITE_DONE)
        die_sql(nv->db, "delete");
    sqlite3_reset(nv->del);
    pthread_mutex_unlock(&nv->lock);
}

/* ---- one run: P producers, one consumer ---- */

typedef struct run {
    int naive;
    naive_t nv;
    actr_mailbox_t *mb;
    size_t producers;
    size_t per_producer;
    uint64_t *lat_ns; /* producers * per_producer enqueue latencies */
    pthread_barrier_t start;
} run_t;

typedef struct worker {
    run_t *run;
    size_t index;
} worker_t;

static void *producer_main(void *arg)
{
    worker_t *w = arg;
    run_t *r = w->run;
    uint8_t payload[PAYLOAD_LEN];
    memset(payload, (int)w->index, sizeof payload);
    actr_buf_t buf;
    actr_buf_copy(payload, sizeof payload, &buf);
    pthread_barrier_wait(&r->start);
    uint64_t *lat = r->lat_ns + w->index * r->per_producer;
    for (size_t i = 0; i < r->per_producer; i++) {
        uint64_t t0 = actr_clock_mono_ns();
        if (r->naive) {
            naive_enqueue(&r->nv, payload);
        } else {
            actr_error_t err = {0};
            if (actr_mailbox_enqueue(r->mb, "producer", 8, &buf, ACTR_MSG_NORMAL, NULL, &err)) {
                fprintf(stderr, "bench_mailbox: enqueue: %s\n", err.message);
                exit(1);
            }
        }
        lat[i] = actr_clock_mono_ns() - t0;
    }
    actr_buf_release(&buf);
    return NULL;
}

static void consume_naive(run_t *r, size_t total)
{
    char ids[BATCH][ACTR_UUID_STR_LEN + 1];
    for (size_t got = 0; got < total;) {
        size_t n = naive_dequeue(&r->nv, ids);
        if (n == 0) {
            usleep(1000); /* the reference polls every 10 ms; 1 ms favours the baseline */
            continue;
        }
        for (size_t i = 0; i < n; i++)
            naive_ack(&r->nv, ids[i]);
        got += n;
    }
}

static void consume_mailbox(run_t *r, size_t total)
{
    actr_mailbox_msg_t m[BATCH];
    actr_mailbox_id_t ids[BATCH];
    actr_error_t err = {0};
    for (size_t got = 0; got < total;) {
        size_t n = 0;
        if (actr_mailbox_dequeue_wait(r->mb, m, BATCH, &n, 30000, &err) != 0) {
            fprintf(stderr, "bench_mailbox: dequeue: %s\n", err.message);
            exit(1);
        }
        for (size_t i = 0; i < n; i++)
            ids[i] = m[i].id;
        actr_mailbox_ack(r->mb, ids, n, NULL);
        actr_mailbox_msgs_release(m, n);
        got += n;
    }
    actr_mailbox_flush(r->mb, NULL); /* the acks are durable too before the clock stops */
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct result {
    double msgs_per_s;
    double p50_us, p99_us;
    uint64_t commits;
    size_t messages;
} result_t;

static result_t run_once(const char *path, int naive, int durable, int sync_full,
                         size_t producers, size_t messages)
{
    run_t r = {.naive = naive, .producers = producers, .per_producer = messages / producers};
    size_t total = r.producers * r.per_producer;
    r.lat_ns = calloc(total, sizeof *r.lat_ns);
    if (naive) {
        naive_open(&r.nv, path, sync_full);
    } else {
        actr_mailbox_options_t o;
        actr_mailbox_options_init(&o);
        o.sync = sync_full ? ACTR_MAILBOX_SYNC_FULL : ACTR_MAILBOX_SYNC_NORMAL;
        actr_error_t err = {0};
        if (actr_mailbox_open(durable ? path : NULL, &o, &r.mb, &err) != 0) {
            fprintf(stderr, "bench_mailbox: open: %s\n", err.message);
            exit(1);
        }
    }
    pthread_barrier_init(&r.start, NULL, (unsigned)producers + 1);
    pthread_t t[producers];
    worker_t w[producers];
    for (size_t i = 0; i < producers; i++) {
        w[i] = (worker_t){.run = &r, .index = i};
        pthread_create(&t[i], NULL, producer_main, &w[i]);
    }
    pthread_barrier_wait(&r.start);
    uint64_t t0 = actr_clock_mono_ns();
    if (naive)
        consume_naive(&r, total);
    else
        consume_mailbox(&r, total);
    uint64_t elapsed = actr_clock_mono_ns() - t0;
    for (size_t i = 0; i < producers; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&r.start);

    result_t res = {.messages = total};
    res.msgs_per_s = (double)total / ((double)elapsed / 1e9);
    qsort(r.lat_ns, total, sizeof *r.lat_ns, cmp_u64);
    res.p50_us = (double)r.lat_ns[total / 2] / 1e3;
    res.p99_us = (double)r.lat_ns[total * 99 / 100] / 1e3;
    if (naive) {
        naive_close(&r.nv);
        res.commits = 0;
    } else {
        res.commits = actr_mailbox_commits(r.mb);
        actr_mailbox_close(r.mb);
    }
    free(r.lat_ns);
    return res;
}

static void remove_db(const char *path)
{
    char side[600];
    const char *suffix[] = {"", "-wal", "-shm", ".dlq", ".dlq-wal", ".dlq-shm"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        unlink(side);
    }
}

static void print_row(const char *mode, const char *sync, const result_t *r)
{
    printf("%-30s %-7s %8zu %11.0f %11.1f %11.1f %9" PRIu64 "\n", mode, sync, r->messages,
           r->msgs_per_s, r->p50_us, r->p99_us, r->commits);
}

static void compare(const char *dir, const char *sync, int sync_full, size_t producers,
                    size_t messages, size_t naive_messages)
{
    char path[512];
    snprintf(path, sizeof path, "%s/naive-%s.db", dir, sync);
    result_t naive = run_once(path, 1, 1, sync_full, producers, naive_messages);
    remove_db(path);
    snprintf(path, sizeof path, "%s/hyper-%s.db", dir, sync);
    result_t group = run_once(path, 0, 1, sync_full, producers, messages);
    remove_db(path);
    print_row("naive: 1 txn per operation", sync, &naive);
    print_row("Hyper: group commit", sync, &group);
    printf("%-30s %-7s %8s %10.1fx\n", "  ratio (Hyper / naive)", sync, "",
           group.msgs_per_s / naive.msgs_per_s);
}

static size_t arg_size(int argc, char **argv, const char *name, size_t def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return (size_t)strtoull(argv[i + 1], NULL, 10);
    return def;
}

int main(int argc, char **argv)
{
    size_t producers = arg_size(argc, argv, "--producers", 16);
    size_t messages = arg_size(argc, argv, "--messages", 20000);
    size_t naive_messages = arg_size(argc, argv, "--naive-messages", 1000);
    if (producers < 1 || producers > 256 || messages < producers || naive_messages < producers) {
        fprintf(stderr, "bench_mailbox: bad arguments\n");
        return 2;
    }
    char dir[512] = "";
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--dir") == 0)
            snprintf(dir, sizeof dir, "%s", argv[i + 1]);
    int own_dir = !*dir;
    if (own_dir) {
        snprintf(dir, sizeof dir, "/tmp/bench-mailbox-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }
    struct statfs fs;
    int tmpfs = statfs(dir, &fs) == 0 && fs.f_type == 0x01021994; /* TMPFS_MAGIC */
    printf("mailbox: %zu producers, 1 consumer (batches of %d, acked per batch), %d-byte "
           "payloads, dir %s%s\n",
           producers, BATCH, PAYLOAD_LEN, dir, tmpfs ? " (tmpfs: fsync is free!)" : "");
    printf("%-30s %-7s %8s %11s %11s %11s %9s\n", "mode", "sync", "msgs", "msg/s", "enq p50 us",
           "enq p99 us", "commits");
    const char *only = "";
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    if (!*only || strcmp(only, "full") == 0)
        compare(dir, "FULL", 1, producers, messages, naive_messages);
    if (!*only || strcmp(only, "normal") == 0)
        compare(dir, "NORMAL", 0, producers, messages, naive_messages);
    if (!*only || strcmp(only, "memory") == 0) {
        result_t mem = run_once(NULL, 0, 0, 1, producers, messages * 10);
        print_row("Hyper: in-memory", "-", &mem);
    }
    if (own_dir)
        rmdir(dir);
    return 0;
}
