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
 * outputs cannot drift apart; the views themselves (JSON, text, hex dump, table) are in
 * dlq_view.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "actr.pb-c.h"
#include "actr/dlq.h"
#include "actr/mailbox.h"
#include "actr/types.h"
#include "base/clock.h"
#include "codec/pb.h"
#include "dlq.h"
#include "dlq_view.h"
#include "package.pb-c.h"

/* list shows this many records unless --limit says otherwise. */
#define DEFAULT_LIMIT 100
/* show dumps this many raw bytes unless --max-bytes says otherwise. */
#define DEFAULT_DUMP_BYTES 256

/* ---- small helpers ---- */

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
        if ((rc = cli_dlq_encode_id(&id, from_pb, &q->from_len, &err)) != 0)
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
            cJSON_AddItemToArray(records, cli_dlq_record_json(&list.items[i], 0));
        cJSON_AddBoolToObject(o, "truncated", more);
        cli_json_print(o);
    } else if (n == 0) {
        printf("no %srecords in %s\n", has_filter(args) ? "matching " : "", path);
    } else {
        cli_dlq_print_table(list.items, n);
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
    cJSON *o = cli_dlq_record_json(&rec, cap);
    if (cli_flag(args, "json")) {
        cli_json_print(o);
    } else {
        cli_dlq_print_json_text(o, 0);
        cli_dlq_hex_dump(&rec.raw, cap);
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
    cli_dlq_add_time(o, "oldest_at", st.oldest_at_ms);
    cJSON *cats = cJSON_AddObjectToObject(o, "by_category");
    for (size_t i = 0; i < st.ncategories; i++)
        cJSON_AddNumberToObject(cats, st.by_category[i].category,
                                (double)st.by_category[i].count);
    actr_dlq_stats_clear(&st);
    if (cli_flag(args, "json")) {
        cli_json_print(o);
    } else {
        cli_dlq_print_json_text(o, 0);
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
