/*
 * Protobuf schemas and codec/pb: every message of proto/ round-trips with every field set (each
 * oneof variant in turn), byte layouts pinned against hand-assembled wire bytes, and the
 * reference's decoding tolerance (missing required fields, unknown fields, packed or unpacked
 * repeated enums) next to rejection of malformed input.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "abi.pb-c.h"
#include "actr.pb-c.h"
#include "actr/options.pb-c.h"
#include "codec/pb.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "package.pb-c.h"
#include "signaling.pb-c.h"
#include "webrtc.pb-c.h"

/* Every message declared in proto/ (checked against the .proto files below). */
static const ProtobufCMessageDescriptor *const all_messages[] = {
    &google__protobuf__timestamp__descriptor,
    &actr__realm__descriptor,
    &actr__actr_type__descriptor,
    &actr__actr_id__descriptor,
    &actr__service_spec__descriptor,
    &actr__service_spec__protobuf__descriptor,
    &actr__actr_node__descriptor,
    &actr__service_location__descriptor,
    &actr__identity_claims__descriptor,
    &actr__turn_credential__descriptor,
    &actr__aid_credential__descriptor,
    &actr__acl_rule__descriptor,
    &actr__acl__descriptor,
    &actr__error_response__descriptor,
    &actr__credential_warning__descriptor,
    &actr__register_request__descriptor,
    &actr__register_response__descriptor,
    &actr__register_response__register_ok__descriptor,
    &actr__renew_credential_request__descriptor,
    &actr__renew_credential_response__descriptor,
    &actr__unregister_request__descriptor,
    &actr__unregister_response__descriptor,
    &actr__unregister_response__unregister_ok__descriptor,
    &actr__ping__descriptor,
    &actr__pong__descriptor,
    &actr__route_candidates_request__descriptor,
    &actr__route_candidates_request__node_selection_criteria__descriptor,
    &actr__ws_address_entry__descriptor,
    &actr__route_candidates_response__descriptor,
    &actr__route_candidates_response__route_candidates_ok__descriptor,
    &actr__discovery_request__descriptor,
    &actr__discovery_response__descriptor,
    &actr__discovery_response__type_entry__descriptor,
    &actr__discovery_response__discovery_ok__descriptor,
    &actr__get_service_spec_request__descriptor,
    &actr__get_service_spec_response__descriptor,
    &actr__subscribe_actr_up_request__descriptor,
    &actr__subscribe_actr_up_response__descriptor,
    &actr__subscribe_actr_up_response__subscribe_ok__descriptor,
    &actr__unsubscribe_actr_up_request__descriptor,
    &actr__unsubscribe_actr_up_response__descriptor,
    &actr__unsubscribe_actr_up_response__unsubscribe_ok__descriptor,
    &actr__actr_up_event__descriptor,
    &actr__role_negotiation__descriptor,
    &actr__role_assignment__descriptor,
    &actr__ice_restart_request__descriptor,
    &actr__metadata_entry__descriptor,
    &actr__rpc_envelope__descriptor,
    &actr__data_chunk__descriptor,
    &webrtc__ice_candidate__descriptor,
    &webrtc__session_description__descriptor,
    &signaling__signaling_envelope__descriptor,
    &signaling__get_signing_key_request__descriptor,
    &signaling__get_signing_key_response__descriptor,
    &signaling__peer_to_signaling__descriptor,
    &signaling__actr_to_signaling__descriptor,
    &signaling__signaling_to_actr__descriptor,
    &signaling__actr_relay__descriptor,
    &actr__abi__init_payload_v1__descriptor,
    &actr__abi__abi_frame__descriptor,
    &actr__abi__abi_reply__descriptor,
    &actr__abi__invocation_context_v1__descriptor,
    &actr__abi__dest_v1__descriptor,
    &actr__abi__timestamp_v1__descriptor,
    &actr__abi__host_call_v1__descriptor,
    &actr__abi__host_tell_v1__descriptor,
    &actr__abi__host_call_raw_v1__descriptor,
    &actr__abi__host_discover_v1__descriptor,
    &actr__abi__host_register_stream_v1__descriptor,
    &actr__abi__host_unregister_stream_v1__descriptor,
    &actr__abi__host_send_data_chunk_v1__descriptor,
    &actr__abi__guest_handle_v1__descriptor,
    &actr__abi__guest_data_chunk_v1__descriptor,
    &actr__abi__guest_lifecycle_v1__descriptor,
    &actr__abi__peer_event_v1__descriptor,
    &actr__abi__credential_event_v1__descriptor,
    &actr__abi__backpressure_event_v1__descriptor,
    &actr__abi__guest_hook_v1__descriptor,
};
#define N_MESSAGES (sizeof all_messages / sizeof all_messages[0])

