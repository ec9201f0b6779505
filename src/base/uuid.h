/*
 * uuid.h - RFC 9562 UUIDs: random version 4, canonical text form.
 *
 * Text form: 36 characters "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase when formatted,
 * either case accepted when parsed. No braces, no "urn:uuid:" prefix.
 */
#ifndef ACTR_BASE_UUID_H
#define ACTR_BASE_UUID_H

#include <stddef.h>
#include <stdint.h>

#define ACTR_UUID_STR_LEN 36 /* characters, without the terminating NUL */

typedef struct actr_uuid {
    uint8_t bytes[16]; /* network (big-endian) order, as written in the text form */
} actr_uuid_t;

/* A fresh random UUID (version 4, variant 10xx). Returns 0, ACTR_EINVAL or ACTR_EIO. */
int actr_uuid_v4(actr_uuid_t *out);

/* Writes the 36-character lowercase form and a NUL into out (ACTR_UUID_STR_LEN + 1 bytes). */
void actr_uuid_format(const actr_uuid_t *uuid, char out[ACTR_UUID_STR_LEN + 1]);

/*
 * Parses exactly len characters of text (no NUL needed). Any version and variant is accepted;
 * anything but the canonical 8-4-4-4-12 hex layout is ACTR_EPARSE (ACTR_EINVAL for NULL).
 */
int actr_uuid_parse(const char *text, size_t len, actr_uuid_t *out);

/* The version field (4 for random UUIDs). */
int actr_uuid_version(const actr_uuid_t *uuid);

/* 1 when equal, else 0. */
int actr_uuid_equal(const actr_uuid_t *a, const actr_uuid_t *b);

#endif /* ACTR_BASE_UUID_H */
