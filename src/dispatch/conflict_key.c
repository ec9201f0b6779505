/*
 * conflict_key.c - conflict-key spec, the top-level protobuf field scanner and key extraction
 * (spec: runtime.md §8.1). Every failure falls back to Serial: extra serialisation is always
 * safe, missing serialisation is not.
 */
#include "dispatch/conflict_key.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "base/hashmap.h"

typedef struct ck_rule {
    actr_ck_source_t source;
    size_t domain_len;
    char domain[]; /* NUL-terminated copy */
} ck_rule_t;

struct actr_conflict_spec {
    actr_hmap_t *rules; /* route key -> ck_rule_t */
    uint64_t (*now_ms)(void *ud);
    void *clock_ud;
    _Atomic uint64_t last_warn_ms; /* 0: never warned */
    _Atomic uint64_t fallbacks;
    _Atomic uint64_t warnings;
};

/* One warning per second per spec, so a hot method falling back cannot flood the log. */
#define CK_WARN_INTERVAL_MS 1000

const char *actr_ck_reason_name(actr_ck_reason_t reason)
{
    static const char *const names[] = {
        [ACTR_CK_OK] = "ok",
        [ACTR_CK_UNDECLARED] = "undeclared",
        [ACTR_CK_ABSENT] = "absent",
        [ACTR_CK_REPEATED] = "repeated",
        [ACTR_CK_MALFORMED] = "malformed",
        [ACTR_CK_GROUP] = "group",
        [ACTR_CK_FIELD_NUMBER] = "field number",
        [ACTR_CK_TYPE_MISMATCH] = "type mismatch",
        [ACTR_CK_RANGE] = "out of range",
        [ACTR_CK_UTF8] = "invalid utf-8",
        [ACTR_CK_OVERSIZE] = "oversize",
        [ACTR_CK_NOMEM] = "out of memory",
    };
    if ((unsigned)reason < sizeof names / sizeof names[0] && names[reason])
        return names[reason];
    return "unknown";
}

static const char *kind_name(actr_ck_field_kind_t kind)
{
    static const char *const names[] = {
        [ACTR_CK_BOOL] = "bool",         [ACTR_CK_INT32] = "int32",
        [ACTR_CK_INT64] = "int64",       [ACTR_CK_UINT32] = "uint32",
        [ACTR_CK_UINT64] = "uint64",     [ACTR_CK_SINT32] = "sint32",
        [ACTR_CK_SINT64] = "sint64",     [ACTR_CK_FIXED32] = "fixed32",
        [ACTR_CK_FIXED64] = "fixed64",   [ACTR_CK_SFIXED32] = "sfixed32",
        [ACTR_CK_SFIXED64] = "sfixed64", [ACTR_CK_ENUM] = "enum",
        [ACTR_CK_STRING] = "string",     [ACTR_CK_BYTES] = "bytes",
    };
    if ((unsigned)kind < sizeof names / sizeof names[0] && names[kind])
        return names[kind];
    return "?";
}

/* ---- keys ---- */

void actr_conflict_key_init(actr_conflict_key_t *key)
{
    key->scoped = false;
    key->domain_len = 0;
    key->len = 0;
    key->heap = NULL;
}

void actr_conflict_key_clear(actr_conflict_key_t *key)
{
    if (!key)
        return;
    free(key->heap);
    actr_conflict_key_init(key);
}

static uint8_t *key_storage(actr_conflict_key_t *key)
{
    return key->len > ACTR_CK_INLINE ? key->heap : key->small;
}

int actr_conflict_key_set_scoped(actr_conflict_key_t *key, const char *domain, size_t domain_len,
                                 const void *value, size_t value_len)
{
    if (!key)
        return ACTR_EINVAL;
    actr_conflict_key_init(key);
    if ((!domain && domain_len) || (!value && value_len) || domain_len > ACTR_CK_MAX_DOMAIN ||
        value_len > ACTR_CK_MAX_VALUE)
        return ACTR_EINVAL;
    size_t len = 4 + domain_len + value_len;
    if (len > ACTR_CK_INLINE) {
        key->heap = malloc(len);
        if (!key->heap)
            return ACTR_ENOMEM;
    }
    key->len = len;
    uint8_t *p = key_storage(key);
    p[0] = (uint8_t)(domain_len >> 24);
    p[1] = (uint8_t)(domain_len >> 16);
    p[2] = (uint8_t)(domain_len >> 8);
    p[3] = (uint8_t)domain_len;
    if (domain_len)
        memcpy(p + 4, domain, domain_len);
    if (value_len)
        memcpy(p + 4 + domain_len, value, value_len);
    key->domain_len = (uint32_t)domain_len;
    key->scoped = true;
    return 0;
}

