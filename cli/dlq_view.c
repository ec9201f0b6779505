/*
 * dlq_view.c - how `actr dlq` shows records (dlq.c): a record as JSON, that JSON as aligned
 * text, the raw bytes as a hex dump and list's table. Stored strings come from remote peers, so
 * the text views escape control characters instead of passing them to the terminal.
 */
#include "dlq_view.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/types.h"
#include "base/clock.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "package.pb-c.h"

/* list cuts the error column to this many characters (show prints it whole). */
#define ERROR_COLUMN_CHARS 40
/* Width of the key column of the text views. */
#define KEY_WIDTH 22

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("actr: out of memory\n", stderr);
        exit(CLI_EXIT_IO);
    }
    return p;
}


/* Display columns one byte takes: 4 for an escaped control byte, 0 for a UTF-8 continuation. */
static size_t clean_width(unsigned char c)
{
    if (c < 0x20 || c == 0x7f)
        return 4;
    return (c & 0xC0) == 0x80 ? 0 : 1;
}

/*
 * Writes s to f (only measures it when f is NULL) with control characters escaped as \xNN, cut
 * to max_chars characters with "..." when longer (0 = no limit). Returns the characters written.
 */
static size_t put_clean(FILE *f, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t total = 0;
    for (size_t i = 0; p[i]; i++)
        total += clean_width(p[i]);
    bool cut = max_chars > 3 && total > max_chars;
    size_t budget = cut ? max_chars - 3 : total;
    size_t used = 0;
    for (size_t i = 0; p[i]; i++) {
        size_t w = clean_width(p[i]);
        if (used + w > budget)
            break;
        if (f && w == 4)
            fprintf(f, "\\x%02x", p[i]);
        else if (f)
            fputc(p[i], f);
        used += w;
    }
    if (cut && f)
        fputs("...", f);
    return cut ? used + 3 : used;
}

/* RFC 3339 UTC with milliseconds, or "-" for 0 (never). */
static const char *time_text(int64_t ms, char out[ACTR_RFC3339_MS_LEN + 1])
{
    if (ms == 0 || actr_rfc3339_format_ms(ms, out) != 0)
        return "-";
    return out;
}

static char *hex_of(const actr_buf_t *bytes)
{
    char *hex = xmalloc(2 * bytes->len + 1);
    actr_hex_encode(bytes->data, bytes->len, hex);
    return hex;
}

/* ---- ActrId and RpcEnvelope ---- */

/* The canonical protobuf encoding of id (what the runtime stores as from/to); free() *out. */
int cli_dlq_encode_id(actr_id_t *id, uint8_t **out, size_t *len, actr_error_t *err)
{
    Actr__Realm realm = ACTR__REALM__INIT;
    Actr__ActrType type = ACTR__ACTR_TYPE__INIT;
    Actr__ActrId pb = ACTR__ACTR_ID__INIT;
    realm.realm_id = id->realm.realm_id;
    type.manufacturer = id->type.manufacturer;
    type.name = id->type.name;
    type.version = id->type.version;
    pb.realm = &realm;
    pb.serial_number = id->serial_number;
    pb.type = &type;
    return actr_pb_encode(&pb.base, out, len, err);
}

/* Stored ActrId bytes as "serial@realm/mfr:name:version"; false when they are not one. */
static bool actr_id_text(const actr_buf_t *bytes, char out[ACTR_ID_STR_SIZE])
{
    ProtobufCMessage *m = NULL;
    if (bytes->len == 0 ||
        actr_pb_decode(&actr__actr_id__descriptor, bytes->data, bytes->len, &m, NULL) != 0)
        return false;
    const Actr__ActrId *pb = (const Actr__ActrId *)m;
    actr_id_t id = {.serial_number = pb->serial_number};
    bool ok = pb->realm && pb->type && pb->type->manufacturer && pb->type->name &&
              pb->type->version &&
              actr_type_set(&id.type, pb->type->manufacturer, pb->type->name, pb->type->version,
                            NULL) == 0;
    if (ok) {
        id.realm.realm_id = pb->realm->realm_id;
        ok = actr_id_format(&id, out, ACTR_ID_STR_SIZE, NULL) == 0;
    }
    actr_pb_free(m);
    return ok;
}

static const char *direction_name(Actr__Direction d)
{
    switch (d) {
    case ACTR__DIRECTION__DIRECTION_REQUEST: return "REQUEST";
    case ACTR__DIRECTION__DIRECTION_RESPONSE: return "RESPONSE";
    case ACTR__DIRECTION__DIRECTION_TELL: return "TELL";
    case ACTR__DIRECTION__DIRECTION_UNSPECIFIED: return "UNSPECIFIED";
    default: return "UNKNOWN";
    }
}

