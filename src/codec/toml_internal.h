/*
 * toml_internal.h - what the TOML parser's files share: the node layout, the arena that owns
 * every node, the parser cursor and the scanners for strings, numbers and date-times.
 * Not for use outside src/codec/toml_*.c.
 */
#ifndef ACTR_CODEC_TOML_INTERNAL_H
#define ACTR_CODEC_TOML_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/toml.h"

/* ---- arena: one allocation pool per document, freed in one go ---- */

typedef struct toml_chunk toml_chunk_t;

typedef struct toml_arena {
    toml_chunk_t *head;   /* the chunk allocations currently come from */
    size_t next_size;     /* size of the next chunk; grows so big documents use few chunks */
} toml_arena_t;

void *actr_toml_arena_alloc(toml_arena_t *arena, size_t size);
/* Grows the block at ptr (old_size bytes) to new_size, in place when it is the newest block. */
void *actr_toml_arena_grow(toml_arena_t *arena, void *ptr, size_t old_size, size_t new_size);
void actr_toml_arena_free(toml_arena_t *arena);

/* ---- document tree ---- */

enum toml_table_flags {
    TOML_TABLE_IMPLICIT = 1 << 0, /* created as a prefix of a [header]; may be defined later */
    TOML_TABLE_DEFINED = 1 << 1,  /* defined by a [header] or [[header]] */
    TOML_TABLE_DOTTED = 1 << 2,   /* created by a dotted key; only dotted keys may extend it */
    TOML_TABLE_INLINE = 1 << 3,   /* an inline table: sealed once its '}' is read */
    TOML_TABLE_ROOT = 1 << 4,     /* owns the arena */
};

enum toml_array_flags {
    TOML_ARRAY_OF_TABLES = 1 << 0, /* built by [[header]]; an array literal cannot be appended */
};

typedef struct toml_entry {
    const char *key;
    size_t key_len;
    actr_toml_value_t *value;
} toml_entry_t;

struct actr_toml_value {
    uint8_t type;   /* actr_toml_type_t */
    uint8_t flags;  /* toml_table_flags or toml_array_flags */
    uint16_t depth; /* nesting level; the root is 0 */
    int line, column;
    union {
        struct {
            char *data;
            size_t len;
        } string;
        int64_t integer;
        double real;
        bool boolean;
        actr_toml_datetime_t datetime;
        struct {
            toml_entry_t *entries; /* in insertion order */
            size_t count, capacity;
            uint32_t *slots;       /* hash index (entry index + 1, 0 = free), once big enough */
            size_t slot_count;
        } table;
        struct {
            actr_toml_value_t **items;
            size_t count, capacity;
        } array;
    } as;
};

/* ---- parser ---- */

typedef struct toml_key_part {
    const char *name;
    size_t len;
    int line, column;
} toml_key_part_t;

typedef struct toml_parser {
    const char *text;
    size_t len, pos;
    int line, column; /* of text[pos] */
    toml_arena_t *arena;
    actr_error_t *err;
    actr_toml_value_t *root;
    actr_toml_value_t *current; /* table the key/value lines go into */
    char *scratch;              /* decoding buffer reused by strings and numbers (malloc'd) */
    size_t scratch_len, scratch_cap;
    toml_key_part_t parts[ACTR_TOML_MAX_DEPTH]; /* the key being parsed, split at dots */
    size_t part_count;
} toml_parser_t;

/* Cursor helpers. Columns count characters, so UTF-8 continuation bytes do not advance them. */
static inline int toml_peek(const toml_parser_t *p, size_t ahead)
{
    return p->pos + ahead < p->len ? (unsigned char)p->text[p->pos + ahead] : -1;
}

static inline void toml_advance(toml_parser_t *p, size_t count)
{
    for (; count > 0 && p->pos < p->len; count--) {
        unsigned char c = (unsigned char)p->text[p->pos++];
        if (c == '\n') {
            if (p->line < INT_MAX)
                p->line++;
            p->column = 1;
        } else if ((c & 0xC0) != 0x80 && p->column < INT_MAX) {
            p->column++;
        }
    }
}

/* Length of the newline at the cursor + ahead (1 for LF, 2 for CR LF), 0 if none. */
static inline size_t toml_newline_length(const toml_parser_t *p, size_t ahead)
{
    int c = toml_peek(p, ahead);
    if (c == '\n')
        return 1;
    return c == '\r' && toml_peek(p, ahead + 1) == '\n' ? 2 : 0;
}

static inline bool toml_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

void actr_toml_parser_init(toml_parser_t *p, const char *text, size_t len, toml_arena_t *arena,
                           actr_error_t *err);
void actr_toml_parser_release(toml_parser_t *p);

/* Records "line L, column C: message" and returns ACTR_EPARSE. */
int actr_toml_fail_at(toml_parser_t *p, int line, int column, const char *fmt, ...)
    ACTR_PRINTF(4, 5);
int actr_toml_fail(toml_parser_t *p, const char *fmt, ...) ACTR_PRINTF(2, 3);
int actr_toml_fail_nomem(toml_parser_t *p);
/* Human-readable name of the character at the cursor for messages ("'x'", "end of input"). */
const char *actr_toml_describe_char(const toml_parser_t *p, char *buf, size_t size);

void *actr_toml_alloc(toml_parser_t *p, size_t size);
int actr_toml_scratch_append(toml_parser_t *p, const char *bytes, size_t count);

/* Rejects invalid UTF-8 and control characters (all but tab, LF and CR LF) anywhere in the
 * text, so the scanners afterwards may assume clean input. */
int actr_toml_check_text(toml_parser_t *p);
/* Parses a dotted key into p->parts / p->part_count; skips the blanks after it. */
int actr_toml_parse_key(toml_parser_t *p);

/* Scanners; each starts at the cursor and leaves it after the token. */
int actr_toml_scan_string(toml_parser_t *p, bool allow_multiline, char **out, size_t *out_len);
bool actr_toml_starts_datetime(const toml_parser_t *p);
int actr_toml_scan_datetime(toml_parser_t *p, actr_toml_value_t *value);
int actr_toml_scan_number(toml_parser_t *p, actr_toml_value_t *value);

/* Tree building. */
int actr_toml_new_value(toml_parser_t *p, actr_toml_type_t type, int line, int column,
                        size_t depth, actr_toml_value_t **out);
actr_toml_value_t *actr_toml_table_find(const actr_toml_value_t *table, const char *key,
                                        size_t key_len);
int actr_toml_table_insert(toml_parser_t *p, actr_toml_value_t *table, const char *key,
                           size_t key_len, actr_toml_value_t *value);
int actr_toml_array_push(toml_parser_t *p, actr_toml_value_t *array, actr_toml_value_t *item);
actr_toml_value_t *actr_toml_document_new(toml_arena_t **arena);

#endif /* ACTR_CODEC_TOML_INTERNAL_H */
