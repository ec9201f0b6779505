/* Conflict keys: spec building, the protobuf field scanner (every Serial fallback of
 * runtime.md §8.1), key identity, and rate-limited fallback warnings (scenario 16). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "actr/log.h"
#include "dispatch/conflict_key.h"

/* ---- a tiny protobuf writer for building payloads ---- */

typedef struct pbw {
    uint8_t b[3 * ACTR_CK_MAX_VALUE];
    size_t n;
} pbw_t;

static void put_raw(pbw_t *w, const void *p, size_t len)
{
    assert_true(w->n + len <= sizeof w->b);
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

static void put_varint(pbw_t *w, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            byte |= 0x80;
        put_raw(w, &byte, 1);
    } while (v);
}

static void put_key(pbw_t *w, uint64_t field, unsigned wire)
{
    put_varint(w, field << 3 | wire);
}

static void put_len(pbw_t *w, uint64_t field, const void *p, size_t len)
{
    put_key(w, field, 2);
    put_varint(w, len);
    put_raw(w, p, len);
}

static actr_ck_reason_t scan(const pbw_t *w, uint32_t tag, actr_ck_field_kind_t kind,
                             actr_ck_value_t *v)
{
    return actr_conflict_scan(w->b, w->n, tag, kind, v);
}

/* Scans a one-field message `field = v` (wire type 0) as kind. */
static actr_ck_reason_t scan_varint(uint64_t v, actr_ck_field_kind_t kind, actr_ck_value_t *out)
{
    pbw_t w = {.n = 0};
    put_key(&w, 3, 0);
    put_varint(&w, v);
    return scan(&w, 3, kind, out);
}

/* ---- spec building ---- */

static void test_spec_add_validates(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec;
    assert_int_equal(actr_conflict_spec_new(&spec), 0);
    assert_int_equal(actr_conflict_spec_count(spec), 0);
    actr_error_t err;
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.M", NULL, ACTR_CK_SENDER, &err), 0);
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.M", "other", ACTR_CK_FIELD(1, ACTR_CK_INT32),
                                            &err),
                     ACTR_EEXIST);
    assert_non_null(strstr(err.message, "duplicate conflict-key registration"));
    assert_int_equal(actr_conflict_spec_count(spec), 1);

    static const actr_ck_source_t bad[] = {
        {(actr_ck_source_kind_t)0, 0, (actr_ck_field_kind_t)0},
        {ACTR_CK_SOURCE_FIELD, 0, ACTR_CK_INT32},
        {ACTR_CK_SOURCE_FIELD, ACTR_CK_MAX_TAG + 1, ACTR_CK_INT32},
        {ACTR_CK_SOURCE_FIELD, 1, (actr_ck_field_kind_t)0},
        {ACTR_CK_SOURCE_FIELD, 1, (actr_ck_field_kind_t)(ACTR_CK_BYTES + 1)},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(actr_conflict_spec_add(spec, "a.S.N", NULL, bad[i], NULL), ACTR_EINVAL);
    assert_int_equal(actr_conflict_spec_add(spec, "", NULL, ACTR_CK_SENDER, NULL), ACTR_EINVAL);
    assert_int_equal(actr_conflict_spec_add(spec, NULL, NULL, ACTR_CK_SENDER, NULL), ACTR_EINVAL);
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.N", "", ACTR_CK_SENDER, NULL), ACTR_EINVAL);
    char long_domain[ACTR_CK_MAX_DOMAIN + 2];
    memset(long_domain, 'd', sizeof long_domain - 1);
    long_domain[sizeof long_domain - 1] = '\0';
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.N", long_domain, ACTR_CK_SENDER, NULL),
                     ACTR_EINVAL);
    long_domain[ACTR_CK_MAX_DOMAIN] = '\0'; /* exactly the limit */
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.N", long_domain, ACTR_CK_SENDER, NULL), 0);
    assert_int_equal(actr_conflict_spec_add(spec, "a.S.F", NULL,
                                            ACTR_CK_FIELD(ACTR_CK_MAX_TAG, ACTR_CK_BYTES), NULL),
                     0);
    assert_int_equal(actr_conflict_spec_count(spec), 3);
    actr_conflict_spec_free(spec);
    actr_conflict_spec_free(NULL);
}

