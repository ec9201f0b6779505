/*
 * Fuzz target for the TOML parser: the input is parsed, then the tree is walked and checked for
 * what the API promises (every key finds its own entry, positions are set, strings are
 * NUL-terminated, nesting stays under the cap); a rejection must carry "line L, column C".
 * A broken promise aborts, which is how libFuzzer sees a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/toml.h"

#define CHECK(cond)      \
    do {                 \
        if (!(cond))     \
            abort();     \
    } while (0)

static void check_value(const actr_toml_value_t *value, int depth)
{
    CHECK(depth <= ACTR_TOML_MAX_DEPTH);
    CHECK(actr_toml_line(value) >= 1 && actr_toml_column(value) >= 1);
    switch (actr_toml_type(value)) {
    case ACTR_TOML_TABLE:
        for (size_t i = 0; i < actr_toml_table_size(value); i++) {
            const char *key;
            size_t key_len;
            const actr_toml_value_t *item = actr_toml_table_at(value, i, &key, &key_len);
            CHECK(item && key[key_len] == '\0');
            CHECK(actr_toml_get_len(value, key, key_len) == item);
            check_value(item, depth + 1);
        }
        break;
    case ACTR_TOML_ARRAY:
        for (size_t i = 0; i < actr_toml_array_size(value); i++)
            check_value(actr_toml_array_at(value, i), depth + 1);
        break;
    case ACTR_TOML_STRING: {
        const char *str;
        size_t len;
        CHECK(actr_toml_as_string(value, &str, &len) == 0 && str[len] == '\0');
        break;
    }
    case ACTR_TOML_NONE:
        abort();
    default: {
        actr_toml_datetime_t dt;
        bool is_datetime = actr_toml_as_datetime(value, &dt) == 0;
        if (is_datetime && actr_toml_type(value) != ACTR_TOML_TIME_LOCAL)
            CHECK(dt.month >= 1 && dt.month <= 12 && dt.day >= 1 && dt.day <= 31);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    actr_toml_value_t *root = NULL;
    actr_error_t err = {0};
    int rc = actr_toml_parse((const char *)data, size, &root, &err);
    if (rc != 0) {
        CHECK(root == NULL);
        CHECK(rc == ACTR_ENOMEM || (rc == ACTR_EPARSE && strncmp(err.message, "line ", 5) == 0));
        return 0;
    }
    check_value(root, 0);
    /* The first key of the input doubles as a lookup path, to exercise path parsing. */
    char path[128];
    size_t path_len = 0;
    while (path_len < size && path_len < sizeof path - 1 && data[path_len] != '\n' &&
           data[path_len] != '=')
        path_len++;
    memcpy(path, data, path_len);
    path[path_len] = '\0';
    (void)actr_toml_get_path(root, path);
    actr_toml_free(root);
    return 0;
}
