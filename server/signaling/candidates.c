/*
 * candidates.c - the two registry queries of protocol.md 6.4:
 *
 * route_candidates_request: entries of exactly the target type (manufacturer, name and version)
 * with a live socket and ACL permission source -> candidate, ranked (ranking.c), truncated, with
 * one ws_address_map entry per returned candidate. Like actrix, the requester may be among them.
 *
 * discovery_request: one TypeEntry per registered type (filtered by manufacturer and by ACL),
 * sorted by type string so truncation to limit (default 64) is deterministic; the fields come
 * from the first allowed entry of the type, fingerprint "unknown" when it has no spec.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

#define DISCOVERY_DEFAULT_LIMIT 64

/* Rust's str::trim for the ASCII whitespace a fingerprint could carry. */
static void trim_copy(const char *s, char *out, size_t cap)
{
    s = s ? s : "";
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        n = 0; /* longer than any fingerprint we keep: matches nothing */
    memcpy(out, s, n);
    out[n] = '\0';
}

static void send_route_candidates(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                                  const Signaling__SignalingEnvelope *env,
                                  actrd_sig_conn_t **cands, size_t n)
{
    sig_pb_id_t *ids = n ? calloc(n, sizeof *ids) : NULL;
    Actr__ActrId **id_ptrs = n ? calloc(n, sizeof *id_ptrs) : NULL;
    Actr__WsAddressEntry *ws = n ? calloc(n, sizeof *ws) : NULL;
    Actr__WsAddressEntry **ws_ptrs = n ? calloc(n, sizeof *ws_ptrs) : NULL;
    const Actr__ActrId *source = env->actr_to_server->source;
    if (n && (!ids || !id_ptrs || !ws || !ws_ptrs)) {
        sig_reply_error(sig, conn, env->envelope_id, source, 500, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            sig_pb_id_init(&ids[i], &cands[i]->id);
            id_ptrs[i] = &ids[i].id;
            actr__ws_address_entry__init(&ws[i]);
            ws[i].candidate_id = &ids[i].id;
            ws[i].ws_address = cands[i]->entry.ws_address; /* absent when NULL */
            ws_ptrs[i] = &ws[i];
        }
        Actr__RouteCandidatesResponse__RouteCandidatesOk ok =
            ACTR__ROUTE_CANDIDATES_RESPONSE__ROUTE_CANDIDATES_OK__INIT;
        ok.n_candidates = ok.n_ws_address_map = n;
        ok.candidates = id_ptrs;
        ok.ws_address_map = ws_ptrs;
        Actr__RouteCandidatesResponse resp = ACTR__ROUTE_CANDIDATES_RESPONSE__INIT;
        resp.result_case = ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS;
        resp.success = &ok;
        Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
        msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ROUTE_CANDIDATES_RESPONSE;
        msg.route_candidates_response = &resp;
        sig_send_to_actr(sig, conn, env->envelope_id, source, &msg);
    }
    free(ids);
    free(id_ptrs);
    free(ws);
    free(ws_ptrs);
}

void sig_handle_route_candidates(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                                 const Signaling__SignalingEnvelope *env)
{
    const Signaling__ActrToSignaling *a = env->actr_to_server;
    const Actr__RouteCandidatesRequest *req = a->route_candidates_request;
    char target[ACTR_TYPE_STR_SIZE], from[ACTR_TYPE_STR_SIZE];
    sig_group_t *g = NULL;
    if (sig_type_str(req->target_type, target, sizeof target) == 0)
        g = sig_group_find(sig->types, target);
    size_t total = g ? g->members.count : 0;
    actrd_sig_conn_t **cands = total ? malloc(total * sizeof *cands) : NULL;
    if (total && !cands) {
        sig_reply_error(sig, conn, env->envelope_id, a->source, 500, "out of memory");
        return;
    }
    size_t n = 0;
    if (total && sig_type_str(a->source->type, from, sizeof from) == 0) {
        sig_acl_memo_t memo;
        sig_acl_memo_init(&memo, sig_pb_realm(a->source), from, target);
        for (sig_link_t *l = g->members.head; l; l = l->next) {
            actrd_sig_conn_t *c = SIG_CONTAINER(l, actrd_sig_conn_t, entry.type_link);
            if (c->current && !c->closing && sig_acl_check(sig, &memo, c->id.realm.realm_id, NULL))
                cands[n++] = c;
        }
    }
    char fingerprint[256];
    trim_copy(req->client_fingerprint, fingerprint, sizeof fingerprint);
    sig_rank_input_t in = {req->criteria, fingerprint, false, 0.0, 0.0};
    const Actr__ServiceLocation *loc = req->client_location;
    if (loc && loc->has_latitude && loc->has_longitude) {
        in.has_client_location = true;
        in.client_latitude = loc->latitude;
        in.client_longitude = loc->longitude;
    }
    n = sig_rank(&in, cands, n);
    if (n > sig->cfg.max_route_candidates)
        n = sig->cfg.max_route_candidates;
    send_route_candidates(sig, conn, env, cands, n);
    free(cands);
}

/* One discovery answer line, built from the chosen entry of a type. */
typedef struct disc_item {
    const sig_group_t *group;
    const actrd_sig_conn_t *conn;
} disc_item_t;

static int cmp_disc(const void *a, const void *b)
{
    return strcmp(((const disc_item_t *)a)->group->key, ((const disc_item_t *)b)->group->key);
}

