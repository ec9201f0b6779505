/*
 * actr_guest_pb.c - the guest SDK's hand-written protobuf codec (see actr_guest_pb.h). Plain
 * C99 with malloc/memcpy only, so it builds for wasm32 as well as natively.
 */
#include "actr_guest_pb.h"

#include <stdlib.h>
#include <string.h>

/* ---- writer --------------------------------------------------------------------------------- */

void agpb_writer_free(agpb_writer_t *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
    w->oom = false;
}

static void put_raw(agpb_writer_t *w, const void *p, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 64;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b) {
            w->oom = true;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_varint(agpb_writer_t *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    put_raw(w, b, n);
}

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static void put_tag(agpb_writer_t *w, uint32_t field, uint32_t wt)
{
    put_varint(w, ((uint64_t)field << 3) | wt);
}

/* A varint field; proto3 omits zero unless always is set (proto2 required, oneof member). */
static void field_varint(agpb_writer_t *w, uint32_t field, uint64_t v, bool always)
{
    if (!v && !always)
        return;
    put_tag(w, field, WT_VARINT);
    put_varint(w, v);
}

static void field_bytes(agpb_writer_t *w, uint32_t field, const void *p, size_t n, bool always)
{
    if (!n && !always)
        return;
    put_tag(w, field, WT_LEN);
    put_varint(w, n);
    put_raw(w, p, n);
}

static void field_str(agpb_writer_t *w, uint32_t field, const char *s, bool always)
{
    field_bytes(w, field, s ? s : "", s ? strlen(s) : 0, always);
}

/* A sub-message field: sub's bytes, written even when empty (the message is present). */
static void field_msg(agpb_writer_t *w, uint32_t field, agpb_writer_t *sub)
{
    if (sub->oom)
        w->oom = true;
    field_bytes(w, field, sub->buf, sub->len, true);
    agpb_writer_free(sub);
}

/* ---- encoders ------------------------------------------------------------------------------- */

static void put_actr_type(agpb_writer_t *w, const actr_guest_type_t *t)
{
    field_str(w, 1, t->manufacturer, true);
    field_str(w, 2, t->name, true);
    field_str(w, 3, t->version, true);
}

bool agpb_encode_actr_id(agpb_writer_t *w, const actr_guest_id_t *id)
{
    agpb_writer_t realm = {0}, type = {0};
    field_varint(&realm, 1, id->realm_id, true);
    field_msg(w, 1, &realm);
    field_varint(w, 2, id->serial, true);
    put_actr_type(&type, &id->type);
    field_msg(w, 3, &type);
    return !w->oom;
}

bool agpb_encode_frame(agpb_writer_t *w, uint32_t op, const void *payload, size_t len)
{
    field_varint(w, 1, 1, false); /* abi_version */
    field_varint(w, 2, op, false);
    field_bytes(w, 3, payload, len, false);
    return !w->oom;
}

bool agpb_encode_reply(agpb_writer_t *w, int32_t status, const void *payload, size_t len)
{
    field_varint(w, 1, 1, false);
    /* int32: negative values are sign-extended to 10 bytes, as protobuf requires */
    field_varint(w, 2, (uint64_t)(int64_t)status, false);
    field_bytes(w, 3, payload, len, false);
    return !w->oom;
}

/* A DestV1 field: the peer target, or Dest::Workload when NULL (the reference sends true). */
static void put_dest(agpb_writer_t *w, uint32_t field, const actr_guest_id_t *target)
{
    agpb_writer_t dest = {0};
    if (target) {
        agpb_writer_t peer = {0};
        agpb_encode_actr_id(&peer, target);
        field_msg(&dest, 3, &peer);
    } else {
        field_varint(&dest, 2, 1, true);
    }
    field_msg(w, field, &dest);
}

bool agpb_encode_host_call(agpb_writer_t *w, const char *route_key, const actr_guest_id_t *target,
                           const void *payload, size_t len)
{
    field_str(w, 1, route_key, false);
    put_dest(w, 2, target);
    field_bytes(w, 3, payload, len, false);
    return !w->oom;
}

bool agpb_encode_host_call_raw(agpb_writer_t *w, const char *route_key,
                               const actr_guest_id_t *target, const void *payload, size_t len)
{
    field_str(w, 1, route_key, false);
    agpb_writer_t id = {0};
    agpb_encode_actr_id(&id, target);
    field_msg(w, 2, &id);
    field_bytes(w, 3, payload, len, false);
    return !w->oom;
}

bool agpb_encode_host_discover(agpb_writer_t *w, const actr_guest_type_t *type)
{
    agpb_writer_t t = {0};
    put_actr_type(&t, type);
    field_msg(w, 1, &t);
    return !w->oom;
}

/* ---- reader --------------------------------------------------------------------------------- */

typedef struct reader {
    const uint8_t *p, *end;
} reader_t;

typedef struct field {
    uint32_t num, wt;
    uint64_t v;           /* varint, fixed32, fixed64 */
    const uint8_t *data;  /* WT_LEN */
    size_t len;
} field_t;

static int get_varint(reader_t *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1)
            return -1; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* The next field: 1, 0 at the end, -1 when malformed. */
static int next_field(reader_t *r, field_t *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t key;
    if (get_varint(r, &key) != 0 || key >> 32 || (key >> 3) == 0)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->wt = (uint32_t)(key & 7);
    f->v = 0;
    f->data = NULL;
    f->len = 0;
    switch (f->wt) {
    case WT_VARINT:
        return get_varint(r, &f->v) == 0 ? 1 : -1;
    case WT_I64:
    case WT_I32: {
        size_t n = f->wt == WT_I64 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return -1;
        for (size_t i = 0; i < n; i++)
            f->v |= (uint64_t)r->p[i] << (8 * i);
        r->p += n;
        return 1;
    }
    case WT_LEN: {
        uint64_t n;
        if (get_varint(r, &n) != 0 || n > (uint64_t)(r->end - r->p))
            return -1;
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        return 1;
    }
    default: /* groups (3, 4) and reserved wire types */
        return -1;
    }
}

/* Copies a string field into out[cap]; -1 when it does not fit or holds a NUL. */
static int copy_str(const field_t *f, char *out, size_t cap)
{
    if (f->wt != WT_LEN || f->len >= cap || memchr(f->data, 0, f->len))
        return -1;
    memcpy(out, f->data, f->len);
    out[f->len] = '\0';
    return 0;
}

/* Iterates fields; a field whose number matches but whose wire type does not is malformed. */
#define FOR_FIELDS(r, f, rc) for (; ((rc) = next_field(&(r), &(f))) == 1;)

static int want(const field_t *f, uint32_t wt)
{
    return f->wt == wt ? 0 : -1;
}

/* ---- decoders ------------------------------------------------------------------------------- */

static int decode_type(const uint8_t *p, size_t n, actr_guest_type_t *t)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(t, 0, sizeof *t);
    FOR_FIELDS(r, f, rc) {
        char *dst = f.num == 1 ? t->manufacturer : f.num == 2 ? t->name
                                                 : f.num == 3 ? t->version : NULL;
        if (dst && copy_str(&f, dst, ACTR_GUEST_NAME_SIZE) != 0)
            return -1;
    }
    return rc;
}

