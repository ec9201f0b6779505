/*
 * Fuzz target for the identity string forms: the input is parsed as an ActrId, an ActrType, an
 * actr:// URI and a route key. Whatever parses must format and parse back to an equal value, and
 * the formatted text must be a fixed point; a mismatch aborts (that is how libFuzzer sees a bug).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actr/types.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

static void check_id(const char *s, size_t len)
{
    actr_id_t id, again;
    if (actr_id_parse(&id, s, len, NULL) != 0)
        return;
    char text[ACTR_ID_STR_SIZE], text2[ACTR_ID_STR_SIZE];
    CHECK(actr_id_format(&id, text, sizeof text, NULL) == 0);
    CHECK(actr_id_parse(&again, text, strlen(text), NULL) == 0);
    CHECK(actr_id_equal(&id, &again) && actr_id_compare(&again, &id) == 0);
    CHECK(actr_id_hash(&id) == actr_id_hash(&again));
    CHECK(actr_id_format(&again, text2, sizeof text2, NULL) == 0);
    CHECK(strcmp(text, text2) == 0);
    CHECK(actr_type_validate(&id.type, NULL) == 0);
    /* Path safety only ever narrows a valid type; it must not crash on any. */
    (void)actr_type_path_safe(&id.type, NULL);
}

static void check_type(const char *s, size_t len)
{
    actr_type_t type, again;
    if (actr_type_parse(&type, s, len, NULL) != 0)
        return;
    char text[ACTR_TYPE_STR_SIZE];
    CHECK(actr_type_format(&type, text, sizeof text, NULL) == 0);
    /* A type string has no alternative spellings: formatting gives the input back. */
    CHECK(strlen(text) == len && memcmp(text, s, len) == 0);
    CHECK(actr_type_parse(&again, text, len, NULL) == 0);
    CHECK(actr_type_equal(&type, &again));
}

static void check_uri(const char *s, size_t len)
{
    actr_uri_t uri, again;
    if (actr_uri_parse(&uri, s, len, NULL) != 0)
        return;
    char text[ACTR_URI_STR_SIZE], text2[ACTR_URI_STR_SIZE];
    CHECK(actr_uri_format(&uri, text, sizeof text, NULL) == 0);
    CHECK(actr_uri_parse(&again, text, strlen(text), NULL) == 0);
    CHECK(uri.realm == again.realm && actr_type_equal(&uri.type, &again.type));
    CHECK(actr_uri_format(&again, text2, sizeof text2, NULL) == 0);
    CHECK(strcmp(text, text2) == 0);
}

static void check_route_key(const char *s, size_t len)
{
    actr_route_key_t rk, again;
    int rc = actr_route_key_split(&rk, s, len, NULL);
    CHECK(rc == actr_route_key_validate(s, len, NULL));
    if (rc != 0)
        return;
    char text[ACTR_ROUTE_KEY_STR_SIZE];
    CHECK(actr_route_key_build(text, sizeof text, rk.package, rk.service, rk.method, NULL) == 0);
    CHECK(strlen(text) == len && memcmp(text, s, len) == 0);
    CHECK(actr_route_key_split(&again, text, len, NULL) == 0);
    CHECK(memcmp(&rk, &again, sizeof rk) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_id(s, size);
    check_type(s, size);
    check_uri(s, size);
    check_route_key(s, size);
    (void)actr_name_validate(s, size, NULL);
    (void)actr_package_name_validate(s, size, NULL);
    return 0;
}
