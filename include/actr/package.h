/*
 * package.h - signed .actr packages: manifest model, verification, readers, packing, and the
 * trust providers that decide which key a package must be signed with (spec platform.md §1-2).
 *
 * An .actr file is a ZIP archive holding manifest.toml (the signed payload), manifest.sig (64 raw
 * bytes of Ed25519 over the exact manifest bytes), the binary and optional resources, proto files
 * and lock file, each bound to the manifest by its SHA-256. Everything here works on a package in
 * memory: nothing is ever extracted to disk.
 *
 * Errors: 0 or a negative ACTR_E* code; the optional err carries the reference's message text
 * (e.g. "binary hash mismatch: bin/actor.wasm"). Codes by failure:
 *   ACTR_EPARSE       not a ZIP, corrupt entry, duplicate ZIP names, bad TOML, schema error,
 *                     malformed hash string
 *   ACTR_ENOTFOUND    manifest.toml, manifest.sig or a listed entry is missing
 *   ACTR_ETOOBIG      an entry or the payload exceeds a limit (declared or actual size)
 *   ACTR_ESIGNATURE   bad signature (or not 64 bytes), a hash mismatch, registry key id mismatch
 *   ACTR_EINVAL       unsafe names (path escape, manufacturer/name/version not path-safe), bad
 *                     arguments, missing signing_key_id for registry trust
 *   ACTR_EUNSUPPORTED signature_algorithm other than ed25519, compression other than STORED or
 *                     DEFLATE, encrypted entries
 *   ACTR_ENOMEM, ACTR_EIO, and for registry trust ACTR_ETIMEDOUT, ACTR_EUNAVAILABLE, ACTR_EPERM.
 * docs/PACKAGES.md lists every message and where we are stricter than the reference.
 */
#ifndef ACTR_PACKAGE_H
#define ACTR_PACKAGE_H

#include <stdbool.h>

#include "actr/buf.h"
#include "actr/common.h"
#include "actr/crypto.h"
#include "actr/error.h"
#include "actr/types.h"

ACTR_BEGIN_DECLS

#define ACTR_PACKAGE_MANIFEST_ENTRY "manifest.toml"
#define ACTR_PACKAGE_SIGNATURE_ENTRY "manifest.sig"
#define ACTR_PACKAGE_LOCK_ENTRY "manifest.lock.toml"
/* manifest.toml is read up to 1 MiB (declared and actual size). */
#define ACTR_PACKAGE_MANIFEST_MAX_BYTES (1024u * 1024u)
/* Lowercase hex SHA-256 as the manifest writes it, without the NUL. */
#define ACTR_PACKAGE_HASH_HEX_LEN 64

#define ACTR_PACKAGE_DEFAULT_MAX_ENTRY_BYTES (64ull * 1024 * 1024)
#define ACTR_PACKAGE_DEFAULT_MAX_TOTAL_BYTES (64ull * 1024 * 1024)
#define ACTR_PACKAGE_DEFAULT_MAX_ENTRIES 1024u

/* ---- Manifest model (platform.md §1.3) ------------------------------------------------------ */

/* [binary].kind; UNSET when the key is absent (see actr_package_resolved_kind()). */
typedef enum actr_binary_kind {
    ACTR_BINARY_KIND_UNSET = 0,
    ACTR_BINARY_KIND_CORE_MODULE,   /* "core-module": legacy core wasm, refused at load */
    ACTR_BINARY_KIND_COMPONENT,     /* "component" */
    ACTR_BINARY_KIND_NATIVE_CDYLIB, /* "native-cdylib" */
} actr_binary_kind_t;

typedef struct actr_package_binary {
    char *path;   /* ZIP entry name */
    char *target; /* target triple, e.g. "wasm32-wasip2" */
    char *hash;   /* lowercase hex SHA-256 of the entry */
    uint64_t size;
    bool has_size; /* [binary].size is informative only: never checked, like the reference */
    actr_binary_kind_t kind;
} actr_package_binary_t;

/* A [[resources]], [[proto_files]] or [lock_file] entry; name is set for proto files only. */
typedef struct actr_package_entry {
    char *name;
    char *path;
    char *hash;
} actr_package_entry_t;

/*
 * The parsed manifest. Strings are NUL-terminated UTF-8 owned by the struct when it comes from
 * a parse (free with actr_package_manifest_free()); a template handed to pack is only read.
 * Optional strings are NULL when absent.
 */
