/*
 * registry.c - the service registry (protocol.md 9.5): one entry per bound socket, created on
 * connect from the pending registration (ServiceSpec and ws_address), indexed by ActrType string
 * (route candidates, discovery) and by ServiceSpec.name (get_service_spec). An entry that sees no
 * Ping for registry_ttl_ms is unlisted by the sweep; a later Ping lists it again, as actrix
 * restores it from its cache.
 *
 * The spec is kept encoded (decoded on demand by the rare requests that return it); only its
 * name and fingerprint are extracted, for the indexes and the EXACT_MATCH_FIRST ranking.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

static char *dup_str(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void sig_registry_entry_free(sig_entry_t *e)
{
    free(e->spec);
    free(e->spec_name);
    free(e->spec_fingerprint);
    free(e->ws_address);
    e->spec = NULL;
    e->spec_name = e->spec_fingerprint = e->ws_address = NULL;
    e->spec_len = 0;
}

/* Keeps the spec only if it decodes (actrix: `ServiceSpec::decode(..).ok()`). */
static void adopt_spec(sig_entry_t *e, uint8_t *spec, size_t len, const char *who)
{
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&actr__service_spec__descriptor, spec, len, &m, NULL) != 0) {
        actr_log(ACTR_LOG_WARN, SIG_LOG, "pending ServiceSpec does not decode, ignored",
                 ACTR_KV("actor_id", who));
        free(spec);
        return;
    }
    const Actr__ServiceSpec *s = (const Actr__ServiceSpec *)m;
    e->spec_name = dup_str(s->name ? s->name : "");
    e->spec_fingerprint = dup_str(s->fingerprint ? s->fingerprint : "");
    actr_pb_free(m);
    if (!e->spec_name || !e->spec_fingerprint) {
        free(e->spec_name);
        free(e->spec_fingerprint);
        e->spec_name = e->spec_fingerprint = NULL;
        free(spec);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "ServiceSpec dropped: out of memory",
                 ACTR_KV("actor_id", who));
        return;
    }
    e->spec = spec;
    e->spec_len = len;
}

void sig_registry_load(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    uint8_t *spec = NULL;
    size_t spec_len = 0;
    char *ws = NULL;
    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(conn, who, sizeof who);
    int rc = sig->be.pending_registration_get(sig->be_self, conn->id.realm.realm_id,
                                              conn->id.serial_number, &spec, &spec_len, &ws);
    if (rc != 0) {
        if (rc != ACTR_ENOTFOUND)
            actr_log(ACTR_LOG_WARN, SIG_LOG, "pending registration lookup failed",
                     ACTR_KV("actor_id", who), ACTR_KV("error", actr_strerror(rc)));
        return; /* registered without spec and address, as actrix does */
    }
    conn->entry.ws_address = ws;
    if (spec)
        adopt_spec(&conn->entry, spec, spec_len, who);
}

int sig_registry_list(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    sig_entry_t *e = &conn->entry;
    if (e->listed)
        return 0;
    int rc = sig_group_add(sig->types, conn->type_key, &e->type_link, &e->type_group);
    if (rc != 0)
        return rc;
    if (e->spec_name) {
        rc = sig_group_add(sig->spec_names, e->spec_name, &e->name_link, &e->name_group);
        if (rc != 0) {
            sig_group_remove(sig->types, e->type_group, &e->type_link);
            e->type_group = NULL;
            return rc;
        }
    }
    e->listed = true;
    sig->st.registry_entries++;
    return 0;
}

void sig_registry_unlist(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    sig_entry_t *e = &conn->entry;
    if (!e->listed)
        return;
    sig_group_remove(sig->types, e->type_group, &e->type_link);
    e->type_group = NULL;
    if (e->name_group) {
        sig_group_remove(sig->spec_names, e->name_group, &e->name_link);
        e->name_group = NULL;
    }
    e->listed = false;
    sig->st.registry_entries--;
}

void sig_registry_heartbeat(actrd_sig_t *sig, actrd_sig_conn_t *conn, const Actr__Ping *ping)
{
    sig_entry_t *e = &conn->entry;
    e->has_metrics = true;
    e->availability = (int)ping->availability;
    e->power_reserve = ping->power_reserve;
    e->mailbox_backlog = ping->mailbox_backlog;
    e->last_heartbeat_ms = sig_now_ms(sig);
    if (!e->listed && conn->current && sig_registry_list(sig, conn) == 0) {
        char who[ACTR_ID_STR_SIZE];
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_INFO, SIG_LOG, "expired registry entry restored by a ping",
                 ACTR_KV("actor_id", who));
    }
}

void sig_registry_sweep(actrd_sig_t *sig, uint64_t now_ms)
{
    uint64_t ttl = sig->cfg.registry_ttl_ms;
    for (sig_link_t *l = sig->all.head; l; l = l->next) {
        actrd_sig_conn_t *conn = SIG_CONTAINER(l, actrd_sig_conn_t, all_link);
        sig_entry_t *e = &conn->entry;
        if (!e->listed || now_ms <= e->last_heartbeat_ms || now_ms - e->last_heartbeat_ms <= ttl)
            continue;
        sig_registry_unlist(sig, conn);
        sig->st.expired++;
        char who[ACTR_ID_STR_SIZE];
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_INFO, SIG_LOG, "registry entry expired: no ping",
                 ACTR_KV("actor_id", who));
    }
}

actrd_sig_conn_t *sig_registry_find_spec(const actrd_sig_t *sig, const char *name)
{
    sig_group_t *g = sig_group_find(sig->spec_names, name);
    if (!g || !g->members.head)
        return NULL;
    sig_entry_t *e = SIG_CONTAINER(g->members.head, sig_entry_t, name_link);
    return SIG_CONTAINER(e, actrd_sig_conn_t, entry);
}