int agpb_decode_actr_id(const uint8_t *p, size_t n, actr_guest_id_t *out)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(out, 0, sizeof *out);
    FOR_FIELDS(r, f, rc) {
        if (f.num == 1) { /* Realm */
            if (want(&f, WT_LEN) != 0)
                return -1;
            reader_t rr = {f.data, f.data + f.len};
            field_t g;
            int grc;
            FOR_FIELDS(rr, g, grc) {
                if (g.num == 1 && (want(&g, WT_VARINT) != 0 || g.v > UINT32_MAX))
                    return -1;
                if (g.num == 1)
                    out->realm_id = (uint32_t)g.v;
            }
            if (grc < 0)
                return -1;
        } else if (f.num == 2) {
            if (want(&f, WT_VARINT) != 0)
                return -1;
            out->serial = f.v;
        } else if (f.num == 3) {
            if (want(&f, WT_LEN) != 0 || decode_type(f.data, f.len, &out->type) != 0)
                return -1;
        }
    }
    return rc;
}

/* AbiFrame and AbiReply share their layout: 1 abi_version, 2 op/status, 3 payload. */
static int decode_envelope(const uint8_t *p, size_t n, uint32_t *version, uint64_t *second,
                           const uint8_t **payload, size_t *payload_len)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    *version = 0;
    *second = 0;
    *payload = NULL;
    *payload_len = 0;
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 2) && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 3 && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 1)
            *version = (uint32_t)f.v;
        else if (f.num == 2)
            *second = f.v;
        else if (f.num == 3) {
            *payload = f.data;
            *payload_len = f.len;
        }
    }
    return rc;
}

