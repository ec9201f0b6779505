/*
 * Interop with Google's protoc, an implementation nobody here wrote. For each sample, written as
 * protoc text format:
 *   1. `protoc --encode` turns the text into bytes, which we decode (and check fields);
 *   2. our encoding (of a message built in C, or of what we decoded) equals protoc's bytes
 *      exactly: both write fields in number order, so byte equality is expected;
 *   3. `protoc --decode` turns our bytes back into exactly the sample text.
 * protoc is found on PATH and the schemas in $ACTR_SOURCE_DIR/proto. A missing protoc is a
 * failure, not a skip. The last line is "N passed, M failed".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.pb-c.h"
#include "codec/pb.h"
#include "package.pb-c.h"
#include "signaling.pb-c.h"

static int passed, failed;
static char proto_dir[1024];

static void report(bool ok, const char *sample, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(bool ok, const char *sample, const char *what, const char *fmt, ...)
{
    printf("%s %s: %s", ok ? "PASS" : "FAIL", sample, what);
    if (!ok && fmt) {
        va_list ap;
        va_start(ap, fmt);
        printf(": ");
        vprintf(fmt, ap);
        va_end(ap);
    }
    printf("\n");
    if (ok)
        passed++;
    else
        failed++;
}

static bool find_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    while (*path) {
        size_t n = strcspn(path, ":");
        char candidate[1024];
        snprintf(candidate, sizeof candidate, "%.*s/%s", (int)n, path, prog);
        if (access(candidate, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Runs `protoc <mode>=<type> -I proto_dir proto_dir/<file>` on input; stdout goes to *out (NUL
 * terminated, malloc'd), stderr is shown when protoc fails. Returns protoc's exit status. */
static int run_protoc(const char *mode, const char *type, const char *file, const void *input,
                      size_t input_len, uint8_t **out, size_t *out_len)
{
    char in_path[] = "/tmp/actr-proto-interop-XXXXXX";
    int fd = mkstemp(in_path);
    if (fd < 0)
        return -1;
    close(fd);
    char err_path[sizeof in_path + 4];
    snprintf(err_path, sizeof err_path, "%s.err", in_path);
    if (!write_file(in_path, input, input_len)) {
        unlink(in_path);
        return -1;
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "protoc %s=%s -I '%s' '%s/%s' < '%s' 2> '%s'", mode, type, proto_dir,
             proto_dir, file, in_path, err_path);
    FILE *p = popen(cmd, "r");
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (p && buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len == 1) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger)
                break;
            buf = bigger;
            cap *= 2;
        }
    }
    int status = p ? pclose(p) : -1;
    int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != 0) {
        FILE *e = fopen(err_path, "r");
        char line[512];
        while (e && fgets(line, sizeof line, e))
            printf("  protoc: %s", line);
        if (e)
            fclose(e);
    }
    unlink(in_path);
    unlink(err_path);
    if (buf)
        buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return buf ? code : -1;
}

/* ---- Messages built in C ---- */

/* Storage for an ActrId and its parts. */
typedef struct id_parts {
    Actr__ActrId id;
    Actr__Realm realm;
    Actr__ActrType type;
} id_parts_t;

static Actr__ActrId *make_id(id_parts_t *s, uint32_t realm_id, uint64_t serial, const char *mfr,
                             const char *name, const char *version)
{
    actr__actr_id__init(&s->id);
    actr__realm__init(&s->realm);
    actr__actr_type__init(&s->type);
    s->realm.realm_id = realm_id;
    s->type.manufacturer = (char *)mfr;
    s->type.name = (char *)name;
    s->type.version = (char *)version;
    s->id.realm = &s->realm;
    s->id.serial_number = serial;
    s->id.type = &s->type;
    return &s->id;
}

static ProtobufCBinaryData bin(const char *data, size_t len)
{
    ProtobufCBinaryData b = {len, (uint8_t *)data};
    return b;
}

