/*
 * script.c - executes the commands of one wast2json script (see script.h): module, register,
 * action, assert_return, assert_trap, assert_exhaustion, assert_invalid, assert_malformed,
 * assert_unlinkable and assert_uninstantiable. Only the kind of a failure is checked, never
 * its message text (engines word their messages differently; the spec allows it).
 */
#include "script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "engine/wasm/wasm.h"
#include "spectest.h"
#include "value.h"

#define SPEC_MAX_FILE_BYTES (256u << 20)  /* a JSON script or one .wasm module */
#define SPEC_MAX_VALUES 1024u             /* arguments or results of one call */
#define SPEC_DESC_MAX 1024

typedef struct named_instance {
    char *name;
    wasm_instance_t *instance;
} named_instance_t;

typedef struct instance_list {
    named_instance_t *items;
    size_t count, cap;
} instance_list_t;

typedef struct spec_run {
    const spec_options_t *opts;
    FILE *out;
    char dir[4096];          /* folder of the .json, where its .wasm files are */
    const char *source;      /* the .wast name, for file:line */
    wasm_store_t *store;
    spectest_t spectest;
    wasm_module_t **modules; /* every decoded module, freed after the store */
    size_t module_count, module_cap;
    instance_list_t named;      /* "$name" -> instance */
    instance_list_t registered; /* "as" name -> instance */
    wasm_instance_t *current;
    spec_counts_t *counts;
    int line;
    const char *command;
} spec_run_t;

/* ---- small helpers ---------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void arm_deadline(spec_run_t *run)
{
    uint64_t t = run->opts->timeout_ns;
    wasm_store_set_deadline(run->store, t ? now_ns() + t : 0);
}

static void pass(spec_run_t *run)
{
    run->counts->passed++;
}

static void skip(spec_run_t *run)
{
    run->counts->skipped++;
}

/* One failure line: "file.wast:LINE: command: detail". */
static void fail(spec_run_t *run, const char *detail)
{
    run->counts->failed++;
    fprintf(run->out, "%s:%d: %s: %s\n", run->source, run->line, run->command, detail);
}

static void describe_error(wasm_result_t r, const wasm_error_t *err, char *buf, size_t len)
{
    if (r == WASM_OK)
        snprintf(buf, len, "ok");
    else
        snprintf(buf, len, "%s (%s)", wasm_result_name(r), err->message[0] ? err->message : "-");
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = ncap <= SPEC_MAX_FILE_BYTES + 1 ? realloc(buf, ncap + 1) : NULL;
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[used] = 0; /* the JSON text needs a terminator */
    *len = used;
    return buf;
}

static int list_add(instance_list_t *list, const char *name, wasm_instance_t *inst)
{
    if (list->count == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 16;
        named_instance_t *n = realloc(list->items, ncap * sizeof *n);
        if (!n)
            return -1;
        list->items = n;
        list->cap = ncap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    list->items[list->count++] = (named_instance_t){copy, inst};
    return 0;
}

/* The latest binding of a name wins (scripts may rebind "$M" and re-register "M"). */
static wasm_instance_t *list_find(const instance_list_t *list, const char *name)
{
    for (size_t i = list->count; i-- > 0;) {
        if (strcmp(list->items[i].name, name) == 0)
            return list->items[i].instance;
    }
    return NULL;
}

static void list_free(instance_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].name);
    free(list->items);
}

static int keep_module(spec_run_t *run, wasm_module_t *m)
{
    if (run->module_count == run->module_cap) {
        size_t ncap = run->module_cap ? run->module_cap * 2 : 64;
        wasm_module_t **n = realloc(run->modules, ncap * sizeof *n);
        if (!n)
            return -1;
        run->modules = n;
        run->module_cap = ncap;
    }
    run->modules[run->module_count++] = m;
    return 0;
}

/* ---- modules ---------------------------------------------------------------------------- */

static wasm_result_t resolve_import(void *user, const wasm_import_desc_t *import,
                                    wasm_extern_t *out)
{
    spec_run_t *run = user;
    wasm_instance_t *inst = list_find(&run->registered, import->module);
    if (inst)
        return wasm_instance_export(inst, import->name, out) == WASM_OK ? WASM_OK
                                                                        : WASM_ERR_LINK;
    if (strcmp(import->module, "spectest") == 0)
        return spectest_lookup(&run->spectest, import->name, out);
    return WASM_ERR_LINK;
}

/* Reads and decodes the command's module file. Returns the engine's result; *out is kept by
 * the run on success. A missing file is reported as a failure of the command (-1 in *io). */
