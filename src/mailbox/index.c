/* index.c - the in-memory queue of a mailbox (see index.h). */
#include "mailbox/index.h"

#include <stdlib.h>

#include "actr/error.h"

int actr_mbix_init(actr_mbix_t *ix)
{
    *ix = (actr_mbix_t){0};
    return actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &ix->by_id);
}

void actr_mbix_node_free(actr_mbix_node_t *node)
{
    if (!node)
        return;
    actr_buf_release(&node->from);
    actr_buf_release(&node->payload);
    free(node);
}

static void free_value(void *value)
{
    actr_mbix_node_free(value);
}

void actr_mbix_destroy(actr_mbix_t *ix)
{
    actr_hmap_free(ix->by_id, free_value);
    *ix = (actr_mbix_t){0};
}

actr_mbix_node_t *actr_mbix_node_new(const actr_uuid_t *id, actr_buf_t from, actr_buf_t payload,
                                     int priority, int64_t created_ms)
{
    actr_mbix_node_t *node = calloc(1, sizeof *node);
    if (!node)
        return NULL;
    node->id = *id;
    node->from = from;
    node->payload = payload;
    node->priority = priority ? 1 : 0;
    node->created_ms = created_ms;
    return node;
}

/* Links node between after and after->next (after NULL: at the head). */
static void link_after(actr_mbix_t *ix, actr_mbix_node_t *node, actr_mbix_node_t *after)
{
    int p = node->priority;
    node->prev = after;
    node->next = after ? after->next : ix->head[p];
    if (node->next)
        node->next->prev = node;
    else
        ix->tail[p] = node;
    if (after)
        after->next = node;
    else
        ix->head[p] = node;
    node->status = ACTR_MBIX_QUEUED;
    ix->queued[p]++;
}

/* New messages belong at the tail: search from there. */
static void link_from_tail(actr_mbix_t *ix, actr_mbix_node_t *node)
{
    actr_mbix_node_t *after = ix->tail[node->priority];
    while (after && after->seq > node->seq)
        after = after->prev;
    link_after(ix, node, after);
}

/* Released messages are old and belong near the head: search from there. */
static void link_from_head(actr_mbix_t *ix, actr_mbix_node_t *node)
{
    actr_mbix_node_t *before = ix->head[node->priority];
    while (before && before->seq < node->seq)
        before = before->next;
    link_after(ix, node, before ? before->prev : ix->tail[node->priority]);
}

static void unlink_queued(actr_mbix_t *ix, actr_mbix_node_t *node)
{
    int p = node->priority;
    if (node->prev)
        node->prev->next = node->next;
    else
        ix->head[p] = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        ix->tail[p] = node->prev;
    node->prev = node->next = NULL;
    ix->queued[p]--;
}

int actr_mbix_add(actr_mbix_t *ix, actr_mbix_node_t *node)
{
    int rc = actr_hmap_insert(ix->by_id, node->id.bytes, sizeof node->id.bytes, node);
    if (rc != 0)
        return rc;
    link_from_tail(ix, node);
    return 0;
}

size_t actr_mbix_take(actr_mbix_t *ix, actr_mbix_node_t **out, size_t max)
{
    size_t n = 0;
    for (int p = 1; p >= 0; p--) {
        while (n < max && ix->head[p]) {
            actr_mbix_node_t *node = ix->head[p];
            unlink_queued(ix, node);
            node->status = ACTR_MBIX_INFLIGHT;
            node->attempts++;
            ix->inflight++;
            out[n++] = node;
        }
    }
    return n;
}

void actr_mbix_untake(actr_mbix_t *ix, actr_mbix_node_t *node)
{
    if (node->status != ACTR_MBIX_INFLIGHT)
        return;
    ix->inflight--;
    if (node->attempts > 0)
        node->attempts--;
    link_from_head(ix, node);
}

actr_mbix_node_t *actr_mbix_find(const actr_mbix_t *ix, const actr_uuid_t *id)
{
    void *value = NULL;
    if (actr_hmap_get(ix->by_id, id->bytes, sizeof id->bytes, &value) != 0)
        return NULL;
    return value;
}

int actr_mbix_ack(actr_mbix_t *ix, const actr_uuid_t *id)
{
    actr_mbix_node_t *node = actr_mbix_find(ix, id);
    if (!node)
        return ACTR_ENOTFOUND;
    if (node->status != ACTR_MBIX_INFLIGHT)
        return ACTR_ESTATE;
    actr_hmap_remove(ix->by_id, id->bytes, sizeof id->bytes, NULL);
    ix->inflight--;
    actr_mbix_node_free(node);
    return 0;
}
