/*
 * signaling.c - the signaling service: lifetime, socket binding and displacement
 * (protocol.md 6.1), frame dispatch (6.2, 6.6), housekeeping and counters.
 */
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

static uint64_t default_mono_ms(void *self)
{
    (void)self;
    return actr_clock_mono_ms();
}

static int64_t default_wall_s(void *self)
{
    (void)self;
    return actr_clock_wall_s();
}

void actrd_sig_config_init(actrd_sig_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->clock.mono_ms = default_mono_ms;
    cfg->clock.wall_s = default_wall_s;
    cfg->registry_ttl_ms = 60000;
    cfg->sweep_interval_ms = 30000;
    cfg->pong_interval_secs = 30;
    cfg->msg_rate_per_sec = 100.0;
    cfg->msg_burst = 200;
    cfg->max_frame_bytes = 256 * 1024;
    cfg->max_connections = 0;
    cfg->max_route_candidates = 1000;
    cfg->max_subscriptions = 64;
}

uint64_t sig_now_ms(const actrd_sig_t *sig)
{
    return sig->cfg.clock.mono_ms(sig->cfg.clock.self);
}

void sig_make_key(uint32_t realm_id, uint64_t serial, uint8_t key[SIG_KEY_LEN])
{
    for (int i = 0; i < 4; i++)
        key[i] = (uint8_t)(realm_id >> (8 * i));
    for (int i = 0; i < 8; i++)
        key[4 + i] = (uint8_t)(serial >> (8 * i));
}

actrd_sig_conn_t *sig_conn_lookup(const actrd_sig_t *sig, uint32_t realm_id, uint64_t serial)
{
    uint8_t key[SIG_KEY_LEN];
    sig_make_key(realm_id, serial, key);
    void *v;
    return actr_hmap_get(sig->conns, key, sizeof key, &v) == 0 ? v : NULL;
}

void sig_list_push(sig_list_t *list, sig_link_t *link)
{
    link->next = NULL;
    link->prev = list->tail;
    if (list->tail)
        list->tail->next = link;
    else
        list->head = link;
    list->tail = link;
    list->count++;
}

void sig_list_remove(sig_list_t *list, sig_link_t *link)
{
    if (link->prev)
        link->prev->next = link->next;
    else
        list->head = link->next;
    if (link->next)
        link->next->prev = link->prev;
    else
        list->tail = link->prev;
    link->prev = link->next = NULL;
    list->count--;
}

sig_group_t *sig_group_find(const actr_hmap_t *map, const char *key)
{
    void *v;
    return actr_hmap_get(map, key, strlen(key), &v) == 0 ? v : NULL;
}

int sig_group_add(actr_hmap_t *map, const char *key, sig_link_t *link, sig_group_t **out)
{
    sig_group_t *g = sig_group_find(map, key);
    if (!g) {
        size_t len = strlen(key);
        g = calloc(1, sizeof *g + len + 1);
        if (!g)
            return ACTR_ENOMEM;
        g->key_len = len;
        memcpy(g->key, key, len + 1);
        if (actr_hmap_insert(map, g->key, len, g) != 0) {
            free(g);
            return ACTR_ENOMEM;
        }
    }
    sig_list_push(&g->members, link);
    *out = g;
    return 0;
}

void sig_group_remove(actr_hmap_t *map, sig_group_t *group, sig_link_t *link)
{
    sig_list_remove(&group->members, link);
    if (group->members.count == 0) {
        actr_hmap_remove(map, group->key, group->key_len, NULL);
        free(group);
    }
}

void sig_group_map_free(actr_hmap_t *map)
{
    actr_hmap_free(map, free);
}