/* The first entry of group the requester may discover, or NULL. */
static const actrd_sig_conn_t *first_allowed(actrd_sig_t *sig, const sig_group_t *g,
                                             uint32_t src_realm, const char *from)
{
    sig_acl_memo_t memo;
    sig_acl_memo_init(&memo, src_realm, from, g->key);
    for (const sig_link_t *l = g->members.head; l; l = l->next) {
        const actrd_sig_conn_t *c = SIG_CONTAINER(l, actrd_sig_conn_t, entry.type_link);
        if (!c->closing && sig_acl_check(sig, &memo, c->id.realm.realm_id, NULL))
            return c;
    }
    return NULL;
}

/* Fills e from c's type and spec; *spec_out owns the decoded spec (free after sending). */
static void fill_type_entry(Actr__DiscoveryResponse__TypeEntry *e, Actr__ActrType *type,
                            const actrd_sig_conn_t *c, ProtobufCMessage **spec_out)
{
    actr__discovery_response__type_entry__init(e);
    actr__actr_type__init(type);
    type->manufacturer = (char *)c->id.type.manufacturer;
    type->name = (char *)c->id.type.name;
    type->version = (char *)c->id.type.version;
    e->actr_type = type;
    e->service_fingerprint = "unknown";
    *spec_out = NULL;
    if (c->entry.spec && actr_pb_decode(&actr__service_spec__descriptor, c->entry.spec,
                                        c->entry.spec_len, spec_out, NULL) == 0) {
        const Actr__ServiceSpec *s = (const Actr__ServiceSpec *)*spec_out;
        e->service_fingerprint = s->fingerprint;
        e->description = s->description;
        e->has_published_at = s->has_published_at;
        e->published_at = s->published_at;
        e->n_tags = s->n_tags;
        e->tags = s->tags;
    }
}

static void send_discovery(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                           const Signaling__SignalingEnvelope *env, disc_item_t *items, size_t n)
{
    Actr__DiscoveryResponse__TypeEntry *entries = n ? calloc(n, sizeof *entries) : NULL;
    Actr__DiscoveryResponse__TypeEntry **ptrs = n ? calloc(n, sizeof *ptrs) : NULL;
    Actr__ActrType *types = n ? calloc(n, sizeof *types) : NULL;
    ProtobufCMessage **specs = n ? calloc(n, sizeof *specs) : NULL;
    char(*names)[2 * ACTR_NAME_SIZE] = n ? calloc(n, sizeof *names) : NULL;
    const Actr__ActrId *source = env->actr_to_server->source;
    if (n && (!entries || !ptrs || !types || !specs || !names)) {
        sig_reply_error(sig, conn, env->envelope_id, source, 500, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            fill_type_entry(&entries[i], &types[i], items[i].conn, &specs[i]);
            /* actrix names the entry after its service: "manufacturer:name". */
            snprintf(names[i], sizeof names[i], "%s:%s", items[i].conn->id.type.manufacturer,
                     items[i].conn->id.type.name);
            entries[i].name = names[i];
            ptrs[i] = &entries[i];
        }
        Actr__DiscoveryResponse__DiscoveryOk ok = ACTR__DISCOVERY_RESPONSE__DISCOVERY_OK__INIT;
        ok.n_entries = n;
        ok.entries = ptrs;
        Actr__DiscoveryResponse resp = ACTR__DISCOVERY_RESPONSE__INIT;
        resp.result_case = ACTR__DISCOVERY_RESPONSE__RESULT_SUCCESS;
        resp.success = &ok;
        Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
        msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_DISCOVERY_RESPONSE;
        msg.discovery_response = &resp;
        sig_send_to_actr(sig, conn, env->envelope_id, source, &msg);
    }
    for (size_t i = 0; specs && i < n; i++)
        actr_pb_free(specs[i]);
    free(entries);
    free(ptrs);
    free(types);
    free(specs);
    free(names);
}

void sig_handle_discovery(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                          const Signaling__SignalingEnvelope *env)
{
    const Signaling__ActrToSignaling *a = env->actr_to_server;
    const Actr__DiscoveryRequest *req = a->discovery_request;
    const char *mfr = req->manufacturer; /* NULL: no filter */
    size_t limit = req->has_limit ? req->limit : DISCOVERY_DEFAULT_LIMIT;
    char from[ACTR_TYPE_STR_SIZE];
    size_t ntypes = actr_hmap_count(sig->types);
    disc_item_t *items = ntypes ? malloc(ntypes * sizeof *items) : NULL;
    if (ntypes && !items) {
        sig_reply_error(sig, conn, env->envelope_id, a->source, 500, "out of memory");
        return;
    }
    size_t n = 0;
    if (ntypes && sig_type_str(a->source->type, from, sizeof from) == 0) {
        actr_hmap_iter_t it;
        actr_hmap_entry_t e;
        for (actr_hmap_iter_init(sig->types, &it); actr_hmap_iter_next(&it, &e);) {
            const sig_group_t *g = e.value;
            const actrd_sig_conn_t *first =
                SIG_CONTAINER(g->members.head, actrd_sig_conn_t, entry.type_link);
            if (mfr && strcmp(first->id.type.manufacturer, mfr) != 0)
                continue;
            const actrd_sig_conn_t *c = first_allowed(sig, g, sig_pb_realm(a->source), from);
            if (c)
                items[n++] = (disc_item_t){g, c};
        }
    }
    if (n > 1)
        qsort(items, n, sizeof *items, cmp_disc);
    send_discovery(sig, conn, env, items, n < limit ? n : limit);
    free(items);
}