int agpb_decode_frame(const uint8_t *p, size_t n, uint32_t *abi_version, uint32_t *op,
                      const uint8_t **payload, size_t *payload_len)
{
    uint64_t v;
    if (decode_envelope(p, n, abi_version, &v, payload, payload_len) != 0 || v > UINT32_MAX)
        return -1;
    *op = (uint32_t)v;
    return 0;
}

int agpb_decode_reply(const uint8_t *p, size_t n, uint32_t *abi_version, int32_t *status,
                      const uint8_t **payload, size_t *payload_len)
{
    uint64_t v;
    if (decode_envelope(p, n, abi_version, &v, payload, payload_len) != 0)
        return -1;
    *status = (int32_t)(uint32_t)v; /* int32 on the wire: the low 32 bits */
    return 0;
}

int agpb_decode_init(const uint8_t *p, size_t n, uint32_t *version, char *actr_type, size_t cap)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    *version = 0;
    actr_type[0] = '\0';
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 5) && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num >= 2 && f.num <= 4 && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 1)
            *version = (uint32_t)f.v;
        else if (f.num == 2 && copy_str(&f, actr_type, cap) != 0)
            return -1;
    }
    return rc;
}

static int decode_invocation(const uint8_t *p, size_t n, agpb_invocation_t *inv)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    FOR_FIELDS(r, f, rc) {
        if (f.num >= 1 && f.num <= 3 && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 1 && agpb_decode_actr_id(f.data, f.len, &inv->self) != 0)
            return -1;
        if (f.num == 2) {
            if (agpb_decode_actr_id(f.data, f.len, &inv->caller) != 0)
                return -1;
            inv->has_caller = true;
        }
        if (f.num == 3 && copy_str(&f, inv->request_id, sizeof inv->request_id) != 0)
            return -1;
    }
    return rc;
}

/* RpcEnvelope: route_key (1), payload (2); the rest is skipped. */
static int decode_rpc(const uint8_t *p, size_t n, char *route_key, size_t route_cap,
                      const uint8_t **payload, size_t *payload_len)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    route_key[0] = '\0';
    *payload = NULL;
    *payload_len = 0;
    FOR_FIELDS(r, f, rc) {
        if (f.num == 1 && copy_str(&f, route_key, route_cap) != 0)
            return -1;
        if (f.num == 2) {
            if (want(&f, WT_LEN) != 0)
                return -1;
            *payload = f.data;
            *payload_len = f.len;
        }
    }
    return rc;
}