/* ---- Generic builder and comparer, driven by the descriptors ---- */

#define MEMBER(msg, offset) ((void *)((char *)(msg) + (offset)))
#define CMEMBER(msg, offset) ((const void *)((const char *)(msg) + (offset)))

static int is_oneof(const ProtobufCFieldDescriptor *f)
{
    return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
}

/* Position of f among the members of its oneof, and their count. */
static unsigned oneof_position(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                               unsigned *count)
{
    unsigned pos = 0;
    *count = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *g = &d->fields[i];
        if (!is_oneof(g) || g->quantifier_offset != f->quantifier_offset)
            continue;
        if (g == f)
            pos = *count;
        (*count)++;
    }
    return pos;
}

/* proto2 optional scalars and bytes carry a has_ flag; strings and messages use NULL. */
static int has_flag(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_OPTIONAL && !is_oneof(f) &&
           f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

static size_t value_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default: /* 32-bit integers, float, enum */
        return 4;
    }
}

static ProtobufCMessage *make_full(const ProtobufCMessageDescriptor *d, unsigned variant, int depth);

/* Writes a distinctive non-default value of f's type; seed tells repeated elements apart. */
static void set_value(const ProtobufCFieldDescriptor *f, void *dst, unsigned seed, unsigned variant,
                      int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        *(int32_t *)dst = -100000 - (int32_t)seed; /* negative int32: a 10-byte varint */
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)dst = 4000000000u - seed;
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)dst = -(INT64_C(1) << 40) - (int64_t)seed;
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)dst = (UINT64_C(1) << 63) + seed;
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        *(float *)dst = 1.5f + (float)seed;
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)dst = -2.25 - (double)seed;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)dst = 1;
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = f->descriptor;
        *(int *)dst = e->values[e->n_values - 1 - seed % e->n_values].value; /* last first */
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        char *s = malloc(64);
        assert_non_null(s);
        snprintf(s, 64, "%s-%u-\xc3\xa9", f->name, seed); /* with a 2-byte UTF-8 character */
        *(char **)dst = s;
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = dst;
        b->len = 4;
        b->data = malloc(4);
        assert_non_null(b->data);
        memcpy(b->data, "\x00\xff\x80", 3);
        b->data[3] = (uint8_t)seed;
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        *(ProtobufCMessage **)dst = make_full(f->descriptor, variant, depth + 1);
        break;
    }
}

/* A message with every field set: two elements per repeated field, oneof member variant % n.
 * Built with malloc throughout, so protobuf_c_message_free_unpacked() frees it. */
static ProtobufCMessage *make_full(const ProtobufCMessageDescriptor *d, unsigned variant, int depth)
{
    assert_true(depth < 16);
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    assert_non_null(m);
    d->message_init(m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *dst = MEMBER(m, f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t size = value_size(f->type);
            void *arr = calloc(2, size);
            assert_non_null(arr);
            for (unsigned k = 0; k < 2; k++)
                set_value(f, (char *)arr + k * size, k + 1, variant, depth);
            *(size_t *)MEMBER(m, f->quantifier_offset) = 2;
            *(void **)dst = arr;
            continue;
        }
        if (is_oneof(f)) {
            unsigned count, pos = oneof_position(d, f, &count);
            if (pos != variant % count)
                continue;
            *(uint32_t *)MEMBER(m, f->quantifier_offset) = f->id;
        } else if (has_flag(f)) {
            *(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
        }
        set_value(f, dst, 0, variant, depth);
    }
    return m;
}

static unsigned max_oneof_members(const ProtobufCMessageDescriptor *d)
{
    unsigned max = 1;
    for (unsigned i = 0; i < d->n_fields; i++) {
        unsigned count;
        if (is_oneof(&d->fields[i])) {
            oneof_position(d, &d->fields[i], &count);
            max = count > max ? count : max;
        }
    }
    return max;
}

static void assert_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b, const char *path);