typedef struct actr_package_manifest {
    char *manufacturer;
    char *name;
    char *version;
    char *signature_algorithm; /* "ed25519" when the key is absent */
    char *signing_key_id;      /* "mfr-" + 16 hex; NULL when absent */
    actr_package_binary_t binary;
    actr_package_entry_t *resources;
    size_t resource_count;
    actr_package_entry_t *proto_files;
    size_t proto_file_count;
    bool has_lock_file;
    actr_package_entry_t lock_file;
    char *description; /* [metadata] */
    char *license;
} actr_package_manifest_t;

/* "core-module", "component", "native-cdylib"; NULL for UNSET or unknown values. */
ACTR_API const char *actr_binary_kind_name(actr_binary_kind_t kind);
/* Whether target starts with "wasm32-". */
ACTR_API bool actr_package_is_wasm_target(const actr_package_manifest_t *m);
/* kind if set, else CORE_MODULE for wasm32-* targets and NATIVE_CDYLIB otherwise. */
ACTR_API actr_binary_kind_t actr_package_resolved_kind(const actr_package_manifest_t *m);

/*
 * Parses manifest TOML (len bytes, need not be NUL-terminated) into *out: types and required
 * keys only, unknown keys ignored, like the reference's serde model. Errors name the key and the
 * line ("manifest parse error: line 9: `binary.size` must be a non-negative integer"). Strings
 * containing NUL are refused (they could not be C strings). On failure *out is zeroed.
 */
ACTR_API int actr_package_manifest_parse(const char *toml, size_t len,
                                         actr_package_manifest_t *out, actr_error_t *err);

/*
 * The field checks of verification step 5 plus ours: signature_algorithm is "ed25519"; every
 * hash is 64 lowercase hex digits; manufacturer, name and version pass actr_type_path_safe();
 * every listed ZIP name is non-empty, relative, without "..", "\" or control characters; proto
 * names are single safe file names. Run by actr_package_verify() after the signature check.
 */
ACTR_API int actr_package_manifest_validate(const actr_package_manifest_t *m, actr_error_t *err);

/*
 * Writes m as TOML in the layout of the reference's toml::to_string_pretty (top-level keys,
 * empty arrays inline, then [binary], [[resources]], [[proto_files]], [lock_file], [metadata]),
 * with its string quoting rules, so the same fields give the same bytes. *out is malloc'ed and
 * NUL-terminated; free() it. Required fields must be set (ACTR_EINVAL otherwise).
 */
ACTR_API int actr_package_manifest_serialize(const actr_package_manifest_t *m, char **out,
                                             size_t *out_len, actr_error_t *err);

/* Frees the strings and arrays of a parsed manifest and zeroes it; NULL is allowed. */
ACTR_API void actr_package_manifest_free(actr_package_manifest_t *m);

/* manufacturer:name:version as an actr_type_t (ACTR_ETOOBIG / ACTR_EINVAL if it cannot be). */
ACTR_API int actr_package_manifest_type(const actr_package_manifest_t *m, actr_type_t *out,
                                        actr_error_t *err);

/* ---- Verification (platform.md §1.7) -------------------------------------------------------- */

/* Decompression budget. Entries and total count binary, resources, protos and the lock file. */
typedef struct actr_package_limits {
    uint64_t max_entry_bytes; /* one entry, declared and actual */
    uint64_t max_total_bytes; /* all signed payload entries together */
    uint32_t max_entries;     /* signed payload entries (the binary counts) */
} actr_package_limits_t;

/* 64 MiB / 64 MiB / 1024, the reference's defaults. */
ACTR_API actr_package_limits_t actr_package_limits_default(void);
/* entry = total = max_bytes, 1024 entries: the reference's verify_bounded(). */
ACTR_API actr_package_limits_t actr_package_limits_bounded(uint64_t max_bytes);

/*
 * A package that passed verification: the parsed manifest, the exact signed manifest bytes
 * (forwarded to AIS at registration; never re-serialize them) and the raw signature. It does not
 * keep the package: read entries with actr_verified_package_read(), which checks them again.
 */
typedef struct actr_verified_package {
    actr_package_manifest_t manifest;
    actr_buf_t manifest_raw;
    uint8_t signature[ACTR_ED25519_SIGNATURE_LEN];
} actr_verified_package_t;

/*
 * Verifies len bytes of a package against a 32-byte Ed25519 public key, in the reference's order
 * (first failure wins): open the ZIP (and refuse duplicate names); read manifest.sig (exactly 64
 * bytes) and manifest.toml (<= 1 MiB); strict Ed25519 over the raw manifest; UTF-8 + TOML parse;
 * field checks (actr_package_manifest_validate()); preflight of every listed entry (count,
 * presence, declared sizes, cumulative declared size) without decompressing; then stream-hash the
 * binary, resources, protos and lock file in 16 KiB chunks within the budget. limits NULL means
 * the defaults. Entries the manifest does not list are ignored. On success *out owns its data
 * (free with actr_verified_package_free()); on failure it is zeroed.
 */