int agpb_decode_guest_handle(const uint8_t *p, size_t n, agpb_invocation_t *inv, char *route_key,
                             size_t route_cap, const uint8_t **payload, size_t *payload_len)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(inv, 0, sizeof *inv);
    route_key[0] = '\0';
    *payload = NULL;
    *payload_len = 0;
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 2) && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 3 && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 1 && decode_invocation(f.data, f.len, inv) != 0)
            return -1;
        if (f.num == 2 && decode_rpc(f.data, f.len, route_key, route_cap, payload, payload_len))
            return -1;
        if (f.num == 3)
            inv->token = f.v;
    }
    return rc;
}

int agpb_decode_guest_lifecycle(const uint8_t *p, size_t n, agpb_invocation_t *inv,
                                uint32_t *hook)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(inv, 0, sizeof *inv);
    *hook = 0;
    FOR_FIELDS(r, f, rc) {
        if (f.num == 1 && (want(&f, WT_LEN) != 0 || decode_invocation(f.data, f.len, inv) != 0))
            return -1;
        if ((f.num == 2 || f.num == 3) && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 2)
            *hook = (uint32_t)f.v;
        if (f.num == 3)
            inv->token = f.v;
    }
    return rc;
}

static int decode_peer(const uint8_t *p, size_t n, actr_guest_hook_event_t *ev)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    FOR_FIELDS(r, f, rc) {
        if (f.num == 1) {
            if (want(&f, WT_LEN) != 0 || agpb_decode_actr_id(f.data, f.len, &ev->peer) != 0)
                return -1;
            ev->has_peer = true;
        } else if (f.num == 2 || f.num == 3) {
            if (want(&f, WT_VARINT) != 0)
                return -1;
            if (f.num == 2) {
                ev->has_relayed = true;
                ev->relayed = f.v != 0;
            } else {
                ev->has_status = true;
                ev->status = (uint32_t)f.v;
            }
        }
    }
    return rc;
}

static int decode_u64_pair(const uint8_t *p, size_t n, uint64_t *a, uint64_t *b)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    *a = *b = 0;
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 2) && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 1)
            *a = f.v;
        if (f.num == 2)
            *b = f.v;
    }
    return rc;
}

/* CredentialEventV1{1 new_expiry TimestampV1{1 seconds, 2 nanoseconds}}. */
static int decode_credential(const uint8_t *p, size_t n, actr_guest_hook_event_t *ev)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    FOR_FIELDS(r, f, rc) {
        if (f.num != 1)
            continue;
        uint64_t s, ns;
        if (want(&f, WT_LEN) != 0 || decode_u64_pair(f.data, f.len, &s, &ns) != 0)
            return -1;
        ev->has_expiry = true;
        ev->expiry_seconds = s;
        ev->expiry_nanos = (uint32_t)ns;
    }
    return rc;
}

int agpb_decode_guest_hook(const uint8_t *p, size_t n, agpb_invocation_t *inv,
                           actr_guest_hook_event_t *ev)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(inv, 0, sizeof *inv);
    memset(ev, 0, sizeof *ev);
    FOR_FIELDS(r, f, rc) {
        bool len_field = f.num == 1 || (f.num >= 3 && f.num <= 5);
        if ((len_field && want(&f, WT_LEN) != 0) ||
            ((f.num == 2 || f.num == 6) && want(&f, WT_VARINT) != 0))
            return -1;
        int bad = 0;
        switch (f.num) {
        case 1: bad = decode_invocation(f.data, f.len, inv); break;
        case 2: ev->hook = (uint32_t)f.v; break;
        case 3: /* the event is present even when its peer id is not */
            bad = decode_peer(f.data, f.len, ev);
            ev->has_peer = true;
            break;
        case 4:
            bad = decode_credential(f.data, f.len, ev);
            ev->has_expiry = true;
            break;
        case 5:
            bad = decode_u64_pair(f.data, f.len, &ev->queue_len, &ev->threshold);
            ev->has_backpressure = true;
            break;
        case 6: inv->token = f.v; break;
        default: break;
        }
        if (bad)
            return -1;
    }
    return rc;
}

/* ---- streams -------------------------------------------------------------------------------- */