static wasm_result_t load_module(spec_run_t *run, const cJSON *cmd, wasm_module_t **out,
                                 wasm_error_t *err, bool *io_failed)
{
    *out = NULL;
    *io_failed = false;
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "filename"));
    char path[8192];
    size_t len = 0;
    uint8_t *bytes = NULL;
    if (file) {
        snprintf(path, sizeof path, "%s/%s", run->dir, file);
        bytes = read_file(path, &len);
    }
    if (!bytes) {
        char d[SPEC_DESC_MAX];
        snprintf(d, sizeof d, "cannot read module file '%s'", file ? file : "(none)");
        fail(run, d);
        *io_failed = true;
        return WASM_ERR_ARG;
    }
    memset(err, 0, sizeof *err);
    wasm_result_t r = wasm_module_new(bytes, len, out, err);
    free(bytes);
    if (r == WASM_OK && keep_module(run, *out) != 0) {
        wasm_module_free(*out);
        *out = NULL;
        snprintf(err->message, sizeof err->message, "out of memory");
        return WASM_ERR_NOMEM;
    }
    return r;
}

static wasm_result_t instantiate(spec_run_t *run, const wasm_module_t *m, wasm_instance_t **out,
                                 wasm_error_t *err)
{
    memset(err, 0, sizeof *err);
    arm_deadline(run);
    return wasm_instantiate(run->store, m, resolve_import, run, out, err);
}

static void cmd_module(spec_run_t *run, const cJSON *cmd)
{
    wasm_module_t *m;
    wasm_error_t err;
    bool io_failed;
    char got[SPEC_DESC_MAX], d[2 * SPEC_DESC_MAX];
    run->current = NULL; /* a module that fails leaves no current module behind */
    wasm_result_t r = load_module(run, cmd, &m, &err, &io_failed);
    if (io_failed)
        return;
    wasm_instance_t *inst = NULL;
    if (r == WASM_OK)
        r = instantiate(run, m, &inst, &err);
    if (r != WASM_OK) {
        describe_error(r, &err, got, sizeof got);
        snprintf(d, sizeof d, "expected the module to load, got %s", got);
        fail(run, d);
        return;
    }
    run->current = inst;
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "name"));
    if (name && list_add(&run->named, name, inst) != 0) {
        fail(run, "out of memory");
        return;
    }
    pass(run);
}

/* assert_malformed / assert_invalid / assert_unlinkable / assert_uninstantiable and
 * assert_trap on a module: the module must fail at the expected stage with the expected kind. */
static void cmd_module_failure(spec_run_t *run, const cJSON *cmd, wasm_result_t want)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "module_type"));
    if (type && strcmp(type, "binary") != 0) {
        skip(run); /* a text module tests the text format, which the engine does not read */
        return;
    }
    wasm_module_t *m;
    wasm_error_t err;
    bool io_failed;
    wasm_result_t r = load_module(run, cmd, &m, &err, &io_failed);
    if (io_failed)
        return;
    bool decode_stage = want == WASM_ERR_MALFORMED || want == WASM_ERR_INVALID;
    if (r == WASM_OK && !decode_stage) {
        wasm_instance_t *inst = NULL;
        r = instantiate(run, m, &inst, &err);
    }
    if (r == want) {
        pass(run);
        return;
    }
    char got[SPEC_DESC_MAX], d[3 * SPEC_DESC_MAX];
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "text"));
    describe_error(r, &err, got, sizeof got);
    snprintf(d, sizeof d, "expected %s (\"%s\"), got %s", wasm_result_name(want),
             text ? text : "", got);
    fail(run, d);
}

static void cmd_register(spec_run_t *run, const cJSON *cmd)
{
    const char *as = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "as"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "name"));
    wasm_instance_t *inst = name ? list_find(&run->named, name) : run->current;
    if (!as || !inst) {
        fail(run, name ? "unknown module name" : "no module to register");
        return;
    }
    if (list_add(&run->registered, as, inst) != 0) {
        fail(run, "out of memory");
        return;
    }
    pass(run);
}

/* ---- actions ---------------------------------------------------------------------------- */

typedef struct action_result {
    wasm_result_t result;
    wasm_error_t err;
    wasm_value_t *values;
    size_t count;
    char desc[SPEC_DESC_MAX]; /* "field(args)" for failure lines */
} action_result_t;