/* ---- keys ---- */

static void test_key_identity(void **state)
{
    (void)state;
    actr_conflict_key_t serial = ACTR_CONFLICT_KEY_INIT, a, b, big;
    assert_true(actr_conflict_key_is_serial(&serial));
    assert_true(actr_conflict_key_is_serial(NULL));
    size_t len = 9;
    assert_null(actr_conflict_key_bytes(&serial, &len));
    assert_int_equal(len, 0);

    assert_int_equal(actr_conflict_key_set_scoped(&a, "dom", 3, "v1", 2), 0);
    assert_int_equal(actr_conflict_key_set_scoped(&b, "dom", 3, "v1", 2), 0);
    assert_true(actr_conflict_key_equal(&a, &b));
    assert_false(actr_conflict_key_equal(&a, &serial));
    assert_true(actr_conflict_key_equal(&serial, NULL));
    const char *d = actr_conflict_key_domain(&a, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(d, "dom", 3);
    const uint8_t *v = actr_conflict_key_value(&a, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(v, "v1", 2);
    actr_conflict_key_clear(&b);

    /* The domain length is part of the identity: ("ab","c") differs from ("a","bc"). */
    assert_int_equal(actr_conflict_key_set_scoped(&b, "do", 2, "mv1", 3), 0);
    assert_false(actr_conflict_key_equal(&a, &b));
    actr_conflict_key_clear(&b);
    /* An empty value is a real key, distinct from Serial. */
    assert_int_equal(actr_conflict_key_set_scoped(&b, "dom", 3, NULL, 0), 0);
    assert_false(actr_conflict_key_is_serial(&b));
    assert_false(actr_conflict_key_equal(&a, &b));
    actr_conflict_key_clear(&b);

    /* Keys beyond the inline buffer go to the heap and compare the same way. */
    static uint8_t value[ACTR_CK_MAX_VALUE];
    memset(value, 'x', sizeof value);
    assert_int_equal(actr_conflict_key_set_scoped(&big, "dom", 3, value, sizeof value), 0);
    assert_int_equal(actr_conflict_key_set_scoped(&b, "dom", 3, value, sizeof value), 0);
    assert_non_null(big.heap);
    assert_true(actr_conflict_key_equal(&big, &b));
    v = actr_conflict_key_value(&big, &len);
    assert_int_equal(len, sizeof value);
    assert_memory_equal(v, value, sizeof value);
    actr_conflict_key_clear(&b);
    assert_int_equal(actr_conflict_key_set_scoped(&b, "dom", 3, value, sizeof value + 1),
                     ACTR_EINVAL);
    assert_true(actr_conflict_key_is_serial(&b));
    assert_int_equal(actr_conflict_key_set_scoped(&b, NULL, 1, "v", 1), ACTR_EINVAL);
    actr_conflict_key_clear(&big);
    actr_conflict_key_clear(&a);
    actr_conflict_key_clear(&a); /* clear is idempotent */
    actr_conflict_key_clear(NULL);
}

/* ---- the scanner ---- */

static void test_scan_varint_kinds(void **state)
{
    (void)state;
    actr_ck_value_t v;
    assert_int_equal(scan_varint(0, ACTR_CK_BOOL, &v), ACTR_CK_OK);
    assert_int_equal(v.len, 1);
    assert_int_equal(scan_varint(1, ACTR_CK_BOOL, &v), ACTR_CK_OK);
    assert_int_equal(scan_varint(2, ACTR_CK_BOOL, &v), ACTR_CK_RANGE);

    /* int32/enum: 0..INT32_MAX and the sign-extended negatives only. */
    static const actr_ck_field_kind_t i32[] = {ACTR_CK_INT32, ACTR_CK_ENUM};
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(scan_varint(INT32_MAX, i32[k], &v), ACTR_CK_OK);
        assert_int_equal(scan_varint((uint64_t)(int64_t)-1, i32[k], &v), ACTR_CK_OK);
        assert_int_equal(v.len, 10);
        assert_int_equal(scan_varint((uint64_t)(int64_t)INT32_MIN, i32[k], &v), ACTR_CK_OK);
        assert_int_equal(scan_varint((uint64_t)INT32_MAX + 1, i32[k], &v), ACTR_CK_RANGE);
        assert_int_equal(scan_varint(UINT32_MAX, i32[k], &v), ACTR_CK_RANGE);
        assert_int_equal(scan_varint((uint64_t)(int64_t)INT32_MIN - 1, i32[k], &v),
                         ACTR_CK_RANGE);
    }
    static const actr_ck_field_kind_t u32[] = {ACTR_CK_UINT32, ACTR_CK_SINT32};
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(scan_varint(UINT32_MAX, u32[k], &v), ACTR_CK_OK);
        assert_int_equal(scan_varint((uint64_t)UINT32_MAX + 1, u32[k], &v), ACTR_CK_RANGE);
    }
    static const actr_ck_field_kind_t any64[] = {ACTR_CK_INT64, ACTR_CK_UINT64, ACTR_CK_SINT64};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(scan_varint(UINT64_MAX, any64[k], &v), ACTR_CK_OK);
        assert_int_equal(v.len, 10);
    }
    /* A varint on the wire for a fixed, string or bytes field is a type mismatch. */
    static const actr_ck_field_kind_t other[] = {ACTR_CK_FIXED32, ACTR_CK_FIXED64,
                                                 ACTR_CK_SFIXED32, ACTR_CK_SFIXED64,
                                                 ACTR_CK_STRING, ACTR_CK_BYTES};
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
        assert_int_equal(scan_varint(5, other[k], &v), ACTR_CK_TYPE_MISMATCH);
}