static const ProtobufCMessage *build_rpc_request(void)
{
    static Actr__MetadataEntry e1 = ACTR__METADATA_ENTRY__INIT, e2 = ACTR__METADATA_ENTRY__INIT;
    static Actr__MetadataEntry *entries[] = {&e1, &e2};
    static Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    e1.key = "k1";
    e1.value = "v1";
    e2.key = "k2";
    e2.value = "";
    env.route_key = "echo.EchoService.Echo";
    env.has_payload = 1;
    env.payload = bin("hello", 5);
    env.has_direction = 1;
    env.direction = ACTR__DIRECTION__DIRECTION_REQUEST;
    env.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    env.request_id = "0b6f7d0e-8c1f-4d7e-9a55-3c1f0b6f7d0e";
    env.n_metadata = 2;
    env.metadata = entries;
    env.timeout_ms = 30000;
    return &env.base;
}

static const ProtobufCMessage *build_rpc_error_response(void)
{
    static Actr__ErrorResponse error = ACTR__ERROR_RESPONSE__INIT;
    static Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    error.code = 10006;
    error.message = "unknown route: echo.EchoService.Echo";
    env.route_key = "echo.EchoService.Echo";
    env.error = &error;
    env.has_direction = 1;
    env.direction = ACTR__DIRECTION__DIRECTION_RESPONSE;
    env.request_id = "r-1";
    env.timeout_ms = 0;
    return &env.base;
}

static const ProtobufCMessage *build_relay_sdp(void)
{
    static id_parts_t src, dst;
    static Actr__AIdCredential cred = ACTR__AID_CREDENTIAL__INIT;
    static Webrtc__SessionDescription sdp = WEBRTC__SESSION_DESCRIPTION__INIT;
    static Signaling__ActrRelay relay = SIGNALING__ACTR_RELAY__INIT;
    static Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    cred.key_id = 3;
    cred.claims = bin("\x08\x65\x12\x01x", 5);
    cred.signature = bin("\xff\x00\x80\"\\", 5);
    sdp.type = WEBRTC__SESSION_DESCRIPTION__TYPE__OFFER;
    sdp.sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n";
    sdp.sdp_exchange_id = "5f0c3c7e-2b4e-4c55-8f7a-0e8d9a1b2c3d";
    relay.source = make_id(&src, 101, 1715000000123ull, "acme", "echo-client", "1.0.0");
    relay.credential = &cred;
    relay.target = make_id(&dst, 101, 42, "acme", "echo-service", "v2");
    relay.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
    relay.session_description = &sdp;
    env.envelope_version = 2;
    env.envelope_id = "env-7";
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY;
    env.actr_relay = &relay;
    return &env.base;
}

static const ProtobufCMessage *build_register_request(void)
{
    static Actr__ActrType type = ACTR__ACTR_TYPE__INIT, from = ACTR__ACTR_TYPE__INIT;
    static Actr__Realm realm = ACTR__REALM__INIT;
    static Actr__AclRule r1 = ACTR__ACL_RULE__INIT, r2 = ACTR__ACL_RULE__INIT;
    static Actr__AclRule *rules[] = {&r1, &r2};
    static Actr__Acl acl = ACTR__ACL__INIT;
    static Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    type.manufacturer = "acme";
    type.name = "echo-service";
    type.version = "1.0.0";
    from.manufacturer = "acme";
    from.name = "echo-client";
    from.version = "1.0.0";
    realm.realm_id = 101;
    r1.permission = ACTR__ACL_RULE__PERMISSION__ALLOW;
    r1.from_type = &from;
    r1.source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_ANY_REALM;
    r1.any_realm = 1;
    r2.permission = ACTR__ACL_RULE__PERMISSION__DENY;
    r2.from_type = &from;
    r2.source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_REALM_ID;
    r2.realm_id = 7;
    acl.n_rules = 2;
    acl.rules = rules;
    req.actr_type = &type;
    req.realm = &realm;
    req.acl = &acl;
    req.ws_address = "ws://192.168.1.10:9100";
    req.has_auth_mode = 1;
    req.auth_mode = ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED;
    req.has_manufacturer_auth_signed_at = 1;
    req.manufacturer_auth_signed_at = 1700000000;
    req.has_manufacturer_auth_nonce = 1;
    req.manufacturer_auth_nonce = bin("\x01\x02\x03\x04", 4);
    return &req.base;
}

