/* mbox_fixture.h - test helpers for the mailbox tests: a fixture that runs one case in memory or
 * on a file in a private temporary directory, and short forms of common calls. */
#ifndef ACTR_TEST_MBOX_FIXTURE_H
#define ACTR_TEST_MBOX_FIXTURE_H

#include <stddef.h>

#include "actr/mailbox.h"
#include "tmpdir.h"

typedef struct mbox_fixture {
    int durable;
    char dir[TEST_TMPDIR_SIZE];
    char path[256]; /* "<dir>/node.mailbox" in durable mode */
} mbox_fixture_t;

/* cmocka setup/teardown: *state becomes an mbox_fixture_t. */
int mbox_setup_memory(void **state);
int mbox_setup_durable(void **state);
int mbox_teardown(void **state);

/* Opens the fixture's mailbox (opts may be NULL); fails the test on error. */
actr_mailbox_t *mbox_open(const mbox_fixture_t *fx, const actr_mailbox_options_t *opts);

/* Enqueues text from "sender"; fails the test on error. */
actr_mailbox_id_t mbox_put(actr_mailbox_t *mb, const char *text, actr_msg_priority_t prio);

/* Non-blocking dequeue of up to cap messages; fails the test on error. */
size_t mbox_take(actr_mailbox_t *mb, actr_mailbox_msg_t *out, size_t cap);

/* Acks each message and releases the buffers. */
void mbox_ack_all(actr_mailbox_t *mb, actr_mailbox_msg_t *msgs, size_t n);

void mbox_assert_payload(const actr_mailbox_msg_t *m, const char *text);

#endif /* ACTR_TEST_MBOX_FIXTURE_H */
