/*
 * actrd-pair - two actors meet through a running actrd, as real nodes do (protocol.md 7.1-7.3):
 * each registers with AIS (LINKED mode, realm secret), connects the signaling WebSocket with its
 * credential, the client discovers the service by route candidates, asks signaling for WebRTC
 * roles, and the offerer relays an offer that the other answers.
 *
 * It drives the AIS and signaling clients directly, so it links libactr's internal modules; once
 * the node API runs these steps itself (issue 5) this becomes two nodes calling each other.
 *
 * usage: actrd-pair AIS_URL SIGNALING_URL REALM_ID REALM_SECRET
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libwebsockets.h>
#include <uv.h>

#include "actr/acl.h"
#include "actr/log.h"
#include "base/uuid.h"
#include "platform/ais/client.h"
#include "platform/ais/id_pb.h"
#include "wire/signaling/client.h"

typedef struct demo demo_t;

typedef struct actor {
    const char *label;
    const char *type_str;
    const char *peer_type_str;
    actr_ais_grant_t grant;
    actr_sigc_t *sigc;
    demo_t *demo;
} actor_t;

struct demo {
    uv_loop_t loop;
    uv_timer_t deadline;
    actr_curl_uv_t *http;
    actr_ais_client_t *ais;
    uint32_t realm_id;
    const char *signaling_url;
    actor_t service, client;
    int connected;
    int finished; /* 1 ok, -1 failed */
};

static void finish(demo_t *d, int ok, const char *why)
{
    if (d->finished)
        return;
    d->finished = ok ? 1 : -1;
    if (!ok)
        fprintf(stderr, "actrd-pair: %s\n", why);
    if (d->service.sigc)
        actr_sigc_disconnect(d->service.sigc);
    if (d->client.sigc)
        actr_sigc_disconnect(d->client.sigc);
    uv_stop(&d->loop);
}

static void on_deadline(uv_timer_t *t)
{
    finish(t->data, 0, "gave up after 20 s");
}

static actor_t *other(actor_t *a)
{
    return a == &a->demo->service ? &a->demo->client : &a->demo->service;
}

/* Relays a SessionDescription of the given type to the other actor. */
static void relay_sdp(actor_t *from, Webrtc__SessionDescription__Type type, const char *sdp,
                      const char *exchange_id)
{
    actr_id_pb_t target;
    actr_id_pb_init(&target, &other(from)->grant.actr_id);
    Webrtc__SessionDescription desc = WEBRTC__SESSION_DESCRIPTION__INIT;
    desc.type = type;
    desc.sdp = (char *)sdp;
    desc.sdp_exchange_id = (char *)exchange_id;
    Signaling__ActrRelay relay = SIGNALING__ACTR_RELAY__INIT;
    relay.target = &target.id;
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    relay.session_description = &desc;
    if (actr_sigc_send_relay(from->sigc, &relay, NULL) != 0)
        finish(from->demo, 0, "relay not sent");
}

/* Relays, pushed to us by signaling: role assignments and session descriptions. */
static void on_unsolicited(actr_sigc_t *c, const Signaling__SignalingEnvelope *env, void *ud)
{
    (void)c;
    actor_t *self = ud;
    if (env->flow_case != SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY)
        return;
    const Signaling__ActrRelay *relay = env->actr_relay;
    if (relay->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_ASSIGNMENT) {
        int offerer = relay->role_assignment->is_offerer;
        printf("%-8s signaling assigned the WebRTC role: %s\n", self->label,
               offerer ? "offerer" : "answerer");
        if (offerer) {
            char exchange_id[ACTR_UUID_STR_LEN + 1];
            actr_uuid_t uuid;
            actr_uuid_v4(&uuid);
            actr_uuid_format(&uuid, exchange_id);
            relay_sdp(self, WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER,
                      "v=0 (an offer relayed through actrd)", exchange_id);
        }
    } else if (relay->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION) {
        const Webrtc__SessionDescription *desc = relay->session_description;
        int is_offer = desc->type == WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER;
        printf("%-8s received %s from %s: \"%s\"\n", self->label, is_offer ? "an offer" : "the answer",
               other(self)->grant.actr_id_str, desc->sdp ? desc->sdp : "");
        if (is_offer)
            relay_sdp(self, WEBRTC__SESSION_DESCRIPTION__TYPE__ANSWER,
                      "v=0 (the answer, same exchange id)", desc->sdp_exchange_id);
        else
            finish(self->demo, 1, NULL);
    }
}

