/*
 * dlq.c - `actr dlq`: list, show, stats, delete and redrive the records of a node's dead-letter
 * queue (spec runtime.md §11.3, docs/MAILBOX.md), plus the reference's names replay (= redrive)
 * and purge (delete every record matching a filter).
 *
 * list, show, stats, delete and purge open `<mailbox>.dlq` directly: SQLite's locking lets them
 * run next to a live node. redrive has to open the mailbox itself to enqueue into it, and only
 * one process may hold a mailbox, so while the node runs it tells the operator to stop it.
 *
 * show and stats build one JSON object and print it either as JSON or as text, so the two
 * outputs cannot drift apart. Text output escapes control characters: the stored strings come
 * from remote peers and must not drive the operator's terminal.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/dlq.h"
#include "actr/mailbox.h"
#include "actr/types.h"
#include "base/clock.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "dlq.h"
#include "package.pb-c.h"

/* list shows this many records unless --limit says otherwise. */
#define DEFAULT_LIMIT 100
/* show dumps this many raw bytes unless --max-bytes says otherwise. */
#define DEFAULT_DUMP_BYTES 256
/* list cuts the error column to this many characters (show prints it whole). */
#define ERROR_COLUMN_CHARS 40
/* Width of the key column of the text views. */
#define KEY_WIDTH 22

/* ---- small helpers ---- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("actr: out of memory\n", stderr);
        exit(CLI_EXIT_IO);
    }
    return p;
}

static int fail(const cli_args_t *args, int rc, const actr_error_t *err)
{
    cli_error(args->cmd, "%s", cli_error_text(rc, err));
    return cli_exit_for(rc);
}

static int no_such_record(const cli_args_t *args, const char *id, const char *path)
{
    cli_error(args->cmd, "no record %s in %s", id, path);
    return CLI_EXIT_INVALID;
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
static int encode_actr_id(actr_id_t *id, uint8_t **out, size_t *len, actr_error_t *err)
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

static void add_time(cJSON *o, const char *key, int64_t ms)
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
static cJSON *record_json(const actr_dlq_record_t *r, size_t dump_max)
{
    cJSON *o = cJSON_CreateObject();
    cli_json_add_string(o, "id", r->id);
    add_time(o, "created_at", r->created_at_ms);
    cli_json_add_string(o, "category", r->error_category);
    cli_json_add_string(o, "error", r->error_message);
    cli_json_add_string(o, "trace_id", r->trace_id);
    cli_json_add_string(o, "request_id", r->request_id);
    cli_json_add_string(o, "original_message_id", r->original_message_id);
    add_actr_id(o, "from", &r->from);
    add_actr_id(o, "to", &r->to);
    cJSON_AddNumberToObject(o, "redrive_attempts", r->redrive_attempts);
    add_time(o, "last_redrive_at", r->last_redrive_at_ms);
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
static void print_json_text(const cJSON *o, int indent)
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
            print_json_text(item, indent + 2);
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
static void hex_dump(const actr_buf_t *raw, size_t max)
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

static void print_table(const actr_dlq_record_t *items, size_t n)
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

/* ---- arguments ---- */

/* The DLQ file: --dlq, or --mailbox plus ".dlq". Returns 0 or a usage exit code. */
static int dlq_path_arg(const cli_args_t *args, char path[PATH_MAX])
{
    const char *mailbox = cli_value(args, "mailbox");
    const char *dlq = cli_value(args, "dlq");
    if (mailbox && dlq)
        return cli_usage_error(args->cmd, "give --mailbox or --dlq, not both");
    if (!mailbox && !dlq)
        return cli_usage_error(args->cmd, "no queue given: use --mailbox PATH or --dlq PATH");
    int rc = dlq ? (snprintf(path, PATH_MAX, "%s", dlq) < PATH_MAX ? 0 : ACTR_ERANGE)
                 : actr_dlq_path_for_mailbox(mailbox, path, PATH_MAX);
    return rc == 0 ? 0 : cli_usage_error(args->cmd, "the path is too long");
}

