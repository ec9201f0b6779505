/*
 * conflict_key.h - which inbound requests of one actor may run concurrently (spec: runtime.md
 * §8.1, engines.md §1.4).
 *
 * A conflict-key spec is built once per actor, before it starts, and never travels on the wire:
 * it maps a method's route key ("package.Service.Method") to where that method's key comes from:
 *
 *   - the caller: the caller's ActrId string (no caller: the empty value, so all callerless
 *     calls of the method share one lane);
 *   - a top-level field of the request payload, read by a small protobuf wire scanner with a
 *     declared scalar kind.
 *
 * Extraction turns a request into a key: Serial (the global barrier: runs alone) or
 * Scoped{domain, value}. Two requests with equal scoped keys run one at a time in arrival order,
 * distinct keys may overlap (scheduler.h). The domain is the method's route key unless the
 * method was declared into a shared domain. Every doubt falls back to Serial, i.e. to more
 * serialisation, never less: undeclared method, absent or repeated field, malformed payload,
 * group or unknown wire type, field number 0 or above 2^29-1, wire type not matching the kind,
 * a varint out of the kind's range, invalid UTF-8 in a string, a value over 4 KiB.
 *
 *   actr_conflict_spec_t *spec;
 *   actr_conflict_spec_new(&spec);
 *   actr_conflict_spec_add(spec, "bank.Accounts.Deposit", "account",
 *                          ACTR_CK_FIELD(1, ACTR_CK_STRING), NULL);
 *   actr_conflict_spec_add(spec, "bank.Accounts.Withdraw", "account",
 *                          ACTR_CK_FIELD(1, ACTR_CK_STRING), NULL);
 *   actr_conflict_key_t key;
 *   actr_conflict_extract(spec, route, route_len, caller, caller_len, body, body_len, &key);
 *   ... submit to the scheduler (which copies what it needs) ...
 *   actr_conflict_key_clear(&key);
 *
 * Thread safety: add() only before the spec is shared; extract() from any number of threads.
 */
#ifndef ACTR_DISPATCH_CONFLICT_KEY_H
#define ACTR_DISPATCH_CONFLICT_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/error.h"

/* Largest key value kept: larger values fall back to Serial (a queued job must not pin
 * arbitrarily large attacker-chosen bytes). */
#define ACTR_CK_MAX_VALUE 4096
/* Largest explicit domain name accepted by actr_conflict_spec_add(). */
#define ACTR_CK_MAX_DOMAIN 1024
/* Highest protobuf field number. */
#define ACTR_CK_MAX_TAG 0x1fffffffu

/* Declared protobuf scalar type of a payload key field. Floats and messages are not supported:
 * their equal values have several encodings. */
typedef enum actr_ck_field_kind {
    ACTR_CK_BOOL = 1, /* varint 0 or 1 only */
    ACTR_CK_INT32,    /* varint, a sign-extended 32-bit value */
    ACTR_CK_INT64,
    ACTR_CK_UINT32,   /* varint <= UINT32_MAX */
    ACTR_CK_UINT64,
    ACTR_CK_SINT32,   /* zig-zag varint <= UINT32_MAX */
    ACTR_CK_SINT64,
    ACTR_CK_FIXED32,  /* 4 raw bytes */
    ACTR_CK_FIXED64,  /* 8 raw bytes */
    ACTR_CK_SFIXED32,
    ACTR_CK_SFIXED64,
    ACTR_CK_ENUM,     /* as INT32 */
    ACTR_CK_STRING,   /* UTF-8 content, <= ACTR_CK_MAX_VALUE bytes */
    ACTR_CK_BYTES,    /* content, <= ACTR_CK_MAX_VALUE bytes */
} actr_ck_field_kind_t;

typedef enum actr_ck_source_kind {
    ACTR_CK_SOURCE_SENDER = 1, /* the caller's ActrId string */
    ACTR_CK_SOURCE_FIELD = 2,  /* a top-level payload field */
} actr_ck_source_kind_t;

typedef struct actr_ck_source {
    actr_ck_source_kind_t kind;
    uint32_t tag;               /* FIELD: 1 .. ACTR_CK_MAX_TAG */
    actr_ck_field_kind_t field; /* FIELD: declared type */
} actr_ck_source_t;

#define ACTR_CK_SENDER ((actr_ck_source_t){ACTR_CK_SOURCE_SENDER, 0, (actr_ck_field_kind_t)0})
#define ACTR_CK_FIELD(tag, kind) ((actr_ck_source_t){ACTR_CK_SOURCE_FIELD, (tag), (kind)})

/* Why extraction produced what it did: OK for a scoped key, anything else means Serial. */
typedef enum actr_ck_reason {
    ACTR_CK_OK = 0,
    ACTR_CK_UNDECLARED,    /* no rule for the route key */
    ACTR_CK_ABSENT,        /* the field is not in the payload */
    ACTR_CK_REPEATED,      /* the field occurs more than once */
    ACTR_CK_MALFORMED,     /* truncated, overlong varint, length past the end, wire type 6/7 */
    ACTR_CK_GROUP,         /* wire type 3 or 4 anywhere at top level */
    ACTR_CK_FIELD_NUMBER,  /* a field number 0 or above ACTR_CK_MAX_TAG */
    ACTR_CK_TYPE_MISMATCH, /* the wire type does not fit the declared kind */
    ACTR_CK_RANGE,         /* a varint outside the kind's range */
    ACTR_CK_UTF8,          /* a STRING value that is not UTF-8 */
    ACTR_CK_OVERSIZE,      /* a value above ACTR_CK_MAX_VALUE bytes */
    ACTR_CK_NOMEM,         /* no memory for the key: Serial is always safe */
} actr_ck_reason_t;