bool actr_conflict_key_is_serial(const actr_conflict_key_t *key)
{
    return !key || !key->scoped;
}

const uint8_t *actr_conflict_key_bytes(const actr_conflict_key_t *key, size_t *len)
{
    if (actr_conflict_key_is_serial(key)) {
        *len = 0;
        return NULL;
    }
    *len = key->len;
    return key_storage((actr_conflict_key_t *)key);
}

const char *actr_conflict_key_domain(const actr_conflict_key_t *key, size_t *len)
{
    size_t total;
    const uint8_t *p = actr_conflict_key_bytes(key, &total);
    *len = p ? key->domain_len : 0;
    return p ? (const char *)p + 4 : NULL;
}

const uint8_t *actr_conflict_key_value(const actr_conflict_key_t *key, size_t *len)
{
    size_t total;
    const uint8_t *p = actr_conflict_key_bytes(key, &total);
    if (!p) {
        *len = 0;
        return NULL;
    }
    *len = total - 4 - key->domain_len;
    return p + 4 + key->domain_len;
}

bool actr_conflict_key_equal(const actr_conflict_key_t *a, const actr_conflict_key_t *b)
{
    size_t la, lb;
    const uint8_t *pa = actr_conflict_key_bytes(a, &la);
    const uint8_t *pb = actr_conflict_key_bytes(b, &lb);
    if (!pa || !pb)
        return !pa && !pb;
    return la == lb && memcmp(pa, pb, la) == 0;
}

/* ---- the wire scanner ---- */

/* Reads a varint of at most 10 bytes whose tenth byte carries only the 64th bit. */
static bool read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (*pos >= len)
            return false;
        uint8_t b = p[(*pos)++];
        if (i == 9 && b > 1)
            return false;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* The unique minimal encoding, so overlong encodings of one value give one key. */
static size_t encode_varint(uint64_t v, uint8_t out[10])
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7;
        out[n++] = (uint8_t)(v ? b | 0x80 : b);
    } while (v);
    return n;
}

/* Whether a decoded varint is a valid value of the kind (generated decoders would coerce
 * others, letting two wire values share one logical value). */
static actr_ck_reason_t check_varint(uint64_t v, actr_ck_field_kind_t kind)
{
    switch (kind) {
    case ACTR_CK_BOOL:
        return v <= 1 ? ACTR_CK_OK : ACTR_CK_RANGE;
    case ACTR_CK_INT32:
    case ACTR_CK_ENUM:
        return v <= INT32_MAX || v >= (uint64_t)(int64_t)INT32_MIN ? ACTR_CK_OK : ACTR_CK_RANGE;
    case ACTR_CK_UINT32:
    case ACTR_CK_SINT32:
        return v <= UINT32_MAX ? ACTR_CK_OK : ACTR_CK_RANGE;
    case ACTR_CK_INT64:
    case ACTR_CK_UINT64:
    case ACTR_CK_SINT64:
        return ACTR_CK_OK;
    default:
        return ACTR_CK_TYPE_MISMATCH;
    }
}

/* Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF); NUL is a valid character,
 * as in protobuf strings. */
static bool utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* Bytes [pos, pos + n) exist: compares against what is left, so a huge n cannot wrap. */
static bool has(size_t len, size_t pos, uint64_t n)
{
    return n <= (uint64_t)(len - pos);
}

/* Checks the kind against the wire type of the target field and fills *out. */
static actr_ck_reason_t take_value(const uint8_t *p, size_t pos, unsigned wire, uint64_t v,
                                   actr_ck_field_kind_t kind, actr_ck_value_t *out)
{
    switch (wire) {
    case 0: {
        actr_ck_reason_t r = check_varint(v, kind);
        if (r != ACTR_CK_OK)
            return r;
        out->len = encode_varint(v, out->varint);
        out->ptr = out->varint;
        return ACTR_CK_OK;
    }
    case 1:
        if (kind != ACTR_CK_FIXED64 && kind != ACTR_CK_SFIXED64)
            return ACTR_CK_TYPE_MISMATCH;
        out->ptr = p + pos, out->len = 8;
        return ACTR_CK_OK;
    case 5:
        if (kind != ACTR_CK_FIXED32 && kind != ACTR_CK_SFIXED32)
            return ACTR_CK_TYPE_MISMATCH;
        out->ptr = p + pos, out->len = 4;
        return ACTR_CK_OK;
    default: /* 2: v is the length */
        if (kind != ACTR_CK_STRING && kind != ACTR_CK_BYTES)
            return ACTR_CK_TYPE_MISMATCH;
        if (v > ACTR_CK_MAX_VALUE)
            return ACTR_CK_OVERSIZE;
        if (kind == ACTR_CK_STRING && !utf8_valid(p + pos, (size_t)v))
            return ACTR_CK_UTF8;
        out->ptr = p + pos, out->len = (size_t)v;
        return ACTR_CK_OK;
    }
}