static void describe_call(const char *field, const wasm_value_t *args, size_t n, char *buf,
                          size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s(", field);
    for (size_t i = 0; i < n && used + 1 < len; i++) {
        char v[96];
        spec_value_format(&args[i], v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", v);
    }
    if (used + 1 < len)
        snprintf(buf + used, len - used, ")");
}

/* Performs an invoke or get. Returns 0 when the action ran (its outcome, trap included, is in
 * *res), -1 when the command is unusable (already reported as a failure). */
static int run_action(spec_run_t *run, const cJSON *action, action_result_t *res)
{
    memset(res, 0, sizeof *res);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(action, "type"));
    const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(action, "field"));
    const char *mod = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(action, "module"));
    wasm_instance_t *inst = mod ? list_find(&run->named, mod) : run->current;
    char d[SPEC_DESC_MAX + 64];
    if (!type || !field) {
        fail(run, "action without type or field");
        return -1;
    }
    snprintf(res->desc, sizeof res->desc, "%s", field);
    if (!inst) {
        snprintf(d, sizeof d, "%s: no module%s%s", field, mod ? " named " : "", mod ? mod : "");
        fail(run, d);
        return -1;
    }
    wasm_extern_t ext;
    if (wasm_instance_export(inst, field, &ext) != WASM_OK) {
        snprintf(d, sizeof d, "unknown export '%s'", field);
        fail(run, d);
        return -1;
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WASM_EXTERN_GLOBAL) {
            snprintf(d, sizeof d, "export '%s' is not a global", field);
            fail(run, d);
            return -1;
        }
        res->values = calloc(1, sizeof *res->values);
        if (!res->values) {
            fail(run, "out of memory");
            return -1;
        }
        res->values[0] = wasm_global_get(ext);
        res->count = 1;
        return 0;
    }
    if (strcmp(type, "invoke") != 0 || ext.kind != WASM_EXTERN_FUNC) {
        snprintf(d, sizeof d, "cannot %s export '%s'", type, field);
        fail(run, d);
        return -1;
    }
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(action, "args");
    size_t argc = cJSON_IsArray(args) ? (size_t)cJSON_GetArraySize(args) : 0;
    wasm_functype_t ft;
    wasm_func_type(ext, &ft);
    if (argc > SPEC_MAX_VALUES || ft.result_count > SPEC_MAX_VALUES) {
        fail(run, "too many values");
        return -1;
    }
    wasm_value_t *argv = calloc(argc ? argc : 1, sizeof *argv);
    res->values = calloc(ft.result_count ? ft.result_count : 1, sizeof *res->values);
    if (!argv || !res->values) {
        free(argv);
        fail(run, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < argc; i++) {
        char why[256];
        if (spec_value_parse(cJSON_GetArrayItem(args, (int)i), &argv[i], why, sizeof why) != 0) {
            snprintf(d, sizeof d, "%s: argument %zu: %s", field, i, why);
            fail(run, d);
            free(argv);
            return -1;
        }
    }
    describe_call(field, argv, argc, res->desc, sizeof res->desc);
    res->count = ft.result_count;
    arm_deadline(run);
    res->result = wasm_func_call(run->store, ext, argv, argc, res->values, res->count, &res->err);
    free(argv);
    return 0;
}

static void cmd_action(spec_run_t *run, const cJSON *cmd)
{
    action_result_t res;
    if (run_action(run, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &res) != 0)
        goto out;
    if (res.result != WASM_OK) {
        char got[SPEC_DESC_MAX], d[2 * SPEC_DESC_MAX + 32];
        describe_error(res.result, &res.err, got, sizeof got);
        snprintf(d, sizeof d, "%s: expected to run, got %s", res.desc, got);
        fail(run, d);
        goto out;
    }
    pass(run);
out:
    free(res.values);
}

/* Compares the results with the expected list; writes a failure description on mismatch. */
static bool results_match(const action_result_t *res, const cJSON *expected, char *d, size_t len)
{
    size_t n = cJSON_IsArray(expected) ? (size_t)cJSON_GetArraySize(expected) : 0;
    if (n != res->count) {
        snprintf(d, len, "%s: expected %zu results, the function returns %zu", res->desc, n,
                 res->count);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        spec_expect_t want;
        char why[256], w[160], g[160];
        if (spec_expect_parse(cJSON_GetArrayItem(expected, (int)i), &want, why, sizeof why)) {
            snprintf(d, len, "%s: expected value %zu: %s", res->desc, i, why);
            return false;
        }
        if (!spec_expect_match(&want, &res->values[i])) {
            spec_expect_format(&want, w, sizeof w);
            spec_value_format(&res->values[i], g, sizeof g);
            snprintf(d, len, "%s: result %zu: expected %s, got %s", res->desc, i, w, g);
            return false;
        }
    }
    return true;
}

static void cmd_assert_return(spec_run_t *run, const cJSON *cmd)
{
    action_result_t res;
    char d[3 * SPEC_DESC_MAX];
    if (run_action(run, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &res) != 0)
        goto out;
    if (res.result != WASM_OK) {
        char got[SPEC_DESC_MAX];
        describe_error(res.result, &res.err, got, sizeof got);
        snprintf(d, sizeof d, "%s: expected a return, got %s", res.desc, got);
        fail(run, d);
        goto out;
    }
    if (!results_match(&res, cJSON_GetObjectItemCaseSensitive(cmd, "expected"), d, sizeof d)) {
        fail(run, d);
        goto out;
    }
    pass(run);
out:
    free(res.values);
}

