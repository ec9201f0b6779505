/*
 * zip_writer.c - builds a package ZIP in memory with libzip: STORED entries (as the reference
 * packer writes them) in the caller's order, with a fixed modification time for reproducible
 * output.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "platform/package/package_internal.h"

/* 1980-01-01 00:00:00 local time: the earliest DOS date, and what the zip crate writes when its
 * "time" feature is off. libzip converts through localtime, so build it the same way. */
static time_t dos_epoch(void)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = 80;
    tm.tm_mday = 1;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static int add_items(zip_t *za, const pkg_zip_item_t *items, size_t n, actr_error_t *err)
{
    time_t mtime = dos_epoch();
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, items[i].len ? items[i].data : "", items[i].len, 0);
        zip_int64_t idx = s ? zip_file_add(za, items[i].name, s, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            zip_source_free(s);
            return pkg_err(err, ACTR_EINTERNAL, "ZIP error: adding `%s`: %s", items[i].name,
                           zip_strerror(za));
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0 ||
            zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0) != 0)
            return pkg_err(err, ACTR_EINTERNAL, "ZIP error: `%s`: %s", items[i].name,
                           zip_strerror(za));
    }
    return 0;
}

/* Copies the finished archive out of the memory source. */
static int take_bytes(zip_source_t *src, actr_buf_t *out, actr_error_t *err)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0)
        return pkg_err(err, ACTR_EINTERNAL, "ZIP error: cannot read the written archive");
    uint8_t *bytes = NULL;
    int rc = actr_buf_alloc((size_t)st.size, out, &bytes);
    if (rc == 0 && st.size && zip_source_read(src, bytes, st.size) != (zip_int64_t)st.size) {
        actr_buf_release(out);
        rc = ACTR_EINTERNAL;
    }
    zip_source_close(src);
    return rc ? pkg_err(err, rc, "ZIP error: cannot copy the written archive") : 0;
}

int pkg_zip_write(const pkg_zip_item_t *items, size_t n, actr_buf_t *out, actr_error_t *err)
{
    *out = (actr_buf_t)ACTR_BUF_INIT;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = NULL;
    if (src) {
        zip_source_keep(src); /* survives zip_close(), which is when the bytes appear */
        za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    }
    if (!za) {
        int rc = pkg_err(err, ACTR_EINTERNAL, "ZIP error: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src); /* our keep */
        zip_source_free(src); /* the creation reference, which the failed open left to us */
        return rc;
    }
    zip_error_fini(&ze);
    int rc = add_items(za, items, n, err);
    if (rc != 0) {
        zip_discard(za);
        zip_source_free(src);
        return rc;
    }
    if (zip_close(za) != 0) {
        rc = pkg_err(err, ACTR_EINTERNAL, "ZIP error: writing: %s", zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        return rc;
    }
    rc = take_bytes(src, out, err);
    zip_source_free(src);
    return rc;
}