actr_ck_reason_t actr_conflict_scan(const uint8_t *payload, size_t len, uint32_t tag,
                                    actr_ck_field_kind_t kind, actr_ck_value_t *out)
{
    out->ptr = NULL;
    out->len = 0;
    if (!payload)
        len = 0;
    bool found = false;
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, v = 0;
        if (!read_varint(payload, len, &pos, &key))
            return ACTR_CK_MALFORMED;
        uint64_t field = key >> 3;
        unsigned wire = (unsigned)(key & 7);
        /* Checked before narrowing: a huge field number must not alias the target. */
        if (field == 0 || field > ACTR_CK_MAX_TAG)
            return ACTR_CK_FIELD_NUMBER;
        size_t skip;
        switch (wire) {
        case 0:
            if (!read_varint(payload, len, &pos, &v))
                return ACTR_CK_MALFORMED;
            skip = 0;
            break;
        case 1:
            skip = 8;
            break;
        case 2:
            if (!read_varint(payload, len, &pos, &v))
                return ACTR_CK_MALFORMED;
            if (!has(len, pos, v))
                return ACTR_CK_MALFORMED;
            skip = (size_t)v;
            break;
        case 5:
            skip = 4;
            break;
        case 3:
        case 4:
            return ACTR_CK_GROUP;
        default:
            return ACTR_CK_MALFORMED;
        }
        if (!has(len, pos, skip))
            return ACTR_CK_MALFORMED;
        if (field == tag) {
            if (found)
                return ACTR_CK_REPEATED;
            actr_ck_reason_t r = take_value(payload, pos, wire, v, kind, out);
            if (r != ACTR_CK_OK)
                return r;
            found = true;
        }
        pos += skip;
    }
    return found ? ACTR_CK_OK : ACTR_CK_ABSENT;
}

/* ---- the spec ---- */

int actr_conflict_spec_new(actr_conflict_spec_t **out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = NULL;
    actr_conflict_spec_t *spec = calloc(1, sizeof *spec);
    if (!spec)
        return ACTR_ENOMEM;
    int rc = actr_hmap_new(ACTR_HMAP_KEY_BYTES, 0, &spec->rules);
    if (rc != 0) {
        free(spec);
        return rc;
    }
    atomic_init(&spec->last_warn_ms, 0);
    atomic_init(&spec->fallbacks, 0);
    atomic_init(&spec->warnings, 0);
    *out = spec;
    return 0;
}

void actr_conflict_spec_free(actr_conflict_spec_t *spec)
{
    if (!spec)
        return;
    actr_hmap_free(spec->rules, free);
    free(spec);
}

static bool source_valid(actr_ck_source_t s)
{
    if (s.kind == ACTR_CK_SOURCE_SENDER)
        return true;
    return s.kind == ACTR_CK_SOURCE_FIELD && s.tag >= 1 && s.tag <= ACTR_CK_MAX_TAG &&
           s.field >= ACTR_CK_BOOL && s.field <= ACTR_CK_BYTES;
}

int actr_conflict_spec_add(actr_conflict_spec_t *spec, const char *route_key, const char *domain,
                           actr_ck_source_t source, actr_error_t *err)
{
    if (!spec || !route_key || !*route_key)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "empty route key");
    if (!source_valid(source))
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "conflict key of %s: bad source, tag or kind", route_key);
    size_t route_len = strlen(route_key);
    const char *dom = domain ? domain : route_key;
    size_t dom_len = strlen(dom);
    if (dom_len == 0 || dom_len > ACTR_CK_MAX_DOMAIN)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                              "conflict key of %s: domain must be 1..%d bytes", route_key,
                              ACTR_CK_MAX_DOMAIN);
    if (actr_hmap_get(spec->rules, route_key, route_len, NULL) == 0)
        return actr_error_set(err, ACTR_EEXIST, ACTR_KIND_CLIENT, 0,
                              "duplicate conflict-key registration for route_key `%s`",
                              route_key);
    ck_rule_t *rule = malloc(sizeof *rule + dom_len + 1);
    if (!rule)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    rule->source = source;
    rule->domain_len = dom_len;
    memcpy(rule->domain, dom, dom_len + 1);
    int rc = actr_hmap_insert(spec->rules, route_key, route_len, rule);
    if (rc != 0) {
        free(rule);
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    }
    return 0;
}