ACTR_API int actr_package_verify(const void *pkg, size_t len, const uint8_t *pubkey,
                                 size_t pubkey_len, const actr_package_limits_t *limits,
                                 actr_verified_package_t *out, actr_error_t *err);

ACTR_API void actr_verified_package_free(actr_verified_package_t *vp);

/*
 * Reads the entry at path, which must be one the verified manifest lists (binary, resource,
 * proto or lock file), from the same package bytes, at most max bytes, and checks its hash again,
 * so a caller never uses bytes that differ from what was verified. ACTR_ENOTFOUND if the manifest
 * does not list path.
 */
ACTR_API int actr_verified_package_read(const actr_verified_package_t *vp, const void *pkg,
                                        size_t len, const char *path, uint64_t max,
                                        actr_buf_t *out, actr_error_t *err);

/* ---- Unverified readers (platform.md §1.8) -------------------------------------------------- */
/* These do not check the signature: use them for inspection tools or after verification.
 * Every returned buffer has a NUL byte after its len bytes (not counted), so text entries can be
 * used as C strings when they contain no NUL themselves; manifest_raw above has it too. */

/* manifest.toml bytes (<= 1 MiB, UTF-8). */
ACTR_API int actr_package_read_manifest_raw(const void *pkg, size_t len, actr_buf_t *out,
                                            actr_error_t *err);
/* manifest.toml parsed with actr_package_manifest_parse(). */
ACTR_API int actr_package_read_manifest(const void *pkg, size_t len, actr_package_manifest_t *out,
                                        actr_error_t *err);
/* manifest.sig: exactly 64 bytes. */
ACTR_API int actr_package_read_signature(const void *pkg, size_t len,
                                         uint8_t sig[ACTR_ED25519_SIGNATURE_LEN],
                                         actr_error_t *err);
/* The entry at [binary].path, at most max bytes (0 means 64 MiB). */
ACTR_API int actr_package_load_binary(const void *pkg, size_t len, uint64_t max, actr_buf_t *out,
                                      actr_error_t *err);
/*
 * The lock file the manifest declares in [lock_file] (at most max bytes, 0 means 64 MiB).
 * *found is false (and *out empty) when none is declared or the declared entry is absent, as in
 * the reference.
 */
ACTR_API int actr_package_read_lock_file(const void *pkg, size_t len, uint64_t max,
                                         actr_buf_t *out, bool *found, actr_error_t *err);

typedef struct actr_package_proto {
    char *name; /* e.g. "echo.proto" */
    actr_buf_t content;
} actr_package_proto_t;

/*
 * The manifest's proto files in manifest order, sharing one budget of max_total bytes (0 means
 * 64 MiB); more than 1024 declared is refused. Free with actr_package_protos_free().
 */
ACTR_API int actr_package_read_proto_files(const void *pkg, size_t len, uint64_t max_total,
                                           actr_package_proto_t **out, size_t *count,
                                           actr_error_t *err);
ACTR_API void actr_package_protos_free(actr_package_proto_t *protos, size_t count);

/* ---- Packing (platform.md §1.6) ------------------------------------------------------------- */

/* An input file: for resources path is the ZIP name, for proto files it is the file name. */
typedef struct actr_package_input {
    const char *path;
    const void *data;
    size_t len;
} actr_package_input_t;

typedef struct actr_package_pack_options {
    /* Template: manufacturer, name, version, binary.path, binary.target, binary.kind and
     * metadata are taken from it; hashes, size, signing_key_id, resources, proto_files and
     * lock_file are computed. signature_algorithm must be NULL or "ed25519". */
    const actr_package_manifest_t *manifest;
    const void *binary;
    size_t binary_len;
    const actr_package_input_t *resources; /* written as given: see docs/PACKAGES.md */
    size_t resource_count;
    const actr_package_input_t *proto_files; /* stored as proto/{path} */
    size_t proto_file_count;
    const void *lock_file; /* NULL: none; stored as manifest.lock.toml */
    size_t lock_file_len;
    const actr_signing_key_t *key;
} actr_package_pack_options_t;

/*
 * Builds a signed package: fills the hashes, size and signing_key_id, serializes the manifest
 * (actr_package_manifest_serialize()), signs it and writes a ZIP with every entry STORED in the
 * order manifest.toml, manifest.sig, [manifest.lock.toml], binary, resources, proto/{name}. The
 * resulting manifest must pass actr_package_manifest_validate() and no two entries may share a
 * name (ACTR_EINVAL otherwise), so what we pack always verifies. *out gets the bytes.
 */