/* Opens the DLQ named by the arguments. Returns 0 or an exit code after printing why. */
static int open_dlq(const cli_args_t *args, char path[PATH_MAX], actr_dlq_t **dlq)
{
    int rc = dlq_path_arg(args, path);
    if (rc != 0)
        return rc;
    /* actr_dlq_open() creates a missing file, or its table in any SQLite file: a mistyped
     * path must not leave an empty DLQ behind, nor add one to the mailbox itself. */
    if (!cli_path_exists(path)) {
        cli_error(args->cmd, "no dead-letter queue at %s", path);
        return CLI_EXIT_IO;
    }
    char beside[PATH_MAX];
    if (cli_value(args, "dlq") && actr_dlq_path_for_mailbox(path, beside, sizeof beside) == 0 &&
        cli_path_exists(beside))
        return cli_usage_error(args->cmd, "%s is a mailbox (%s exists): use --mailbox %s", path,
                               beside, path);
    actr_error_t err = {0};
    rc = actr_dlq_open(path, dlq, &err);
    return rc == 0 ? 0 : fail(args, rc, &err);
}

/* The one positional argument of show, delete and redrive. */
static int record_id_arg(const cli_args_t *args, const char **id)
{
    if (args->npositional != 1)
        return cli_usage_error(args->cmd, "no record id given");
    *id = args->positional[0];
    return 0;
}

/* A count for --limit: digits only, 0 allowed. */
static bool parse_count(const char *text, uint32_t max, uint32_t *out)
{
    uint64_t n = 0;
    if (!text[0])
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || (n = n * 10 + (uint64_t)(*p - '0')) > max)
            return false;
    }
    *out = (uint32_t)n;
    return true;
}

static bool has_filter(const cli_args_t *args)
{
    return cli_value(args, "category") || cli_value(args, "trace-id") || cli_value(args, "from") ||
           cli_value(args, "since");
}

/* The filters of list and purge. *from_pb (free() it) holds the encoded --from. */
static int filters_arg(const cli_args_t *args, actr_dlq_query_t *q, uint8_t **from_pb)
{
    *q = (actr_dlq_query_t){.category = cli_value(args, "category"),
                            .trace_id = cli_value(args, "trace-id")};
    *from_pb = NULL;
    const char *from = cli_value(args, "from");
    if (from) {
        actr_id_t id;
        actr_error_t err = {0};
        int rc = actr_id_parse(&id, from, strlen(from), &err);
        if (rc != 0)
            return cli_usage_error(args->cmd,
                                   "--from wants an ActrId like 2a@1/acme:echo:1.0.0: %s",
                                   cli_error_text(rc, &err));
        /* The store compares bytes: the runtime writes the same canonical encoding. */
        if ((rc = encode_actr_id(&id, from_pb, &q->from_len, &err)) != 0)
            return fail(args, rc, &err);
        q->from = *from_pb;
    }
    const char *since = cli_value(args, "since");
    if (since) {
        int64_t s;
        uint32_t ns;
        if (actr_rfc3339_parse(since, strlen(since), &s, &ns) != 0)
            return cli_usage_error(args->cmd,
                                   "--since wants an RFC 3339 time like 2026-01-31T12:00:00Z, "
                                   "got '%s'",
                                   since);
        /* The query is "strictly after"; one millisecond (the stored resolution) earlier makes
         * --since include its own instant. Before 1970 every record matches anyway. */
        int64_t ms = s * 1000 + ns / 1000000;
        q->created_after_ms = ms > 1 ? ms - 1 : 0;
    }
    return 0;
}

/* ---- list ---- */

static int run_list(const cli_args_t *args)
{
    actr_dlq_query_t q;
    uint8_t *from_pb = NULL;
    uint32_t limit = DEFAULT_LIMIT;
    const char *limit_text = cli_value(args, "limit");
    char path[PATH_MAX];
    actr_dlq_t *dlq = NULL;
    int rc = filters_arg(args, &q, &from_pb);
    if (rc == 0 && limit_text && !parse_count(limit_text, UINT32_MAX - 1, &limit))
        rc = cli_usage_error(args->cmd, "--limit wants a count (0 for all), got '%s'",
                             limit_text);
    if (rc == 0)
        rc = open_dlq(args, path, &dlq);
    if (rc != 0) {
        free(from_pb);
        return rc;
    }
    q.limit = limit ? limit + 1 : 0; /* one more than shown tells whether there are more */
    actr_dlq_list_t list = {0};
    actr_error_t err = {0};
    rc = actr_dlq_query(dlq, &q, &list, &err);
    actr_dlq_close(dlq);
    free(from_pb);
    if (rc != 0)
        return fail(args, rc, &err);
    bool more = limit && list.count > limit;
    size_t n = more ? limit : list.count;
    if (cli_flag(args, "json")) {
        cJSON *o = cJSON_CreateObject();
        cli_json_add_string(o, "dlq", path);
        cJSON *records = cJSON_AddArrayToObject(o, "records");
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(records, record_json(&list.items[i], 0));
        cJSON_AddBoolToObject(o, "truncated", more);
        cli_json_print(o);
    } else if (n == 0) {
        printf("no %srecords in %s\n", has_filter(args) ? "matching " : "", path);
    } else {
        print_table(list.items, n);
        if (more)
            fprintf(stderr, "(the newest %zu are shown; --limit N shows more, --limit 0 all)\n",
                    n);
    }
    actr_dlq_list_free(&list);
    return CLI_EXIT_OK;
}