bool agpb_encode_host_stream_id(agpb_writer_t *w, const char *stream_id)
{
    field_str(w, 1, stream_id, false);
    return !w->oom;
}

bool agpb_encode_host_send_chunk(agpb_writer_t *w, const actr_guest_id_t *target,
                                 const actr_guest_chunk_t *c, int32_t payload_type)
{
    put_dest(w, 1, target);
    /* DataChunk is proto2: the required fields are always written. */
    agpb_writer_t dc = {0};
    field_str(&dc, 1, c->stream_id, true);
    field_varint(&dc, 2, c->sequence, true);
    field_bytes(&dc, 3, c->payload, c->len, true);
    for (size_t i = 0; i < c->metadata_count; i++) {
        agpb_writer_t me = {0};
        field_bytes(&me, 1, c->metadata[i].key, c->metadata[i].key_len, true);
        field_bytes(&me, 2, c->metadata[i].value, c->metadata[i].value_len, true);
        field_msg(&dc, 4, &me);
    }
    if (c->has_timestamp)
        field_varint(&dc, 5, (uint64_t)c->timestamp_ms, true);
    field_msg(w, 2, &dc);
    field_varint(w, 3, (uint64_t)(int64_t)payload_type, false);
    return !w->oom;
}

static int decode_meta(const uint8_t *p, size_t n, actr_guest_meta_t *m)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    memset(m, 0, sizeof *m);
    m->key = m->value = "";
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 2) && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 1) {
            m->key = (const char *)f.data;
            m->key_len = f.len;
        } else if (f.num == 2) {
            m->value = (const char *)f.data;
            m->value_len = f.len;
        }
    }
    return rc;
}

static int decode_chunk(const uint8_t *p, size_t n, actr_guest_chunk_t *c, char *id_buf,
                        actr_guest_meta_t *meta)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    id_buf[0] = '\0';
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 3 || f.num == 4) && want(&f, WT_LEN) != 0)
            return -1;
        if ((f.num == 2 || f.num == 5) && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 1 && copy_str(&f, id_buf, ACTR_GUEST_STREAM_ID_SIZE) != 0)
            return -1;
        if (f.num == 2)
            c->sequence = f.v;
        if (f.num == 3) {
            c->payload = f.data;
            c->len = f.len;
        }
        if (f.num == 4) {
            if (c->metadata_count == ACTR_GUEST_MAX_META)
                return -1;
            if (decode_meta(f.data, f.len, &meta[c->metadata_count]) != 0)
                return -1;
            c->metadata_count++;
        }
        if (f.num == 5) {
            c->has_timestamp = true;
            c->timestamp_ms = (int64_t)f.v;
        }
    }
    c->stream_id = id_buf;
    c->metadata = meta;
    return rc;
}

int agpb_decode_guest_data_chunk(const uint8_t *p, size_t n, actr_guest_chunk_t *c,
                                 char *id_buf, actr_guest_meta_t *meta, actr_guest_id_t *sender,
                                 uint64_t *token)
{
    reader_t r = {p, p + n};
    field_t f;
    int rc;
    bool have_chunk = false;
    memset(c, 0, sizeof *c);
    memset(sender, 0, sizeof *sender);
    *token = 0;
    FOR_FIELDS(r, f, rc) {
        if ((f.num == 1 || f.num == 2) && want(&f, WT_LEN) != 0)
            return -1;
        if (f.num == 3 && want(&f, WT_VARINT) != 0)
            return -1;
        if (f.num == 1) {
            memset(c, 0, sizeof *c);
            if (decode_chunk(f.data, f.len, c, id_buf, meta) != 0)
                return -1;
            have_chunk = true;
        }
        if (f.num == 2 && agpb_decode_actr_id(f.data, f.len, sender) != 0)
            return -1;
        if (f.num == 3)
            *token = f.v;
    }
    return rc == 0 && have_chunk ? 0 : -1;
}