static void assert_value_equal(const ProtobufCFieldDescriptor *f, const void *a, const void *b,
                               const char *path)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *x = *(char *const *)a, *y = *(char *const *)b;
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
            fail_msg("%s: \"%s\" != \"%s\"", path, x ? x : "(null)", y ? y : "(null)");
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *x = a, *y = b;
        if (x->len != y->len || (x->len && memcmp(x->data, y->data, x->len) != 0))
            fail_msg("%s: bytes differ", path);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        assert_msg_equal(*(ProtobufCMessage *const *)a, *(ProtobufCMessage *const *)b, path);
        break;
    default: /* numbers compare bit for bit, floats included */
        if (memcmp(a, b, value_size(f->type)) != 0)
            fail_msg("%s: values differ", path);
        break;
    }
}

static void assert_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b, const char *path)
{
    if (!a || !b) {
        if (a != b)
            fail_msg("%s: one message is missing", path);
        return;
    }
    const ProtobufCMessageDescriptor *d = a->descriptor;
    assert_ptr_equal(d, b->descriptor);
    assert_int_equal(b->n_unknown_fields, a->n_unknown_fields);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char sub[512];
        snprintf(sub, sizeof sub, "%s.%s", path, f->name);
        const void *va = CMEMBER(a, f->offset), *vb = CMEMBER(b, f->offset);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)CMEMBER(a, f->quantifier_offset);
            if (n != *(const size_t *)CMEMBER(b, f->quantifier_offset))
                fail_msg("%s: element counts differ", sub);
            size_t size = value_size(f->type);
            for (size_t k = 0; k < n; k++)
                assert_value_equal(f, *(char *const *)va + k * size, *(char *const *)vb + k * size,
                                   sub);
            continue;
        }
        if (is_oneof(f) || has_flag(f)) {
            size_t qsize = is_oneof(f) ? sizeof(uint32_t) : sizeof(protobuf_c_boolean);
            const void *qa = CMEMBER(a, f->quantifier_offset), *qb = CMEMBER(b, f->quantifier_offset);
            if (memcmp(qa, qb, qsize) != 0)
                fail_msg("%s: presence differs", sub);
            if (is_oneof(f) ? *(const uint32_t *)qa != f->id : !*(const protobuf_c_boolean *)qa)
                continue;
        }
        assert_value_equal(f, va, vb, sub);
    }
}

static uint8_t *encode(const ProtobufCMessage *m, size_t *len)
{
    uint8_t *buf = NULL;
    actr_error_t err;
    assert_int_equal(actr_pb_encode(m, &buf, len, &err), 0);
    assert_non_null(buf);
    return buf;
}

static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *d, const void *data, size_t len)
{
    ProtobufCMessage *m = NULL;
    actr_error_t err = {0};
    int rc = actr_pb_decode(d, data, len, &m, &err);
    if (rc != 0)
        fail_msg("%s: decode failed: %s", d->name, err.message);
    assert_non_null(m);
    return m;
}

static int decode_rc(const ProtobufCMessageDescriptor *d, const void *data, size_t len)
{
    ProtobufCMessage *m = (ProtobufCMessage *)(uintptr_t)1;
    actr_error_t err = {0};
    int rc = actr_pb_decode(d, data, len, &m, &err);
    if (rc == 0) {
        actr_pb_free(m);
        return 0;
    }
    assert_null(m);
    assert_int_equal(err.code, rc);
    if (rc == ACTR_EPARSE || rc == ACTR_ETOOBIG) {
        assert_int_equal(err.kind, ACTR_KIND_CORRUPT);
        assert_int_equal(err.wire_code, ACTR_WIRE_DECODE_FAILURE);
        assert_non_null(strstr(err.message, d->name));
    }
    return rc;
}

