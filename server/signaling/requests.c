/*
 * requests.c - ActrToSignaling handling (protocol.md 6.4): the realm check (403/500), then the
 * credential check for source's realm (401) on every message, then one handler per payload, each
 * answering SignalingToActr{target: source, ...} with reply_for = the request's envelope_id.
 *
 * Like actrix, the credential's actor is not compared with source here (only relays check it).
 * State changes (heartbeat metrics, unregister, subscriptions) apply to the socket's own
 * authenticated actor, so a valid credential cannot act on another actor's registry entry.
 */
#include <stdio.h>

#include "actr/log.h"
#include "codec/pb.h"
#include "signaling/sig_internal.h"

/* What every handler needs: the request and where the answer goes. */
typedef struct req_ctx {
    actrd_sig_t *sig;
    actrd_sig_conn_t *conn;
    const char *reply_for;
    const Actr__ActrId *source;
} req_ctx_t;

static void reply(const req_ctx_t *r, Signaling__SignalingToActr *msg)
{
    sig_send_to_actr(r->sig, r->conn, r->reply_for, r->source, msg);
}

static void handle_ping(const req_ctx_t *r, const Actr__Ping *ping)
{
    actrd_sig_t *sig = r->sig;
    sig->st.pings++;
    if (r->conn->current)
        sig_registry_heartbeat(sig, r->conn, ping);
    Actr__Pong pong = ACTR__PONG__INIT;
    int64_t now = sig->cfg.clock.wall_s(sig->cfg.clock.self);
    pong.seq = now > 0 ? (uint64_t)now : 0;
    pong.has_suggest_interval_secs = true;
    pong.suggest_interval_secs = sig->cfg.pong_interval_secs;
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG;
    msg.pong = &pong;
    reply(r, &msg);
}

/* Answers first (the client does not wait for it), then forgets the socket's actor: it leaves the
 * registry and its subscriptions, and relays to it find no socket. The socket stays open. */
static void handle_unregister(const req_ctx_t *r, const Actr__UnregisterRequest *req)
{
    char who[ACTR_ID_STR_SIZE];
    sig_conn_str(r->conn, who, sizeof who);
    actr_log(ACTR_LOG_INFO, SIG_LOG, "actor unregistered", ACTR_KV("actor_id", who),
             ACTR_KV("reason", req && req->reason ? req->reason : ""));
    Actr__UnregisterResponse__UnregisterOk ok = ACTR__UNREGISTER_RESPONSE__UNREGISTER_OK__INIT;
    Actr__UnregisterResponse resp = ACTR__UNREGISTER_RESPONSE__INIT;
    resp.result_case = ACTR__UNREGISTER_RESPONSE__RESULT_SUCCESS;
    resp.success = &ok;
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_UNREGISTER_RESPONSE;
    msg.unregister_response = &resp;
    reply(r, &msg);
    sig_conn_unbind(r->sig, r->conn);
}

static void handle_get_service_spec(const req_ctx_t *r, const Actr__GetServiceSpecRequest *req)
{
    const char *name = req && req->name ? req->name : "";
    Actr__GetServiceSpecResponse resp = ACTR__GET_SERVICE_SPEC_RESPONSE__INIT;
    Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    char message[256];
    ProtobufCMessage *spec = NULL;
    actrd_sig_conn_t *owner = sig_registry_find_spec(r->sig, name);
    if (owner && actr_pb_decode(&actr__service_spec__descriptor, owner->entry.spec,
                                owner->entry.spec_len, &spec, NULL) == 0) {
        resp.result_case = ACTR__GET_SERVICE_SPEC_RESPONSE__RESULT_SUCCESS;
        resp.success = (Actr__ServiceSpec *)spec;
    } else {
        snprintf(message, sizeof message, "Service specification not found for name=%s", name);
        error.code = 404;
        error.message = message;
        resp.result_case = ACTR__GET_SERVICE_SPEC_RESPONSE__RESULT_ERROR;
        resp.error = &error;
        sig_count_error(r->sig, 404);
        actr_log(ACTR_LOG_INFO, SIG_LOG, "service spec not found", ACTR_KV("name", name));
    }
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_GET_SERVICE_SPEC_RESPONSE;
    msg.get_service_spec_response = &resp;
    reply(r, &msg);
    actr_pb_free(spec);
}

static void handle_get_signing_key(const req_ctx_t *r, const Signaling__GetSigningKeyRequest *req)
{
    uint32_t key_id = req ? req->key_id : 0;
    uint8_t pub[32];
    int rc = r->sig->be.signing_key_get(r->sig->be_self, key_id, pub);
    if (rc == ACTR_ENOTFOUND) {
        sig_reply_error(r->sig, r->conn, r->reply_for, r->source, 404,
                        "signing key not found: key_id=%u", (unsigned)key_id);
        return;
    }
    if (rc != 0) {
        sig_reply_error(r->sig, r->conn, r->reply_for, r->source, 500,
                        "internal error looking up signing key");
        return;
    }
    Signaling__GetSigningKeyResponse resp = SIGNALING__GET_SIGNING_KEY_RESPONSE__INIT;
    resp.key_id = key_id;
    resp.pubkey.data = pub;
    resp.pubkey.len = sizeof pub;
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_GET_SIGNING_KEY_RESPONSE;
    msg.get_signing_key_response = &resp;
    reply(r, &msg);
}

