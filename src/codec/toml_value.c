/*
 * toml_value.c - the TOML document tree: the arena that owns it, building tables and arrays,
 * and the read-only API (lookups, iteration, typed getters, free).
 */
#include "codec/toml_internal.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

struct toml_chunk {
    toml_chunk_t *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

#define TOML_ARENA_FIRST_CHUNK 4096
#define TOML_ARENA_MAX_CHUNK (1u << 20)

static size_t align_up(size_t size)
{
    size_t align = alignof(max_align_t);
    return (size + align - 1) & ~(align - 1);
}

void *actr_toml_arena_alloc(toml_arena_t *arena, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = align_up(size ? size : 1);
    toml_chunk_t *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < size) {
        if (arena->next_size < TOML_ARENA_FIRST_CHUNK)
            arena->next_size = TOML_ARENA_FIRST_CHUNK;
        size_t chunk_size = size > arena->next_size ? size : arena->next_size;
        chunk = malloc(sizeof *chunk + chunk_size);
        if (!chunk)
            return NULL;
        chunk->size = chunk_size;
        chunk->used = 0;
        chunk->next = arena->head;
        arena->head = chunk;
        if (arena->next_size < TOML_ARENA_MAX_CHUNK)
            arena->next_size *= 2;
    }
    void *block = chunk->data + chunk->used;
    chunk->used += size;
    return block;
}

void *actr_toml_arena_grow(toml_arena_t *arena, void *ptr, size_t old_size, size_t new_size)
{
    toml_chunk_t *chunk = arena->head;
    if (ptr && chunk && new_size <= SIZE_MAX / 2) {
        size_t old_aligned = align_up(old_size ? old_size : 1);
        size_t new_aligned = align_up(new_size ? new_size : 1);
        unsigned char *block = ptr;
        /* The newest block can simply take more of its chunk. */
        if (block + old_aligned == chunk->data + chunk->used &&
            new_aligned - old_aligned <= chunk->size - chunk->used) {
            chunk->used += new_aligned - old_aligned;
            return ptr;
        }
    }
    void *bigger = actr_toml_arena_alloc(arena, new_size);
    if (bigger && ptr)
        memcpy(bigger, ptr, old_size);
    return bigger;
}

void actr_toml_arena_free(toml_arena_t *arena)
{
    toml_chunk_t *chunk = arena->head;
    while (chunk) {
        toml_chunk_t *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
}

/* ---- building ---- */

/* The root table is embedded in the record that owns the arena, so actr_toml_free() finds the
 * arena from the root alone. */
typedef struct toml_document {
    toml_arena_t arena;
    actr_toml_value_t root;
} toml_document_t;

actr_toml_value_t *actr_toml_document_new(toml_arena_t **arena)
{
    toml_document_t *doc = calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    doc->root.type = ACTR_TOML_TABLE;
    doc->root.flags = TOML_TABLE_ROOT | TOML_TABLE_DEFINED;
    doc->root.line = 1;
    doc->root.column = 1;
    *arena = &doc->arena;
    return &doc->root;
}

void actr_toml_free(actr_toml_value_t *root)
{
    if (!root || root->type != ACTR_TOML_TABLE || !(root->flags & TOML_TABLE_ROOT))
        return;
    toml_document_t *doc = (toml_document_t *)((char *)root - offsetof(toml_document_t, root));
    actr_toml_arena_free(&doc->arena);
    free(doc);
}

int actr_toml_new_value(toml_parser_t *p, actr_toml_type_t type, int line, int column,
                        size_t depth, actr_toml_value_t **out)
{
    *out = NULL;
    if (depth > ACTR_TOML_MAX_DEPTH)
        return actr_toml_fail_at(p, line, column, "nesting is deeper than %d levels",
                                 ACTR_TOML_MAX_DEPTH);
    actr_toml_value_t *value = actr_toml_alloc(p, sizeof *value);
    if (!value)
        return ACTR_ENOMEM;
    memset(value, 0, sizeof *value);
    value->type = (uint8_t)type;
    value->depth = (uint16_t)depth;
    value->line = line;
    value->column = column;
    *out = value;
    return 0;
}

/* Small tables are searched linearly; from this size on they get a hash index. */
#define TOML_INDEX_THRESHOLD 8

static uint32_t key_hash(const char *key, size_t len)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        hash ^= (unsigned char)key[i];
        hash *= 16777619u;
    }
    return hash;
}

static bool entry_matches(const toml_entry_t *entry, const char *key, size_t key_len)
{
    return entry->key_len == key_len && memcmp(entry->key, key, key_len) == 0;
}

