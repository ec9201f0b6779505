/*
 * relay.c - ActrRelay handling (protocol.md 6.5), in actrix's order:
 *
 *   1. source's realm valid, else error 403/500;
 *   2. ACL can_discover(source realm, target realm, source type, target type), else 403;
 *   3. credential valid for source's realm, else 401;
 *   4. the credential's actor_id equals actr_id_format(source), else 403;
 *   5. the sending socket is source's current socket, else the relay is dropped silently;
 *   6. role_negotiation: the server decides the offerer (9.6) and sends RoleAssignment to both;
 *   7. anything else goes unchanged, in a new envelope (fresh id, no reply_for, trace context
 *      kept), to the socket of target's realm + serial; no such socket: dropped with a log line.
 *
 * Errors are SignalingToActr{target: source, error} with reply_for = the relay's envelope_id.
 */
#include <string.h>

#include "actr/log.h"
#include "signaling/sig_internal.h"

/* Large enough for any claims.actor_id the state side copies; a longer one cannot match. */
#define CLAIMED_ID_CAP (ACTR_ID_STR_SIZE + 64)

typedef struct relay_ctx {
    actrd_sig_t *sig;
    actrd_sig_conn_t *conn;
    const Signaling__SignalingEnvelope *env;
    const Signaling__ActrRelay *relay;
} relay_ctx_t;

static void refuse(const relay_ctx_t *r, uint32_t code, const char *message)
{
    sig_reply_error(r->sig, r->conn, r->env->envelope_id, r->relay->source, code, "%s", message);
}

static bool same_actor(const Actr__ActrId *a, const Actr__ActrId *b)
{
    return sig_pb_realm(a) == sig_pb_realm(b) && sig_pb_serial(a) == sig_pb_serial(b);
}

/* Steps 1 to 4; false when refused (already answered). */
static bool check_relay(const relay_ctx_t *r)
{
    actrd_sig_t *sig = r->sig;
    const Signaling__ActrRelay *relay = r->relay;
    const char *reply_for = r->env->envelope_id;
    if (!sig_check_realm(sig, r->conn, reply_for, relay->source))
        return false;
    char from[ACTR_TYPE_STR_SIZE], to[ACTR_TYPE_STR_SIZE];
    if (sig_type_str(relay->source->type, from, sizeof from) != 0 ||
        sig_type_str(relay->target->type, to, sizeof to) != 0 ||
        !sig->be.acl_can_discover(sig->be_self, sig_pb_realm(relay->source),
                                  sig_pb_realm(relay->target), from, to)) {
        refuse(r, 403, "ACL policy denies relay to target actor");
        return false;
    }
    char claimed[CLAIMED_ID_CAP];
    if (!sig_check_credential(sig, r->conn, reply_for, relay->source, relay->credential, claimed,
                              sizeof claimed))
        return false;
    actr_id_t source;
    char source_str[ACTR_ID_STR_SIZE];
    if (sig_id_from_pb(relay->source, &source) != 0 ||
        actr_id_format(&source, source_str, sizeof source_str, NULL) != 0 ||
        strcmp(claimed, source_str) != 0) {
        refuse(r, 403, "Source identity mismatch: relay.source does not match credential");
        return false;
    }
    return true;
}

