/*
 * pb.c - bounded, lenient protobuf decoding and buffer-returning encoding over protobuf-c.
 *
 * Why a second decoding pass: our .proto files keep the reference's proto2 `required` labels, so
 * protoc-c always encodes those fields (as prost does), but protobuf-c's unpack then rejects any
 * message that lacks one, while prost accepts it and fills in defaults. When the plain unpack
 * fails, we rewrite the input so that every message in it - the top level and each nested
 * message field, recursively - starts with the encoding of its required fields' defaults, and
 * unpack that. Fields later in a message override earlier ones, so present values win and only
 * the missing ones keep their defaults. The same walk drops unknown group fields, which protobuf-c
 * cannot skip but prost does. Anything else that fails is malformed input.
 */
#include "codec/pb.h"

#include <stdlib.h>
#include <string.h>

/* Nesting bound for the rewrite walk (our schema nests about 6 deep). */
#define PB_MAX_DEPTH 64
/* The rewrite adds a few bytes per nested message; this bounds the rewritten input. */
#define PB_MAX_FILLED (4 * ACTR_PB_MAX_SIZE)

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_FIXED32 = 5 };

typedef struct pb_out {
    uint8_t *data;
    size_t len, cap;
} pb_out_t;

static int out_put(pb_out_t *o, const void *p, size_t n)
{
    if (n > PB_MAX_FILLED - o->len)
        return ACTR_ETOOBIG;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        while (cap < o->len + n)
            cap *= 2;
        uint8_t *grown = realloc(o->data, cap);
        if (!grown)
            return ACTR_ENOMEM;
        o->data = grown;
        o->cap = cap;
    }
    if (n)
        memcpy(o->data + o->len, p, n);
    o->len += n;
    return 0;
}

static int out_varint(pb_out_t *o, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return out_put(o, tmp, n);
}

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return ACTR_EPARSE;
}

/* Reads a field key; field numbers are 1..2^29-1. */
static int read_key(const uint8_t **p, const uint8_t *end, uint32_t *number, unsigned *wire_type)
{
    uint64_t key;
    if (read_varint(p, end, &key) != 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return ACTR_EPARSE;
    *number = (uint32_t)(key >> 3);
    *wire_type = (unsigned)(key & 7);
    return 0;
}

/* Moves *p past the value of a field whose key was just read (a whole group for SGROUP). */
static int skip_value(const uint8_t **p, const uint8_t *end, uint32_t number, unsigned wire_type,
                      int depth)
{
    uint64_t n;
    switch (wire_type) {
    case WT_VARINT:
        return read_varint(p, end, &n);
    case WT_FIXED64:
    case WT_FIXED32:
        n = wire_type == WT_FIXED64 ? 8 : 4;
        break;
    case WT_LEN:
        if (read_varint(p, end, &n) != 0)
            return ACTR_EPARSE;
        break;
    case WT_SGROUP:
        if (depth > PB_MAX_DEPTH)
            return ACTR_EPARSE;
        for (;;) {
            uint32_t inner;
            unsigned wt;
            if (read_key(p, end, &inner, &wt) != 0)
                return ACTR_EPARSE;
            if (wt == WT_EGROUP)
                return inner == number ? 0 : ACTR_EPARSE;
            if (skip_value(p, end, inner, wt, depth + 1) != 0)
                return ACTR_EPARSE;
        }
    default: /* a stray end-group or wire types 6 and 7 */
        return ACTR_EPARSE;
    }
    if (n > (uint64_t)(end - *p))
        return ACTR_EPARSE;
    *p += n;
    return 0;
}

/* The encoding of a freshly initialised message of type desc: exactly its required fields, each
 * with its default (required message fields as empty messages, filled in by the caller's walk). */
static int encode_defaults(const ProtobufCMessageDescriptor *desc, uint8_t **buf, size_t *len)
{
    ProtobufCMessage *m = calloc(1, desc->sizeof_message);
    if (!m)
        return ACTR_ENOMEM;
    desc->message_init(m);
    *len = protobuf_c_message_get_packed_size(m);
    *buf = malloc(*len ? *len : 1);
    if (*buf)
        protobuf_c_message_pack(m, *buf);
    free(m); /* init only points at static defaults: nothing else to free */
    return *buf ? 0 : ACTR_ENOMEM;
}

/* Strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF), as prost demands of
 * string fields, and no NUL: a C string would silently end there. */
static int string_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t more;
        uint32_t cp, min;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            more = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            more = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (more >= n - i)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += more + 1;
    }
    return 1;
}

/* Appends to o; a NULL o means "check only". */
static int emit(pb_out_t *o, const void *p, size_t n)
{
    return o ? out_put(o, p, n) : 0;
}

static int walk_message(pb_out_t *o, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                        size_t len, int depth);

/*
 * Checks the fields in [p, p+len) of a message of type desc: well-formed keys and lengths, valid
 * strings, no group on a known field. With an o, also copies them there, rewriting every nested
 * message with walk_message() and dropping unknown groups.
 */