/* ---- show ---- */

static int run_show(const cli_args_t *args)
{
    const char *id = NULL;
    uint64_t dump_max = DEFAULT_DUMP_BYTES;
    const char *max_text = cli_value(args, "max-bytes");
    char path[PATH_MAX];
    actr_dlq_t *dlq = NULL;
    int rc = record_id_arg(args, &id);
    if (rc == 0 && max_text && !cli_parse_size(max_text, &dump_max))
        rc = cli_usage_error(args->cmd, "--max-bytes wants a positive size like 4K, got '%s'",
                             max_text);
    if (rc == 0)
        rc = open_dlq(args, path, &dlq);
    if (rc != 0)
        return rc;
    actr_dlq_record_t rec;
    actr_error_t err = {0};
    rc = actr_dlq_get(dlq, id, &rec, &err);
    actr_dlq_close(dlq);
    if (rc == ACTR_ENOTFOUND)
        return no_such_record(args, id, path);
    if (rc != 0)
        return fail(args, rc, &err);
    size_t cap = dump_max < SIZE_MAX ? (size_t)dump_max : SIZE_MAX;
    cJSON *o = record_json(&rec, cap);
    if (cli_flag(args, "json")) {
        cli_json_print(o);
    } else {
        print_json_text(o, 0);
        hex_dump(&rec.raw, cap);
        cJSON_Delete(o);
    }
    actr_dlq_record_clear(&rec);
    return CLI_EXIT_OK;
}

/* ---- stats ---- */

static int run_stats(const cli_args_t *args)
{
    char path[PATH_MAX];
    actr_dlq_t *dlq = NULL;
    int rc = open_dlq(args, path, &dlq);
    if (rc != 0)
        return rc;
    actr_dlq_stats_t st = {0};
    actr_error_t err = {0};
    rc = actr_dlq_stats(dlq, &st, &err);
    actr_dlq_close(dlq);
    if (rc != 0)
        return fail(args, rc, &err);
    cJSON *o = cJSON_CreateObject();
    cli_json_add_string(o, "dlq", path);
    cJSON_AddNumberToObject(o, "total", (double)st.total);
    cJSON_AddNumberToObject(o, "with_redrive_attempts", (double)st.with_redrive_attempts);
    add_time(o, "oldest_at", st.oldest_at_ms);
    cJSON *cats = cJSON_AddObjectToObject(o, "by_category");
    for (size_t i = 0; i < st.ncategories; i++)
        cJSON_AddNumberToObject(cats, st.by_category[i].category,
                                (double)st.by_category[i].count);
    actr_dlq_stats_clear(&st);
    if (cli_flag(args, "json")) {
        cli_json_print(o);
    } else {
        print_json_text(o, 0);
        cJSON_Delete(o);
    }
    return CLI_EXIT_OK;
}

/* ---- delete and purge ---- */

static int run_delete(const cli_args_t *args)
{
    const char *id = NULL;
    char path[PATH_MAX];
    actr_dlq_t *dlq = NULL;
    int rc = record_id_arg(args, &id);
    if (rc == 0)
        rc = open_dlq(args, path, &dlq);
    if (rc != 0)
        return rc;
    actr_error_t err = {0};
    rc = actr_dlq_delete(dlq, id, &err);
    actr_dlq_close(dlq);
    if (rc == ACTR_ENOTFOUND)
        return no_such_record(args, id, path);
    if (rc != 0)
        return fail(args, rc, &err);
    if (cli_flag(args, "json")) {
        cJSON *o = cJSON_CreateObject();
        cli_json_add_string(o, "id", id);
        cJSON_AddBoolToObject(o, "deleted", true);
        cli_json_print(o);
    } else {
        printf("deleted %s from %s\n", id, path);
    }
    return CLI_EXIT_OK;
}