static void test_scan_varint_canonical(void **state)
{
    (void)state;
    /* 1 encoded minimally and overlong (0x81 0x80 0x00) gives the same key bytes. */
    static const uint8_t minimal[] = {0x08, 0x01};
    static const uint8_t overlong[] = {0x08, 0x81, 0x80, 0x00};
    actr_ck_value_t a, b;
    assert_int_equal(actr_conflict_scan(minimal, sizeof minimal, 1, ACTR_CK_UINT64, &a), 0);
    assert_int_equal(actr_conflict_scan(overlong, sizeof overlong, 1, ACTR_CK_UINT64, &b), 0);
    assert_int_equal(a.len, 1);
    assert_int_equal(b.len, 1);
    assert_memory_equal(a.ptr, b.ptr, 1);
    /* An overlong field key is accepted the same way. */
    static const uint8_t overlong_key[] = {0x88, 0x00, 0x01};
    assert_int_equal(actr_conflict_scan(overlong_key, sizeof overlong_key, 1, ACTR_CK_UINT64, &b),
                     ACTR_CK_OK);
    assert_memory_equal(a.ptr, b.ptr, 1);
    /* Ten bytes with more than the 64th bit in the last one, or eleven bytes: malformed. */
    static const uint8_t too_big[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t eleven[] = {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x80, 0x80, 0x00};
    static const uint8_t truncated[] = {0x08, 0x80};
    assert_int_equal(actr_conflict_scan(too_big, sizeof too_big, 1, ACTR_CK_UINT64, &a),
                     ACTR_CK_MALFORMED);
    assert_int_equal(actr_conflict_scan(eleven, sizeof eleven, 1, ACTR_CK_UINT64, &a),
                     ACTR_CK_MALFORMED);
    assert_int_equal(actr_conflict_scan(truncated, sizeof truncated, 1, ACTR_CK_UINT64, &a),
                     ACTR_CK_MALFORMED);
}

static void test_scan_fixed(void **state)
{
    (void)state;
    pbw_t w = {.n = 0};
    put_key(&w, 2, 5);
    put_raw(&w, "\x01\x02\x03\x04", 4);
    put_key(&w, 3, 1);
    put_raw(&w, "ABCDEFGH", 8);
    actr_ck_value_t v;
    assert_int_equal(scan(&w, 2, ACTR_CK_FIXED32, &v), ACTR_CK_OK);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.ptr, "\x01\x02\x03\x04", 4);
    assert_int_equal(scan(&w, 2, ACTR_CK_SFIXED32, &v), ACTR_CK_OK);
    assert_int_equal(scan(&w, 3, ACTR_CK_FIXED64, &v), ACTR_CK_OK);
    assert_int_equal(v.len, 8);
    assert_memory_equal(v.ptr, "ABCDEFGH", 8);
    assert_int_equal(scan(&w, 3, ACTR_CK_SFIXED64, &v), ACTR_CK_OK);
    /* Width must match the kind; a varint kind never takes fixed bytes. */
    assert_int_equal(scan(&w, 2, ACTR_CK_FIXED64, &v), ACTR_CK_TYPE_MISMATCH);
    assert_int_equal(scan(&w, 3, ACTR_CK_FIXED32, &v), ACTR_CK_TYPE_MISMATCH);
    assert_int_equal(scan(&w, 3, ACTR_CK_INT64, &v), ACTR_CK_TYPE_MISMATCH);
    assert_int_equal(scan(&w, 2, ACTR_CK_STRING, &v), ACTR_CK_TYPE_MISMATCH);
    /* Truncated fixed values. */
    assert_int_equal(actr_conflict_scan(w.b, 4, 2, ACTR_CK_FIXED32, &v), ACTR_CK_MALFORMED);
    assert_int_equal(actr_conflict_scan(w.b, w.n - 1, 2, ACTR_CK_FIXED32, &v), ACTR_CK_MALFORMED);
}

