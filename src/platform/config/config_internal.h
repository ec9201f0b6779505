/*
 * config_internal.h - the table-driven key schema shared by the config loaders.
 *
 * A loader describes each TOML table as an array of cfg_field_t (key, kind, where to store it in
 * the target struct, required or not, integer range, allowed strings) and calls cfg_read_table().
 * The reader converts and range-checks every value, reports unknown keys (a warning, or an error
 * in a strict table) and missing required keys, and writes every message as
 * "source:line: dotted.key: problem". Tables the schema cannot express (ACL rules, trust
 * anchors, dependencies) are stored as CFG_RAW and handled by the loader afterwards.
 */
#ifndef ACTR_PLATFORM_CONFIG_INTERNAL_H
#define ACTR_PLATFORM_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actr/config.h"
#include "actr/error.h"
#include "codec/toml.h"

/* Config files are small; this bounds what we read and parse. */
#define CFG_MAX_FILE_BYTES (4u * 1024u * 1024u)
/* Longest dotted key kept for messages. */
#define CFG_KEY_PATH_MAX 160

typedef enum cfg_kind {
    CFG_STRING,   /* char *, no NUL inside */
    CFG_PATH,     /* char *: "~/" expanded, relative joined to ctx->base_dir */
    CFG_URL_WS,   /* char *: ws:// or wss:// URL, stored normalized */
    CFG_URL_HTTP, /* char *: http:// or https:// URL, stored normalized */
    CFG_BOOL,     /* bool */
    CFG_U16,      /* uint16_t */
    CFG_U32,      /* uint32_t */
    CFG_U64,      /* uint64_t (TOML integers are signed: 0..INT64_MAX) */
    CFG_I64,      /* int64_t */
    CFG_STRLIST,  /* actr_config_strlist_t */
    CFG_STRMAP,   /* actr_config_strmap_t: a table of strings */
    CFG_TABLE,    /* a nested struct described by sub */
    CFG_RAW,      /* const actr_toml_value_t *: handled by the loader */
} cfg_kind_t;

#define CFG_REQUIRED 1u
#define CFG_NO_HAS ((size_t)-1)

typedef struct cfg_schema cfg_schema_t;

typedef struct cfg_field {
    const char *key;
    cfg_kind_t kind;
    unsigned flags;
    size_t offset;                /* of the value in the target struct */
    size_t has_offset;            /* of a bool set when the key is present, or CFG_NO_HAS */
    int64_t min, max;             /* integer range; both 0: the kind's whole range */
    const char *const *choices;   /* CFG_STRING: NULL-terminated allowed values, or NULL */
    const cfg_schema_t *sub;      /* CFG_TABLE */
} cfg_field_t;

struct cfg_schema {
    const cfg_field_t *fields;
    size_t count;
    bool strict; /* unknown keys are errors, not warnings */
};

#define CFG_SCHEMA(fields, strict) {(fields), sizeof(fields) / sizeof((fields)[0]), (strict)}

/* Field initializers: T is the target struct type, m a member path (may be nested: a.b). */
#define CFG_F(T, k, kind_, m) \
    {.key = (k), .kind = (kind_), .offset = offsetof(T, m), .has_offset = CFG_NO_HAS}
#define CFG_F_REQ(T, k, kind_, m)                                                  \
    {.key = (k), .kind = (kind_), .flags = CFG_REQUIRED, .offset = offsetof(T, m), \
     .has_offset = CFG_NO_HAS}
#define CFG_F_HAS(T, k, kind_, m, has) \
    {.key = (k), .kind = (kind_), .offset = offsetof(T, m), .has_offset = offsetof(T, has)}
#define CFG_F_RANGE(T, k, kind_, m, lo, hi)                                               \
    {.key = (k), .kind = (kind_), .offset = offsetof(T, m), .has_offset = CFG_NO_HAS, \
     .min = (lo), .max = (hi)}
#define CFG_F_CHOICE(T, k, m, list) \
    {.key = (k), .kind = CFG_STRING, .offset = offsetof(T, m), .has_offset = CFG_NO_HAS, \
     .choices = (list)}
/* A nested table whose fields use offsets relative to the same T (a "flattened" section). */
#define CFG_F_SECTION(k, sub_) \
    {.key = (k), .kind = CFG_TABLE, .offset = 0, .has_offset = CFG_NO_HAS, .sub = (sub_)}