/* ---- Round trips ---- */

static void test_every_message_round_trips(void **state)
{
    (void)state;
    unsigned variants = 1;
    for (size_t i = 0; i < N_MESSAGES; i++) {
        unsigned n = max_oneof_members(all_messages[i]);
        variants = n > variants ? n : variants;
    }
    assert_int_equal(variants, 11); /* SignalingToActr.payload */
    for (size_t i = 0; i < N_MESSAGES; i++) {
        for (unsigned v = 0; v < variants; v++) {
            ProtobufCMessage *m = make_full(all_messages[i], v, 0);
            size_t len, len2;
            uint8_t *bytes = encode(m, &len);
            ProtobufCMessage *back = decode(all_messages[i], bytes, len);
            assert_msg_equal(m, back, all_messages[i]->short_name);
            uint8_t *again = encode(back, &len2); /* and the encoding is stable */
            assert_int_equal(len2, len);
            assert_memory_equal(again, bytes, len);
            free(again);
            free(bytes);
            actr_pb_free(back);
            actr_pb_free(m);
        }
    }
}

/* The list above must name every message of proto/: count the declarations in the sources. */
static unsigned count_messages_in(const char *dir)
{
    unsigned count = 0;
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *ent;
    while ((ent = readdir(dh)) != NULL) {
        char path[1024];
        size_t n = strlen(ent->d_name);
        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 6, ".proto") != 0) {
            DIR *sub = opendir(path);
            if (sub) {
                closedir(sub);
                count += count_messages_in(path);
            }
            continue;
        }
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[512];
        while (fgets(line, sizeof line, f)) {
            const char *p = line + strspn(line, " \t");
            if (strncmp(p, "message ", 8) == 0 && strchr(p, '{'))
                count++;
        }
        fclose(f);
    }
    closedir(dh);
    return count;
}

static void test_list_covers_every_message(void **state)
{
    (void)state;
    const char *src = getenv("ACTR_SOURCE_DIR");
    assert_non_null(src);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/proto", src);
    assert_int_equal(count_messages_in(dir), N_MESSAGES);
    for (size_t i = 0; i < N_MESSAGES; i++)
        for (size_t j = i + 1; j < N_MESSAGES; j++)
            assert_ptr_not_equal(all_messages[i], all_messages[j]);
}

/* ---- Byte layout pinned by hand-assembled encodings (protobuf encoding spec) ---- */

