/*
 * Durable mailbox only: persistence across close/reopen, recovery of messages left in flight,
 * acks and releases made durable by flush, poison messages moved to the DLQ and redriven, clear
 * errors for bad paths, and opening a file written by the reference (schema migration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "actr/mailbox.h"
#include "mbox_fixture.h"

static void test_persists_across_reopen(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    actr_mailbox_id_t ids[5];
    const char *text[] = {"n1", "h1", "n2", "h2", "n3"};
    for (int i = 0; i < 5; i++)
        ids[i] = mbox_put(mb, text[i], i % 2 ? ACTR_MSG_HIGH : ACTR_MSG_NORMAL);
    actr_mailbox_close(mb);

    mb = mbox_open(fx, NULL);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 5);
    assert_int_equal(st.queued_high, 2);
    actr_mailbox_msg_t m[8];
    assert_int_equal(mbox_take(mb, m, 8), 5);
    const int order[] = {1, 3, 0, 2, 4};
    for (int i = 0; i < 5; i++) {
        mbox_assert_payload(&m[i], text[order[i]]);
        assert_memory_equal(m[i].id.bytes, ids[order[i]].bytes, 16);
        assert_int_equal(m[i].attempts, 1);
        assert_memory_equal(m[i].from.data, "sender", 6);
    }
    mbox_ack_all(mb, m, 5);
    actr_mailbox_close(mb); /* close commits the pending acks */

    mb = mbox_open(fx, NULL);
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued + st.inflight, 0);
    actr_mailbox_close(mb);
}

static void test_inflight_recovered_with_attempts(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    mbox_put(mb, "a", ACTR_MSG_NORMAL);
    mbox_put(mb, "b", ACTR_MSG_NORMAL);
    mbox_put(mb, "c", ACTR_MSG_NORMAL);
    actr_mailbox_msg_t m[3];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    actr_mailbox_msgs_release(m, 2);
    /* Closed without acks: as after a crash, the rows are in flight in the file. */
    actr_mailbox_close(mb);

    mb = mbox_open(fx, NULL);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 3);
    assert_int_equal(st.inflight, 0);
    assert_int_equal(mbox_take(mb, m, 3), 3);
    mbox_assert_payload(&m[0], "a"); /* original order kept */
    mbox_assert_payload(&m[1], "b");
    mbox_assert_payload(&m[2], "c");
    assert_int_equal(m[0].attempts, 2); /* the lost delivery was counted */
    assert_int_equal(m[1].attempts, 2);
    assert_int_equal(m[2].attempts, 1);
    mbox_ack_all(mb, m, 3);
    actr_mailbox_close(mb);
}

static void test_acks_and_releases_persist(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = mbox_open(fx, NULL);
    mbox_put(mb, "acked", ACTR_MSG_NORMAL);
    mbox_put(mb, "released", ACTR_MSG_NORMAL);
    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    assert_int_equal(actr_mailbox_ack(mb, &m[0].id, 1, NULL), 0);
    assert_int_equal(actr_mailbox_release(mb, &m[1].id, 1, NULL), 0);
    assert_int_equal(actr_mailbox_flush(mb, NULL), 0);
    actr_mailbox_msgs_release(m, 2);
    actr_mailbox_close(mb);

    mb = mbox_open(fx, NULL);
    assert_int_equal(mbox_take(mb, m, 2), 1);
    mbox_assert_payload(&m[0], "released");
    assert_int_equal(m[0].attempts, 1); /* a release is not a delivery */
    mbox_ack_all(mb, m, 1);
    actr_mailbox_close(mb);
}

static void test_poison_goes_to_dlq_and_redrives(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_options_t o;
    actr_mailbox_options_init(&o);
    o.max_attempts = 3;
    o.owner = (const uint8_t *)"me";
    o.owner_len = 2;
    actr_mailbox_t *mb = mbox_open(fx, &o);
    actr_mailbox_id_t id = mbox_put(mb, "kills the process", ACTR_MSG_HIGH);
    mbox_put(mb, "innocent", ACTR_MSG_NORMAL);
    actr_mailbox_close(mb);
    /* Each run takes the poison message and "dies" (closes without an ack). */
    for (uint32_t run = 1; run <= 3; run++) {
        mb = mbox_open(fx, &o);
        actr_mailbox_msg_t m;
        assert_int_equal(mbox_take(mb, &m, 1), 1);
        mbox_assert_payload(&m, "kills the process");
        assert_int_equal(m.attempts, run);
        actr_mailbox_msgs_release(&m, 1);
        actr_mailbox_close(mb);
    }
    mb = mbox_open(fx, &o);
    actr_mailbox_msg_t m;
    assert_int_equal(mbox_take(mb, &m, 1), 1);
    mbox_assert_payload(&m, "innocent"); /* the poison is gone from the queue */
    mbox_ack_all(mb, &m, 1);

    actr_dlq_t *dlq = actr_mailbox_dlq(mb);
    actr_dlq_query_t q = {.category = ACTR_DLQ_CATEGORY_POISON};
    actr_dlq_list_t list;
    assert_int_equal(actr_dlq_query(dlq, &q, &list, NULL), 0);
    assert_int_equal(list.count, 1);
    actr_dlq_record_t *r = &list.items[0];
    char text[ACTR_MAILBOX_ID_STR_LEN + 1];
    actr_mailbox_id_format(&id, text);
    assert_string_equal(r->original_message_id, text);
    assert_string_equal(r->id, text); /* the move is idempotent: record id = message id */
    assert_int_equal(r->raw.len, strlen("kills the process"));
    assert_memory_equal(r->raw.data, "kills the process", r->raw.len);
    assert_memory_equal(r->from.data, "sender", 6);
    assert_memory_equal(r->to.data, "me", 2);
    assert_non_null(strstr(r->context, "\"attempts\":3"));
    assert_non_null(strstr(r->context, "\"priority\":\"high\""));
    assert_non_null(strstr(r->trace_id, text));

    /* Redrive: back in the mailbox (HIGH again, fresh id, no attempts), gone from the DLQ. */
    actr_mailbox_id_t new_id;
    actr_error_t err = {0};
    assert_int_equal(actr_mailbox_redrive(mb, r->id, &new_id, &err), 0);
    assert_memory_not_equal(new_id.bytes, id.bytes, 16);
    assert_int_equal(actr_mailbox_redrive(mb, r->id, NULL, &err), ACTR_ENOTFOUND);
    actr_dlq_list_free(&list);
    actr_dlq_stats_t ds;
    assert_int_equal(actr_dlq_stats(dlq, &ds, NULL), 0);
    assert_int_equal(ds.total, 0);
    actr_dlq_stats_clear(&ds);
    assert_int_equal(mbox_take(mb, &m, 1), 1);
    assert_memory_equal(m.id.bytes, new_id.bytes, 16);
    assert_int_equal(m.priority, ACTR_MSG_HIGH);
    assert_int_equal(m.attempts, 1);
    mbox_ack_all(mb, &m, 1);
    actr_mailbox_close(mb);
}