/* Where messages go and how paths resolve while one document is read. */
typedef struct cfg_ctx {
    const char *source;   /* file name in messages */
    const char *base_dir; /* base of relative paths ("." allowed) */
    actr_error_t *err;
    actr_config_strlist_t *warnings;
    char path[CFG_KEY_PATH_MAX]; /* dotted key of the table being read */
    size_t path_len;
} cfg_ctx_t;

void cfg_ctx_init(cfg_ctx_t *ctx, const char *source, const char *base_dir,
                  actr_config_strlist_t *warnings, actr_error_t *err);

/* Appends ".key" (or "[index]") to the current key path; returns the length to restore. */
size_t cfg_push(cfg_ctx_t *ctx, const char *key);
size_t cfg_push_index(cfg_ctx_t *ctx, size_t index);
void cfg_pop(cfg_ctx_t *ctx, size_t saved);

/* Records "source:line: path[.key]: message" in ctx->err (line 0: no line) and returns code. */
int cfg_fail(cfg_ctx_t *ctx, int code, int line, const char *key, const char *fmt, ...)
    ACTR_PRINTF(5, 6);
/* Appends the same form of message to the warnings and logs it; 0 or ACTR_ENOMEM. */
int cfg_warn(cfg_ctx_t *ctx, int line, const char *key, const char *fmt, ...) ACTR_PRINTF(4, 5);
/* "expected a string, found integer" for key (a type mismatch). */
int cfg_type_error(cfg_ctx_t *ctx, const actr_toml_value_t *value, const char *key,
                   const char *expected);

/*
 * Reads table (NULL: absent; then only missing required keys are reported, at parent_line or
 * without a line) into target as the schema says. The key path must already name the table.
 */
int cfg_read_table(cfg_ctx_t *ctx, const actr_toml_value_t *table, const cfg_schema_t *schema,
                   void *target);
/* Frees what cfg_read_table() stored in target (strings, lists, maps, nested tables). */
void cfg_free_fields(const cfg_schema_t *schema, void *target);

/* Reports every key of table as unknown except the listed ones (NULL-terminated). */
int cfg_check_keys(cfg_ctx_t *ctx, const actr_toml_value_t *table, const char *const *known,
                   bool strict);

/* A string value copied to a new NUL-terminated string (embedded NUL refused). */
int cfg_string(cfg_ctx_t *ctx, const actr_toml_value_t *value, const char *key, char **out);
/* Resolves a written path: "~/" -> $HOME, relative -> joined to ctx->base_dir. */
int cfg_resolve_path(cfg_ctx_t *ctx, const char *raw, int line, const char *key, char **out);

/* Parses text as TOML, turning syntax errors into "source: line L, column C: ...". */
int cfg_parse_toml(cfg_ctx_t *ctx, const char *text, size_t len, actr_toml_value_t **root);

/* ---- files and paths ---- */

/* dir + "/" + rel (rel unchanged when dir is NULL, "" or "."); NULL on ENOMEM. */
char *cfg_join(const char *dir, const char *rel);
/* The directory part of path ("." for a bare name); NULL on ENOMEM. */
char *cfg_dirname(const char *path);

/* ---- owned containers ---- */

int cfg_strlist_push(actr_config_strlist_t *list, const char *s);
void cfg_strlist_free(actr_config_strlist_t *list);
/* Sets key to value, replacing an existing value in place. */
int cfg_strmap_set(actr_config_strmap_t *map, const char *key, const char *value);
void cfg_strmap_free(actr_config_strmap_t *map);
char *cfg_strdup(const char *s);

/* ---- pieces shared by actr.toml and manifest.toml ---- */

/* [acl]: "rules" array of {permission, type, realm}; "self"/omitted -> self_realm. */
int cfg_read_acl(cfg_ctx_t *ctx, const actr_toml_value_t *acl, uint32_t self_realm,
                 actr_acl_t *out);

/* One trust anchor table; dev_only only where allow_dev_only ([hyper.trust]). */
int cfg_read_trust_anchor(cfg_ctx_t *ctx, const actr_toml_value_t *table, bool allow_dev_only,
                          actr_trust_anchor_t *out);
void cfg_trust_anchor_free(actr_trust_anchor_t *anchor);

/* [hyper] into cfg (already holding the defaults). */
int cfg_read_hyper(cfg_ctx_t *ctx, const actr_toml_value_t *hyper, actr_hyper_config_t *cfg);

#endif /* ACTR_PLATFORM_CONFIG_INTERNAL_H */
