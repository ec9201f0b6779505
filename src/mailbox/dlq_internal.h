/* dlq_internal.h - DLQ entry points used by the mailbox, not part of the public API. */
#ifndef ACTR_MAILBOX_DLQ_INTERNAL_H
#define ACTR_MAILBOX_DLQ_INTERNAL_H

#include "actr/dlq.h"

/*
 * Stores entry under the given record id unless a record with that id exists already (then
 * nothing changes and 0 is returned). The mailbox moves a poison message with its own message
 * id as the record id, so a move interrupted by a crash and redone stores it only once.
 */
int actr_dlq_put_once(actr_dlq_t *dlq, const char *id, const actr_dlq_entry_t *entry,
                      actr_error_t *err);

#endif /* ACTR_MAILBOX_DLQ_INTERNAL_H */
