/*
 * redrive.c - moving a dead letter back into its mailbox (the reference has no redrive).
 *
 * Order: count the attempt on the record, enqueue (durable when it returns), delete the record.
 * A crash after the enqueue leaves the message in both places, never in neither, and the
 * record's redrive count shows it was redriven.
 */
#include "actr/mailbox.h"

#include <string.h>

/* The context JSON the mailbox writes says "priority":"high" for high-priority messages. */
static actr_msg_priority_t context_priority(const char *context)
{
    return context && strstr(context, "\"priority\":\"high\"") ? ACTR_MSG_HIGH : ACTR_MSG_NORMAL;
}

int actr_mailbox_redrive(actr_mailbox_t *mb, const char *dlq_id, actr_mailbox_id_t *new_id,
                         actr_error_t *err)
{
    if (!mb || !dlq_id)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "mailbox redrive: invalid argument");
    actr_dlq_t *dlq = actr_mailbox_dlq(mb);
    actr_dlq_record_t rec;
    int rc = actr_dlq_get(dlq, dlq_id, &rec, err);
    if (rc != 0)
        return rc;
    actr_mailbox_id_t id;
    rc = actr_dlq_record_redrive_attempt(dlq, dlq_id, err);
    if (rc == 0)
        rc = actr_mailbox_enqueue(mb, rec.from.data, rec.from.len, &rec.raw,
                                  context_priority(rec.context), &id, err);
    if (rc == 0)
        rc = actr_dlq_delete(dlq, dlq_id, err);
    if (rc == 0 && new_id)
        *new_id = id;
    actr_dlq_record_clear(&rec);
    return rc;
}