int actrd_sig_new(const actrd_sig_backend_t *backend, void *backend_self,
                  const actrd_sig_transport_t *tp, const actrd_sig_config_t *cfg,
                  actrd_sig_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    if (!backend || !tp || !tp->send || !tp->close || !backend->realm_check ||
        !backend->credential_verify || !backend->signing_key_get || !backend->acl_can_discover ||
        !backend->pending_registration_get)
        return ACTR_EINVAL;
    if (cfg && (!cfg->clock.mono_ms || !cfg->clock.wall_s))
        return ACTR_EINVAL;
    actrd_sig_t *sig = calloc(1, sizeof *sig);
    if (!sig)
        return ACTR_ENOMEM;
    sig->be = *backend;
    sig->be_self = backend_self;
    sig->tp = *tp;
    if (cfg)
        sig->cfg = *cfg;
    else
        actrd_sig_config_init(&sig->cfg);
    if (actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &sig->conns) != 0 ||
        actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &sig->types) != 0 ||
        actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &sig->spec_names) != 0 ||
        actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &sig->subs_by_type) != 0 ||
        actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &sig->subscribers) != 0) {
        actrd_sig_free(sig);
        return ACTR_ENOMEM;
    }
    sig->last_sweep_ms = sig_now_ms(sig);
    *out = sig;
    return 0;
}

static void conn_free(actrd_sig_conn_t *conn)
{
    sig_registry_entry_free(&conn->entry);
    free(conn);
}

void actrd_sig_free(actrd_sig_t *sig)
{
    if (!sig)
        return;
    /* Bounded by the list length: every pass removes one connection. */
    while (sig->all.head) {
        actrd_sig_conn_t *conn = SIG_CONTAINER(sig->all.head, actrd_sig_conn_t, all_link);
        if (conn->current)
            sig_conn_unbind(sig, conn);
        sig_list_remove(&sig->all, &conn->all_link);
        conn_free(conn);
    }
    if (sig->subscribers)
        sig_presence_free(sig);
    actr_hmap_free(sig->conns, NULL);
    sig_group_map_free(sig->types);
    sig_group_map_free(sig->spec_names);
    sig_group_map_free(sig->subs_by_type);
    actr_hmap_free(sig->subscribers, NULL);
    free(sig);
}

void sig_conn_unbind(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    if (!conn->current)
        return;
    actr_hmap_remove(sig->conns, conn->key, SIG_KEY_LEN, NULL);
    conn->current = false;
    sig_registry_unlist(sig, conn);
    sig_presence_drop(sig, conn->key);
}

/* Closes the older socket of the same actor (protocol.md 6.1 step 1); it stays known until the
 * network side reports it gone, but no longer counts as the actor's socket. */
static void displace(actrd_sig_t *sig, actrd_sig_conn_t *old)
{
    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(old, who, sizeof who);
    actr_log(ACTR_LOG_INFO, SIG_LOG, "displacing older socket", ACTR_KV("actor_id", who));
    actr_hmap_remove(sig->conns, old->key, SIG_KEY_LEN, NULL);
    old->current = false;
    sig_registry_unlist(sig, old);
    sig->st.displaced++;
    if (!old->closing) {
        old->closing = true;
        sig->tp.close(sig->tp.self, old->net, 1008, "displaced by new connection");
    }
}

