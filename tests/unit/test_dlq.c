/* Dead-letter queue: put, query filters and order, get, delete, redrive attempts, stats, in memory
 * and on a file shared by two handles (a node and an operator's CLI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "actr/dlq.h"
#include "base/clock.h"
#include "mbox_fixture.h"

static actr_dlq_t *open_dlq(const mbox_fixture_t *fx)
{
    actr_dlq_t *dlq = NULL;
    actr_error_t err = {0};
    char path[300];
    assert_int_equal(actr_dlq_path_for_mailbox(fx->path, path, sizeof path), 0);
    if (actr_dlq_open(fx->durable ? path : NULL, &dlq, &err) != 0)
        fail_msg("dlq open: %s", err.message);
    return dlq;
}

/* Stores one record from sender `from` with the given category and trace id. */
static void put(actr_dlq_t *dlq, const char *category, const char *trace, const char *from,
                char id[ACTR_DLQ_ID_STR_LEN + 1])
{
    actr_dlq_entry_t e = {
        .original_message_id = "0b0c6f4e-3c1a-4b8e-9a52-5d3a0f1e2d01",
        .from = (const uint8_t *)from,
        .from_len = strlen(from),
        .raw = (const uint8_t *)"\x0a\x01",
        .raw_len = 2,
        .error_message = "decode failed",
        .error_category = category,
        .trace_id = trace,
        .request_id = "req-1",
        .context = "{\"source\":\"mailbox\",\"priority\":\"normal\"}",
    };
    actr_error_t err = {0};
    if (actr_dlq_put(dlq, &e, id, &err) != 0)
        fail_msg("dlq put: %s", err.message);
    assert_int_equal(strlen(id), ACTR_DLQ_ID_STR_LEN);
}

static size_t count(actr_dlq_t *dlq, const actr_dlq_query_t *q)
{
    actr_dlq_list_t list;
    assert_int_equal(actr_dlq_query(dlq, q, &list, NULL), 0);
    size_t n = list.count;
    actr_dlq_list_free(&list);
    return n;
}

static void test_put_get_delete(void **state)
{
    actr_dlq_t *dlq = open_dlq(*state);
    char id[ACTR_DLQ_ID_STR_LEN + 1];
    int64_t before = actr_clock_wall_ms();
    put(dlq, ACTR_DLQ_CATEGORY_DECODE, "mailbox-1", "alice", id);
    actr_dlq_record_t r;
    assert_int_equal(actr_dlq_get(dlq, id, &r, NULL), 0);
    assert_string_equal(r.id, id);
    assert_string_equal(r.original_message_id, "0b0c6f4e-3c1a-4b8e-9a52-5d3a0f1e2d01");
    assert_memory_equal(r.from.data, "alice", 5);
    assert_int_equal(r.to.len, 0);
    assert_int_equal(r.raw.len, 2);
    assert_string_equal(r.error_message, "decode failed");
    assert_string_equal(r.error_category, "protobuf_decode");
    assert_string_equal(r.trace_id, "mailbox-1");
    assert_string_equal(r.request_id, "req-1");
    assert_non_null(strstr(r.context, "mailbox"));
    assert_true(r.created_at_ms >= before - 1 && r.created_at_ms <= actr_clock_wall_ms() + 1);
    assert_int_equal(r.redrive_attempts, 0);
    assert_int_equal(r.last_redrive_at_ms, 0);
    actr_dlq_record_clear(&r);

    actr_error_t err = {0};
    assert_int_equal(actr_dlq_delete(dlq, id, &err), 0);
    assert_int_equal(actr_dlq_delete(dlq, id, &err), ACTR_ENOTFOUND);
    assert_int_equal(actr_dlq_get(dlq, id, &r, &err), ACTR_ENOTFOUND);
    assert_non_null(strstr(err.message, id));
    actr_dlq_close(dlq);
}