static void test_scan_strings(void **state)
{
    (void)state;
    actr_ck_value_t v;
    pbw_t w = {.n = 0};
    put_len(&w, 1, "h\0\xc3\xa9llo", 7); /* NUL and U+00E9 are fine */
    assert_int_equal(scan(&w, 1, ACTR_CK_STRING, &v), ACTR_CK_OK);
    assert_int_equal(v.len, 7);
    assert_ptr_equal(v.ptr, w.b + 2); /* a view into the payload */
    assert_int_equal(scan(&w, 1, ACTR_CK_BYTES, &v), ACTR_CK_OK);
    assert_int_equal(scan(&w, 1, ACTR_CK_UINT32, &v), ACTR_CK_TYPE_MISMATCH);
    assert_int_equal(scan(&w, 1, ACTR_CK_FIXED64, &v), ACTR_CK_TYPE_MISMATCH);

    static const char *const bad_utf8[] = {
        "\xff",         "\xc3",             "\xc0\x80",          /* overlong NUL */
        "\xe0\x80\xaf", "\xed\xa0\x80",     /* surrogate */ "\xf4\x90\x80\x80", /* > U+10FFFF */
        "a\x80",        "\xf0\x9f\x98",     /* truncated 4-byte */
    };
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        w.n = 0;
        put_len(&w, 1, bad_utf8[i], strlen(bad_utf8[i]));
        assert_int_equal(scan(&w, 1, ACTR_CK_STRING, &v), ACTR_CK_UTF8);
        assert_int_equal(scan(&w, 1, ACTR_CK_BYTES, &v), ACTR_CK_OK); /* bytes take anything */
    }
    w.n = 0;
    put_len(&w, 1, "\xf0\x9f\x98\x80\xe2\x82\xac", 7); /* U+1F600, U+20AC */
    assert_int_equal(scan(&w, 1, ACTR_CK_STRING, &v), ACTR_CK_OK);

    /* 4 KiB is the limit, one byte more falls back. */
    static char big[ACTR_CK_MAX_VALUE + 1];
    memset(big, 'k', sizeof big);
    w.n = 0;
    put_len(&w, 1, big, ACTR_CK_MAX_VALUE);
    assert_int_equal(scan(&w, 1, ACTR_CK_STRING, &v), ACTR_CK_OK);
    assert_int_equal(v.len, ACTR_CK_MAX_VALUE);
    w.n = 0;
    put_len(&w, 1, big, ACTR_CK_MAX_VALUE + 1);
    assert_int_equal(scan(&w, 1, ACTR_CK_STRING, &v), ACTR_CK_OVERSIZE);
    assert_int_equal(scan(&w, 1, ACTR_CK_BYTES, &v), ACTR_CK_OVERSIZE);
    /* An oversize value of ANOTHER field is skipped, not refused. */
    assert_int_equal(scan(&w, 2, ACTR_CK_BYTES, &v), ACTR_CK_ABSENT);
}