static void on_candidates(actr_sigc_t *c, int status, const Signaling__SignalingEnvelope *reply,
                          void *ud)
{
    (void)c;
    actor_t *cli = ud;
    demo_t *d = cli->demo;
    const Signaling__SignalingToActr *s = reply ? reply->server_to_actr : NULL;
    if (status != 0 || !s || s->payload_case !=
        SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ROUTE_CANDIDATES_RESPONSE ||
        s->route_candidates_response->result_case !=
            ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS ||
        s->route_candidates_response->success->n_candidates == 0) {
        finish(d, 0, "discovery found no echo service");
        return;
    }
    actr_id_t found;
    if (actr_id_from_pb(s->route_candidates_response->success->candidates[0], &found, NULL) != 0 ||
        !actr_id_equal(&found, &d->service.grant.actr_id)) {
        finish(d, 0, "discovery returned someone else");
        return;
    }
    printf("%-8s discovered %s\n", cli->label, d->service.grant.actr_id_str);

    actr_id_pb_t from, to;
    actr_id_pb_init(&from, &cli->grant.actr_id);
    actr_id_pb_init(&to, &d->service.grant.actr_id);
    Actr__RoleNegotiation neg = ACTR__ROLE_NEGOTIATION__INIT;
    neg.from = &from.id;
    neg.to = &to.id;
    neg.realm_id = d->realm_id;
    Signaling__ActrRelay relay = SIGNALING__ACTR_RELAY__INIT;
    relay.target = &to.id;
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ROLE_NEGOTIATION;
    relay.role_negotiation = &neg;
    if (actr_sigc_send_relay(cli->sigc, &relay, NULL) != 0)
        finish(d, 0, "role negotiation not sent");
}

static void discover(demo_t *d)
{
    actr_type_t type;
    actr_type_parse(&type, d->service.type_str, strlen(d->service.type_str), NULL);
    Actr__ActrType type_pb;
    actr_type_pb_init(&type_pb, &type);
    Actr__RouteCandidatesRequest__NodeSelectionCriteria criteria =
        ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__INIT;
    criteria.candidate_count = 1;
    Actr__RouteCandidatesRequest req = ACTR__ROUTE_CANDIDATES_REQUEST__INIT;
    req.target_type = &type_pb;
    req.criteria = &criteria;
    req.client_fingerprint = "";
    Signaling__ActrToSignaling msg = SIGNALING__ACTR_TO_SIGNALING__INIT;
    msg.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_ROUTE_CANDIDATES_REQUEST;
    msg.route_candidates_request = &req;
    if (actr_sigc_send_request(d->client.sigc, &msg, 0, on_candidates, &d->client, NULL) != 0)
        finish(d, 0, "discovery not sent");
}

static void on_state(actr_sigc_t *c, const actr_sigc_event_t *ev, void *ud)
{
    (void)c;
    actor_t *a = ud;
    if (ev->state == ACTR_SIGC_CONNECTED) {
        printf("%-8s connected to signaling as %s\n", a->label, a->grant.actr_id_str);
        if (++a->demo->connected == 2)
            discover(a->demo);
    } else if (ev->state == ACTR_SIGC_DISCONNECTED && !a->demo->finished) {
        finish(a->demo, 0, ev->detail);
    }
}

static void connect_signaling(actor_t *a)
{
    actr_sigc_config_t cfg;
    actr_sigc_config_init(&cfg);
    cfg.url = a->demo->signaling_url;
    cfg.identity.id = a->grant.actr_id;
    cfg.identity.key_id = a->grant.credential.key_id;
    cfg.identity.claims = a->grant.credential.claims;
    cfg.identity.claims_len = a->grant.credential.claims_len;
    cfg.identity.signature = a->grant.credential.signature;
    cfg.identity.signature_len = sizeof a->grant.credential.signature;
    cfg.retry.auto_reconnect = false;
    actr_sigc_callbacks_t cbs = {.on_state = on_state, .on_unsolicited = on_unsolicited,
                                 .userdata = a};
    actr_error_t err = {0};
    if (actr_sigc_new(&a->demo->loop, &cfg, &cbs, &a->sigc, &err) != 0 ||
        actr_sigc_connect(a->sigc, NULL, NULL) != 0)
        finish(a->demo, 0, err.message[0] ? err.message : "signaling connect failed");
}

