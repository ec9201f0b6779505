/*
 * msgid.h - fresh message ids (UUID v4) without a system call per id.
 *
 * Each thread draws from its own pool of kernel randomness (getrandom), refilled every
 * MSGID_POOL_IDS ids. After fork() the child refills before its first id, so parent and child
 * never hand out the same ids.
 */
#ifndef ACTR_MAILBOX_MSGID_H
#define ACTR_MAILBOX_MSGID_H

#include "base/uuid.h"

/* Returns 0 or ACTR_EIO (the kernel refused randomness). */
int actr_msgid_new(actr_uuid_t *out);

#endif /* ACTR_MAILBOX_MSGID_H */