ACTR_API int actr_package_pack(const actr_package_pack_options_t *opts, actr_buf_t *out,
                               actr_error_t *err);
/* As actr_package_pack(), written atomically to path with mode 0644 (replace: overwrite). */
ACTR_API int actr_package_pack_file(const actr_package_pack_options_t *opts, const char *path,
                                    bool replace, actr_error_t *err);

/* ---- Trust providers (platform.md §2) ------------------------------------------------------- */

/*
 * A trust provider decides which key a package must verify under and runs the verification.
 * It is a vtable plus its state (libuv style); any thread may call verify concurrently.
 * Custom providers fill their own struct; providers returned by the constructors below are
 * heap-allocated and released with actr_trust_free().
 */
typedef struct actr_trust_vtable {
    const char *name; /* "static", "registry", "chain", ... */
    int (*verify)(void *self, const void *pkg, size_t len, const actr_package_limits_t *limits,
                  actr_verified_package_t *out, actr_error_t *err);
    void (*destroy)(void *self); /* may be NULL */
} actr_trust_vtable_t;

typedef struct actr_trust_provider {
    const actr_trust_vtable_t *vtable;
    void *self;
} actr_trust_provider_t;

/* Full authenticity check through p; nothing from the package may be used before it succeeds. */
ACTR_API int actr_trust_verify(const actr_trust_provider_t *p, const void *pkg, size_t len,
                               const actr_package_limits_t *limits, actr_verified_package_t *out,
                               actr_error_t *err);
/* Destroys a provider made by a constructor below (and, for a chain, its members). NULL is ok. */
ACTR_API void actr_trust_free(actr_trust_provider_t *p);

/*
 * StaticTrust: one Ed25519 key, any manufacturer. A key that is not 32 bytes gives ACTR_EINVAL
 * "Ed25519 pubkey must be exactly 32 bytes"; one that is not a curve point, "invalid Ed25519
 * pubkey: ...".
 */
ACTR_API int actr_trust_static_new(const uint8_t *pubkey, size_t len, actr_trust_provider_t **out,
                                   actr_error_t *err);

/*
 * Development trust that really works (the reference's dev_only() accepts nothing): StaticTrust
 * with the public_key of a public-key.json or manufacturer key file, logged loudly at WARN so it
 * is never on by accident.
 */
ACTR_API int actr_trust_static_from_file(const char *path, actr_trust_provider_t **out,
                                         actr_error_t *err);

typedef struct actr_registry_trust_options {
    const char *base_url;       /* MFR registry root, e.g. "http://127.0.0.1:8081" */
    uint32_t connect_timeout_ms; /* 0: 5000 */
    uint32_t timeout_ms;         /* whole request; 0: 10000 */
    uint32_t ttl_ms;             /* key cache lifetime; 0: 3600000 (1 h) */
} actr_registry_trust_options_t;

/*
 * RegistryTrust: reads the (unverified) manifest, requires signing_key_id, fetches the
 * manufacturer's key with GET {base}/mfr/{manufacturer}/verifying_key?key_id={id} (components
 * percent-encoded; cached per manufacturer:key_id for the TTL on the monotonic clock), checks
 * that the key's id equals signing_key_id, then verifies the package with it. No request is made
 * for input that is not a package or lacks signing_key_id.
 */
ACTR_API int actr_trust_registry_new(const actr_registry_trust_options_t *opts,
                                     actr_trust_provider_t **out, actr_error_t *err);

/* Copies a non-expired cached key of a registry provider: 0, or ACTR_ENOTFOUND. */
ACTR_API int actr_trust_registry_cached(const actr_trust_provider_t *p, const char *manufacturer,
                                        const char *key_id,
                                        uint8_t pub[ACTR_ED25519_PUBLIC_KEY_LEN]);

/*
 * The registry root for a configured AIS endpoint: every trailing "/ais" is removed, like the
 * reference's trim_end_matches("/ais"), so "http://h:8081/ais" gives "http://h:8081".
 * Returns 0 or ACTR_ERANGE when out (cap bytes) is too small.
 */
ACTR_API int actr_trust_registry_base_url(const char *endpoint, char *out, size_t cap);

/*
 * ChainTrust: tries providers in order and returns the first success; when all fail, the last
 * error; with none, ACTR_ESIGNATURE "signature verification failed: empty trust chain". Takes
 * ownership of the providers (also on failure); the array itself is copied.
 */
ACTR_API int actr_trust_chain_new(actr_trust_provider_t *const *providers, size_t count,
                                  actr_trust_provider_t **out, actr_error_t *err);

ACTR_END_DECLS

#endif /* ACTR_PACKAGE_H */
