/* mailbox_internal.h - counters of a mailbox for tests and benchmarks (not public API). */
#ifndef ACTR_MAILBOX_INTERNAL_H
#define ACTR_MAILBOX_INTERNAL_H

#include <stdint.h>

#include "actr/mailbox.h"

/* How many times a consumer blocked in actr_mailbox_dequeue_wait() woke up (signal, timeout or
 * spurious). A poller would wake every few milliseconds; we wake once per event. */
uint64_t actr_mailbox_wakeups(actr_mailbox_t *mb);

/* Transactions committed by the durable mailbox's writer (0 in memory mode). */
uint64_t actr_mailbox_commits(actr_mailbox_t *mb);

#endif /* ACTR_MAILBOX_INTERNAL_H */