/* "envelope": the raw bytes read as an RpcEnvelope, or null plus "envelope_error". */
static void add_envelope(cJSON *o, const actr_buf_t *raw)
{
    ProtobufCMessage *m = NULL;
    actr_error_t err = {0};
    int rc = raw->len ? actr_pb_decode(&actr__rpc_envelope__descriptor, raw->data, raw->len, &m,
                                       &err)
                      : ACTR_EPARSE;
    if (rc != 0) {
        cJSON_AddNullToObject(o, "envelope");
        cli_json_add_string(o, "envelope_error",
                            raw->len ? cli_error_text(rc, &err) : "there are no raw bytes");
        return;
    }
    const Actr__RpcEnvelope *env = (const Actr__RpcEnvelope *)m;
    cJSON *e = cJSON_AddObjectToObject(o, "envelope");
    cli_json_add_string(e, "route_key", env->route_key);
    cli_json_add_string(e, "request_id", env->request_id);
    cli_json_add_string(e, "direction", env->has_direction ? direction_name(env->direction) : NULL);
    cJSON_AddNumberToObject(e, "timeout_ms", (double)env->timeout_ms);
    if (env->has_payload)
        cJSON_AddNumberToObject(e, "payload_len", (double)env->payload.len);
    else
        cJSON_AddNullToObject(e, "payload_len");
    cli_json_add_string(e, "traceparent", env->traceparent);
    if (env->error) {
        cJSON *x = cJSON_AddObjectToObject(e, "error");
        cJSON_AddNumberToObject(x, "code", env->error->code);
        cli_json_add_string(x, "message", env->error->message);
    }
    cJSON_AddNumberToObject(e, "metadata_entries", (double)env->n_metadata);
    actr_pb_free(m);
}

/* ---- records as JSON ---- */

void cli_dlq_add_time(cJSON *o, const char *key, int64_t ms)
{
    char text[ACTR_RFC3339_MS_LEN + 1];
    const char *t = time_text(ms, text);
    cli_json_add_string(o, key, t == text ? text : NULL);
}

/* key: the decoded ActrId (null when absent or undecodable); key_hex: its bytes (null if none). */
static void add_actr_id(cJSON *o, const char *key, const actr_buf_t *bytes)
{
    char text[ACTR_ID_STR_SIZE];
    cli_json_add_string(o, key, actr_id_text(bytes, text) ? text : NULL);
    char *hex_key = cli_xprintf("%s_hex", key);
    char *hex = bytes->len ? hex_of(bytes) : NULL;
    cli_json_add_string(o, hex_key, hex);
    free(hex);
    free(hex_key);
}

/* Every field of r; with dump_max > 0 also the raw bytes (up to dump_max) and the envelope. */
cJSON *cli_dlq_record_json(const actr_dlq_record_t *r, size_t dump_max)
{
    cJSON *o = cJSON_CreateObject();
    cli_json_add_string(o, "id", r->id);
    cli_dlq_add_time(o, "created_at", r->created_at_ms);
    cli_json_add_string(o, "category", r->error_category);
    cli_json_add_string(o, "error", r->error_message);
    cli_json_add_string(o, "trace_id", r->trace_id);
    cli_json_add_string(o, "request_id", r->request_id);
    cli_json_add_string(o, "original_message_id", r->original_message_id);
    add_actr_id(o, "from", &r->from);
    add_actr_id(o, "to", &r->to);
    cJSON_AddNumberToObject(o, "redrive_attempts", r->redrive_attempts);
    cli_dlq_add_time(o, "last_redrive_at", r->last_redrive_at_ms);
    cli_json_add_string(o, "context", r->context);
    cJSON_AddNumberToObject(o, "raw_len", (double)r->raw.len);
    if (dump_max == 0)
        return o;
    actr_buf_t shown = r->raw;
    if (shown.len > dump_max)
        shown.len = dump_max;
    char *hex = hex_of(&shown);
    cli_json_add_string(o, "raw_hex", hex);
    free(hex);
    cJSON_AddBoolToObject(o, "raw_truncated", shown.len < r->raw.len);
    add_envelope(o, &r->raw);
    return o;
}

/* ---- text views ---- */

/* Keys of show's JSON that the text view replaces with a hex dump. */
static bool dumped_key(const char *key)
{
    return !strcmp(key, "raw_hex") || !strcmp(key, "raw_truncated");
}