static void test_scan_hostile_lengths(void **state)
{
    (void)state;
    actr_ck_value_t v;
    /* Length prefixes past the end, up to 2^64 - 1, on the target and on other fields. */
    static const uint64_t lens[] = {1, 100, (uint64_t)1 << 32, (uint64_t)1 << 63, UINT64_MAX};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (uint32_t field = 1; field <= 2; field++) {
            pbw_t w = {.n = 0};
            put_key(&w, field, 2);
            put_varint(&w, lens[i]); /* and no content at all */
            assert_int_equal(scan(&w, 1, ACTR_CK_BYTES, &v), ACTR_CK_MALFORMED);
            assert_null(v.ptr);
        }
    }
    /* A length reaching exactly the end is fine. */
    pbw_t w = {.n = 0};
    put_len(&w, 2, "abc", 3);
    put_len(&w, 1, "id", 2);
    assert_int_equal(scan(&w, 1, ACTR_CK_BYTES, &v), ACTR_CK_OK);
    assert_int_equal(actr_conflict_scan(NULL, 0, 1, ACTR_CK_BYTES, &v), ACTR_CK_ABSENT);
    assert_int_equal(actr_conflict_scan(NULL, 5, 1, ACTR_CK_BYTES, &v), ACTR_CK_ABSENT);
}

static void test_scan_structure(void **state)
{
    (void)state;
    actr_ck_value_t v;
    pbw_t w = {.n = 0};
    /* Other fields of every wire type are skipped before the target. */
    put_key(&w, 5, 0);
    put_varint(&w, 300);
    put_key(&w, 6, 1);
    put_raw(&w, "12345678", 8);
    put_len(&w, 7, "nested\x08\x01", 8);
    put_key(&w, 8, 5);
    put_raw(&w, "1234", 4);
    put_key(&w, 1, 0);
    put_varint(&w, 42);
    assert_int_equal(scan(&w, 1, ACTR_CK_INT64, &v), ACTR_CK_OK);
    assert_int_equal(v.len, 1);
    assert_int_equal(v.ptr[0], 42);
    assert_int_equal(scan(&w, 9, ACTR_CK_INT64, &v), ACTR_CK_ABSENT);
    assert_int_equal(actr_conflict_scan(w.b, 0, 1, ACTR_CK_INT64, &v), ACTR_CK_ABSENT);

    /* Repeated, even with equal values. */
    pbw_t r = w;
    put_key(&r, 1, 0);
    put_varint(&r, 42);
    assert_int_equal(scan(&r, 1, ACTR_CK_INT64, &v), ACTR_CK_REPEATED);
    /* Malformed bytes AFTER the target still fail the whole message. */
    pbw_t m = w;
    put_key(&m, 2, 0);
    put_raw(&m, "\x80", 1);
    assert_int_equal(scan(&m, 1, ACTR_CK_INT64, &v), ACTR_CK_MALFORMED);
    /* Groups (start and end) anywhere; wire types 6 and 7. */
    for (unsigned wire = 3; wire <= 7; wire++) {
        if (wire == 5)
            continue;
        pbw_t g = w;
        put_key(&g, 9, wire);
        assert_int_equal(scan(&g, 1, ACTR_CK_INT64, &v),
                         wire <= 4 ? ACTR_CK_GROUP : ACTR_CK_MALFORMED);
    }
    /* Field number 0, and numbers beyond 2^29 - 1 that would alias the target if narrowed. */
    static const uint64_t bad_fields[] = {0, (uint64_t)ACTR_CK_MAX_TAG + 1,
                                          ((uint64_t)1 << 32) + 1, ((uint64_t)1 << 61) - 1};
    for (size_t i = 0; i < sizeof bad_fields / sizeof bad_fields[0]; i++) {
        pbw_t f = {.n = 0};
        put_key(&f, bad_fields[i], 0);
        put_varint(&f, 7);
        assert_int_equal(scan(&f, 1, ACTR_CK_INT64, &v), ACTR_CK_FIELD_NUMBER);
    }
    pbw_t f = {.n = 0};
    put_key(&f, ACTR_CK_MAX_TAG, 0);
    put_varint(&f, 7);
    assert_int_equal(scan(&f, ACTR_CK_MAX_TAG, ACTR_CK_INT64, &v), ACTR_CK_OK);
}