static const ProtobufCMessage *build_register_ok(void)
{
    static id_parts_t id;
    static Actr__AIdCredential cred = ACTR__AID_CREDENTIAL__INIT;
    static Actr__TurnCredential turn = ACTR__TURN_CREDENTIAL__INIT;
    static Google__Protobuf__Timestamp expires = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    static Google__Protobuf__Timestamp token_expires = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    static Actr__RegisterResponse__RegisterOk ok = ACTR__REGISTER_RESPONSE__REGISTER_OK__INIT;
    static Actr__RegisterResponse resp = ACTR__REGISTER_RESPONSE__INIT;
    cred.key_id = 1;
    cred.claims = bin("\x08\x65", 2);
    cred.signature = bin("\x00\x01", 2);
    turn.username = "1700003600:1a2b3c@101/acme:echo-service:1.0.0";
    turn.password = "c2VjcmV0";
    turn.expires_at = 1700003600;
    expires.seconds = 1700003600; /* nanos 0: not written, as AIS sends it */
    token_expires.seconds = 1700086400;
    token_expires.nanos = 5;
    ok.actr_id = make_id(&id, 101, 0x1a2b3c, "acme", "echo-service", "1.0.0");
    ok.credential = &cred;
    ok.turn_credential = &turn;
    ok.credential_expires_at = &expires;
    ok.signaling_heartbeat_interval_secs = 30;
    ok.signing_pubkey = bin("\x11\x22", 2);
    ok.signing_key_id = 1;
    ok.has_renewal_token = 1;
    ok.renewal_token = bin("tok", 3);
    ok.renewal_token_expires_at = &token_expires;
    resp.result_case = ACTR__REGISTER_RESPONSE__RESULT_SUCCESS;
    resp.success = &ok;
    return &resp.base;
}

static const ProtobufCMessage *build_data_chunk(void)
{
    static Actr__MetadataEntry e = ACTR__METADATA_ENTRY__INIT;
    static Actr__MetadataEntry *entries[] = {&e};
    static Actr__DataChunk chunk = ACTR__DATA_CHUNK__INIT;
    e.key = "mime";
    e.value = "text/plain";
    chunk.stream_id = "file-1";
    chunk.sequence = 3;
    chunk.payload = bin("abc", 3);
    chunk.n_metadata = 1;
    chunk.metadata = entries;
    chunk.has_timestamp_ms = 1;
    chunk.timestamp_ms = -1;
    return &chunk.base;
}

static const ProtobufCMessage *build_abi_frame(void)
{
    static Actr__Abi__AbiFrame frame = ACTR__ABI__ABI_FRAME__INIT;
    frame.abi_version = ACTR__ABI__ABI_VERSION__ABI_VERSION_V1;
    frame.op = ACTR__ABI__ABI_OP__ABI_OP_GUEST_HANDLE;
    frame.payload = bin("\x0a\x00\x18\x01", 4);
    return &frame.base;
}

static const ProtobufCMessage *build_guest_hook(void)
{
    static id_parts_t self, peer_id;
    static Actr__Abi__InvocationContextV1 ctx = ACTR__ABI__INVOCATION_CONTEXT_V1__INIT;
    static Actr__Abi__PeerEventV1 peer = ACTR__ABI__PEER_EVENT_V1__INIT;
    static Actr__Abi__GuestHookV1 hook = ACTR__ABI__GUEST_HOOK_V1__INIT;
    ctx.self_id = make_id(&self, 1, 1, "acme", "svc", "1");
    ctx.request_id = "hook:on_webrtc_connected";
    peer.peer = make_id(&peer_id, 1, 2, "acme", "cli", "1");
    peer.opt_relayed_case = ACTR__ABI__PEER_EVENT_V1__OPT_RELAYED_RELAYED;
    peer.relayed = 0; /* present and false: still written */
    peer.opt_status_case = ACTR__ABI__PEER_EVENT_V1__OPT_STATUS_STATUS;
    peer.status = ACTR__ABI__WEB_RTC_PEER_STATUS__WEBRTC_PEER_STATUS_CONNECTED;
    hook.ctx = &ctx;
    hook.hook = ACTR__ABI__RUNTIME_HOOK__RUNTIME_HOOK_ON_WEBRTC_CONNECTED;
    hook.peer = &peer;
    hook.bridge_token = 0; /* zero: not written */
    return &hook.base;
}