/* Step 5: actrix compares the whole ActrId of the socket with source. */
static bool from_current_socket(const relay_ctx_t *r)
{
    actr_id_t source;
    return r->conn->current && !r->conn->closing &&
           sig_id_from_pb(r->relay->source, &source) == 0 && actr_id_equal(&r->conn->id, &source);
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* actrix's tie-break key: (realm_id, serial, manufacturer, name), compared in that order. */
static int cmp_role_key(const Actr__ActrId *a, const Actr__ActrId *b)
{
    if (sig_pb_realm(a) != sig_pb_realm(b))
        return sig_pb_realm(a) < sig_pb_realm(b) ? -1 : 1;
    if (sig_pb_serial(a) != sig_pb_serial(b))
        return sig_pb_serial(a) < sig_pb_serial(b) ? -1 : 1;
    const Actr__ActrType *ta = a->type, *tb = b->type;
    int c = cmp_str(ta ? ta->manufacturer : NULL, tb ? tb->manufacturer : NULL);
    return c ? c : cmp_str(ta ? ta->name : NULL, tb ? tb->name : NULL);
}

static bool prefers_answer(const actrd_sig_t *sig, const Actr__ActrId *id)
{
    const actrd_sig_conn_t *c = sig_conn_lookup(sig, sig_pb_realm(id), sig_pb_serial(id));
    return c && c->prefers_answer;
}

/* protocol.md 9.6: whether `from` offers. An "answer" preference wins when only one side has it;
 * otherwise the greater (realm, serial, manufacturer, name) offers. */
static bool from_is_offerer(const actrd_sig_t *sig, const Actr__ActrId *from,
                            const Actr__ActrId *to)
{
    bool from_answer = prefers_answer(sig, from), to_answer = prefers_answer(sig, to);
    if (from_answer != to_answer)
        return to_answer;
    return cmp_role_key(from, to) > 0;
}

/* Queues env to the current socket of who, or logs that it has none. */
static bool deliver(actrd_sig_t *sig, const Actr__ActrId *who,
                    const Signaling__SignalingEnvelope *env, const char *what)
{
    actrd_sig_conn_t *dst = sig_conn_lookup(sig, sig_pb_realm(who), sig_pb_serial(who));
    if (!dst || dst->closing) {
        char name[ACTR_ID_STR_SIZE];
        sig_pb_id_str(who, name, sizeof name);
        actr_log(ACTR_LOG_WARN, SIG_LOG, "relay target has no socket, dropped",
                 ACTR_KV("target", name), ACTR_KV("payload", what));
        return false;
    }
    sig_send(sig, dst, env);
    return true;
}

/* A new envelope around relay: fresh id, no reply_for, the request's trace context. */
static void wrap(const relay_ctx_t *r, Signaling__SignalingEnvelope *out, char *id_buf,
                 Signaling__ActrRelay *relay)
{
    sig_envelope_init(r->sig, out, id_buf);
    out->traceparent = r->env->traceparent;
    out->tracestate = r->env->tracestate;
    out->flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY;
    out->actr_relay = relay;
}

static void send_assignment(const relay_ctx_t *r, const Actr__ActrId *recipient, bool is_offerer)
{
    const Actr__RoleNegotiation *rn = r->relay->role_negotiation;
    Actr__RoleAssignment ra = ACTR__ROLE_ASSIGNMENT__INIT;
    ra.is_offerer = is_offerer;
    Signaling__ActrRelay out = SIGNALING__ACTR_RELAY__INIT;
    out.source = rn->from;
    out.credential = r->relay->credential;
    out.target = rn->to;
    out.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT;
    out.role_assignment = &ra;
    Signaling__SignalingEnvelope env;
    char id[ACTR_UUID_STR_LEN + 1];
    wrap(r, &env, id, &out);
    deliver(r->sig, recipient, &env, "role_assignment");
}

/* Step 6. The negotiation must be between the relay's own source and target, so a sender cannot
 * make the server address role assignments to actors its ACL does not reach. */
static void negotiate(const relay_ctx_t *r)
{
    const Actr__RoleNegotiation *rn = r->relay->role_negotiation;
    if (!rn->from || !rn->to || !same_actor(rn->from, r->relay->source) ||
        !same_actor(rn->to, r->relay->target)) {
        refuse(r, 403, "RoleNegotiation must be from the relay source to the relay target");
        return;
    }
    bool offerer = from_is_offerer(r->sig, rn->from, rn->to);
    r->sig->st.role_negotiations++;
    char from[ACTR_ID_STR_SIZE], to[ACTR_ID_STR_SIZE];
    sig_pb_id_str(rn->from, from, sizeof from);
    sig_pb_id_str(rn->to, to, sizeof to);
    actr_log(ACTR_LOG_INFO, SIG_LOG, "roles assigned", ACTR_KV("from", from), ACTR_KV("to", to),
             ACTR_KV("from_is_offerer", offerer ? "true" : "false"));
    send_assignment(r, rn->from, offerer);
    send_assignment(r, rn->to, !offerer);
}

static const char *payload_name(const Signaling__ActrRelay *relay)
{
    switch (relay->payload_case) {
    case SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE: return "ice_candidate";
    case SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION: return "session_description";
    case SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT: return "role_assignment";
    case SIGNALING__ACTR_RELAY__PAYLOAD_ICE_RESTART_REQUEST: return "ice_restart_request";
    default: return "none";
    }
}

void sig_handle_relay(actrd_sig_t *sig, actrd_sig_conn_t *conn,
                      const Signaling__SignalingEnvelope *env)
{
    relay_ctx_t r = {sig, conn, env, env->actr_relay};
    if (!r.relay->source || !r.relay->target || !r.relay->credential) {
        actr_log(ACTR_LOG_WARN, SIG_LOG, "relay without source, target or credential dropped");
        return;
    }
    if (!check_relay(&r))
        return;
    if (!from_current_socket(&r)) {
        sig->st.relays_dropped_displaced++;
        char who[ACTR_ID_STR_SIZE];
        sig_pb_id_str(r.relay->source, who, sizeof who);
        actr_log(ACTR_LOG_INFO, SIG_LOG, "relay from a socket that is not the source's, dropped",
                 ACTR_KV("source", who));
        return;
    }
    if (r.relay->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION) {
        negotiate(&r);
        return;
    }
    Signaling__SignalingEnvelope out;
    char id[ACTR_UUID_STR_LEN + 1];
    wrap(&r, &out, id, (Signaling__ActrRelay *)r.relay);
    if (deliver(sig, r.relay->target, &out, payload_name(r.relay)))
        sig->st.relays++;
    else
        sig->st.relays_dropped_no_target++;
}