actr_toml_value_t *actr_toml_table_find(const actr_toml_value_t *table, const char *key,
                                        size_t key_len)
{
    if (!table || table->type != ACTR_TOML_TABLE || (!key && key_len))
        return NULL;
    const toml_entry_t *entries = table->as.table.entries;
    if (table->as.table.slots) {
        size_t mask = table->as.table.slot_count - 1;
        for (size_t i = key_hash(key, key_len) & mask;; i = (i + 1) & mask) {
            uint32_t slot = table->as.table.slots[i];
            if (slot == 0)
                return NULL;
            if (entry_matches(&entries[slot - 1], key, key_len))
                return entries[slot - 1].value;
        }
    }
    for (size_t i = 0; i < table->as.table.count; i++) {
        if (entry_matches(&entries[i], key, key_len))
            return entries[i].value;
    }
    return NULL;
}

static void index_entry(actr_toml_value_t *table, size_t entry_index)
{
    const toml_entry_t *entry = &table->as.table.entries[entry_index];
    size_t mask = table->as.table.slot_count - 1;
    size_t i = key_hash(entry->key, entry->key_len) & mask;
    while (table->as.table.slots[i] != 0)
        i = (i + 1) & mask;
    table->as.table.slots[i] = (uint32_t)(entry_index + 1);
}

/* Keeps the index at most half full so probes stay short. */
static int update_index(toml_parser_t *p, actr_toml_value_t *table)
{
    size_t count = table->as.table.count;
    if (count < TOML_INDEX_THRESHOLD)
        return 0;
    if (table->as.table.slots && count * 2 <= table->as.table.slot_count) {
        index_entry(table, count - 1);
        return 0;
    }
    size_t slot_count = 16;
    while (slot_count < count * 2)
        slot_count *= 2;
    uint32_t *slots = actr_toml_alloc(p, slot_count * sizeof *slots);
    if (!slots)
        return ACTR_ENOMEM;
    memset(slots, 0, slot_count * sizeof *slots);
    table->as.table.slots = slots;
    table->as.table.slot_count = slot_count;
    for (size_t i = 0; i < count; i++)
        index_entry(table, i);
    return 0;
}

/* Doubles the capacity of an arena array of item_size items. */
static int grow_items(toml_parser_t *p, void **items, size_t *capacity, size_t item_size)
{
    size_t new_capacity = *capacity ? *capacity * 2 : 4;
    if (new_capacity > UINT32_MAX || new_capacity > SIZE_MAX / item_size)
        return actr_toml_fail(p, "too many items");
    void *bigger = actr_toml_arena_grow(p->arena, *items, *capacity * item_size,
                                        new_capacity * item_size);
    if (!bigger)
        return actr_toml_fail_nomem(p);
    *items = bigger;
    *capacity = new_capacity;
    return 0;
}

int actr_toml_table_insert(toml_parser_t *p, actr_toml_value_t *table, const char *key,
                           size_t key_len, actr_toml_value_t *value)
{
    if (table->as.table.count == table->as.table.capacity) {
        void *entries = table->as.table.entries;
        int rc = grow_items(p, &entries, &table->as.table.capacity, sizeof(toml_entry_t));
        if (rc < 0)
            return rc;
        table->as.table.entries = entries;
    }
    /* Keys are copied: bare keys point into the caller's text, which may go away. */
    char *key_copy = actr_toml_alloc(p, key_len + 1);
    if (!key_copy)
        return ACTR_ENOMEM;
    if (key_len)
        memcpy(key_copy, key, key_len);
    key_copy[key_len] = '\0';
    toml_entry_t *entry = &table->as.table.entries[table->as.table.count++];
    entry->key = key_copy;
    entry->key_len = key_len;
    entry->value = value;
    return update_index(p, table);
}

int actr_toml_array_push(toml_parser_t *p, actr_toml_value_t *array, actr_toml_value_t *item)
{
    if (array->as.array.count == array->as.array.capacity) {
        void *items = array->as.array.items;
        int rc = grow_items(p, &items, &array->as.array.capacity, sizeof(actr_toml_value_t *));
        if (rc < 0)
            return rc;
        array->as.array.items = items;
    }
    array->as.array.items[array->as.array.count++] = item;
    return 0;
}

/* ---- read-only API ---- */

actr_toml_type_t actr_toml_type(const actr_toml_value_t *value)
{
    return value ? (actr_toml_type_t)value->type : ACTR_TOML_NONE;
}

