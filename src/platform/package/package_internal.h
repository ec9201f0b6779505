/*
 * package_internal.h - pieces shared by the package modules: the in-memory ZIP reader with
 * bounded streaming reads, and error helpers that produce the reference's message prefixes.
 */
#ifndef ACTR_PLATFORM_PACKAGE_INTERNAL_H
#define ACTR_PLATFORM_PACKAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/common.h"
#include "actr/error.h"
#include "actr/package.h"

/* Size of one streaming read: bounds the memory a hostile entry can make us hold per read. */
#define PKG_CHUNK_BYTES (16u * 1024u)

/* ---- errors ---- */

/* "invalid package: ..." (PackError::InvalidPackage) */
int pkg_err_invalid(actr_error_t *err, int code, const char *fmt, ...) ACTR_PRINTF(3, 4);
/* "manifest parse error: ..." (PackError::ManifestParseError) */
int pkg_err_manifest(actr_error_t *err, int code, const char *fmt, ...) ACTR_PRINTF(3, 4);
/* "signature verification failed: ..." (PackError::SignatureVerificationFailed) */
int pkg_err_signature(actr_error_t *err, const char *fmt, ...) ACTR_PRINTF(2, 3);
/* Any other message, with a code and fault domain chosen from the code. */
int pkg_err(actr_error_t *err, int code, const char *fmt, ...) ACTR_PRINTF(3, 4);

/* ---- ZIP reader ---- */

typedef struct pkg_zip pkg_zip_t;

/*
 * Opens len bytes as a ZIP archive without copying them (they must outlive the reader) and
 * indexes the entry names, refusing archives where two entries share a name: libzip would
 * silently pick one, and a verifier and a loader must never disagree about an entry's bytes.
 */
int pkg_zip_open(const void *data, size_t len, pkg_zip_t **out, actr_error_t *err);
void pkg_zip_close(pkg_zip_t *z);

/* Entry metadata from the central directory, after the method/encryption check. */
typedef struct pkg_zip_entry {
    uint64_t index;
    uint64_t declared; /* uncompressed size the archive claims */
} pkg_zip_entry_t;

/*
 * Finds name (exact bytes). ACTR_ENOTFOUND (err untouched, so the caller can choose the message)
 * when absent; ACTR_EUNSUPPORTED for compression methods other than STORED/DEFLATE or encrypted
 * entries.
 */
int pkg_zip_find(pkg_zip_t *z, const char *name, pkg_zip_entry_t *entry, actr_error_t *err);

/* Receives the decompressed bytes in chunks; returns 0 or an ACTR_E* code to stop. */
typedef int (*pkg_sink_fn)(void *ctx, const uint8_t *data, size_t len);

/*
 * Streams entry to sink, enforcing both sizes (platform.md §1.8): declared > max gives ACTR_ETOOBIG
 * "ZIP entry `n` declares N bytes, exceeds limit M"; at most min(declared, max) + 1 bytes are
 * decompressed, and producing more than max gives "ZIP entry `n` exceeds decompressed limit M",
 * more than declared "ZIP entry `n` decompresses to more than its declared N bytes". A CRC or
 * inflate failure gives ACTR_EPARSE. *produced (optional) gets the byte count.
 */
int pkg_zip_stream(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                   pkg_sink_fn sink, void *ctx, uint64_t *produced, actr_error_t *err);

/* Reads an entry into a new buffer through pkg_zip_stream(). */
int pkg_zip_read(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                 actr_buf_t *out, actr_error_t *err);

/*
 * Finds and reads name in one step; absence gives ACTR_ENOTFOUND with err set to
 * "binary not found in package: name" (the reference's message for every payload entry).
 */
int pkg_zip_read_named(pkg_zip_t *z, const char *name, uint64_t max, actr_buf_t *out,
                       actr_error_t *err);

/* ---- ZIP writer ---- */

typedef struct pkg_zip_item {
    const char *name;
    const void *data;
    size_t len;
} pkg_zip_item_t;

/* Writes a ZIP with every item STORED, in order, with a fixed timestamp (1980-01-01 00:00, the
 * reference zip crate's default) so equal inputs give equal bytes. */
int pkg_zip_write(const pkg_zip_item_t *items, size_t n, actr_buf_t *out, actr_error_t *err);

/* ---- shared steps ---- */

/* Reads manifest.toml (<= 1 MiB). */
int pkg_read_manifest_raw(pkg_zip_t *z, actr_buf_t *out, actr_error_t *err);
/* "manifest is not valid UTF-8: ..." unless text is UTF-8 (checked after the signature, like the
 * reference, so a tampered manifest reports a signature failure). */
int pkg_check_utf8(const actr_buf_t *text, actr_error_t *err);
/* Reads manifest.sig: declared/actual <= 64, then exactly 64. */
int pkg_read_signature(pkg_zip_t *z, uint8_t sig[ACTR_ED25519_SIGNATURE_LEN], actr_error_t *err);

/* Hashes an entry while streaming it and compares with the manifest's lowercase hex. Returns 0,
 * 1 on mismatch (err untouched), or an error from pkg_zip_stream(). */
int pkg_hash_entry(pkg_zip_t *z, const char *name, const pkg_zip_entry_t *entry, uint64_t max,
                   const char *expected_hex, uint64_t *produced, actr_error_t *err);

#endif /* ACTR_PLATFORM_PACKAGE_INTERNAL_H */