int actrd_sig_connect(actrd_sig_t *sig, void *net_conn, const actr_id_t *id,
                      const char *webrtc_role, uint64_t credential_expires_at,
                      actrd_sig_conn_t **out)
{
    if (!sig || !id || !out)
        return ACTR_EINVAL;
    *out = NULL;
    if (sig->cfg.max_connections && sig->all.count >= sig->cfg.max_connections) {
        sig->st.connects_refused++;
        actr_log(ACTR_LOG_WARN, SIG_LOG, "connection refused: max_connections reached");
        return ACTR_EAGAIN;
    }
    actrd_sig_conn_t *conn = calloc(1, sizeof *conn);
    if (!conn) {
        sig->st.connects_refused++;
        return ACTR_ENOMEM;
    }
    conn->sig = sig;
    conn->net = net_conn;
    conn->id = *id;
    conn->prefers_answer = webrtc_role && strcmp(webrtc_role, "answer") == 0;
    conn->credential_expires_at = credential_expires_at;
    sig_make_key(id->realm.realm_id, id->serial_number, conn->key);
    if (actr_type_format(&id->type, conn->type_key, sizeof conn->type_key, NULL) != 0) {
        free(conn);
        sig->st.connects_refused++;
        return ACTR_EINVAL;
    }
    uint64_t now = sig_now_ms(sig);
    sig_bucket_init(&conn->bucket, &sig->cfg, now);
    sig_registry_load(sig, conn);
    conn->entry.last_heartbeat_ms = now;

    void *old = NULL;
    if (actr_hmap_get(sig->conns, conn->key, SIG_KEY_LEN, &old) == 0)
        displace(sig, old);
    if (actr_hmap_put(sig->conns, conn->key, SIG_KEY_LEN, conn, NULL) != 0) {
        conn_free(conn);
        sig->st.connects_refused++;
        return ACTR_ENOMEM;
    }
    conn->current = true;
    sig_list_push(&sig->all, &conn->all_link);
    if (sig_registry_list(sig, conn) != 0)
        actr_log(ACTR_LOG_WARN, SIG_LOG, "registry entry not listed: out of memory");
    sig->st.connects++;

    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(conn, who, sizeof who);
    actr_log(ACTR_LOG_INFO, SIG_LOG, "actor connected", ACTR_KV("actor_id", who),
             ACTR_KV("webrtc_role", conn->prefers_answer ? "answer" : ""),
             ACTR_KV("ws_address", conn->entry.ws_address ? conn->entry.ws_address : ""));
    sig_presence_notify(sig, conn);
    *out = conn;
    return 0;
}

void actrd_sig_disconnect(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    if (!sig || !conn)
        return;
    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(conn, who, sizeof who);
    actr_log(ACTR_LOG_INFO, SIG_LOG, "socket gone", ACTR_KV("actor_id", who),
             ACTR_KV("was_current", conn->current ? "true" : "false"));
    sig_conn_unbind(sig, conn);
    /* Subscriptions made after an unregister belong to no current socket either. */
    if (!sig_conn_lookup(sig, conn->id.realm.realm_id, conn->id.serial_number))
        sig_presence_drop(sig, conn->key);
    sig_list_remove(&sig->all, &conn->all_link);
    conn_free(conn);
}

/* The obsolete PeerToSignaling registration (protocol.md 6.6): 410 to a placeholder ActrId. */
static void handle_peer_to_server(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                                  const Signaling__SignalingEnvelope *env)
{
    const Signaling__PeerToSignaling *p = env->peer_to_server;
    if (!p || p->payload_case != SIGNALING__PEER_TO_SIGNALING__PAYLOAD_REGISTER_REQUEST) {
        actr_log(ACTR_LOG_WARN, SIG_LOG, "PeerToSignaling without payload ignored");
        return;
    }
    actr_id_t temp = {{0}, 0, {"temp", "temp", "1.0.0"}};
    sig_pb_id_t target;
    sig_pb_id_init(&target, &temp);
    Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    error.code = 410;
    error.message =
        "Registration via signaling is no longer supported; use /ais/register HTTP endpoint";
    Actr__RegisterResponse resp = ACTR__REGISTER_RESPONSE__INIT;
    resp.result_case = ACTR__REGISTER_RESPONSE__RESULT_ERROR;
    resp.error = &error;
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_REGISTER_RESPONSE;
    msg.register_response = &resp;
    sig_count_error(sig, 410);
    actr_log(ACTR_LOG_WARN, SIG_LOG, "refused: registration over signaling (410)");
    sig_send_to_actr(sig, conn, env->envelope_id, &target.id, &msg);
}

/* Whether the frame may be processed: refused frames are counted, and a 429 is answered at most
 * once a second (the refusal answers must not become the flood). */