const char *actr_toml_type_name(actr_toml_type_t type)
{
    switch (type) {
    case ACTR_TOML_TABLE:
        return "table";
    case ACTR_TOML_ARRAY:
        return "array";
    case ACTR_TOML_STRING:
        return "string";
    case ACTR_TOML_INTEGER:
        return "integer";
    case ACTR_TOML_FLOAT:
        return "float";
    case ACTR_TOML_BOOL:
        return "bool";
    case ACTR_TOML_DATETIME:
        return "datetime";
    case ACTR_TOML_DATETIME_LOCAL:
        return "datetime-local";
    case ACTR_TOML_DATE_LOCAL:
        return "date-local";
    case ACTR_TOML_TIME_LOCAL:
        return "time-local";
    default:
        return "none";
    }
}

int actr_toml_line(const actr_toml_value_t *value)
{
    return value ? value->line : 0;
}

int actr_toml_column(const actr_toml_value_t *value)
{
    return value ? value->column : 0;
}

size_t actr_toml_table_size(const actr_toml_value_t *table)
{
    return table && table->type == ACTR_TOML_TABLE ? table->as.table.count : 0;
}

const actr_toml_value_t *actr_toml_table_at(const actr_toml_value_t *table, size_t index,
                                            const char **key, size_t *key_len)
{
    if (index >= actr_toml_table_size(table))
        return NULL;
    const toml_entry_t *entry = &table->as.table.entries[index];
    if (key)
        *key = entry->key;
    if (key_len)
        *key_len = entry->key_len;
    return entry->value;
}

const actr_toml_value_t *actr_toml_get_len(const actr_toml_value_t *table, const char *key,
                                           size_t key_len)
{
    return actr_toml_table_find(table, key, key_len);
}

const actr_toml_value_t *actr_toml_get(const actr_toml_value_t *table, const char *key)
{
    return key ? actr_toml_table_find(table, key, strlen(key)) : NULL;
}

const actr_toml_value_t *actr_toml_get_path(const actr_toml_value_t *table, const char *path)
{
    if (!table || !path)
        return NULL;
    /* The path is parsed as a TOML key, with a throwaway arena for decoded quoted parts. */
    toml_arena_t arena = {0};
    toml_parser_t parser;
    actr_toml_parser_init(&parser, path, strlen(path), &arena, NULL);
    const actr_toml_value_t *found = NULL;
    if (actr_toml_check_text(&parser) == 0 && actr_toml_parse_key(&parser) == 0 &&
        parser.pos == parser.len) {
        found = table;
        for (size_t i = 0; found && i < parser.part_count; i++)
            found = actr_toml_table_find(found, parser.parts[i].name, parser.parts[i].len);
    }
    actr_toml_parser_release(&parser);
    actr_toml_arena_free(&arena);
    return found;
}

size_t actr_toml_array_size(const actr_toml_value_t *array)
{
    return array && array->type == ACTR_TOML_ARRAY ? array->as.array.count : 0;
}

const actr_toml_value_t *actr_toml_array_at(const actr_toml_value_t *array, size_t index)
{
    return index < actr_toml_array_size(array) ? array->as.array.items[index] : NULL;
}

/* Shared check of the typed getters. */
static int expect_type(const actr_toml_value_t *value, actr_toml_type_t type)
{
    if (!value)
        return ACTR_ENOTFOUND;
    return value->type == type ? 0 : ACTR_EINVAL;
}

int actr_toml_as_string(const actr_toml_value_t *value, const char **str, size_t *len)
{
    int rc = expect_type(value, ACTR_TOML_STRING);
    if (rc == 0) {
        if (str)
            *str = value->as.string.data;
        if (len)
            *len = value->as.string.len;
    }
    return rc;
}

int actr_toml_as_int(const actr_toml_value_t *value, int64_t *out)
{
    int rc = expect_type(value, ACTR_TOML_INTEGER);
    if (rc == 0 && out)
        *out = value->as.integer;
    return rc;
}

int actr_toml_as_double(const actr_toml_value_t *value, double *out)
{
    int rc = expect_type(value, ACTR_TOML_FLOAT);
    if (rc == 0 && out)
        *out = value->as.real;
    return rc;
}

int actr_toml_as_bool(const actr_toml_value_t *value, bool *out)
{
    int rc = expect_type(value, ACTR_TOML_BOOL);
    if (rc == 0 && out)
        *out = value->as.boolean;
    return rc;
}

int actr_toml_as_datetime(const actr_toml_value_t *value, actr_toml_datetime_t *out)
{
    if (!value)
        return ACTR_ENOTFOUND;
    switch (value->type) {
    case ACTR_TOML_DATETIME:
    case ACTR_TOML_DATETIME_LOCAL:
    case ACTR_TOML_DATE_LOCAL:
    case ACTR_TOML_TIME_LOCAL:
        if (out)
            *out = value->as.datetime;
        return 0;
    default:
        return ACTR_EINVAL;
    }
}