size_t actr_conflict_spec_count(const actr_conflict_spec_t *spec)
{
    return spec ? actr_hmap_count(spec->rules) : 0;
}

uint64_t actr_conflict_spec_fallbacks(const actr_conflict_spec_t *spec)
{
    return atomic_load_explicit(&((actr_conflict_spec_t *)spec)->fallbacks, memory_order_relaxed);
}

uint64_t actr_conflict_spec_warnings(const actr_conflict_spec_t *spec)
{
    return atomic_load_explicit(&((actr_conflict_spec_t *)spec)->warnings, memory_order_relaxed);
}

void actr_conflict_spec_set_clock(actr_conflict_spec_t *spec, uint64_t (*now_ms)(void *ud),
                                  void *ud)
{
    spec->now_ms = now_ms;
    spec->clock_ud = ud;
}

/* Counts a fallback and logs it unless another was logged within the last second. The clock
 * value is stored +1 so that 0 can mean "never warned". */
static void note_fallback(actr_conflict_spec_t *spec, const char *route_key, size_t route_len,
                          const ck_rule_t *rule, actr_ck_reason_t reason)
{
    atomic_fetch_add_explicit(&spec->fallbacks, 1, memory_order_relaxed);
    uint64_t now = (spec->now_ms ? spec->now_ms(spec->clock_ud) : actr_clock_mono_ms()) + 1;
    uint64_t last = atomic_load_explicit(&spec->last_warn_ms, memory_order_relaxed);
    if (last != 0 && now - last < CK_WARN_INTERVAL_MS)
        return;
    if (!atomic_compare_exchange_strong(&spec->last_warn_ms, &last, now))
        return; /* another thread is logging this second's warning */
    atomic_fetch_add_explicit(&spec->warnings, 1, memory_order_relaxed);
    if (!actr_log_enabled(ACTR_LOG_WARN))
        return;
    char route[256], tag[16];
    size_t n = route_len < sizeof route - 1 ? route_len : sizeof route - 1;
    memcpy(route, route_key, n);
    route[n] = '\0';
    snprintf(tag, sizeof tag, "%u", (unsigned)rule->source.tag);
    actr_log(ACTR_LOG_WARN, "dispatch",
             "conflict-key extraction failed; falling back to serial dispatch",
             ACTR_KV("route_key", route), ACTR_KV("payload_tag", tag),
             ACTR_KV("payload_kind", rule->source.kind == ACTR_CK_SOURCE_SENDER
                                             ? "sender"
                                             : kind_name(rule->source.field)),
             ACTR_KV("reason", actr_ck_reason_name(reason)));
}

actr_ck_reason_t actr_conflict_extract(const actr_conflict_spec_t *spec, const char *route_key,
                                       size_t route_key_len, const char *caller,
                                       size_t caller_len, const uint8_t *payload,
                                       size_t payload_len, actr_conflict_key_t *out)
{
    actr_conflict_key_init(out);
    void *found;
    if (!spec || (!route_key && route_key_len) ||
        actr_hmap_get(spec->rules, route_key, route_key_len, &found) != 0)
        return ACTR_CK_UNDECLARED;
    const ck_rule_t *rule = found;
    actr_ck_reason_t reason;
    const void *value;
    size_t value_len;
    actr_ck_value_t scanned;
    if (rule->source.kind == ACTR_CK_SOURCE_SENDER) {
        value = caller;
        value_len = caller ? caller_len : 0;
        reason = value_len > ACTR_CK_MAX_VALUE ? ACTR_CK_OVERSIZE : ACTR_CK_OK;
    } else {
        reason = actr_conflict_scan(payload, payload_len, rule->source.tag, rule->source.field,
                                    &scanned);
        value = scanned.ptr;
        value_len = scanned.len;
    }
    if (reason == ACTR_CK_OK &&
        actr_conflict_key_set_scoped(out, rule->domain, rule->domain_len, value, value_len) != 0)
        reason = ACTR_CK_NOMEM;
    if (reason != ACTR_CK_OK)
        note_fallback((actr_conflict_spec_t *)spec, route_key, route_key_len, rule, reason);
    return reason;
}
