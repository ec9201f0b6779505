/*
 * value.c - parsing, matching and printing of wast2json values (see value.h). wast2json writes
 * integers and float bit patterns as unsigned decimal strings, so floats are compared as raw bits
 * and NaN payloads survive.
 */
#include "value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F32_EXP_MASK 0x7f800000u
#define F32_QUIET 0x00400000u
#define F32_CANONICAL 0x7fc00000u
#define F64_EXP_MASK 0x7ff0000000000000ull
#define F64_QUIET 0x0008000000000000ull
#define F64_CANONICAL 0x7ff8000000000000ull

void *spec_extern_ref(unsigned long long n)
{
    return (void *)(uintptr_t)(n + 1);
}

/* why = "<what> '<arg>'"; the callers' reasons are fixed words plus the offending text. */
static void set_why(char *why, size_t len, const char *what, const char *arg)
{
    if (why && len)
        snprintf(why, len, "%s '%s'", what, arg ? arg : "(null)");
}

/* Unsigned decimal (or negative, wrapped) integer of at most `bits` bits. */
static int parse_uint(const char *s, int bits, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end = NULL;
    uint64_t v;
    if (s[0] == '-') {
        long long sv = strtoll(s, &end, 10);
        if (bits < 64 && sv < -(1ll << (bits - 1)))
            return -1;
        v = (uint64_t)sv;
        if (bits < 64)
            v &= (1ull << bits) - 1;
    } else {
        v = strtoull(s, &end, 10);
        if (bits < 64 && v >> bits)
            return -1;
    }
    if (errno || !end || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_type(const char *name, wasm_valtype_t *out)
{
    static const struct {
        const char *name;
        wasm_valtype_t type;
    } types[] = {{"i32", WASM_I32},         {"i64", WASM_I64},
                 {"f32", WASM_F32},         {"f64", WASM_F64},
                 {"v128", WASM_V128},       {"funcref", WASM_FUNCREF},
                 {"externref", WASM_EXTERNREF}};
    for (size_t i = 0; name && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(name, types[i].name) == 0) {
            *out = types[i].type;
            return 0;
        }
    }
    return -1;
}

static spec_pattern_t nan_pattern(const char *s)
{
    if (s && strcmp(s, "nan:canonical") == 0)
        return SPEC_NAN_CANONICAL;
    if (s && strcmp(s, "nan:arithmetic") == 0)
        return SPEC_NAN_ARITHMETIC;
    return SPEC_EXACT;
}

static void store_lane(uint8_t *v128, int lane, int bits, uint64_t v)
{
    for (int b = 0; b < bits / 8; b++)
        v128[lane * bits / 8 + b] = (uint8_t)(v >> (8 * b));
}

static uint64_t load_lane(const uint8_t *v128, int lane, int bits)
{
    uint64_t v = 0;
    for (int b = bits / 8 - 1; b >= 0; b--)
        v = (v << 8) | v128[lane * bits / 8 + b];
    return v;
}

/* v128: {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}. */
static int parse_v128(const cJSON *json, spec_expect_t *out, bool patterns, char *why,
                      size_t why_len)
{
    const char *lane = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "lane_type"));
    const cJSON *lanes = cJSON_GetObjectItemCaseSensitive(json, "value");
    int bits = 0;
    bool is_float = false;
    if (lane && (strcmp(lane, "i8") == 0))
        bits = 8;
    else if (lane && strcmp(lane, "i16") == 0)
        bits = 16;
    else if (lane && (strcmp(lane, "i32") == 0 || strcmp(lane, "f32") == 0))
        bits = 32, is_float = lane[0] == 'f';
    else if (lane && (strcmp(lane, "i64") == 0 || strcmp(lane, "f64") == 0))
        bits = 64, is_float = lane[0] == 'f';
    int count = bits ? 128 / bits : 0;
    if (!bits || !cJSON_IsArray(lanes) || cJSON_GetArraySize(lanes) != count) {
        set_why(why, why_len, "bad v128 value, lane type", lane);
        return -1;
    }
    out->lane_bits = bits;
    out->lane_float = is_float;
    for (int i = 0; i < count; i++) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(lanes, i));
        spec_pattern_t p = is_float ? nan_pattern(s) : SPEC_EXACT;
        uint64_t v = 0;
        if (p != SPEC_EXACT && patterns) {
            out->lane_pattern[i] = p;
        } else if (parse_uint(s, bits, &v) != 0) {
            set_why(why, why_len, "bad v128 lane", s);
            return -1;
        }
        store_lane(out->value.of.v128, i, bits, v);
    }
    return 0;
}

static int parse_common(const cJSON *json, spec_expect_t *out, bool patterns, char *why,
                        size_t why_len)
{
    memset(out, 0, sizeof *out);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(json, "type"));
    if (parse_type(type, &out->value.type) != 0) {
        set_why(why, why_len, "unknown value type", type);
        return -1;
    }
    if (out->value.type == WASM_V128)
        return parse_v128(json, out, patterns, why, why_len);
    const cJSON *vj = cJSON_GetObjectItemCaseSensitive(json, "value");
    const char *s = cJSON_GetStringValue(vj);
    uint64_t v = 0;
    switch (out->value.type) {
    case WASM_I32:
    case WASM_I64:
    case WASM_F32:
    case WASM_F64: {
        int bits = out->value.type == WASM_I32 || out->value.type == WASM_F32 ? 32 : 64;
        if (patterns && (out->value.type == WASM_F32 || out->value.type == WASM_F64) &&
            nan_pattern(s) != SPEC_EXACT) {
            out->pattern = nan_pattern(s);
            return 0;
        }
        if (parse_uint(s, bits, &v) != 0) {
            set_why(why, why_len, "bad number", s);
            return -1;
        }
        if (bits == 32)
            out->value.of.i32 = (uint32_t)v;
        else
            out->value.of.i64 = v;
        return 0;
    }
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        if (!vj && patterns) {
            out->pattern = SPEC_ANY_REF;
            return 0;
        }
        if (s && strcmp(s, "null") == 0) {
            out->value.of.ref = NULL;
            return 0;
        }
        if (out->value.type == WASM_EXTERNREF && parse_uint(s, 64, &v) == 0 && v < UINT64_MAX) {
            out->value.of.ref = spec_extern_ref(v);
            return 0;
        }
        /* A funcref by index has no meaning outside the engine: not expressible here. */
        set_why(why, why_len, "unsupported reference value", s);
        return -1;
    default:
        set_why(why, why_len, "unsupported value type", type);
        return -1;
    }
}