static int run_purge(const cli_args_t *args)
{
    bool all = cli_flag(args, "all");
    if (all == has_filter(args))
        return cli_usage_error(args->cmd, all ? "--all takes no filters"
                                              : "give a filter (--category, --trace-id, --from, "
                                                "--since) or --all");
    actr_dlq_query_t q;
    uint8_t *from_pb = NULL;
    char path[PATH_MAX];
    actr_dlq_t *dlq = NULL;
    int rc = filters_arg(args, &q, &from_pb);
    if (rc == 0)
        rc = open_dlq(args, path, &dlq);
    if (rc != 0) {
        free(from_pb);
        return rc;
    }
    actr_dlq_list_t list = {0};
    actr_error_t err = {0};
    rc = actr_dlq_query(dlq, &q, &list, &err);
    free(from_pb);
    size_t deleted = 0;
    for (size_t i = 0; rc == 0 && i < list.count; i++) {
        rc = actr_dlq_delete(dlq, list.items[i].id, &err);
        if (rc == 0)
            deleted++;
        else if (rc == ACTR_ENOTFOUND) /* deleted meanwhile by someone else: just as good */
            rc = 0;
    }
    actr_dlq_list_free(&list);
    actr_dlq_close(dlq);
    if (rc != 0) {
        cli_error(args->cmd, "stopped after deleting %zu records: %s", deleted,
                  cli_error_text(rc, &err));
        return cli_exit_for(rc);
    }
    if (cli_flag(args, "json")) {
        cJSON *o = cJSON_CreateObject();
        cli_json_add_string(o, "dlq", path);
        cJSON_AddNumberToObject(o, "deleted", (double)deleted);
        cli_json_print(o);
    } else {
        printf("deleted %zu records from %s\n", deleted, path);
    }
    return CLI_EXIT_OK;
}

/* ---- redrive ---- */

/* Whether the record's raw bytes decode as an RpcEnvelope (the node re-dead-letters others). */
static int check_redrivable(const cli_args_t *args, actr_mailbox_t *mb, const char *id,
                            const char *dlq_path)
{
    actr_dlq_record_t rec;
    actr_error_t err = {0};
    int rc = actr_dlq_get(actr_mailbox_dlq(mb), id, &rec, &err);
    if (rc == ACTR_ENOTFOUND)
        return no_such_record(args, id, dlq_path);
    if (rc != 0)
        return fail(args, rc, &err);
    ProtobufCMessage *m = NULL;
    bool empty = rec.raw.len == 0;
    rc = empty ? ACTR_EPARSE
               : actr_pb_decode(&actr__rpc_envelope__descriptor, rec.raw.data, rec.raw.len, &m,
                                &err);
    actr_pb_free(m);
    actr_dlq_record_clear(&rec);
    if (rc == 0)
        return 0;
    cli_error(args->cmd,
              "record %s is not an RpcEnvelope (%s): the node would dead-letter it again; "
              "--force redrives it anyway",
              id, empty ? "no raw bytes" : cli_error_text(rc, &err));
    return CLI_EXIT_INVALID;
}

static int run_redrive(const cli_args_t *args)
{
    const char *id = NULL;
    const char *mailbox = cli_value(args, "mailbox");
    char dlq_path[PATH_MAX];
    int rc = record_id_arg(args, &id);
    if (rc != 0)
        return rc;
    if (!mailbox)
        return cli_usage_error(args->cmd,
                               "no mailbox given: redrive needs --mailbox PATH to enqueue into");
    if (actr_dlq_path_for_mailbox(mailbox, dlq_path, sizeof dlq_path) != 0)
        return cli_usage_error(args->cmd, "the path is too long");
    /* Opening a missing mailbox would create an empty one (and its DLQ): refuse instead. */
    const char *missing = !cli_path_exists(mailbox)    ? mailbox
                          : !cli_path_exists(dlq_path) ? dlq_path
                                                       : NULL;
    if (missing) {
        cli_error(args->cmd, "no %s at %s", missing == mailbox ? "mailbox" : "dead-letter queue",
                  missing);
        return CLI_EXIT_IO;
    }
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    rc = actr_mailbox_open(mailbox, NULL, &mb, &err);
    if (rc == ACTR_EUNAVAILABLE) {
        cli_error(args->cmd,
                  "mailbox %s is in use, most likely by a running node: stop the node, then "
                  "redrive again (list, show, stats and delete work while it runs)",
                  mailbox);
        return CLI_EXIT_IO;
    }
    if (rc != 0)
        return fail(args, rc, &err);
    actr_mailbox_id_t new_id;
    if (!cli_flag(args, "force") && (rc = check_redrivable(args, mb, id, dlq_path)) != 0) {
        actr_mailbox_close(mb);
        return rc;
    }
    rc = actr_mailbox_redrive(mb, id, &new_id, &err);
    actr_mailbox_close(mb);
    if (rc == ACTR_ENOTFOUND)
        return no_such_record(args, id, dlq_path);
    if (rc != 0)
        return fail(args, rc, &err);
    char new_text[ACTR_MAILBOX_ID_STR_LEN + 1];
    actr_mailbox_id_format(&new_id, new_text);
    if (cli_flag(args, "json")) {
        cJSON *o = cJSON_CreateObject();
        cli_json_add_string(o, "id", id);
        cli_json_add_string(o, "message_id", new_text);
        cli_json_add_string(o, "mailbox", mailbox);
        cli_json_print(o);
    } else {
        printf("redrove %s into %s as message %s\n", id, mailbox, new_text);
    }
    return CLI_EXIT_OK;
}