static bool admit(actrd_sig_t *sig, actrd_sig_conn_t *conn)
{
    uint64_t now = sig_now_ms(sig);
    if (sig_bucket_take(&conn->bucket, &sig->cfg, now))
        return true;
    sig->st.rate_limited++;
    if (sig_bucket_should_answer(&conn->bucket, now)) {
        char who[ACTR_ID_STR_SIZE];
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "message rate limit exceeded", ACTR_KV("actor_id", who));
        sig_send_envelope_error(sig, conn, 429, "message rate limit exceeded");
    }
    return false;
}

void actrd_sig_frame(actrd_sig_t *sig, actrd_sig_conn_t *conn, const uint8_t *data, size_t len)
{
    if (!sig || !conn)
        return;
    sig->st.frames_in++;
    if (conn->closing) { /* after our close frame, nothing more is read (RFC 6455 5.5.1) */
        sig->st.frames_after_close++;
        return;
    }
    if (!admit(sig, conn))
        return;
    char who[ACTR_ID_STR_SIZE];
    if (len > sig->cfg.max_frame_bytes) {
        sig->st.frames_undecodable++;
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "frame too large", ACTR_KV("actor_id", who));
        sig_send_envelope_error(sig, conn, 413, "frame too large");
        return;
    }
    ProtobufCMessage *m = NULL;
    actr_error_t err;
    if (actr_pb_decode(&signaling__signaling_envelope__descriptor, data ? data : (const uint8_t *)"",
                       data ? len : 0, &m, &err) != 0) {
        sig->st.frames_undecodable++;
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "undecodable frame dropped", ACTR_KV("actor_id", who),
                 ACTR_KV("error", err.message));
        sig_send_envelope_error(sig, conn, 400, "undecodable SignalingEnvelope");
        return;
    }
    const Signaling__SignalingEnvelope *env = (const Signaling__SignalingEnvelope *)m;
    switch (env->flow_case) {
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER:
        sig_handle_actr_to_server(sig, conn, env);
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY:
        sig_handle_relay(sig, conn, env);
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_PEER_TO_SERVER:
        handle_peer_to_server(sig, conn, env);
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR:
        sig_conn_str(conn, who, sizeof who);
        actr_logf(ACTR_LOG_WARN, SIG_LOG, "envelope_error from %s: code=%u message=%s", who,
                  (unsigned)env->envelope_error->code,
                  env->envelope_error->message ? env->envelope_error->message : "");
        break;
    default: /* server_to_actr from a client, or no flow */
        sig_conn_str(conn, who, sizeof who);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "envelope with an unexpected flow ignored",
                 ACTR_KV("actor_id", who));
        break;
    }
    actr_pb_free(m);
}

void actrd_sig_tick(actrd_sig_t *sig, uint64_t now_ms)
{
    if (!sig || now_ms < sig->last_sweep_ms ||
        now_ms - sig->last_sweep_ms < sig->cfg.sweep_interval_ms)
        return;
    sig->last_sweep_ms = now_ms;
    sig_registry_sweep(sig, now_ms);
}

void actrd_sig_stats(const actrd_sig_t *sig, actrd_sig_stats_t *out)
{
    if (!out)
        return;
    if (!sig) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = sig->st;
    out->connections = sig->all.count;
    out->actors = actr_hmap_count(sig->conns);
}

void *actrd_sig_conn_net(const actrd_sig_conn_t *conn)
{
    return conn ? conn->net : NULL;
}

const actr_id_t *actrd_sig_conn_id(const actrd_sig_conn_t *conn)
{
    return conn ? &conn->id : NULL;
}

void actrd_sig_conn_set_location(actrd_sig_conn_t *conn, double latitude, double longitude)
{
    if (!conn)
        return;
    conn->entry.has_location = true;
    conn->entry.latitude = latitude;
    conn->entry.longitude = longitude;
}