static void test_optional_fields_absent(void **state)
{
    actr_dlq_t *dlq = open_dlq(*state);
    actr_dlq_entry_t e = {.error_message = "", .error_category = "custom", .trace_id = ""};
    char id[ACTR_DLQ_ID_STR_LEN + 1];
    assert_int_equal(actr_dlq_put(dlq, &e, id, NULL), 0);
    actr_dlq_record_t r;
    assert_int_equal(actr_dlq_get(dlq, id, &r, NULL), 0);
    assert_null(r.original_message_id);
    assert_null(r.request_id);
    assert_null(r.context);
    assert_int_equal(r.from.len + r.to.len + r.raw.len, 0);
    actr_dlq_record_clear(&r);
    /* The category and the three required texts must be given. */
    e.error_category = "";
    assert_int_equal(actr_dlq_put(dlq, &e, id, NULL), ACTR_EINVAL);
    e.error_category = "x";
    e.trace_id = NULL;
    assert_int_equal(actr_dlq_put(dlq, &e, id, NULL), ACTR_EINVAL);
    actr_dlq_close(dlq);
}

static void test_query_filters_and_order(void **state)
{
    actr_dlq_t *dlq = open_dlq(*state);
    char a[37], b[37], c[37], d[37];
    put(dlq, "protobuf_decode", "t1", "alice", a);
    put(dlq, "poison", "t2", "bob", b);
    usleep(5000);
    int64_t mid = actr_clock_wall_ms();
    usleep(5000);
    put(dlq, "protobuf_decode", "t3", "bob", c);
    put(dlq, "protobuf_decode", "t1", "carol", d);

    actr_dlq_list_t list;
    assert_int_equal(actr_dlq_query(dlq, NULL, &list, NULL), 0); /* everything, newest first */
    assert_int_equal(list.count, 4);
    assert_string_equal(list.items[0].id, d);
    assert_string_equal(list.items[1].id, c);
    assert_string_equal(list.items[2].id, b);
    assert_string_equal(list.items[3].id, a);
    actr_dlq_list_free(&list);

    actr_dlq_query_t q = {.category = "protobuf_decode"};
    assert_int_equal(count(dlq, &q), 3);
    q = (actr_dlq_query_t){.trace_id = "t1"};
    assert_int_equal(count(dlq, &q), 2);
    q = (actr_dlq_query_t){.from = (const uint8_t *)"bob", .from_len = 3};
    assert_int_equal(count(dlq, &q), 2);
    q = (actr_dlq_query_t){.created_after_ms = mid};
    assert_int_equal(count(dlq, &q), 2);
    q = (actr_dlq_query_t){.category = "protobuf_decode", .from = (const uint8_t *)"bob",
                           .from_len = 3};
    assert_int_equal(count(dlq, &q), 1);
    q = (actr_dlq_query_t){.limit = 2};
    assert_int_equal(actr_dlq_query(dlq, &q, &list, NULL), 0);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].id, d);
    actr_dlq_list_free(&list);
    q = (actr_dlq_query_t){.category = "nothing"};
    assert_int_equal(count(dlq, &q), 0);
    actr_dlq_close(dlq);
}

static void test_redrive_attempts_and_stats(void **state)
{
    actr_dlq_t *dlq = open_dlq(*state);
    actr_dlq_stats_t st;
    assert_int_equal(actr_dlq_stats(dlq, &st, NULL), 0);
    assert_int_equal(st.total, 0);
    assert_int_equal(st.oldest_at_ms, 0);
    assert_int_equal(st.ncategories, 0);
    actr_dlq_stats_clear(&st);

    char a[37], b[37], c[37];
    int64_t before = actr_clock_wall_ms();
    put(dlq, "protobuf_decode", "t", "x", a);
    put(dlq, "poison", "t", "x", b);
    put(dlq, "protobuf_decode", "t", "x", c);
    assert_int_equal(actr_dlq_record_redrive_attempt(dlq, a, NULL), 0);
    assert_int_equal(actr_dlq_record_redrive_attempt(dlq, a, NULL), 0);
    assert_int_equal(actr_dlq_record_redrive_attempt(dlq, "no-such-id", NULL), ACTR_ENOTFOUND);
    actr_dlq_record_t r;
    assert_int_equal(actr_dlq_get(dlq, a, &r, NULL), 0);
    assert_int_equal(r.redrive_attempts, 2);
    assert_true(r.last_redrive_at_ms >= before);
    actr_dlq_record_clear(&r);

    assert_int_equal(actr_dlq_stats(dlq, &st, NULL), 0);
    assert_int_equal(st.total, 3);
    assert_int_equal(st.with_redrive_attempts, 1);
    assert_true(st.oldest_at_ms >= before - 1);
    assert_int_equal(st.ncategories, 2);
    assert_string_equal(st.by_category[0].category, "poison");
    assert_int_equal(st.by_category[0].count, 1);
    assert_string_equal(st.by_category[1].category, "protobuf_decode");
    assert_int_equal(st.by_category[1].count, 2);
    actr_dlq_stats_clear(&st);
    actr_dlq_close(dlq);
}