/* ---- Field checks on what we decoded from protoc's bytes ---- */

static bool check_rpc_request(const ProtobufCMessage *m)
{
    const Actr__RpcEnvelope *e = (const Actr__RpcEnvelope *)m;
    return strcmp(e->route_key, "echo.EchoService.Echo") == 0 && e->has_payload &&
           e->payload.len == 5 && e->has_direction &&
           e->direction == ACTR__DIRECTION__DIRECTION_REQUEST && e->n_metadata == 2 &&
           strcmp(e->metadata[1]->key, "k2") == 0 && strcmp(e->metadata[1]->value, "") == 0 &&
           e->timeout_ms == 30000;
}

static bool check_relay_sdp(const ProtobufCMessage *m)
{
    const Signaling__SignalingEnvelope *e = (const Signaling__SignalingEnvelope *)m;
    if (e->flow_case != SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY)
        return false;
    const Signaling__ActrRelay *r = e->actr_relay;
    return r->source->serial_number == 1715000000123ull && r->target->realm->realm_id == 101 &&
           r->credential->signature.len == 5 && r->credential->signature.data[1] == 0 &&
           r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION &&
           strncmp(r->session_description->sdp, "v=0\r\n", 5) == 0;
}

static bool check_route_candidates(const ProtobufCMessage *m)
{
    const Signaling__SignalingEnvelope *e = (const Signaling__SignalingEnvelope *)m;
    if (e->flow_case != SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR ||
        strcmp(e->reply_for, "env-2") != 0)
        return false;
    const Signaling__SignalingToActr *s = e->server_to_actr;
    if (s->payload_case != SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ROUTE_CANDIDATES_RESPONSE ||
        s->route_candidates_response->result_case !=
            ACTR__ROUTE_CANDIDATES_RESPONSE__RESULT_SUCCESS)
        return false;
    const Actr__RouteCandidatesResponse__RouteCandidatesOk *ok =
        s->route_candidates_response->success;
    return ok->n_candidates == 2 && ok->candidates[1]->serial_number == 9 &&
           ok->n_ws_address_map == 1 &&
           strcmp(ok->ws_address_map[0]->ws_address, "ws://127.0.0.1:9100") == 0;
}

static bool check_missing_required(const ProtobufCMessage *m)
{
    const Actr__RpcEnvelope *e = (const Actr__RpcEnvelope *)m;
    return strcmp(e->route_key, "x") == 0 && strcmp(e->request_id, "") == 0 &&
           e->timeout_ms == 0 && e->direction == ACTR__DIRECTION__DIRECTION_TELL;
}

static bool check_guest_hook(const ProtobufCMessage *m)
{
    const Actr__Abi__GuestHookV1 *h = (const Actr__Abi__GuestHookV1 *)m;
    return h->hook == 8 && h->peer &&
           h->peer->opt_relayed_case == ACTR__ABI__PEER_EVENT_V1__OPT_RELAYED_RELAYED &&
           !h->peer->relayed && h->peer->status == 2 && !h->credential && h->bridge_token == 0;
}

/* ---- Samples ---- */

typedef struct sample {
    const char *name;
    const char *type; /* full protobuf name */
    const char *file; /* defining .proto, relative to proto/ */
    const ProtobufCMessageDescriptor *desc;
    const ProtobufCMessage *(*build)(void);  /* NULL: re-encode what we decoded */
    bool (*check)(const ProtobufCMessage *); /* NULL: no field checks */
    const char *text;                        /* exactly as protoc --decode prints it */
} sample_t;

#define ID_TEXT(indent, realm, serial, mfr, name, version)                                     \
    indent "  realm {\n" indent "    realm_id: " #realm "\n" indent "  }\n" indent             \
           "  serial_number: " #serial "\n" indent "  type {\n" indent "    manufacturer: \"" mfr \
           "\"\n" indent "    name: \"" name "\"\n" indent "    version: \"" version "\"\n"       \
           indent "  }\n"