/* One "key   value" line per member, nested objects indented under their key. */
void cli_dlq_print_json_text(const cJSON *o, int indent)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, o)
    {
        if (indent == 0 && dumped_key(item->string))
            continue;
        printf("%*s", indent, "");
        size_t w = put_clean(stdout, item->string, 0) + (size_t)indent;
        if (cJSON_IsObject(item)) {
            putchar('\n');
            cli_dlq_print_json_text(item, indent + 2);
            continue;
        }
        printf("%*s", w < KEY_WIDTH ? (int)(KEY_WIDTH - w) : 1, "");
        if (cJSON_IsString(item))
            put_clean(stdout, item->valuestring, 0);
        else if (cJSON_IsNumber(item))
            printf("%.0f", item->valuedouble);
        else if (cJSON_IsBool(item))
            fputs(cJSON_IsTrue(item) ? "yes" : "no", stdout);
        else
            putchar('-');
        putchar('\n');
    }
}

/* Offset, 16 bytes in hex, the same as ASCII: the first max bytes of raw. */
void cli_dlq_hex_dump(const actr_buf_t *raw, size_t max)
{
    size_t n = raw->len < max ? raw->len : max;
    if (n < raw->len)
        printf("raw bytes (first %zu of %zu; --max-bytes N shows more)\n", n, raw->len);
    else
        printf("raw bytes (%zu)\n", raw->len);
    for (size_t off = 0; off < n; off += 16) {
        printf("  %08zx ", off);
        for (size_t i = 0; i < 16; i++) {
            if (i == 8)
                putchar(' ');
            if (off + i < n)
                printf(" %02x", raw->data[off + i]);
            else
                fputs("   ", stdout);
        }
        fputs("  |", stdout);
        for (size_t i = 0; i < 16 && off + i < n; i++) {
            uint8_t c = raw->data[off + i];
            putchar(c >= 0x20 && c < 0x7f ? c : '.');
        }
        puts("|");
    }
}

enum { COL_ID, COL_CREATED, COL_CATEGORY, COL_ERROR, COL_FROM, COL_REQUEST, COL_REDRIVES, NCOLS };

static const char *const col_names[NCOLS] = {"ID",   "CREATED_AT", "CATEGORY", "ERROR",
                                             "FROM", "REQUEST_ID", "REDRIVES"};

/* Room for the cells that are formatted rather than stored. */
typedef struct cell_buf {
    char time[ACTR_RFC3339_MS_LEN + 1];
    char from[ACTR_ID_STR_SIZE];
    char num[24];
} cell_buf_t;

static const char *or_dash(const char *s)
{
    return s && s[0] ? s : "-";
}

/* The text of one cell of list's table (pointing into r or buf). */
static const char *cell_text(const actr_dlq_record_t *r, int col, cell_buf_t *buf)
{
    switch (col) {
    case COL_ID: return r->id;
    case COL_CREATED: return time_text(r->created_at_ms, buf->time);
    case COL_CATEGORY: return or_dash(r->error_category);
    case COL_ERROR: return or_dash(r->error_message);
    case COL_FROM:
        if (r->from.len == 0)
            return "-";
        if (!actr_id_text(&r->from, buf->from))
            snprintf(buf->from, sizeof buf->from, "(%zu bytes)", r->from.len);
        return buf->from;
    case COL_REQUEST: return or_dash(r->request_id);
    default:
        snprintf(buf->num, sizeof buf->num, "%" PRIu32, r->redrive_attempts);
        return buf->num;
    }
}

static size_t cell_max(int col)
{
    return col == COL_ERROR ? ERROR_COLUMN_CHARS : 0;
}

/* One line of the table: the header when r is NULL. */
static void print_row(const actr_dlq_record_t *r, const size_t width[NCOLS])
{
    cell_buf_t buf;
    for (int c = 0; c < NCOLS; c++) {
        size_t w = put_clean(stdout, r ? cell_text(r, c, &buf) : col_names[c], cell_max(c));
        if (c + 1 < NCOLS)
            printf("%*s", (int)(width[c] - w + 2), "");
    }
    putchar('\n');
}

void cli_dlq_print_table(const actr_dlq_record_t *items, size_t n)
{
    size_t width[NCOLS];
    cell_buf_t buf;
    for (int c = 0; c < NCOLS; c++) {
        width[c] = strlen(col_names[c]);
        for (size_t i = 0; i < n; i++) {
            size_t w = put_clean(NULL, cell_text(&items[i], c, &buf), cell_max(c));
            if (w > width[c])
                width[c] = w;
        }
    }
    print_row(NULL, width);
    for (size_t i = 0; i < n; i++)
        print_row(&items[i], width);
}
