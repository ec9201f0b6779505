/*
 * presence.c - ActrUp subscriptions (protocol.md 9.7). A subscription belongs to the subscribing
 * actor (realm + serial), so it survives a reconnect that displaces the old socket; it ends with
 * unsubscribe, unregister, or the actor's last socket going away. When an actor connects, every
 * subscriber to its exact type that the ACL allows (subscriber -> new actor) and that has a live
 * socket receives SignalingToActr{target: subscriber, actr_up_event{actor_id}}, no reply_for.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "signaling/sig_internal.h"

typedef struct sig_subscriber {
    uint8_t key[SIG_KEY_LEN];
    sig_list_t subs; /* sig_sub_t.owner_link */
} sig_subscriber_t;

typedef struct sig_sub {
    sig_subscriber_t *owner;
    sig_link_t owner_link;
    sig_group_t *type_group; /* its key is the subscribed type string */
    sig_link_t type_link;
} sig_sub_t;

static sig_subscriber_t *find_subscriber(const actrd_sig_t *sig, const uint8_t key[SIG_KEY_LEN])
{
    void *v;
    return actr_hmap_get(sig->subscribers, key, SIG_KEY_LEN, &v) == 0 ? v : NULL;
}

static sig_sub_t *find_sub(const sig_subscriber_t *s, const char *type_key)
{
    for (sig_link_t *l = s->subs.head; l; l = l->next) {
        sig_sub_t *sub = SIG_CONTAINER(l, sig_sub_t, owner_link);
        if (strcmp(sub->type_group->key, type_key) == 0)
            return sub;
    }
    return NULL;
}

static void remove_sub(actrd_sig_t *sig, sig_sub_t *sub)
{
    sig_subscriber_t *owner = sub->owner;
    sig_list_remove(&owner->subs, &sub->owner_link);
    sig_group_remove(sig->subs_by_type, sub->type_group, &sub->type_link);
    free(sub);
    sig->st.subscriptions--;
    if (owner->subs.count == 0) {
        actr_hmap_remove(sig->subscribers, owner->key, SIG_KEY_LEN, NULL);
        free(owner);
    }
}

int sig_presence_subscribe(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *type_key)
{
    sig_subscriber_t *owner = find_subscriber(sig, conn->key);
    if (owner && find_sub(owner, type_key))
        return 0; /* already subscribed */
    if ((owner ? owner->subs.count : 0) >= sig->cfg.max_subscriptions)
        return ACTR_ERANGE;
    sig_sub_t *sub = calloc(1, sizeof *sub);
    if (!sub)
        return ACTR_ENOMEM;
    bool created = false;
    if (!owner) {
        owner = calloc(1, sizeof *owner);
        if (!owner || actr_hmap_insert(sig->subscribers, conn->key, SIG_KEY_LEN, owner) != 0) {
            free(owner);
            free(sub);
            return ACTR_ENOMEM;
        }
        memcpy(owner->key, conn->key, SIG_KEY_LEN);
        created = true;
    }
    if (sig_group_add(sig->subs_by_type, type_key, &sub->type_link, &sub->type_group) != 0) {
        free(sub);
        if (created) {
            actr_hmap_remove(sig->subscribers, owner->key, SIG_KEY_LEN, NULL);
            free(owner);
        }
        return ACTR_ENOMEM;
    }
    sub->owner = owner;
    sig_list_push(&owner->subs, &sub->owner_link);
    sig->st.subscriptions++;
    return 0;
}

void sig_presence_unsubscribe(actrd_sig_t *sig, actrd_sig_conn_t *conn, const char *type_key)
{
    sig_subscriber_t *owner = find_subscriber(sig, conn->key);
    sig_sub_t *sub = owner ? find_sub(owner, type_key) : NULL;
    if (sub)
        remove_sub(sig, sub);
}

void sig_presence_drop(actrd_sig_t *sig, const uint8_t key[SIG_KEY_LEN])
{
    sig_subscriber_t *owner = find_subscriber(sig, key);
    /* Each pass frees one subscription; the last one frees owner. */
    for (size_t n = owner ? owner->subs.count : 0; n > 0; n--)
        remove_sub(sig, SIG_CONTAINER(owner->subs.head, sig_sub_t, owner_link));
}

void sig_presence_notify(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    sig_group_t *g = sig_group_find(sig->subs_by_type, conn->type_key);
    if (!g)
        return;
    sig_pb_id_t actor;
    sig_pb_id_init(&actor, &conn->id);
    Actr__ActrUpEvent event = ACTR__ACTR_UP_EVENT__INIT;
    event.actor_id = &actor.id;
    for (sig_link_t *l = g->members.head; l; l = l->next) {
        const sig_sub_t *sub = SIG_CONTAINER(l, sig_sub_t, type_link);
        void *v;
        if (actr_hmap_get(sig->conns, sub->owner->key, SIG_KEY_LEN, &v) != 0)
            continue;
        actrd_sig_conn_t *dst = v;
        if (dst->closing || !sig->be.acl_can_discover(sig->be_self, dst->id.realm.realm_id,
                                                      conn->id.realm.realm_id, dst->type_key,
                                                      conn->type_key))
            continue;
        sig_pb_id_t target;
        sig_pb_id_init(&target, &dst->id);
        Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
        msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ACTR_UP_EVENT;
        msg.actr_up_event = &event;
        sig_send_to_actr(sig, dst, NULL, &target.id, &msg);
        sig->st.actr_up_events++;
    }
}

void sig_presence_free(actrd_sig_t *sig)
{
    actr_hmap_iter_t it;
    actr_hmap_entry_t e;
    for (actr_hmap_iter_init(sig->subscribers, &it); actr_hmap_iter_next(&it, &e);) {
        sig_subscriber_t *owner = e.value;
        /* The type groups are freed with their map; only the nodes are ours. */
        for (sig_link_t *l = owner->subs.head, *next; l; l = next) {
            next = l->next;
            free(SIG_CONTAINER(l, sig_sub_t, owner_link));
        }
        free(owner);
        actr_hmap_iter_remove(&it);
    }
}
