/*
 * toml_parse.c - the TOML document grammar: lines of key/value pairs and [table] /
 * [[array-of-tables]] headers, keys, values, arrays and inline tables, and the rules about
 * which tables may be defined or extended where.
 *
 * Those rules are kept with flags on each table (toml_internal.h): a table created as a prefix
 * of a header is IMPLICIT and may be defined later, by its own header or by dotted keys; a
 * header DEFINES a table once; a table created by a dotted key is DOTTED and only dotted keys
 * may add to it (headers may still define sub-tables below it); an INLINE table is sealed once
 * closed. Arrays built from [[headers]] are OF_TABLES; array literals can never be appended to.
 */
#include "codec/toml_internal.h"

#include <stdio.h>
#include <string.h>

static bool is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || toml_is_digit(c) || c == '_' ||
           c == '-';
}

static void skip_blanks(toml_parser_t *p)
{
    while (toml_peek(p, 0) == ' ' || toml_peek(p, 0) == '\t')
        toml_advance(p, 1);
}

static void skip_comment(toml_parser_t *p)
{
    if (toml_peek(p, 0) != '#')
        return;
    while (toml_peek(p, 0) >= 0 && toml_newline_length(p, 0) == 0)
        toml_advance(p, 1);
}

/* Skips what may stand between array items: blanks, comments and newlines. */
static void skip_blanks_comments_newlines(toml_parser_t *p)
{
    for (;;) {
        skip_blanks(p);
        skip_comment(p);
        size_t newline = toml_newline_length(p, 0);
        if (newline == 0)
            return;
        toml_advance(p, newline);
    }
}

static int fail_unexpected(toml_parser_t *p, const char *expected)
{
    char found[32];
    return actr_toml_fail(p, "expected %s, found %s", expected,
                          actr_toml_describe_char(p, found, sizeof found));
}

