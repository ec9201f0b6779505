/*
 * Fuzz target for conflict-key extraction (src/dispatch/conflict_key.c): the input is a request
 * payload (and, for the Sender rule, the caller string). Every declared kind is extracted; a
 * scoped key must respect the value limit, and re-encoding its value as a fresh one-field
 * message must scan back to the same bytes (so the key really is canonical). A failure must be
 * Serial. Any violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "dispatch/conflict_key.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

static const struct {
    const char *route;
    uint32_t tag;
    actr_ck_field_kind_t kind;
} rules[] = {
    {"f.S.Bool", 1, ACTR_CK_BOOL},         {"f.S.Int32", 1, ACTR_CK_INT32},
    {"f.S.Int64", 2, ACTR_CK_INT64},       {"f.S.Uint32", 2, ACTR_CK_UINT32},
    {"f.S.Uint64", 3, ACTR_CK_UINT64},     {"f.S.Sint32", 1, ACTR_CK_SINT32},
    {"f.S.Sint64", 2, ACTR_CK_SINT64},     {"f.S.Fixed32", 1, ACTR_CK_FIXED32},
    {"f.S.Fixed64", 2, ACTR_CK_FIXED64},   {"f.S.Sfixed32", 3, ACTR_CK_SFIXED32},
    {"f.S.Sfixed64", 1, ACTR_CK_SFIXED64}, {"f.S.Enum", 3, ACTR_CK_ENUM},
    {"f.S.String", 1, ACTR_CK_STRING},     {"f.S.Bytes", 2, ACTR_CK_BYTES},
    {"f.S.High", ACTR_CK_MAX_TAG, ACTR_CK_BYTES},
};

static unsigned wire_of(actr_ck_field_kind_t kind)
{
    switch (kind) {
    case ACTR_CK_FIXED32:
    case ACTR_CK_SFIXED32:
        return 5;
    case ACTR_CK_FIXED64:
    case ACTR_CK_SFIXED64:
        return 1;
    case ACTR_CK_STRING:
    case ACTR_CK_BYTES:
        return 2;
    default:
        return 0;
    }
}

/* Field 1 of the given wire type holding value (a minimal varint for wire type 0). */
static size_t encode_field(unsigned wire, const uint8_t *value, size_t len, uint8_t *out)
{
    size_t n = 0;
    out[n++] = (uint8_t)(1 << 3 | wire);
    if (wire == 2) {
        size_t l = len;
        do {
            out[n++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
            l >>= 7;
        } while (l);
    }
    memcpy(out + n, value, len);
    return n + len;
}

static void check_canonical(actr_ck_field_kind_t kind, const uint8_t *value, size_t len)
{
    CHECK(len <= ACTR_CK_MAX_VALUE);
    unsigned wire = wire_of(kind);
    if (wire == 0) {
        CHECK(len >= 1 && len <= 10 && value[len - 1] < 0x80);
        CHECK(len == 1 || value[len - 1] != 0); /* minimal */
    } else if (wire == 5) {
        CHECK(len == 4);
    } else if (wire == 1) {
        CHECK(len == 8);
    }
    static uint8_t msg[ACTR_CK_MAX_VALUE + 16];
    size_t n = encode_field(wire, value, len, msg);
    actr_ck_value_t again;
    CHECK(actr_conflict_scan(msg, n, 1, kind, &again) == ACTR_CK_OK);
    CHECK(again.len == len && memcmp(again.ptr, value, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actr_log_set_level(ACTR_LOG_OFF);
    actr_conflict_spec_t *spec;
    if (actr_conflict_spec_new(&spec) != 0)
        return 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        CHECK(actr_conflict_spec_add(spec, rules[i].route, i % 2 ? "shared" : NULL,
                                     ACTR_CK_FIELD(rules[i].tag, rules[i].kind), NULL) == 0);
    CHECK(actr_conflict_spec_add(spec, "f.S.Sender", NULL, ACTR_CK_SENDER, NULL) == 0);

    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        actr_conflict_key_t key, twice;
        const char *route = rules[i].route;
        actr_ck_reason_t r =
            actr_conflict_extract(spec, route, strlen(route), NULL, 0, data, size, &key);
        actr_ck_reason_t r2 =
            actr_conflict_extract(spec, route, strlen(route), NULL, 0, data, size, &twice);
        CHECK(r == r2 && actr_conflict_key_equal(&key, &twice));
        CHECK((r == ACTR_CK_OK) == !actr_conflict_key_is_serial(&key));
        if (r == ACTR_CK_OK) {
            size_t len;
            const uint8_t *value = actr_conflict_key_value(&key, &len);
            check_canonical(rules[i].kind, value, len);
        }
        actr_conflict_key_clear(&key);
        actr_conflict_key_clear(&twice);
    }

    /* The input as a caller id: any bytes up to the limit make a key. */
    actr_conflict_key_t key;
    actr_ck_reason_t r = actr_conflict_extract(spec, "f.S.Sender", 10, (const char *)data, size,
                                               NULL, 0, &key);
    CHECK(r == (size <= ACTR_CK_MAX_VALUE ? ACTR_CK_OK : ACTR_CK_OVERSIZE));
    actr_conflict_key_clear(&key);
    actr_conflict_spec_free(spec);
    return 0;
}