/* Subscribe (subscribe=true) or unsubscribe; both always succeed once the type is readable. */
static void handle_presence(const req_ctx_t *r, const Actr__ActrType *type, bool subscribe)
{
    char key[ACTR_TYPE_STR_SIZE];
    if (sig_type_str(type, key, sizeof key) != 0) {
        sig_reply_error(r->sig, r->conn, r->reply_for, r->source, 400, "target_type too long");
        return;
    }
    Signaling__SignalingToActr msg = SIGNALING__SIGNALING_TO_ACTR__INIT;
    if (subscribe) {
        int rc = sig_presence_subscribe(r->sig, r->conn, key);
        if (rc == ACTR_ERANGE) {
            sig_reply_error(r->sig, r->conn, r->reply_for, r->source, 429,
                            "too many presence subscriptions (limit %u)",
                            (unsigned)r->sig->cfg.max_subscriptions);
            return;
        }
        if (rc != 0) {
            sig_reply_error(r->sig, r->conn, r->reply_for, r->source, 500,
                            "cannot store the subscription");
            return;
        }
        Actr__SubscribeActrUpResponse__SubscribeOk ok =
            ACTR__SUBSCRIBE_ACTR_UP_RESPONSE__SUBSCRIBE_OK__INIT;
        Actr__SubscribeActrUpResponse resp = ACTR__SUBSCRIBE_ACTR_UP_RESPONSE__INIT;
        resp.result_case = ACTR__SUBSCRIBE_ACTR_UP_RESPONSE__RESULT_SUCCESS;
        resp.success = &ok;
        msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_SUBSCRIBE_ACTR_UP_RESPONSE;
        msg.subscribe_actr_up_response = &resp;
        reply(r, &msg);
        return;
    }
    sig_presence_unsubscribe(r->sig, r->conn, key);
    Actr__UnsubscribeActrUpResponse__UnsubscribeOk ok =
        ACTR__UNSUBSCRIBE_ACTR_UP_RESPONSE__UNSUBSCRIBE_OK__INIT;
    Actr__UnsubscribeActrUpResponse resp = ACTR__UNSUBSCRIBE_ACTR_UP_RESPONSE__INIT;
    resp.result_case = ACTR__UNSUBSCRIBE_ACTR_UP_RESPONSE__RESULT_SUCCESS;
    resp.success = &ok;
    msg.payload_case = SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_UNSUBSCRIBE_ACTR_UP_RESPONSE;
    msg.unsubscribe_actr_up_response = &resp;
    reply(r, &msg);
}

/* Checks 1 and 2 of protocol.md 6.4; false when refused (already answered). */
static bool admit_request(const req_ctx_t *r, const Signaling__ActrToSignaling *a)
{
    char claimed[ACTR_ID_STR_SIZE];
    return sig_check_realm(r->sig, r->conn, r->reply_for, r->source) &&
           sig_check_credential(r->sig, r->conn, r->reply_for, r->source, a->credential, claimed,
                                sizeof claimed);
}

void sig_handle_actr_to_server(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                               const Signaling__SignalingEnvelope *env)
{
    const Signaling__ActrToSignaling *a = env->actr_to_server;
    req_ctx_t r = {sig, conn, env->envelope_id, a->source};
    if (!a->source) { /* the decoder fills required fields; kept for safety */
        actr_log(ACTR_LOG_WARN, SIG_LOG, "ActrToSignaling without source dropped");
        return;
    }
    if (!admit_request(&r, a))
        return;
    sig->st.requests++;
    char who[ACTR_ID_STR_SIZE];
    switch (a->payload_case) {
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_PING:
        handle_ping(&r, a->ping);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_UNREGISTER_REQUEST:
        handle_unregister(&r, a->unregister_request);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_DISCOVERY_REQUEST:
        sig_handle_discovery(sig, conn, env);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST:
        sig_handle_route_candidates(sig, conn, env);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_GET_SERVICE_SPEC_REQUEST:
        handle_get_service_spec(&r, a->get_service_spec_request);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_GET_SIGNING_KEY_REQUEST:
        handle_get_signing_key(&r, a->get_signing_key_request);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_SUBSCRIBE_ACTR_UP_REQUEST:
        handle_presence(&r, a->subscribe_actr_up_request->target_type, true);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_UNSUBSCRIBE_ACTR_UP_REQUEST:
        handle_presence(&r, a->unsubscribe_actr_up_request->target_type, false);
        break;
    case SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ERROR:
        sig_pb_id_str(a->source, who, sizeof who);
        actr_logf(ACTR_LOG_WARN, SIG_LOG, "client reported an error: actor_id=%s code=%u %s", who,
                  (unsigned)a->error->code, a->error->message ? a->error->message : "");
        break;
    default:
        sig_pb_id_str(a->source, who, sizeof who);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "ActrToSignaling without payload ignored",
                 ACTR_KV("actor_id", who));
        break;
    }
}