static const sample_t samples[] = {
    {"rpc-request", "actr.RpcEnvelope", "package.proto", &actr__rpc_envelope__descriptor,
     build_rpc_request, check_rpc_request,
     "route_key: \"echo.EchoService.Echo\"\n"
     "payload: \"hello\"\n"
     "direction: DIRECTION_REQUEST\n"
     "traceparent: \"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"\n"
     "request_id: \"0b6f7d0e-8c1f-4d7e-9a55-3c1f0b6f7d0e\"\n"
     "metadata {\n  key: \"k1\"\n  value: \"v1\"\n}\n"
     "metadata {\n  key: \"k2\"\n  value: \"\"\n}\n"
     "timeout_ms: 30000\n"},
    {"rpc-error-response", "actr.RpcEnvelope", "package.proto", &actr__rpc_envelope__descriptor,
     build_rpc_error_response, NULL,
     "route_key: \"echo.EchoService.Echo\"\n"
     "error {\n  code: 10006\n  message: \"unknown route: echo.EchoService.Echo\"\n}\n"
     "direction: DIRECTION_RESPONSE\n"
     "request_id: \"r-1\"\n"
     "timeout_ms: 0\n"},
    {"signaling-relay-sdp", "signaling.SignalingEnvelope", "signaling.proto",
     &signaling__signaling_envelope__descriptor, build_relay_sdp, check_relay_sdp,
     "envelope_version: 2\n"
     "envelope_id: \"env-7\"\n"
     "actr_relay {\n"
     "  source {\n" ID_TEXT("  ", 101, 1715000000123, "acme", "echo-client", "1.0.0") "  }\n"
     "  credential {\n    key_id: 3\n    claims: \"\\010e\\022\\001x\"\n"
     "    signature: \"\\377\\000\\200\\\"\\\\\"\n  }\n"
     "  target {\n" ID_TEXT("  ", 101, 42, "acme", "echo-service", "v2") "  }\n"
     "  session_description {\n    type: OFFER\n"
     "    sdp: \"v=0\\r\\no=- 1 2 IN IP4 127.0.0.1\\r\\n\"\n"
     "    sdp_exchange_id: \"5f0c3c7e-2b4e-4c55-8f7a-0e8d9a1b2c3d\"\n  }\n"
     "}\n"},
    {"signaling-relay-ice", "signaling.SignalingEnvelope", "signaling.proto",
     &signaling__signaling_envelope__descriptor, NULL, NULL,
     "envelope_version: 2\n"
     "envelope_id: \"env-8\"\n"
     "actr_relay {\n"
     "  source {\n" ID_TEXT("  ", 1, 1, "a", "b", "c") "  }\n"
     "  credential {\n    key_id: 0\n    claims: \"\"\n    signature: \"\"\n  }\n"
     "  target {\n" ID_TEXT("  ", 1, 2, "a", "b", "c") "  }\n"
     "  ice_candidate {\n"
     "    candidate: \"candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host\"\n"
     "    sdp_mid: \"0\"\n    sdp_mline_index: 0\n    username_fragment: \"ufrag\"\n  }\n"
     "}\n"},
    {"signaling-ping", "signaling.SignalingEnvelope", "signaling.proto",
     &signaling__signaling_envelope__descriptor, NULL, NULL,
     "envelope_version: 2\n"
     "envelope_id: \"env-1\"\n"
     "traceparent: \"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"\n"
     "actr_to_server {\n"
     "  source {\n" ID_TEXT("  ", 101, 1715000000123, "acme", "echo-client", "1.0.0") "  }\n"
     "  credential {\n    key_id: 1\n    claims: \"c\"\n    signature: \"s\"\n  }\n"
     "  ping {\n    availability: DEGRADED\n    power_reserve: 2.5\n"
     "    mailbox_backlog: 0.125\n  }\n"
     "}\n"},
    {"signaling-route-candidates", "signaling.SignalingEnvelope", "signaling.proto",
     &signaling__signaling_envelope__descriptor, NULL, check_route_candidates,
     "envelope_version: 2\n"
     "envelope_id: \"srv-5\"\n"
     "reply_for: \"env-2\"\n"
     "server_to_actr {\n"
     "  target {\n" ID_TEXT("  ", 1, 1, "a", "b", "c") "  }\n"
     "  route_candidates_response {\n    success {\n"
     "      candidates {\n" ID_TEXT("      ", 1, 8, "a", "s", "1") "      }\n"
     "      candidates {\n" ID_TEXT("      ", 1, 9, "a", "s", "1") "      }\n"
     "      ws_address_map {\n"
     "        candidate_id {\n" ID_TEXT("        ", 1, 9, "a", "s", "1") "        }\n"
     "        ws_address: \"ws://127.0.0.1:9100\"\n      }\n"
     "    }\n  }\n"
     "}\n"},
    {"route-candidates-request", "actr.RouteCandidatesRequest", "actr.proto",
     &actr__route_candidates_request__descriptor, NULL, NULL,
     "target_type {\n  manufacturer: \"acme\"\n  name: \"echo-service\"\n  version: \"1.0.0\"\n}\n"
     "criteria {\n  candidate_count: 1\n  ranking_factors: EXACT_MATCH_FIRST\n"
     "  ranking_factors: NEAREST\n  minimal_health_requirement: OVERLOADED\n}\n"
     "client_location {\n  region: \"cn-beijing\"\n  latitude: 39.9\n  longitude: -116.4\n}\n"
     "client_fingerprint: \"\"\n"},
    {"register-request", "actr.RegisterRequest", "actr.proto", &actr__register_request__descriptor,
     build_register_request, NULL,
     "actr_type {\n  manufacturer: \"acme\"\n  name: \"echo-service\"\n  version: \"1.0.0\"\n}\n"
     "realm {\n  realm_id: 101\n}\n"
     "acl {\n"
     "  rules {\n    permission: ALLOW\n    from_type {\n      manufacturer: \"acme\"\n"
     "      name: \"echo-client\"\n      version: \"1.0.0\"\n    }\n    any_realm: true\n  }\n"
     "  rules {\n    permission: DENY\n    from_type {\n      manufacturer: \"acme\"\n"
     "      name: \"echo-client\"\n      version: \"1.0.0\"\n    }\n    realm_id: 7\n  }\n"
     "}\n"
     "ws_address: \"ws://192.168.1.10:9100\"\n"
     "auth_mode: REGISTER_AUTH_MODE_LINKED\n"
     "manufacturer_auth_signed_at: 1700000000\n"
     "manufacturer_auth_nonce: \"\\001\\002\\003\\004\"\n"},
    {"register-ok", "actr.RegisterResponse", "actr.proto", &actr__register_response__descriptor,
     build_register_ok, NULL,
     "success {\n"
     "  actr_id {\n" ID_TEXT("  ", 101, 1715004, "acme", "echo-service", "1.0.0") "  }\n"
     "  credential {\n    key_id: 1\n    claims: \"\\010e\"\n    signature: \"\\000\\001\"\n  }\n"
     "  turn_credential {\n    username: \"1700003600:1a2b3c@101/acme:echo-service:1.0.0\"\n"
     "    password: \"c2VjcmV0\"\n    expires_at: 1700003600\n  }\n"
     "  credential_expires_at {\n    seconds: 1700003600\n  }\n"
     "  signaling_heartbeat_interval_secs: 30\n"
     "  signing_pubkey: \"\\021\\\"\"\n"
     "  signing_key_id: 1\n"
     "  renewal_token: \"tok\"\n"
     "  renewal_token_expires_at {\n    seconds: 1700086400\n    nanos: 5\n  }\n"
     "}\n"},
    {"data-chunk", "actr.DataChunk", "package.proto", &actr__data_chunk__descriptor,
     build_data_chunk, NULL,
     "stream_id: \"file-1\"\n"
     "sequence: 3\n"
     "payload: \"abc\"\n"
     "metadata {\n  key: \"mime\"\n  value: \"text/plain\"\n}\n"
     "timestamp_ms: -1\n"},
    {"rpc-missing-required", "actr.RpcEnvelope", "package.proto", &actr__rpc_envelope__descriptor,
     NULL, check_missing_required,
     /* protoc writes what it is given; we read it with defaults, then write them out. */
     "route_key: \"x\"\n"
     "direction: DIRECTION_TELL\n"},
    {"abi-frame", "actr.abi.AbiFrame", "abi.proto", &actr__abi__abi_frame__descriptor,
     build_abi_frame, NULL,
     "abi_version: 1\n"
     "op: 101\n"
     "payload: \"\\n\\000\\030\\001\"\n"},
    {"abi-guest-hook", "actr.abi.GuestHookV1", "abi.proto", &actr__abi__guest_hook_v1__descriptor,
     build_guest_hook, check_guest_hook,
     "ctx {\n  self_id {\n" ID_TEXT("  ", 1, 1, "acme", "svc", "1") "  }\n"
     "  request_id: \"hook:on_webrtc_connected\"\n}\n"
     "hook: 8\n"
     "peer {\n  peer {\n" ID_TEXT("  ", 1, 2, "acme", "cli", "1") "  }\n"
     "  relayed: false\n  status: 2\n}\n"},
    {"abi-send-data-chunk", "actr.abi.HostSendDataChunkV1", "abi.proto",
     &actr__abi__host_send_data_chunk_v1__descriptor, NULL, NULL,
     "dest {\n  peer {\n" ID_TEXT("  ", 1, 2, "acme", "cli", "1") "  }\n}\n"
     "chunk {\n  stream_id: \"s\"\n  sequence: 0\n  payload: \"\"\n}\n"
     "payload_type: 3\n"},
};