/* assert_trap / assert_exhaustion on an action: the call must fail with `want`. */
static void cmd_assert_action_fails(spec_run_t *run, const cJSON *cmd, wasm_result_t want)
{
    action_result_t res;
    if (run_action(run, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &res) != 0)
        goto out;
    if (res.result == want) {
        pass(run);
        goto out;
    }
    char got[SPEC_DESC_MAX], d[3 * SPEC_DESC_MAX];
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "text"));
    describe_error(res.result, &res.err, got, sizeof got);
    snprintf(d, sizeof d, "%s: expected %s (\"%s\"), got %s", res.desc, wasm_result_name(want),
             text ? text : "", got);
    fail(run, d);
out:
    free(res.values);
}

/* ---- the script ------------------------------------------------------------------------- */

static void run_command(spec_run_t *run, const cJSON *cmd)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "type"));
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(cmd, "line");
    run->line = cJSON_IsNumber(line) ? line->valueint : 0;
    run->command = type ? type : "(untyped)";
    if (run->opts->verbose)
        fprintf(run->out, "%s:%d: %s\n", run->source, run->line, run->command);
    if (!type)
        fail(run, "command without a type");
    else if (strcmp(type, "module") == 0)
        cmd_module(run, cmd);
    else if (strcmp(type, "register") == 0)
        cmd_register(run, cmd);
    else if (strcmp(type, "action") == 0)
        cmd_action(run, cmd);
    else if (strcmp(type, "assert_return") == 0)
        cmd_assert_return(run, cmd);
    else if (strcmp(type, "assert_trap") == 0) {
        if (cJSON_GetObjectItemCaseSensitive(cmd, "action"))
            cmd_assert_action_fails(run, cmd, WASM_ERR_TRAP);
        else
            cmd_module_failure(run, cmd, WASM_ERR_TRAP);
    } else if (strcmp(type, "assert_exhaustion") == 0)
        cmd_assert_action_fails(run, cmd, WASM_ERR_EXHAUSTED);
    else if (strcmp(type, "assert_invalid") == 0)
        cmd_module_failure(run, cmd, WASM_ERR_INVALID);
    else if (strcmp(type, "assert_malformed") == 0)
        cmd_module_failure(run, cmd, WASM_ERR_MALFORMED);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_module_failure(run, cmd, WASM_ERR_LINK);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_module_failure(run, cmd, WASM_ERR_TRAP);
    else
        fail(run, "unknown command type");
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void run_free(spec_run_t *run)
{
    if (run->store)
        wasm_store_free(run->store);
    for (size_t i = 0; i < run->module_count; i++)
        wasm_module_free(run->modules[i]);
    free(run->modules);
    list_free(&run->named);
    list_free(&run->registered);
}

int spec_run_file(const char *json_path, const spec_options_t *opts, spec_counts_t *counts)
{
    spec_run_t run;
    memset(&run, 0, sizeof run);
    run.opts = opts;
    run.out = opts->out ? opts->out : stdout;
    run.counts = counts;
    run.source = base_name(json_path);
    run.command = "script";
    const char *slash = strrchr(json_path, '/');
    if (slash)
        snprintf(run.dir, sizeof run.dir, "%.*s", (int)(slash - json_path), json_path);
    else
        snprintf(run.dir, sizeof run.dir, ".");

    size_t len = 0;
    char *text = read_file(json_path, &len);
    int read_errno = errno;
    bool readable = text != NULL;
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    const cJSON *commands = cJSON_GetObjectItemCaseSensitive(root, "commands");
    if (!cJSON_IsArray(commands)) {
        fail(&run, readable ? "not a wast2json command list" : strerror(read_errno));
        cJSON_Delete(root);
        return -1;
    }
    const char *src = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root,
                                                                             "source_filename"));
    if (src)
        run.source = base_name(src);

    wasm_error_t err;
    memset(&err, 0, sizeof err);
    int rc = 0;
    if (wasm_store_new(NULL, &run.store) != WASM_OK ||
        spectest_create(run.store, opts->verbose, &run.spectest, &err) != WASM_OK) {
        fail(&run, err.message[0] ? err.message : "cannot create a store");
        rc = -1;
    } else {
        const cJSON *cmd;
        cJSON_ArrayForEach(cmd, commands) run_command(&run, cmd);
    }
    run_free(&run);
    cJSON_Delete(root);
    return rc;
}