static void register_actor(actor_t *a);

static void on_registered(const actr_ais_result_t *res, void *arg)
{
    actor_t *a = arg;
    if (res->status != ACTR_AIS_OK) {
        finish(a->demo, 0, res->message);
        return;
    }
    a->grant = res->grant;
    printf("%-8s registered with AIS: %s (credential key %u)\n", a->label, a->grant.actr_id_str,
           a->grant.credential.key_id);
    if (a == &a->demo->service) {
        register_actor(&a->demo->client);
    } else {
        connect_signaling(&a->demo->service);
        connect_signaling(&a->demo->client);
    }
}

/* LINKED registration; the ACL lets the other actor discover and relay to this one. */
static void register_actor(actor_t *a)
{
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_LINKED;
    p.realm_id = a->demo->realm_id;
    actr_error_t err = {0};
    actr_acl_t acl = ACTR_ACL_INIT;
    actr_acl_rule_t rule;
    if (actr_type_parse(&p.type, a->type_str, strlen(a->type_str), &err) != 0 ||
        actr_acl_rule_parse(&rule, "allow", a->peer_type_str, "self", p.realm_id, &err) != 0 ||
        actr_acl_add_rule(&acl, &rule) != 0) {
        finish(a->demo, 0, err.message);
        return;
    }
    p.acl = &acl;
    if (actr_ais_register(a->demo->ais, &p, on_registered, a, NULL, &err) != 0)
        finish(a->demo, 0, err.message);
    actr_acl_free(&acl);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: actrd-pair AIS_URL SIGNALING_URL REALM_ID REALM_SECRET\n");
        return 2;
    }
    actr_log_set_level(ACTR_LOG_WARN);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL); /* process-wide; the banner is noise here */
    demo_t d = {0};
    d.realm_id = (uint32_t)strtoul(argv[3], NULL, 10);
    d.signaling_url = argv[2];
    d.service = (actor_t){.label = "service", .type_str = "acme:echo-service:1.0.0",
                          .peer_type_str = "acme:echo-client:1.0.0", .demo = &d};
    d.client = (actor_t){.label = "client", .type_str = "acme:echo-client:1.0.0",
                         .peer_type_str = "acme:echo-service:1.0.0", .demo = &d};
    uv_loop_init(&d.loop);
    uv_timer_init(&d.loop, &d.deadline);
    d.deadline.data = &d;
    uv_timer_start(&d.deadline, on_deadline, 20000, 0);

    actr_error_t err = {0};
    actr_ais_client_options_t opts = {.endpoint = argv[1], .realm_secret = argv[4]};
    if (actr_curl_uv_new(&d.loop, &d.http) != 0 ||
        actr_ais_client_new(d.http, &opts, &d.ais, &err) != 0) {
        fprintf(stderr, "actrd-pair: %s\n", err.message[0] ? err.message : "no HTTP client");
        return 1;
    }
    register_actor(&d.service);
    if (!d.finished)
        uv_run(&d.loop, UV_RUN_DEFAULT);

    /* Orderly teardown: clients first, then the HTTP machinery, then the loop's own handles. */
    if (d.service.sigc)
        actr_sigc_destroy(d.service.sigc);
    if (d.client.sigc)
        actr_sigc_destroy(d.client.sigc);
    actr_ais_client_free(d.ais);
    actr_curl_uv_close(d.http, NULL, NULL);
    uv_close((uv_handle_t *)&d.deadline, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    int closed = uv_loop_close(&d.loop);
    if (d.finished == 1)
        printf("done: two actors registered, met through signaling and exchanged an offer and "
               "an answer\n");
    return d.finished == 1 && closed == 0 ? 0 : 1;
}