/* ---- extraction ---- */

static actr_conflict_spec_t *bank_spec(void)
{
    actr_conflict_spec_t *spec;
    assert_int_equal(actr_conflict_spec_new(&spec), 0);
    assert_int_equal(actr_conflict_spec_add(spec, "bank.A.Deposit", "account",
                                            ACTR_CK_FIELD(1, ACTR_CK_STRING), NULL),
                     0);
    assert_int_equal(actr_conflict_spec_add(spec, "bank.A.Withdraw", "account",
                                            ACTR_CK_FIELD(1, ACTR_CK_STRING), NULL),
                     0);
    assert_int_equal(actr_conflict_spec_add(spec, "bank.A.Audit", NULL,
                                            ACTR_CK_FIELD(1, ACTR_CK_STRING), NULL),
                     0);
    assert_int_equal(actr_conflict_spec_add(spec, "bank.A.Ping", NULL, ACTR_CK_SENDER, NULL), 0);
    return spec;
}

static actr_ck_reason_t extract(const actr_conflict_spec_t *spec, const char *route,
                                const char *caller, const pbw_t *w, actr_conflict_key_t *k)
{
    return actr_conflict_extract(spec, route, strlen(route), caller, caller ? strlen(caller) : 0,
                                 w ? w->b : NULL, w ? w->n : 0, k);
}