/* The node and the operator's CLI open the same file: each sees the other's writes. */
static void test_two_handles_share_a_file(void **state)
{
    actr_dlq_t *node = open_dlq(*state);
    actr_dlq_t *cli = open_dlq(*state);
    char id[37];
    put(node, "protobuf_decode", "t", "x", id);
    actr_dlq_record_t r;
    assert_int_equal(actr_dlq_get(cli, id, &r, NULL), 0);
    actr_dlq_record_clear(&r);
    assert_int_equal(actr_dlq_delete(cli, id, NULL), 0);
    assert_int_equal(actr_dlq_get(node, id, &r, NULL), ACTR_ENOTFOUND);
    actr_dlq_close(cli);
    actr_dlq_close(node);
}

/* Redrive through a mailbox: the record's bytes come back as a message, the record goes. */
static void test_mailbox_redrive(void **state)
{
    actr_mailbox_t *mb = mbox_open(*state, NULL);
    actr_dlq_t *dlq = actr_mailbox_dlq(mb);
    char id[37];
    put(dlq, "protobuf_decode", "t", "alice", id);
    actr_mailbox_id_t mid;
    assert_int_equal(actr_mailbox_redrive(mb, id, &mid, NULL), 0);
    actr_mailbox_msg_t m;
    assert_int_equal(mbox_take(mb, &m, 1), 1);
    assert_memory_equal(m.id.bytes, mid.bytes, 16);
    assert_int_equal(m.priority, ACTR_MSG_NORMAL);
    assert_memory_equal(m.payload.data, "\x0a\x01", 2);
    assert_memory_equal(m.from.data, "alice", 5);
    mbox_ack_all(mb, &m, 1);
    actr_dlq_stats_t st;
    assert_int_equal(actr_dlq_stats(dlq, &st, NULL), 0);
    assert_int_equal(st.total, 0);
    actr_dlq_stats_clear(&st);
    assert_int_equal(actr_mailbox_redrive(mb, id, NULL, NULL), ACTR_ENOTFOUND);
    actr_mailbox_close(mb);
}

static void test_path_for_mailbox(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(actr_dlq_path_for_mailbox("/a/mb", out, sizeof out), 0);
    assert_string_equal(out, "/a/mb.dlq");
    assert_int_equal(actr_dlq_path_for_mailbox("/a/very/long/mailbox", out, sizeof out),
                     ACTR_ERANGE);
}

#define BOTH(fn)                                                                 \
    cmocka_unit_test_setup_teardown(fn, mbox_setup_memory, mbox_teardown),      \
        cmocka_unit_test_setup_teardown(fn, mbox_setup_durable, mbox_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_put_get_delete),
        BOTH(test_optional_fields_absent),
        BOTH(test_query_filters_and_order),
        BOTH(test_redrive_attempts_and_stats),
        cmocka_unit_test_setup_teardown(test_two_handles_share_a_file, mbox_setup_durable,
                                        mbox_teardown),
        BOTH(test_mailbox_redrive),
        cmocka_unit_test(test_path_for_mailbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
