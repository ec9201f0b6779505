/* mbox_fixture.c - mailbox test helpers (see mbox_fixture.h). */
#include "mbox_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

int mbox_setup_memory(void **state)
{
    mbox_fixture_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    return fx ? 0 : -1;
}

int mbox_setup_durable(void **state)
{
    mbox_fixture_t *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->durable = 1;
    test_tmpdir_make(fx->dir);
    test_path_join(fx->path, sizeof fx->path, fx->dir, "node.mailbox");
    *state = fx;
    return 0;
}

int mbox_teardown(void **state)
{
    mbox_fixture_t *fx = *state;
    if (fx->durable)
        test_tmpdir_remove(fx->dir);
    free(fx);
    return 0;
}

actr_mailbox_t *mbox_open(const mbox_fixture_t *fx, const actr_mailbox_options_t *opts)
{
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    if (actr_mailbox_open(fx->durable ? fx->path : NULL, opts, &mb, &err) != 0)
        fail_msg("mailbox open: %s", err.message);
    assert_int_equal(actr_mailbox_is_durable(mb), fx->durable);
    return mb;
}

actr_mailbox_id_t mbox_put(actr_mailbox_t *mb, const char *text, actr_msg_priority_t prio)
{
    actr_buf_t payload = actr_buf_static(text, strlen(text));
    actr_mailbox_id_t id;
    actr_error_t err = {0};
    if (actr_mailbox_enqueue(mb, "sender", 6, &payload, prio, &id, &err) != 0)
        fail_msg("enqueue: %s", err.message);
    return id;
}

size_t mbox_take(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap)
{
    size_t n = 99;
    actr_error_t err = {0};
    if (actr_mailbox_dequeue(mb, out, cap, &n, &err) != 0)
        fail_msg("dequeue: %s", err.message);
    return n;
}

void mbox_ack_all(actr_mailbox_t *mb, actr_mailbox_msg_t *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(actr_mailbox_ack(mb, &msgs[i].id, 1, NULL), 0);
    actr_mailbox_msgs_release(msgs, n);
}

void mbox_assert_payload(const actr_mailbox_msg_t *m, const char *text)
{
    assert_int_equal(m->payload.len, strlen(text));
    assert_memory_equal(m->payload.data, text, m->payload.len);
}
