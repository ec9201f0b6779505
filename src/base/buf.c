/* buf.c - immutable refcounted byte buffers with zero-copy slices. */
#include "actr/buf.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"
#include "base/buf_batch.h"

struct actr_buf_block {
    atomic_size_t refs;
    actr_buf_free_fn free_fn; /* NULL: inline bytes, or wrapped memory nobody has to free */
    void *ptr;
    void *opaque;
};

static const actr_buf_t empty_buf = ACTR_BUF_INIT;

/* Header and bytes in one allocation, so a copy costs one malloc and one free. */
static int block_new_inline(size_t len, actr_buf_t *out, uint8_t **bytes)
{
    if (len > SIZE_MAX - sizeof(struct actr_buf_block))
        return ACTR_ERANGE;
    struct actr_buf_block *block = malloc(sizeof *block + len);
    if (!block)
        return ACTR_ENOMEM;
    atomic_init(&block->refs, 1);
    block->free_fn = NULL;
    block->ptr = NULL;
    block->opaque = NULL;
    *bytes = (uint8_t *)(block + 1);
    out->data = *bytes;
    out->len = len;
    out->block = block;
    return 0;
}

int actr_buf_alloc(size_t len, actr_buf_t *out, uint8_t **writable)
{
    if (writable)
        *writable = NULL;
    if (!out || !writable)
        return ACTR_EINVAL;
    *out = empty_buf;
    if (len == 0)
        return 0;
    return block_new_inline(len, out, writable);
}

int actr_buf_copy(const void *data, size_t len, actr_buf_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = empty_buf;
    if (len == 0)
        return 0;
    if (!data)
        return ACTR_EINVAL;
    uint8_t *bytes;
    int rc = block_new_inline(len, out, &bytes);
    if (rc == 0)
        memcpy(bytes, data, len);
    return rc;
}

int actr_buf_wrap(void *ptr, size_t len, actr_buf_free_fn free_fn, void *opaque,
                  actr_buf_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = empty_buf;
    if (len > 0 && !ptr)
        return ACTR_EINVAL;
    if (len == 0) {
        /* Ownership was transferred, and an empty view holds no block: free right away. */
        if (free_fn && ptr)
            free_fn(ptr, opaque);
        return 0;
    }
    struct actr_buf_block *block = malloc(sizeof *block);
    if (!block)
        return ACTR_ENOMEM;
    atomic_init(&block->refs, 1);
    block->free_fn = free_fn;
    block->ptr = ptr;
    block->opaque = opaque;
    out->data = ptr;
    out->len = len;
    out->block = block;
    return 0;
}

actr_buf_t actr_buf_static(const void *data, size_t len)
{
    if (!data || len == 0)
        return empty_buf;
    actr_buf_t buf = {data, len, NULL};
    return buf;
}

actr_buf_t actr_buf_ref(const actr_buf_t *buf)
{
    if (!buf || buf->len == 0)
        return empty_buf;
    actr_buf_ref_n(buf, 1);
    return *buf;
}

int actr_buf_slice(const actr_buf_t *buf, size_t off, size_t len, actr_buf_t *out)
{
    if (!out)
        return ACTR_EINVAL;
    *out = empty_buf;
    if (!buf)
        return ACTR_EINVAL;
    /* Written as two comparisons so off + len can never wrap around. */
    if (off > buf->len || len > buf->len - off)
        return ACTR_ERANGE;
    if (len == 0)
        return 0;
    *out = actr_buf_ref(buf);
    out->data += off;
    out->len = len;
    return 0;
}

void actr_buf_release(actr_buf_t *buf)
{
    actr_buf_release_n(buf, 1);
}

void actr_buf_release_n(actr_buf_t *buf, uint32_t n)
{
    if (!buf)
        return;
    struct actr_buf_block *block = buf->block;
    *buf = empty_buf;
    if (!block || n == 0)
        return;
    /*
     * acq_rel: the release half publishes this thread's last reads of the bytes; the acquire
     * half on the final decrement makes every other thread's reads happen before the free.
     */
    if (atomic_fetch_sub_explicit(&block->refs, n, memory_order_acq_rel) != n)
        return;
    if (block->free_fn)
        block->free_fn(block->ptr, block->opaque);
    free(block);
}

void actr_buf_ref_n(const actr_buf_t *buf, uint32_t n)
{
    /* Relaxed suffices: the caller already holds a reference, so the block cannot vanish. */
    if (buf && buf->len > 0 && buf->block && n > 0)
        atomic_fetch_add_explicit(&buf->block->refs, n, memory_order_relaxed);
}

int actr_buf_equal(const actr_buf_t *a, const actr_buf_t *b)
{
    size_t alen = a ? a->len : 0;
    size_t blen = b ? b->len : 0;
    if (alen != blen)
        return 0;
    if (alen == 0 || a->data == b->data)
        return 1;
    return memcmp(a->data, b->data, alen) == 0;
}

size_t actr_buf_refcount(const actr_buf_t *buf)
{
    if (!buf || !buf->block)
        return 0;
    return atomic_load_explicit(&buf->block->refs, memory_order_relaxed);
}