static int walk_fields(pb_out_t *o, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                       size_t len, int depth)
{
    const uint8_t *end = p + len;
    while (p < end) {
        const uint8_t *start = p;
        uint32_t number;
        unsigned wt;
        int rc = read_key(&p, end, &number, &wt);
        if (rc != 0)
            return rc;
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field(desc, (unsigned)number);
        const uint8_t *key_end = p, *value = p;
        rc = skip_value(&p, end, number, wt, depth);
        if (rc != 0)
            return rc;
        if (!field || wt != WT_LEN) {
            if (wt == WT_SGROUP)
                rc = field ? ACTR_EPARSE : 0; /* groups: skipped by prost, unknown to protobuf-c */
            else
                rc = emit(o, start, (size_t)(p - start));
            if (rc != 0)
                return rc;
            continue;
        }
        uint64_t n = 0;
        (void)read_varint(&value, end, &n); /* cannot fail: skip_value() just read it */
        if (field->type == PROTOBUF_C_TYPE_STRING && !string_ok(value, (size_t)n))
            return ACTR_EPARSE;
        if (field->type != PROTOBUF_C_TYPE_MESSAGE) {
            rc = emit(o, start, (size_t)(p - start));
        } else if (!o) {
            rc = walk_message(NULL, field->descriptor, value, (size_t)n, depth + 1);
        } else {
            pb_out_t sub = {0};
            rc = walk_message(&sub, field->descriptor, value, (size_t)n, depth + 1);
            if (rc == 0)
                rc = out_put(o, start, (size_t)(key_end - start));
            if (rc == 0)
                rc = out_varint(o, sub.len);
            if (rc == 0)
                rc = out_put(o, sub.data, sub.len);
            free(sub.data);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Checks (o NULL) or rewrites (o set) one message; a rewritten message starts with the defaults
 * of its required fields. */
static int walk_message(pb_out_t *o, const ProtobufCMessageDescriptor *desc, const uint8_t *p,
                        size_t len, int depth)
{
    if (depth > PB_MAX_DEPTH)
        return ACTR_EPARSE;
    if (o) {
        uint8_t *defaults;
        size_t defaults_len;
        int rc = encode_defaults(desc, &defaults, &defaults_len);
        if (rc != 0)
            return rc;
        rc = walk_fields(o, desc, defaults, defaults_len, depth);
        free(defaults);
        if (rc != 0)
            return rc;
    }
    return walk_fields(o, desc, p, len, depth);
}

static int decode_error(actr_error_t *err, int code, const ProtobufCMessageDescriptor *desc,
                        size_t len)
{
    if (code == ACTR_ENOMEM)
        return actr_error_set(err, code, ACTR_KIND_INTERNAL, 0, "%s: out of memory decoding",
                              desc->name);
    if (code == ACTR_ETOOBIG)
        return actr_error_set(err, code, ACTR_KIND_CORRUPT, ACTR_WIRE_DECODE_FAILURE,
                              "%s: %zu bytes exceed the %zu byte limit", desc->name, len,
                              ACTR_PB_MAX_SIZE);
    return actr_error_set(err, ACTR_EPARSE, ACTR_KIND_CORRUPT, ACTR_WIRE_DECODE_FAILURE,
                          "%s: malformed protobuf (%zu bytes)", desc->name, len);
}

int actr_pb_decode(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                   ProtobufCMessage **out, actr_error_t *err)
{
    static const uint8_t empty[1];
    if (!out || !desc)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "pb_decode: NULL argument");
    *out = NULL;
    if (len > ACTR_PB_MAX_SIZE)
        return decode_error(err, ACTR_ETOOBIG, desc, len);
    if (!data) {
        if (len)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0,
                                  "pb_decode: NULL data");
        data = empty;
    }
    /* The check walk rejects what protobuf-c would accept but prost would not (bad UTF-8) or
     * what C cannot represent (NUL inside a string). */
    int rc = walk_message(NULL, desc, data, len, 0);
    if (rc != 0)
        return decode_error(err, rc, desc, len);
    *out = protobuf_c_message_unpack(desc, NULL, len, data);
    if (*out)
        return 0;

    pb_out_t filled = {0};
    rc = walk_message(&filled, desc, data, len, 0);
    if (rc == 0)
        *out = protobuf_c_message_unpack(desc, NULL, filled.len, filled.data ? filled.data : empty);
    free(filled.data);
    if (*out)
        return 0;
    return decode_error(err, rc != 0 ? rc : ACTR_EPARSE, desc, len);
}

int actr_pb_encode(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len, actr_error_t *err)
{
    if (!msg || !out || !out_len)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_INTERNAL, 0, "pb_encode: NULL argument");
    *out = NULL;
    *out_len = 0;
    size_t len = protobuf_c_message_get_packed_size(msg);
    if (len > ACTR_PB_MAX_SIZE)
        return actr_error_set(err, ACTR_ETOOBIG, ACTR_KIND_CLIENT, 0,
                              "%s: %zu bytes exceed the %zu byte limit", msg->descriptor->name,
                              len, ACTR_PB_MAX_SIZE);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0,
                              "%s: out of memory encoding", msg->descriptor->name);
    size_t written = protobuf_c_message_pack(msg, buf);
    if (written != len) { /* only if msg changed under us or is inconsistent */
        free(buf);
        return actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0,
                              "%s: packed %zu of %zu bytes", msg->descriptor->name, written, len);
    }
    *out = buf;
    *out_len = len;
    return 0;
}

void actr_pb_free(void *msg)
{
    if (msg)
        protobuf_c_message_free_unpacked(msg, NULL);
}