/* The first count parts of the current key joined by dots, for messages. */
static const char *key_text(const toml_parser_t *p, size_t count, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%.*s", i ? "." : "",
                         (int)(p->parts[i].len > 64 ? 64 : p->parts[i].len), p->parts[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

static int fail_key(toml_parser_t *p, size_t index, const char *fmt_reason)
{
    char name[160];
    key_text(p, index + 1, name, sizeof name);
    return actr_toml_fail_at(p, p->parts[index].line, p->parts[index].column, "key `%s` %s",
                             name, fmt_reason);
}

/* Why an existing value cannot be used as the table the key at index names. */
static int fail_not_extendable(toml_parser_t *p, size_t index, const actr_toml_value_t *found)
{
    if (found->type != ACTR_TOML_TABLE) {
        char reason[64];
        snprintf(reason, sizeof reason, "is already defined as %s %s",
                 found->type == ACTR_TOML_ARRAY || found->type == ACTR_TOML_INTEGER ? "an" : "a",
                 found->type == ACTR_TOML_ARRAY && (found->flags & TOML_ARRAY_OF_TABLES)
                     ? "array of tables"
                     : actr_toml_type_name((actr_toml_type_t)found->type));
        return fail_key(p, index, reason);
    }
    if (found->flags & TOML_TABLE_INLINE)
        return fail_key(p, index, "is an inline table, which cannot be extended");
    if (found->flags & TOML_TABLE_DOTTED)
        return fail_key(p, index, "was defined by dotted keys and cannot be redefined");
    return fail_key(p, index, "is already defined");
}

static int parse_simple_key(toml_parser_t *p, toml_key_part_t *part)
{
    part->line = p->line;
    part->column = p->column;
    int c = toml_peek(p, 0);
    if (c == '"' || c == '\'') {
        char *name;
        int rc = actr_toml_scan_string(p, false, &name, &part->len);
        part->name = name;
        return rc;
    }
    size_t start = p->pos;
    while (is_bare_key_char(toml_peek(p, 0)))
        toml_advance(p, 1);
    if (p->pos == start)
        return fail_unexpected(p, "a key");
    part->name = p->text + start;
    part->len = p->pos - start;
    return 0;
}

int actr_toml_parse_key(toml_parser_t *p)
{
    p->part_count = 0;
    for (;;) {
        if (p->part_count == ACTR_TOML_MAX_DEPTH)
            return actr_toml_fail(p, "key has more than %d parts", ACTR_TOML_MAX_DEPTH);
        int rc = parse_simple_key(p, &p->parts[p->part_count++]);
        if (rc < 0)
            return rc;
        skip_blanks(p);
        if (toml_peek(p, 0) != '.')
            return 0;
        toml_advance(p, 1);
        skip_blanks(p);
    }
}

/* Creates an empty table named by the key part at index inside parent. */
static int add_table(toml_parser_t *p, actr_toml_value_t *parent, size_t index, uint8_t flags,
                     actr_toml_value_t **out)
{
    const toml_key_part_t *part = &p->parts[index];
    int rc = actr_toml_new_value(p, ACTR_TOML_TABLE, part->line, part->column,
                                 parent->depth + 1u, out);
    if (rc == 0) {
        (*out)->flags = flags;
        rc = actr_toml_table_insert(p, parent, part->name, part->len, *out);
    }
    return rc;
}

/* Steps from table into the part at index of a dotted key on a key/value line. */
static int enter_dotted(toml_parser_t *p, actr_toml_value_t *table, size_t index,
                        actr_toml_value_t **out)
{
    const toml_key_part_t *part = &p->parts[index];
    actr_toml_value_t *child = actr_toml_table_find(table, part->name, part->len);
    if (!child)
        return add_table(p, table, index, TOML_TABLE_DOTTED, out);
    /* A table only implied by a header has not been defined yet: dotted keys may define it
     * (as toml-test's reference and tomli do), after which no header may. */
    if (child->type == ACTR_TOML_TABLE && child->flags == TOML_TABLE_IMPLICIT)
        child->flags = TOML_TABLE_DOTTED;
    bool extendable = child->type == ACTR_TOML_TABLE && (child->flags & TOML_TABLE_DOTTED) &&
                      !(child->flags & TOML_TABLE_INLINE);
    if (!extendable) {
        if (child->type == ACTR_TOML_TABLE && !(child->flags & TOML_TABLE_INLINE))
            return fail_key(p, index, "was defined by a [table] header; "
                                      "dotted keys cannot add to it");
        return fail_not_extendable(p, index, child);
    }
    *out = child;
    return 0;
}

/* Steps from table into the part at index of a [header] key. */
static int enter_header(toml_parser_t *p, actr_toml_value_t *table, size_t index,
                        actr_toml_value_t **out)
{
    const toml_key_part_t *part = &p->parts[index];
    actr_toml_value_t *child = actr_toml_table_find(table, part->name, part->len);
    if (!child)
        return add_table(p, table, index, TOML_TABLE_IMPLICIT, out);
    if (child->type == ACTR_TOML_ARRAY && (child->flags & TOML_ARRAY_OF_TABLES)) {
        /* A header below an array of tables refers to its latest element. */
        *out = child->as.array.items[child->as.array.count - 1];
        return 0;
    }
    if (child->type != ACTR_TOML_TABLE || (child->flags & TOML_TABLE_INLINE))
        return fail_not_extendable(p, index, child);
    *out = child;
    return 0;
}

static int define_table(toml_parser_t *p, actr_toml_value_t *parent, int line, int column)
{
    size_t last = p->part_count - 1;
    const toml_key_part_t *part = &p->parts[last];
    actr_toml_value_t *table = actr_toml_table_find(parent, part->name, part->len);
    if (!table) {
        int rc = add_table(p, parent, last, TOML_TABLE_DEFINED, &table);
        if (rc < 0)
            return rc;
    } else if (table->type == ACTR_TOML_TABLE && table->flags == TOML_TABLE_IMPLICIT) {
        table->flags = TOML_TABLE_DEFINED;
    } else {
        return fail_not_extendable(p, last, table);
    }
    table->line = line;
    table->column = column;
    p->current = table;
    return 0;
}

static int append_table(toml_parser_t *p, actr_toml_value_t *parent, int line, int column)
{
    size_t last = p->part_count - 1;
    const toml_key_part_t *part = &p->parts[last];
    actr_toml_value_t *array = actr_toml_table_find(parent, part->name, part->len);
    int rc;
    if (!array) {
        rc = actr_toml_new_value(p, ACTR_TOML_ARRAY, line, column, parent->depth + 1u, &array);
        if (rc < 0)
            return rc;
        array->flags = TOML_ARRAY_OF_TABLES;
        rc = actr_toml_table_insert(p, parent, part->name, part->len, array);
        if (rc < 0)
            return rc;
    } else if (array->type != ACTR_TOML_ARRAY || !(array->flags & TOML_ARRAY_OF_TABLES)) {
        if (array->type == ACTR_TOML_ARRAY)
            return fail_key(p, last, "is a static array and cannot be appended to");
        return fail_not_extendable(p, last, array);
    }
    actr_toml_value_t *table;
    rc = actr_toml_new_value(p, ACTR_TOML_TABLE, line, column, array->depth + 1u, &table);
    if (rc == 0)
        rc = actr_toml_array_push(p, array, table);
    if (rc < 0)
        return rc;
    table->flags = TOML_TABLE_DEFINED;
    p->current = table;
    return 0;
}

/* [a.b.c] or [[a.b.c]] at the cursor. */
static int parse_header(toml_parser_t *p)
{
    int line = p->line, column = p->column;
    bool is_array = toml_peek(p, 1) == '[';
    toml_advance(p, is_array ? 2 : 1);
    skip_blanks(p);
    int rc = actr_toml_parse_key(p);
    if (rc < 0)
        return rc;
    if (toml_peek(p, 0) != ']' || (is_array && toml_peek(p, 1) != ']'))
        return fail_unexpected(p, is_array ? "']]' to close the header" : "']' to close the header");
    toml_advance(p, is_array ? 2 : 1);
    actr_toml_value_t *table = p->root;
    for (size_t i = 0; i + 1 < p->part_count; i++) {
        rc = enter_header(p, table, i, &table);
        if (rc < 0)
            return rc;
    }
    return is_array ? append_table(p, table, line, column) : define_table(p, table, line, column);
}

static int parse_value(toml_parser_t *p, size_t depth, actr_toml_value_t **out);

/* key = value, inserted into table (dotted keys create or enter sub-tables). */
static int parse_keyval(toml_parser_t *p, actr_toml_value_t *table)
{
    int rc = actr_toml_parse_key(p);
    if (rc < 0)
        return rc;
    if (toml_peek(p, 0) != '=')
        return fail_unexpected(p, "'=' after the key");
    toml_advance(p, 1);
    skip_blanks(p);
    size_t last = p->part_count - 1;
    for (size_t i = 0; i < last; i++) {
        rc = enter_dotted(p, table, i, &table);
        if (rc < 0)
            return rc;
    }
    const actr_toml_value_t *existing =
        actr_toml_table_find(table, p->parts[last].name, p->parts[last].len);
    if (existing)
        return fail_not_extendable(p, last, existing);
    /* The value may contain keys of its own (inline tables), which reuse p->parts. */
    toml_key_part_t key = p->parts[last];
    actr_toml_value_t *value;
    rc = parse_value(p, table->depth + 1u, &value);
    if (rc < 0)
        return rc;
    return actr_toml_table_insert(p, table, key.name, key.len, value);
}

static int parse_array(toml_parser_t *p, actr_toml_value_t *array)
{
    toml_advance(p, 1);
    for (;;) {
        skip_blanks_comments_newlines(p);
        if (toml_peek(p, 0) == ']')
            break;
        actr_toml_value_t *item;
        int rc = parse_value(p, array->depth + 1u, &item);
        if (rc == 0)
            rc = actr_toml_array_push(p, array, item);
        if (rc < 0)
            return rc;
        skip_blanks_comments_newlines(p);
        if (toml_peek(p, 0) == ']')
            break;
        if (toml_peek(p, 0) != ',')
            return fail_unexpected(p, "',' or ']' in the array");
        toml_advance(p, 1);
    }
    toml_advance(p, 1);
    return 0;
}

/* { key = value, ... } on one line, without a trailing comma (TOML 1.0). */
static int parse_inline_table(toml_parser_t *p, actr_toml_value_t *table)
{
    toml_advance(p, 1);
    skip_blanks(p);
    if (toml_peek(p, 0) != '}') {
        for (;;) {
            int rc = parse_keyval(p, table);
            if (rc < 0)
                return rc;
            skip_blanks(p);
            if (toml_peek(p, 0) == '}')
                break;
            if (toml_peek(p, 0) != ',')
                return fail_unexpected(p, "',' or '}' in the inline table");
            toml_advance(p, 1);
            skip_blanks(p);
        }
    }
    toml_advance(p, 1);
    table->flags |= TOML_TABLE_INLINE;
    return 0;
}

static int parse_keyword(toml_parser_t *p, actr_toml_value_t *value)
{
    bool is_true = p->len - p->pos >= 4 && memcmp(p->text + p->pos, "true", 4) == 0;
    bool is_false = p->len - p->pos >= 5 && memcmp(p->text + p->pos, "false", 5) == 0;
    if (!is_true && !is_false)
        return fail_unexpected(p, "a value");
    value->type = ACTR_TOML_BOOL;
    value->as.boolean = is_true;
    toml_advance(p, is_true ? 4 : 5);
    return 0;
}

static int parse_value(toml_parser_t *p, size_t depth, actr_toml_value_t **out)
{
    int c = toml_peek(p, 0);
    actr_toml_type_t type = c == '[' ? ACTR_TOML_ARRAY : c == '{' ? ACTR_TOML_TABLE
                                                                  : ACTR_TOML_STRING;
    int rc = actr_toml_new_value(p, type, p->line, p->column, depth, out);
    if (rc < 0)
        return rc;
    actr_toml_value_t *value = *out;
    switch (c) {
    case '"':
    case '\'':
        return actr_toml_scan_string(p, true, &value->as.string.data, &value->as.string.len);
    case '[':
        return parse_array(p, value);
    case '{':
        return parse_inline_table(p, value);
    case 't':
    case 'f':
        return parse_keyword(p, value);
    case '+':
    case '-':
    case 'i':
    case 'n':
        return actr_toml_scan_number(p, value);
    default:
        if (!toml_is_digit(c))
            return fail_unexpected(p, "a value");
        if (actr_toml_starts_datetime(p))
            return actr_toml_scan_datetime(p, value);
        return actr_toml_scan_number(p, value);
    }
}

/* After a key/value pair or a header: blanks, an optional comment, then a newline or the end. */
static int finish_line(toml_parser_t *p)
{
    skip_blanks(p);
    skip_comment(p);
    if (toml_peek(p, 0) < 0)
        return 0;
    size_t newline = toml_newline_length(p, 0);
    if (newline == 0)
        return fail_unexpected(p, "the end of the line");
    toml_advance(p, newline);
    return 0;
}

static int parse_document(toml_parser_t *p)
{
    if (p->len >= 3 && memcmp(p->text, "\xEF\xBB\xBF", 3) == 0) {
        toml_advance(p, 3);
        p->column = 1; /* the byte order mark is not a visible character */
    }
    for (;;) {
        skip_blanks(p);
        int c = toml_peek(p, 0);
        int rc = 0;
        if (c < 0)
            return 0;
        if (c == '[')
            rc = parse_header(p);
        else if (c != '#' && toml_newline_length(p, 0) == 0)
            rc = parse_keyval(p, p->current);
        if (rc == 0)
            rc = finish_line(p);
        if (rc < 0)
            return rc;
    }
}

int actr_toml_parse(const char *text, size_t len, actr_toml_value_t **root, actr_error_t *err)
{
    if (!root)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no place for the result");
    *root = NULL;
    if (!text && len)
        return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0, "no text to parse");
    toml_arena_t *arena;
    actr_toml_value_t *doc = actr_toml_document_new(&arena);
    if (!doc)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    toml_parser_t parser;
    actr_toml_parser_init(&parser, text ? text : "", len, arena, err);
    parser.root = parser.current = doc;
    int rc = actr_toml_check_text(&parser);
    if (rc == 0)
        rc = parse_document(&parser);
    actr_toml_parser_release(&parser);
    if (rc < 0) {
        actr_toml_free(doc);
        return rc;
    }
    *root = doc;
    return 0;
}