static void test_bad_paths(void **state)
{
    mbox_fixture_t *fx = *state;
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    char path[300];

    test_path_join(path, sizeof path, fx->dir, "missing/dir/node.mailbox");
    assert_int_equal(actr_mailbox_open(path, NULL, &mb, &err), ACTR_ENOTFOUND);
    assert_null(mb);
    assert_non_null(strstr(err.message, path));

    assert_int_equal(actr_mailbox_open(fx->dir, NULL, &mb, &err), ACTR_EIO); /* a directory */
    assert_non_null(strstr(err.message, fx->dir));

    test_path_join(path, sizeof path, fx->dir, "garbage");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database. ", f);
    fclose(f);
    assert_int_equal(actr_mailbox_open(path, NULL, &mb, &err), ACTR_EIO);
    assert_non_null(strstr(err.message, "garbage"));
    assert_int_equal(err.kind, ACTR_KIND_CORRUPT);

    assert_int_equal(actr_mailbox_open("", NULL, &mb, &err), ACTR_EINVAL);

    /* One handle at a time per file. */
    actr_mailbox_t *first = mbox_open(fx, NULL);
    assert_int_equal(actr_mailbox_open(fx->path, NULL, &mb, &err), ACTR_EUNAVAILABLE);
    assert_non_null(strstr(err.message, "already open"));
    actr_mailbox_close(first);
    mb = mbox_open(fx, NULL);
    actr_mailbox_close(mb);
}

/* A file as the reference leaves it: its schema only, one row queued, one stuck in flight. */
static void test_migrates_reference_schema(void **state)
{
    mbox_fixture_t *fx = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    const char *sql =
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE messages (id TEXT PRIMARY KEY, from_actr_id BLOB NOT NULL, "
        "payload BLOB NOT NULL, priority INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0, "
        "created_at TEXT NOT NULL);"
        "CREATE INDEX idx_messages_priority_status ON messages(priority DESC, status, "
        "created_at ASC);"
        "INSERT INTO messages VALUES ('0b0c6f4e-3c1a-4b8e-9a52-5d3a0f1e2d01', x'0a', x'aa', 0, "
        "1, '2025-01-02T03:04:05.123456789Z');"
        "INSERT INTO messages VALUES ('0b0c6f4e-3c1a-4b8e-9a52-5d3a0f1e2d02', x'0a', x'bb', 0, "
        "0, '2025-01-02T03:04:05.2Z');";
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    actr_mailbox_t *mb = mbox_open(fx, NULL);
    actr_mailbox_msg_t m[2];
    assert_int_equal(mbox_take(mb, m, 2), 2);
    assert_int_equal(m[0].payload.data[0], 0xaa); /* rowid order */
    assert_int_equal(m[1].payload.data[0], 0xbb);
    assert_int_equal(m[0].created_at_ms, 1735787045123LL);
    char text[ACTR_MAILBOX_ID_STR_LEN + 1];
    actr_mailbox_id_format(&m[0].id, text);
    assert_string_equal(text, "0b0c6f4e-3c1a-4b8e-9a52-5d3a0f1e2d01");
    mbox_ack_all(mb, m, 2);
    actr_mailbox_close(mb);

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

#define DURABLE(fn) cmocka_unit_test_setup_teardown(fn, mbox_setup_durable, mbox_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        DURABLE(test_persists_across_reopen),
        DURABLE(test_inflight_recovered_with_attempts),
        DURABLE(test_acks_and_releases_persist),
        DURABLE(test_poison_goes_to_dlq_and_redrives),
        DURABLE(test_bad_paths),
        DURABLE(test_migrates_reference_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