/* Messages the reference would also write with every required field present; the
 * missing-required sample is the exception: our re-encoding adds the defaults. */
static const char *const missing_required_reencoded =
    "route_key: \"x\"\ndirection: DIRECTION_TELL\nrequest_id: \"\"\ntimeout_ms: 0\n";

static void run_sample(const sample_t *s)
{
    uint8_t *ref = NULL, *ours = NULL, *text = NULL;
    size_t ref_len, ours_len = 0, text_len;
    ProtobufCMessage *decoded = NULL;
    actr_error_t err = {0};

    int rc = run_protoc("--encode", s->type, s->file, s->text, strlen(s->text), &ref, &ref_len);
    report(rc == 0, s->name, "protoc --encode", "exit %d", rc);
    if (rc != 0)
        goto out;
    rc = actr_pb_decode(s->desc, ref, ref_len, &decoded, &err);
    report(rc == 0 && (!s->check || s->check(decoded)), s->name, "we decode protoc's bytes",
           "%s", rc != 0 ? err.message : "wrong field values");
    if (rc != 0)
        goto out;

    rc = actr_pb_encode(s->build ? s->build() : decoded, &ours, &ours_len, &err);
    if (rc != 0) {
        report(false, s->name, "we encode", "%s", err.message);
        goto out;
    }
    bool reencodes_defaults = s->check == check_missing_required;
    if (!reencodes_defaults)
        report(ours_len == ref_len && memcmp(ours, ref, ref_len) == 0, s->name,
               "our bytes equal protoc's", "%zu vs %zu bytes", ours_len, ref_len);

    rc = run_protoc("--decode", s->type, s->file, ours, ours_len, &text, &text_len);
    const char *want = reencodes_defaults ? missing_required_reencoded : s->text;
    bool same = rc == 0 && strcmp((const char *)text, want) == 0;
    report(same, s->name, "protoc --decode of our bytes gives the sample text", "got:\n%s",
           text ? (const char *)text : "");
out:
    free(ref);
    free(ours);
    free(text);
    actr_pb_free(decoded);
}

int main(void)
{
    const char *src = getenv("ACTR_SOURCE_DIR");
    if (!src || strchr(src, '\'')) {
        report(false, "setup", "ACTR_SOURCE_DIR", "unset or contains a quote");
    } else if (!find_on_path("protoc")) {
        report(false, "setup", "protoc on PATH", "not found (Debian: protobuf-compiler)");
    } else {
        snprintf(proto_dir, sizeof proto_dir, "%s/proto", src);
        fflush(stdout);
        if (system("protoc --version") != 0)
            report(false, "setup", "protoc --version", "failed");
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
            run_sample(&samples[i]);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