static void assert_encodes_to(const ProtobufCMessage *m, const uint8_t *want, size_t want_len)
{
    size_t len;
    uint8_t *got = encode(m, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
}

static void test_rpc_envelope_known_bytes(void **state)
{
    (void)state;
    static const uint8_t want[] = {
        0x0a, 0x15, 'e', 'c', 'h', 'o', '.', 'E', 'c', 'h', 'o', 'S', 'e', 'r', 'v', 'i', 'c', 'e',
        '.', 'E', 'c', 'h', 'o',                                /* 1 route_key */
        0x12, 0x02, 'h', 'i',                                   /* 2 payload */
        0x20, 0x01,                                             /* 4 direction REQUEST */
        0xb2, 0x06, 0x03, 'r', '-', '1',                        /* 102 request_id: key 818 */
        0xba, 0x06, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v',     /* 103 metadata {k, v} */
        0xc0, 0x06, 0xb0, 0xea, 0x01,                           /* 104 timeout_ms 30000 */
    };
    Actr__MetadataEntry entry = ACTR__METADATA_ENTRY__INIT;
    Actr__MetadataEntry *entries[] = {&entry};
    entry.key = "k";
    entry.value = "v";
    Actr__RpcEnvelope env = ACTR__RPC_ENVELOPE__INIT;
    env.route_key = "echo.EchoService.Echo";
    env.has_payload = 1;
    env.payload.data = (uint8_t *)"hi";
    env.payload.len = 2;
    env.has_direction = 1;
    env.direction = ACTR__DIRECTION__DIRECTION_REQUEST;
    env.request_id = "r-1";
    env.n_metadata = 1;
    env.metadata = entries;
    env.timeout_ms = 30000;
    assert_encodes_to(&env.base, want, sizeof want);

    /* Required fields go out even when zero or empty, as prost writes them. */
    static const uint8_t bare[] = {0x0a, 0x00, 0xb2, 0x06, 0x00, 0xc0, 0x06, 0x00};
    Actr__RpcEnvelope empty = ACTR__RPC_ENVELOPE__INIT;
    assert_encodes_to(&empty.base, bare, sizeof bare);
}

static void test_timestamp_and_abi_known_bytes(void **state)
{
    (void)state;
    /* Timestamp is proto3 like Google's: nanos = 0 is not written. 1700000000 = 0x6553f100. */
    static const uint8_t ts_bytes[] = {0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06};
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = 1700000000;
    assert_encodes_to(&ts.base, ts_bytes, sizeof ts_bytes);

    /* ABI frames follow prost's implicit presence: the empty payload is omitted. */
    static const uint8_t frame_bytes[] = {0x08, 0x01, 0x10, 0x65};
    Actr__Abi__AbiFrame frame = ACTR__ABI__ABI_FRAME__INIT;
    frame.abi_version = ACTR__ABI__ABI_VERSION__ABI_VERSION_V1;
    frame.op = ACTR__ABI__ABI_OP__ABI_OP_GUEST_HANDLE;
    assert_encodes_to(&frame.base, frame_bytes, sizeof frame_bytes);

    /* A oneof member is written even when false; an unset optional is not written at all. */
    static const uint8_t dest_bytes[] = {0x08, 0x00};
    Actr__Abi__DestV1 dest = ACTR__ABI__DEST_V1__INIT;
    dest.kind_case = ACTR__ABI__DEST_V1__KIND_HOST;
    assert_encodes_to(&dest.base, dest_bytes, sizeof dest_bytes);
    static const uint8_t peer_bytes[] = {0x10, 0x00};
    Actr__Abi__PeerEventV1 peer = ACTR__ABI__PEER_EVENT_V1__INIT;
    peer.opt_relayed_case = ACTR__ABI__PEER_EVENT_V1__OPT_RELAYED_RELAYED;
    assert_encodes_to(&peer.base, peer_bytes, sizeof peer_bytes);
}

/* ---- The reference's decoding tolerance ---- */

static void test_missing_required_fields_get_defaults(void **state)
{
    (void)state;
    Actr__RpcEnvelope *env = (Actr__RpcEnvelope *)decode(&actr__rpc_envelope__descriptor, NULL, 0);
    assert_string_equal(env->route_key, "");
    assert_string_equal(env->request_id, "");
    assert_int_equal(env->timeout_ms, 0);
    assert_false(env->has_direction);
    actr_pb_free(env);

    /* ActrRelay holding only an ice candidate that itself lacks its required candidate. */
    static const uint8_t relay_bytes[] = {0x52, 0x03, 0x22, 0x01, 'u'};
    Signaling__ActrRelay *relay = (Signaling__ActrRelay *)decode(&signaling__actr_relay__descriptor,
                                                                 relay_bytes, sizeof relay_bytes);
    assert_int_equal(relay->payload_case, SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE);
    assert_string_equal(relay->ice_candidate->candidate, "");
    assert_string_equal(relay->ice_candidate->username_fragment, "u");
    assert_null(relay->ice_candidate->sdp_mid);
    assert_non_null(relay->source);
    assert_non_null(relay->source->realm);
    assert_string_equal(relay->source->type->version, "");
    assert_int_equal(relay->credential->signature.len, 0);
    actr_pb_free(relay);

    /* Present values win over the defaults, also inside repeated elements. */
    static const uint8_t ok_bytes[] = {0x0a, 0x00, 0x0a, 0x07, 0x10, 0x07, 0x1a, 0x03, 0x12, 0x01, 'x'};
    Actr__RouteCandidatesResponse__RouteCandidatesOk *ok =
        (Actr__RouteCandidatesResponse__RouteCandidatesOk *)decode(
            &actr__route_candidates_response__route_candidates_ok__descriptor, ok_bytes,
            sizeof ok_bytes);
    assert_int_equal(ok->n_candidates, 2);
    assert_int_equal(ok->candidates[0]->serial_number, 0);
    assert_int_equal(ok->candidates[1]->serial_number, 7);
    assert_string_equal(ok->candidates[1]->type->name, "x");
    assert_string_equal(ok->candidates[1]->type->manufacturer, "");
    assert_int_equal(ok->candidates[1]->realm->realm_id, 0);
    actr_pb_free(ok);
}

static void test_unknown_fields_are_skipped(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {
        0x90, 0x03, 0x2a,                                           /* 50 varint */
        0x0a, 0x01, 'a',                                            /* 1 route_key */
        0x99, 0x03, 1, 2, 3, 4, 5, 6, 7, 8,                         /* 51 fixed64 */
        0xa2, 0x03, 0x02, 0xff, 0x00,                               /* 52 length-delimited */
        0xad, 0x03, 1, 2, 3, 4,                                     /* 53 fixed32 */
        0xba, 0x06, 0x08, 0x0a, 0x01, 'k', 0x18, 0x05, 0x12, 0x01, 'v', /* metadata, unknown 3 */
        0xb3, 0x03, 0x08, 0x01, 0xbb, 0x03, 0xbc, 0x03, 0xb4, 0x03, /* 54 group, nested group 55 */
        0xb2, 0x06, 0x01, 'r',                                      /* 102 request_id */
        0x20, 0x09,                                                 /* direction 9: unknown value */
    };
    Actr__RpcEnvelope *env = (Actr__RpcEnvelope *)decode(&actr__rpc_envelope__descriptor, bytes,
                                                         sizeof bytes);
    assert_string_equal(env->route_key, "a");
    assert_string_equal(env->request_id, "r");
    assert_int_equal(env->n_metadata, 1);
    assert_string_equal(env->metadata[0]->key, "k");
    assert_string_equal(env->metadata[0]->value, "v");
    assert_true(env->has_direction);
    assert_int_equal(env->direction, 9); /* kept; the router drops it */
    /* Unknown fields are kept for re-encoding (fields 50-53, 3 in the entry); groups are not. */
    assert_int_equal(env->base.n_unknown_fields, 4);
    assert_int_equal(env->metadata[0]->base.n_unknown_fields, 1);
    actr_pb_free(env);

    /* Cut before the group: request_id is missing now and defaults to "". */
    size_t cut = sizeof bytes - 16;
    env = (Actr__RpcEnvelope *)decode(&actr__rpc_envelope__descriptor, bytes, cut);
    assert_string_equal(env->route_key, "a");
    assert_int_equal(env->n_metadata, 1);
    assert_string_equal(env->request_id, "");
    actr_pb_free(env);
}

static void test_repeated_enums_packed_or_not(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d =
        &actr__route_candidates_request__node_selection_criteria__descriptor;
    static const uint8_t unpacked[] = {0x08, 0x01, 0x10, 0x03, 0x10, 0x01};
    static const uint8_t packed[] = {0x08, 0x01, 0x12, 0x02, 0x03, 0x01};
    static const uint8_t mixed[] = {0x08, 0x01, 0x10, 0x03, 0x12, 0x01, 0x01};
    const uint8_t *inputs[] = {unpacked, packed, mixed};
    const size_t lens[] = {sizeof unpacked, sizeof packed, sizeof mixed};
    for (int i = 0; i < 3; i++) {
        Actr__RouteCandidatesRequest__NodeSelectionCriteria *c =
            (Actr__RouteCandidatesRequest__NodeSelectionCriteria *)decode(d, inputs[i], lens[i]);
        assert_int_equal(c->n_ranking_factors, 2);
        assert_int_equal(c->ranking_factors[0],
                         ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__NEAREST);
        assert_int_equal(c->ranking_factors[1],
                         ACTR__ROUTE_CANDIDATES_REQUEST__NODE_SELECTION_CRITERIA__NODE_RANKING_FACTOR__MINIMUM_MAILBOX_BACKLOG);
        assert_encodes_to(&c->base, unpacked, sizeof unpacked); /* always written unpacked */
        actr_pb_free(c);
    }
}

/* ---- Malformed input: an error, never a crash ---- */

static void test_malformed_input_is_rejected(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &actr__rpc_envelope__descriptor;
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
    } bad[] = {
        {"length past the end", "\x0a\x05\x61", 3},
        {"truncated key", "\x80", 1},
        {"varint over 10 bytes", "\x20\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12},
        {"field number 0", "\x00\x00", 2},
        {"wire type 7", "\x0f\x00", 2},
        {"stray end group", "\x0c", 1},
        {"unterminated group", "\xb3\x03\x08\x01", 4},
        {"group on a known field", "\x0b\x0c", 2},
        {"wrong wire type for a string", "\x08\x01", 2},
        {"invalid UTF-8", "\x0a\x02\xc3\x28", 4},
        {"overlong UTF-8", "\x0a\x02\xc0\xaf", 4},
        {"UTF-16 surrogate", "\x0a\x03\xed\xa0\x80", 5},
        {"NUL inside a string", "\x0a\x03\x61\x00\x62", 5},
        {"bad string in a nested message", "\x1a\x04\x12\x02\xc3\x28", 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (decode_rc(d, bad[i].bytes, bad[i].len) != ACTR_EPARSE)
            fail_msg("accepted: %s", bad[i].what);
    }

    static const uint8_t one = 0;
    assert_int_equal(decode_rc(d, &one, ACTR_PB_MAX_SIZE + 1), ACTR_ETOOBIG); /* never read */

    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(d, NULL, 1, &m, NULL), ACTR_EINVAL);
    assert_int_equal(actr_pb_decode(NULL, &one, 1, &m, NULL), ACTR_EINVAL);
    assert_int_equal(actr_pb_decode(d, &one, 1, NULL, NULL), ACTR_EINVAL);
}

static void test_truncations_and_garbage_never_crash(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &signaling__signaling_envelope__descriptor;
    for (unsigned v = 0; v < 5; v++) { /* each flow variant */
        ProtobufCMessage *m = make_full(d, v, 0);
        size_t len;
        uint8_t *bytes = encode(m, &len);
        for (size_t cut = 0; cut < len; cut++) {
            int rc = decode_rc(d, bytes, cut);
            assert_true(rc == 0 || rc == ACTR_EPARSE);
        }
        assert_int_equal(decode_rc(d, bytes, len - 1), ACTR_EPARSE);
        free(bytes);
        actr_pb_free(m);
    }

    uint32_t x = 2463534242u; /* xorshift32: reproducible garbage */
    uint8_t buf[48];
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)(i % (int)sizeof buf);
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            buf[k] = (uint8_t)x;
        }
        const ProtobufCMessageDescriptor *target = all_messages[(size_t)i % N_MESSAGES];
        int rc = decode_rc(target, buf, len);
        assert_true(rc == 0 || rc == ACTR_EPARSE);
    }
}