int spec_value_parse(const cJSON *json, wasm_value_t *out, char *why, size_t why_len)
{
    spec_expect_t e;
    if (parse_common(json, &e, false, why, why_len) != 0)
        return -1;
    *out = e.value;
    return 0;
}

int spec_expect_parse(const cJSON *json, spec_expect_t *out, char *why, size_t why_len)
{
    return parse_common(json, out, true, why, why_len);
}

static bool match_f32(spec_pattern_t p, uint32_t want, uint32_t got)
{
    switch (p) {
    case SPEC_NAN_CANONICAL:
        return (got & 0x7fffffffu) == F32_CANONICAL;
    case SPEC_NAN_ARITHMETIC:
        return (got & (F32_EXP_MASK | F32_QUIET)) == (F32_EXP_MASK | F32_QUIET);
    default:
        return got == want;
    }
}

static bool match_f64(spec_pattern_t p, uint64_t want, uint64_t got)
{
    switch (p) {
    case SPEC_NAN_CANONICAL:
        return (got & 0x7fffffffffffffffull) == F64_CANONICAL;
    case SPEC_NAN_ARITHMETIC:
        return (got & (F64_EXP_MASK | F64_QUIET)) == (F64_EXP_MASK | F64_QUIET);
    default:
        return got == want;
    }
}

static bool match_v128(const spec_expect_t *want, const uint8_t *got)
{
    int bits = want->lane_bits;
    for (int i = 0; i < 128 / bits; i++) {
        uint64_t w = load_lane(want->value.of.v128, i, bits);
        uint64_t g = load_lane(got, i, bits);
        spec_pattern_t p = want->lane_float ? want->lane_pattern[i] : SPEC_EXACT;
        bool ok = bits == 32 ? match_f32(p, (uint32_t)w, (uint32_t)g) : match_f64(p, w, g);
        if (!ok)
            return false;
    }
    return true;
}

bool spec_expect_match(const spec_expect_t *want, const wasm_value_t *got)
{
    if (want->value.type != got->type)
        return false;
    switch (got->type) {
    case WASM_I32:
        return got->of.i32 == want->value.of.i32;
    case WASM_I64:
        return got->of.i64 == want->value.of.i64;
    case WASM_F32:
        return match_f32(want->pattern, want->value.of.f32_bits, got->of.f32_bits);
    case WASM_F64:
        return match_f64(want->pattern, want->value.of.f64_bits, got->of.f64_bits);
    case WASM_V128:
        return match_v128(want, got->of.v128);
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        if (want->pattern == SPEC_ANY_REF)
            return got->of.ref != NULL;
        return got->of.ref == want->value.of.ref;
    default:
        return false;
    }
}

static const char *type_name(wasm_valtype_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    default: return "?";
    }
}

static void format_ref(const wasm_value_t *v, char *buf, size_t len)
{
    if (!v->of.ref)
        snprintf(buf, len, "%s:null", type_name(v->type));
    else if (v->type == WASM_EXTERNREF)
        snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)v->of.ref - 1);
    else
        snprintf(buf, len, "funcref:%p", v->of.ref);
}

void spec_value_format(const wasm_value_t *v, char *buf, size_t len)
{
    switch (v->type) {
    case WASM_I32:
        snprintf(buf, len, "i32:%" PRIu32 " (0x%08" PRIx32 ")", v->of.i32, v->of.i32);
        break;
    case WASM_I64:
        snprintf(buf, len, "i64:%" PRIu64 " (0x%016" PRIx64 ")", v->of.i64, v->of.i64);
        break;
    case WASM_F32:
        snprintf(buf, len, "f32:0x%08" PRIx32, v->of.f32_bits);
        break;
    case WASM_F64:
        snprintf(buf, len, "f64:0x%016" PRIx64, v->of.f64_bits);
        break;
    case WASM_V128: {
        size_t n = (size_t)snprintf(buf, len, "v128:0x");
        for (int i = 15; i >= 0 && n + 2 < len; i--)
            n += (size_t)snprintf(buf + n, len - n, "%02x", v->of.v128[i]);
        break;
    }
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        format_ref(v, buf, len);
        break;
    default:
        snprintf(buf, len, "type 0x%02x", (unsigned)v->type);
    }
}

void spec_expect_format(const spec_expect_t *want, char *buf, size_t len)
{
    const char *t = type_name(want->value.type);
    switch (want->pattern) {
    case SPEC_NAN_CANONICAL:
        snprintf(buf, len, "%s:nan:canonical", t);
        break;
    case SPEC_NAN_ARITHMETIC:
        snprintf(buf, len, "%s:nan:arithmetic", t);
        break;
    case SPEC_ANY_REF:
        snprintf(buf, len, "%s:non-null", t);
        break;
    default:
        spec_value_format(&want->value, buf, len);
    }
}