/* ---- command table ---- */

#define OPT_MAILBOX                                                                               \
    {"mailbox", 'm', NULL, CLI_OPT_VALUE, "PATH", "the node's mailbox file (its DLQ is PATH.dlq)"}
#define OPT_DLQ                                                                                   \
    {"dlq", 0, NULL, CLI_OPT_VALUE, "PATH", "the DLQ file itself, instead of --mailbox"}
#define OPT_JSON(what) {"json", 0, NULL, CLI_OPT_FLAG, NULL, "print " what " as one JSON object"}
#define OPT_FILTERS                                                                               \
    {"category", 0, NULL, CLI_OPT_VALUE, "C", "only records of this error category"},             \
        {"trace-id", 0, NULL, CLI_OPT_VALUE, "T", "only records with this trace id"},             \
        {"from", 0, NULL, CLI_OPT_VALUE, "ACTR_ID",                                               \
         "only records from this sender (serial@realm/mfr:name:version)"},                        \
        {"since", 0, NULL, CLI_OPT_VALUE, "RFC3339", "only records created at or after this time"}

#define QUEUE_NOTE                                                                                \
    "The DLQ is <mailbox>.dlq (--mailbox) or any file given with --dlq; this works while the\n"   \
    "node runs.\n"

static const cli_opt_t list_opts[] = {
    OPT_MAILBOX,
    OPT_DLQ,
    OPT_FILTERS,
    {"limit", 'n', NULL, CLI_OPT_VALUE, "N",
     "show at most N records, newest first (default 100; 0 = all)"},
    OPT_JSON("{\"records\": [...], \"truncated\"}"),
    {NULL},
};

static const cli_command_t list_cmd = {
    .name = "list",
    .path = "actr dlq list",
    .synopsis = "(--mailbox PATH | --dlq PATH) [--category C] [--trace-id T] [--from ACTR_ID] "
                "[--since RFC3339] [--limit N] [--json]",
    .summary = "list dead letters, newest first",
    .description = "Prints id, creation time (UTC), category, error, sender, request id and\n"
                   "redrive attempts of each record. Filters combine (all must match).\n" QUEUE_NOTE
                   "\nexit codes: 0 listed (also when none match), 2 usage error, 3 the DLQ cannot "
                   "be read\n",
    .opts = list_opts,
    .run = run_list,
};

static const cli_opt_t show_opts[] = {
    OPT_MAILBOX,
    OPT_DLQ,
    {"max-bytes", 0, NULL, CLI_OPT_VALUE, "N", "dump at most N raw bytes (default 256)"},
    OPT_JSON("every field, raw_hex and the decoded envelope"),
    {NULL},
};

static const cli_command_t show_cmd = {
    .name = "show",
    .path = "actr dlq show",
    .synopsis = "ID (--mailbox PATH | --dlq PATH) [--max-bytes N] [--json]",
    .summary = "show every field of one dead letter",
    .description = "Prints every field of the record, its sender and receiver ActrIds decoded,\n"
                   "its raw bytes as a hex dump and, when they decode as an RpcEnvelope, the\n"
                   "envelope's route key, request id and direction.\n" QUEUE_NOTE
                   "\nexit codes: 0 shown, 1 no such record, 2 usage error, 3 the DLQ cannot be "
                   "read\n",
    .opts = show_opts,
    .max_positional = 1,
    .run = run_show,
};

