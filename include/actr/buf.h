/*
 * buf.h - immutable, refcounted, sliceable byte buffers.
 *
 * An actr_buf_t is a small view (pointer, length, owning block) passed BY VALUE. The bytes it
 * points at never change once the buffer is shared, so any number of threads may read them.
 * Copying the struct does not take a reference: every view you own came from a function that
 * gave you one (copy, alloc, wrap, ref, slice) and must be given back with actr_buf_release().
 *
 *   actr_buf_t a, part;
 *   actr_buf_copy("hello world", 11, &a);      // a owns one reference
 *   actr_buf_slice(&a, 6, 5, &part);            // "world": a second reference, no copy
 *   actr_buf_release(&a);                       // bytes stay alive for part
 *   actr_buf_release(&part);                    // last reference: the block is freed
 *
 * Invariants: an empty buffer (len == 0) is always {NULL, 0, NULL} and needs no release (but
 * releasing it is harmless). block == NULL also marks static buffers, which are never freed.
 * The reference count is atomic: ref and release may race freely from any threads.
 */
#ifndef ACTR_BUF_H
#define ACTR_BUF_H

#include "actr/common.h"

ACTR_BEGIN_DECLS

/* Opaque owner of the bytes: an atomic reference count and how to free them. */
struct actr_buf_block;

typedef struct actr_buf {
    const uint8_t *data;
    size_t len;
    struct actr_buf_block *block; /* NULL for empty and static buffers */
} actr_buf_t;

/* The empty buffer, usable as an initializer. */
#define ACTR_BUF_INIT {NULL, 0, NULL}

/* Frees the memory handed to actr_buf_wrap() when the last reference goes away. */
typedef void (*actr_buf_free_fn)(void *ptr, void *opaque);

/*
 * Copies len bytes from data into a new buffer (one allocation for header and bytes).
 * data may be NULL only when len is 0. Returns 0, ACTR_EINVAL, ACTR_ERANGE (len too large to
 * allocate) or ACTR_ENOMEM; on failure *out is the empty buffer.
 */
ACTR_API int actr_buf_copy(const void *data, size_t len, actr_buf_t *out);

/*
 * Allocates an uninitialized buffer of len bytes and returns a writable pointer to them in
 * *writable. Fill the bytes before the buffer is shared (ref, slice or handed to another
 * thread); after that they are read-only. With len 0, *out is empty and *writable is NULL.
 * Errors as for actr_buf_copy().
 */
ACTR_API int actr_buf_alloc(size_t len, actr_buf_t *out, uint8_t **writable);

/*
 * Wraps memory the caller allocated, taking ownership on success: free_fn(ptr, opaque) runs
 * once, on whichever thread drops the last reference (free_fn may be NULL for memory that
 * outlives every reference). With len 0 the memory is released at once and *out is empty.
 * On failure (ACTR_EINVAL, ACTR_ENOMEM) the caller keeps ownership of ptr.
 */
ACTR_API int actr_buf_wrap(void *ptr, size_t len, actr_buf_free_fn free_fn, void *opaque,
                           actr_buf_t *out);

/*
 * A view of memory that lives for the whole program (string literals, static tables). It is
 * not reference counted; ref, slice and release work on it and never free anything.
 */
ACTR_API actr_buf_t actr_buf_static(const void *data, size_t len);

/* Takes one more reference and returns it as a new view (same bytes). NULL gives empty. */
ACTR_API actr_buf_t actr_buf_ref(const actr_buf_t *buf);

/*
 * A view of bytes [off, off + len) of buf holding its own reference (no copy). Returns
 * ACTR_ERANGE when the range does not fit inside buf (overflow-safe), ACTR_EINVAL for NULL
 * arguments; on failure *out is empty. A zero-length slice is the empty buffer.
 */
ACTR_API int actr_buf_slice(const actr_buf_t *buf, size_t off, size_t len, actr_buf_t *out);

/* Drops the reference held by *buf and resets it to empty. Safe on NULL and on empty views. */
ACTR_API void actr_buf_release(actr_buf_t *buf);

/* 1 when both views hold the same bytes (content comparison), else 0. NULL counts as empty. */
ACTR_API int actr_buf_equal(const actr_buf_t *a, const actr_buf_t *b);

/* Current reference count of the block behind buf (0 for empty and static). For tests. */
ACTR_API size_t actr_buf_refcount(const actr_buf_t *buf);

ACTR_END_DECLS

#endif /* ACTR_BUF_H */