static void test_extract_domains(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec = bank_spec();
    pbw_t acct1 = {.n = 0}, acct2 = {.n = 0};
    put_len(&acct1, 1, "acct-1", 6);
    put_len(&acct2, 1, "acct-2", 6);
    actr_conflict_key_t dep1, wd1, wd2, audit1;
    assert_int_equal(extract(spec, "bank.A.Deposit", NULL, &acct1, &dep1), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Withdraw", "1:acme:x@v1", &acct1, &wd1), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Withdraw", NULL, &acct2, &wd2), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Audit", NULL, &acct1, &audit1), ACTR_CK_OK);
    /* Shared domain: Deposit and Withdraw of one account conflict; other accounts do not. */
    assert_true(actr_conflict_key_equal(&dep1, &wd1));
    assert_false(actr_conflict_key_equal(&wd1, &wd2));
    /* Audit has its own domain (its route key) even with the same value. */
    assert_false(actr_conflict_key_equal(&dep1, &audit1));
    size_t len;
    const char *d = actr_conflict_key_domain(&audit1, &len);
    assert_int_equal(len, strlen("bank.A.Audit"));
    assert_memory_equal(d, "bank.A.Audit", len);
    d = actr_conflict_key_domain(&dep1, &len);
    assert_memory_equal(d, "account", len);
    const uint8_t *v = actr_conflict_key_value(&dep1, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(v, "acct-1", 6);
    actr_conflict_key_clear(&dep1);
    actr_conflict_key_clear(&wd1);
    actr_conflict_key_clear(&wd2);
    actr_conflict_key_clear(&audit1);
    assert_int_equal(actr_conflict_spec_fallbacks(spec), 0);
    actr_conflict_spec_free(spec);
}

static void test_extract_sender(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec = bank_spec();
    actr_conflict_key_t a, a2, b, none, none2, empty;
    assert_int_equal(extract(spec, "bank.A.Ping", "1:acme:a@v1", NULL, &a), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Ping", "1:acme:a@v1", NULL, &a2), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Ping", "1:acme:b@v1", NULL, &b), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Ping", NULL, NULL, &none), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Ping", NULL, NULL, &none2), ACTR_CK_OK);
    assert_int_equal(extract(spec, "bank.A.Ping", "", NULL, &empty), ACTR_CK_OK);
    assert_true(actr_conflict_key_equal(&a, &a2));
    assert_false(actr_conflict_key_equal(&a, &b));
    /* Callerless calls share one lane of the method (not Serial). */
    assert_false(actr_conflict_key_is_serial(&none));
    assert_true(actr_conflict_key_equal(&none, &none2));
    assert_true(actr_conflict_key_equal(&none, &empty));
    size_t len;
    actr_conflict_key_value(&a, &len);
    assert_int_equal(len, strlen("1:acme:a@v1"));
    /* A caller string above the value limit falls back. */
    static char huge[ACTR_CK_MAX_VALUE + 2];
    memset(huge, 'c', sizeof huge - 1);
    actr_conflict_key_t k;
    assert_int_equal(extract(spec, "bank.A.Ping", huge, NULL, &k), ACTR_CK_OVERSIZE);
    assert_true(actr_conflict_key_is_serial(&k));
    actr_conflict_key_clear(&a);
    actr_conflict_key_clear(&a2);
    actr_conflict_key_clear(&b);
    actr_conflict_key_clear(&none);
    actr_conflict_key_clear(&none2);
    actr_conflict_key_clear(&empty);
    actr_conflict_spec_free(spec);
}