static const cli_opt_t stats_opts[] = {
    OPT_MAILBOX,
    OPT_DLQ,
    OPT_JSON("{\"total\", \"by_category\", ...}"),
    {NULL},
};

static const cli_command_t stats_cmd = {
    .name = "stats",
    .path = "actr dlq stats",
    .synopsis = "(--mailbox PATH | --dlq PATH) [--json]",
    .summary = "count dead letters: total, per category, redriven, oldest",
    .description = QUEUE_NOTE "\nexit codes: 0 printed, 2 usage error, 3 the DLQ cannot be read\n",
    .opts = stats_opts,
    .run = run_stats,
};

static const cli_opt_t delete_opts[] = {
    OPT_MAILBOX,
    OPT_DLQ,
    OPT_JSON("{\"id\", \"deleted\"}"),
    {NULL},
};

static const cli_command_t delete_cmd = {
    .name = "delete",
    .path = "actr dlq delete",
    .synopsis = "ID (--mailbox PATH | --dlq PATH) [--json]",
    .summary = "delete one dead letter for good",
    .description = QUEUE_NOTE "\nexit codes: 0 deleted, 1 no such record, 2 usage error, 3 the "
                              "DLQ cannot be written\n",
    .opts = delete_opts,
    .max_positional = 1,
    .run = run_delete,
};

static const cli_opt_t purge_opts[] = {
    OPT_MAILBOX,
    OPT_DLQ,
    OPT_FILTERS,
    {"all", 0, NULL, CLI_OPT_FLAG, NULL, "delete every record"},
    OPT_JSON("{\"deleted\": N}"),
    {NULL},
};

static const cli_command_t purge_cmd = {
    .name = "purge",
    .path = "actr dlq purge",
    .synopsis = "(--mailbox PATH | --dlq PATH) (--all | [--category C] [--trace-id T] "
                "[--from ACTR_ID] [--since RFC3339]) [--json]",
    .summary = "delete every dead letter matching the filters (or --all)",
    .description = "The reference's name. Records are deleted one by one: an interrupted purge\n"
                   "leaves the rest in place.\n" QUEUE_NOTE
                   "\nexit codes: 0 deleted (also none), 2 usage error, 3 the DLQ cannot be "
                   "written\n",
    .opts = purge_opts,
    .run = run_purge,
};

static const cli_opt_t redrive_opts[] = {
    {"mailbox", 'm', NULL, CLI_OPT_VALUE, "PATH", "the node's mailbox file (required)"},
    {"force", 'f', NULL, CLI_OPT_FLAG, NULL,
     "redrive even when the raw bytes are not an RpcEnvelope"},
    OPT_JSON("{\"id\", \"message_id\", \"mailbox\"}"),
    {NULL},
};

#define REDRIVE_DESCRIPTION                                                                       \
    "Moves the record back into the mailbox: its raw bytes are enqueued (same sender; HIGH\n"     \
    "priority when its context says so), then the record is deleted. Only one process may\n"      \
    "hold a mailbox, so stop the node first; it processes the message when it starts.\n"         \
    "A record whose bytes are not an RpcEnvelope is refused unless --force is given.\n"          \
    "\nexit codes: 0 redriven, 1 no such record or not an envelope, 2 usage error, 3 the\n"       \
    "mailbox is in use by a running node or cannot be opened\n"

static const cli_command_t redrive_cmd = {
    .name = "redrive",
    .path = "actr dlq redrive",
    .synopsis = "ID --mailbox PATH [--force] [--json]",
    .summary = "move a dead letter back into its mailbox (node stopped)",
    .description = REDRIVE_DESCRIPTION,
    .opts = redrive_opts,
    .max_positional = 1,
    .run = run_redrive,
};

static const cli_command_t replay_cmd = {
    .name = "replay",
    .path = "actr dlq replay",
    .synopsis = "ID --mailbox PATH [--force] [--json]",
    .summary = "the same as redrive (the reference's name)",
    .description = REDRIVE_DESCRIPTION,
    .opts = redrive_opts,
    .max_positional = 1,
    .run = run_redrive,
};

static const cli_command_t *const dlq_commands[] = {
    &list_cmd, &show_cmd, &stats_cmd, &redrive_cmd, &delete_cmd, &replay_cmd, &purge_cmd, NULL,
};

const cli_group_t cli_dlq_group = {
    .path = "actr dlq",
    .summary = "a node's dead-letter queue: list, show, stats, redrive, delete",
    .commands = dlq_commands,
};