/* Name of a reason ("absent", "repeated", ...). Never NULL. */
const char *actr_ck_reason_name(actr_ck_reason_t reason);

/* ---- keys ---- */

#define ACTR_CK_INLINE 120

/*
 * Serial, or Scoped{domain, value}. Scoped keys are identified by the bytes
 * u32 BE domain length | domain | value, compared exactly (no hashing into a smaller space).
 * Small keys live inside the struct, larger ones on the heap: clear every key you fill. The
 * struct may be copied by value only while it is not cleared twice (one owner).
 */
typedef struct actr_conflict_key {
    bool scoped;
    uint32_t domain_len;
    size_t len;    /* identity bytes, 0 for Serial */
    uint8_t *heap; /* the identity bytes when len > ACTR_CK_INLINE */
    uint8_t small[ACTR_CK_INLINE];
} actr_conflict_key_t;

#define ACTR_CONFLICT_KEY_INIT {false, 0, 0, NULL, {0}}

/* Makes *key Serial (without releasing what it held: use clear for that). */
void actr_conflict_key_init(actr_conflict_key_t *key);

/* Releases the bytes and makes *key Serial. NULL is ignored. */
void actr_conflict_key_clear(actr_conflict_key_t *key);

/*
 * Builds a scoped key from a domain and a value (copied). *key is overwritten (clear it first if
 * it held a key). Returns 0, ACTR_EINVAL (NULL pointers with non-zero lengths, a domain above
 * ACTR_CK_MAX_DOMAIN or a value above ACTR_CK_MAX_VALUE) or ACTR_ENOMEM; on failure *key is Serial.
 */
int actr_conflict_key_set_scoped(actr_conflict_key_t *key, const char *domain, size_t domain_len,
                                 const void *value, size_t value_len);

bool actr_conflict_key_is_serial(const actr_conflict_key_t *key);

/* The identity bytes (what the scheduler compares), or NULL with *len 0 for Serial. */
const uint8_t *actr_conflict_key_bytes(const actr_conflict_key_t *key, size_t *len);
/* Domain and value of a scoped key; NULL with *len 0 for Serial. */
const char *actr_conflict_key_domain(const actr_conflict_key_t *key, size_t *len);
const uint8_t *actr_conflict_key_value(const actr_conflict_key_t *key, size_t *len);

/* Exact equality: both Serial, or both scoped with equal domain and value. */
bool actr_conflict_key_equal(const actr_conflict_key_t *a, const actr_conflict_key_t *b);

/* ---- the wire scanner ---- */

/* A scanned value: ptr points into the payload (fixed, string, bytes) or into varint (the
 * minimal re-encoding of a varint). */
typedef struct actr_ck_value {
    const uint8_t *ptr;
    size_t len;
    uint8_t varint[10];
} actr_ck_value_t;

/*
 * Finds top-level field `tag` of a protobuf message and returns its canonical value for the
 * declared kind (ACTR_CK_OK) or why there is none. Scans the whole message: a later malformed
 * byte or a second occurrence also counts. Never reads outside payload[0, len).
 */
actr_ck_reason_t actr_conflict_scan(const uint8_t *payload, size_t len, uint32_t tag,
                                    actr_ck_field_kind_t kind, actr_ck_value_t *out);

/* ---- the spec ---- */

typedef struct actr_conflict_spec actr_conflict_spec_t;

int actr_conflict_spec_new(actr_conflict_spec_t **out);
void actr_conflict_spec_free(actr_conflict_spec_t *spec);

/*
 * Declares the key of one method. domain NULL: the method's own route key (nothing else shares
 * its keys); a name: every method naming the same domain shares one key space, so equal values
 * across those methods serialise. Returns 0, ACTR_EEXIST (the route key was already declared:
 * the reference's DuplicateRoute; the spec is unchanged), ACTR_EINVAL (empty route key, empty or
 * over-long domain, bad source, tag or kind) or ACTR_ENOMEM.
 */
int actr_conflict_spec_add(actr_conflict_spec_t *spec, const char *route_key, const char *domain,
                           actr_ck_source_t source, actr_error_t *err);

/* Number of declared methods. A spec with none engages no scheduler (scheduler.h). */
size_t actr_conflict_spec_count(const actr_conflict_spec_t *spec);

/*
 * The key of one request into *out (always written; clear it afterwards). caller is the
 * caller's ActrId string (NULL or empty when there is none); payload the request body.
 * Returns ACTR_CK_OK for a scoped key, otherwise why *out is Serial. Fallbacks of declared
 * methods log one warning per second at most (per spec) and are counted.
 */
actr_ck_reason_t actr_conflict_extract(const actr_conflict_spec_t *spec, const char *route_key,
                                       size_t route_key_len, const char *caller,
                                       size_t caller_len, const uint8_t *payload,
                                       size_t payload_len, actr_conflict_key_t *out);

/* Fallbacks to Serial of declared methods so far, and warnings actually logged. */
uint64_t actr_conflict_spec_fallbacks(const actr_conflict_spec_t *spec);
uint64_t actr_conflict_spec_warnings(const actr_conflict_spec_t *spec);

/* Replaces the millisecond clock of the warning rate limit (NULL: the monotonic clock). */
void actr_conflict_spec_set_clock(actr_conflict_spec_t *spec, uint64_t (*now_ms)(void *ud),
                                  void *ud);

#endif /* ACTR_DISPATCH_CONFLICT_KEY_H */