/* Scenario 16: undeclared methods and every extraction failure land on Serial. */
static void test_extract_serial_fallbacks(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec = bank_spec();
    actr_conflict_key_t k;
    pbw_t ok = {.n = 0};
    put_len(&ok, 1, "acct", 4);
    assert_int_equal(extract(spec, "bank.A.Unknown", "1:acme:a@v1", &ok, &k), ACTR_CK_UNDECLARED);
    assert_true(actr_conflict_key_is_serial(&k));
    assert_int_equal(actr_conflict_extract(spec, "bank.A.Deposit", 7, NULL, 0, ok.b, ok.n, &k),
                     ACTR_CK_UNDECLARED); /* a prefix of a route key is another route */
    assert_int_equal(actr_conflict_extract(NULL, "x", 1, NULL, 0, NULL, 0, &k),
                     ACTR_CK_UNDECLARED);
    assert_int_equal(actr_conflict_spec_fallbacks(spec), 0); /* undeclared is not a failure */

    static char big[ACTR_CK_MAX_VALUE + 1];
    memset(big, 'k', sizeof big);
    pbw_t oversize = {.n = 0}, huge_len = {.n = 0}, absent = {.n = 0}, repeated = ok;
    put_len(&oversize, 1, big, sizeof big);
    put_key(&huge_len, 1, 2);
    put_varint(&huge_len, UINT64_MAX);
    put_len(&absent, 2, "acct", 4);
    put_len(&repeated, 1, "acct", 4);
    struct {
        const pbw_t *w;
        actr_ck_reason_t want;
    } cases[] = {
        {&oversize, ACTR_CK_OVERSIZE},
        {&huge_len, ACTR_CK_MALFORMED},
        {&absent, ACTR_CK_ABSENT},
        {&repeated, ACTR_CK_REPEATED},
        {NULL, ACTR_CK_ABSENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(extract(spec, "bank.A.Deposit", NULL, cases[i].w, &k), cases[i].want);
        assert_true(actr_conflict_key_is_serial(&k));
        actr_conflict_key_clear(&k);
    }
    assert_int_equal(actr_conflict_spec_fallbacks(spec), 5);
    actr_conflict_spec_free(spec);
}

/* ---- rate-limited warnings ---- */

static uint64_t fake_now;
static uint64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static int warn_lines;
static char last_reason[64];
static void count_sink(const actr_log_record_t *rec, void *ud)
{
    (void)ud;
    if (rec->level != ACTR_LOG_WARN || strcmp(rec->module, "dispatch") != 0)
        return;
    warn_lines++;
    for (size_t i = 0; i < rec->nfields; i++)
        if (strcmp(rec->fields[i].key, "reason") == 0)
            snprintf(last_reason, sizeof last_reason, "%s", rec->fields[i].value);
}

static void test_fallback_warning_rate_limited(void **state)
{
    (void)state;
    actr_conflict_spec_t *spec = bank_spec();
    actr_conflict_spec_set_clock(spec, fake_clock, NULL);
    actr_log_level_t saved = actr_log_get_level();
    actr_log_set_level(ACTR_LOG_INFO);
    actr_log_set_sink(count_sink, NULL);
    warn_lines = 0;
    fake_now = 0; /* time 0 must still log the first warning */
    pbw_t bad = {.n = 0};
    put_key(&bad, 1, 3);
    actr_conflict_key_t k;
    for (int i = 0; i < 100; i++) {
        fake_now = (uint64_t)i * 9; /* 0 .. 891 ms: one second not yet over */
        assert_int_equal(extract(spec, "bank.A.Deposit", NULL, &bad, &k), ACTR_CK_GROUP);
    }
    assert_int_equal(warn_lines, 1);
    assert_string_equal(last_reason, "group");
    fake_now = 999;
    extract(spec, "bank.A.Deposit", NULL, &bad, &k);
    assert_int_equal(warn_lines, 1);
    fake_now = 1000;
    extract(spec, "bank.A.Withdraw", NULL, NULL, &k);
    assert_int_equal(warn_lines, 2);
    assert_string_equal(last_reason, "absent");
    assert_int_equal(actr_conflict_spec_fallbacks(spec), 102);
    assert_int_equal(actr_conflict_spec_warnings(spec), 2);
    actr_log_set_sink(NULL, NULL);
    actr_log_set_level(saved);
    actr_conflict_spec_free(spec);
}

static void test_reason_names(void **state)
{
    (void)state;
    for (int r = ACTR_CK_OK; r <= ACTR_CK_NOMEM; r++)
        assert_string_not_equal(actr_ck_reason_name((actr_ck_reason_t)r), "unknown");
    assert_string_equal(actr_ck_reason_name((actr_ck_reason_t)99), "unknown");
    assert_string_equal(actr_ck_reason_name(ACTR_CK_OVERSIZE), "oversize");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_add_validates),
        cmocka_unit_test(test_key_identity),
        cmocka_unit_test(test_scan_varint_kinds),
        cmocka_unit_test(test_scan_varint_canonical),
        cmocka_unit_test(test_scan_fixed),
        cmocka_unit_test(test_scan_strings),
        cmocka_unit_test(test_scan_hostile_lengths),
        cmocka_unit_test(test_scan_structure),
        cmocka_unit_test(test_extract_domains),
        cmocka_unit_test(test_extract_sender),
        cmocka_unit_test(test_extract_serial_fallbacks),
        cmocka_unit_test(test_fallback_warning_rate_limited),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