static void test_encode_arguments(void **state)
{
    (void)state;
    uint8_t *buf = (uint8_t *)(uintptr_t)1;
    size_t len = 99;
    actr_error_t err;
    assert_int_equal(actr_pb_encode(NULL, &buf, &len, &err), ACTR_EINVAL);
    assert_int_equal(err.code, ACTR_EINVAL);

    Actr__UnregisterResponse__UnregisterOk ok = ACTR__UNREGISTER_RESPONSE__UNREGISTER_OK__INIT;
    assert_int_equal(actr_pb_encode(&ok.base, &buf, &len, NULL), 0);
    assert_non_null(buf); /* an empty message still gives a buffer to free */
    assert_int_equal(len, 0);
    free(buf);
    actr_pb_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_round_trips),
        cmocka_unit_test(test_list_covers_every_message),
        cmocka_unit_test(test_rpc_envelope_known_bytes),
        cmocka_unit_test(test_timestamp_and_abi_known_bytes),
        cmocka_unit_test(test_missing_required_fields_get_defaults),
        cmocka_unit_test(test_unknown_fields_are_skipped),
        cmocka_unit_test(test_repeated_enums_packed_or_not),
        cmocka_unit_test(test_malformed_input_is_rejected),
        cmocka_unit_test(test_truncations_and_garbage_never_crash),
        cmocka_unit_test(test_encode_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
