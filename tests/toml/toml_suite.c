/*
 * toml_suite.c - runs the toml-test suite (TOML 1.0.0 file list) against our parser.
 *
 *   toml_suite [--decoder PROGRAM] [TESTS_DIR]
 *
 * TESTS_DIR defaults to $ACTR_TESTDATA/toml-test/tests. Every listed valid/X.toml must parse and
 * equal valid/X.json (compared by value: numbers, date-times); every listed invalid/.../X.toml
 * must be rejected. Without --decoder the library is called directly; with it, PROGRAM is run as a
 * toml-test decoder (TOML on stdin, tagged JSON on stdout, exit 1 on errors) so the toml-decode
 * tool is checked end to end with the same comparison. Prints one line per failure and ends with
 * "N passed, M failed"; exits 1 if anything failed, 2 if the suite could not run.
 */
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "codec/toml.h"
#include "toml_tagged.h"

extern char **environ;

#ifndef TOML_SUITE_DEFAULT_TESTDATA
#define TOML_SUITE_DEFAULT_TESTDATA "../shared/testdata"
#endif

static char *read_stream(FILE *in, size_t *len)
{
    size_t cap = 4096, used = 0, n;
    char *data = malloc(cap + 1);
    while (data && (n = fread(data + used, 1, cap - used, in)) > 0) {
        used += n;
        if (used == cap) {
            char *bigger = realloc(data, cap * 2 + 1);
            if (!bigger) {
                free(data);
                return NULL;
            }
            data = bigger;
            cap *= 2;
        }
    }
    if (data)
        data[used] = '\0';
    *len = used;
    return data;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = read_stream(f, len);
    fclose(f);
    return data;
}

/* ---- comparing tagged JSON by value ---- */

typedef struct moment {
    int year, month, day, hour, minute, second, offset_minutes;
    long nanosecond;
} moment_t;

/* Reads an RFC 3339 style value of the given toml-test type; independent of the parser under
 * test on purpose. */
static bool parse_moment(const char *type, const char *s, moment_t *m)
{
    memset(m, 0, sizeof *m);
    int n = 0;
    bool has_date = strcmp(type, "time-local") != 0;
    bool has_time = strcmp(type, "date-local") != 0;
    if (has_date) {
        if (sscanf(s, "%4d-%2d-%2d%n", &m->year, &m->month, &m->day, &n) != 3)
            return false;
        s += n;
        if (has_time && *s != 'T' && *s != 't' && *s != ' ')
            return false;
        s += has_time;
    }
    if (has_time) {
        if (sscanf(s, "%2d:%2d:%2d%n", &m->hour, &m->minute, &m->second, &n) != 3)
            return false;
        s += n;
        if (*s == '.') {
            int digits = 0;
            for (s++; isdigit((unsigned char)*s); s++, digits++) {
                if (digits < 9)
                    m->nanosecond = m->nanosecond * 10 + (*s - '0');
            }
            for (; digits < 9; digits++)
                m->nanosecond *= 10;
        }
    }
    if (strcmp(type, "datetime") == 0) {
        int hours, minutes;
        char sign;
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (sscanf(s, "%c%2d:%2d%n", &sign, &hours, &minutes, &n) == 3 &&
                   (sign == '+' || sign == '-')) {
            m->offset_minutes = (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
            s += n;
        } else {
            return false;
        }
    }
    return *s == '\0';
}

/* Seconds since 0000-03-01 of the UTC instant (days from civil, H. Hinnant's algorithm). */
static long long moment_seconds(const moment_t *m)
{
    int y = m->year - (m->month <= 2);
    int era = y / 400;
    int yoe = y - era * 400;
    int mp = (m->month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + m->day - 1;
    long long days = (long long)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return days * 86400 + m->hour * 3600 + m->minute * 60 + m->second -
           m->offset_minutes * 60LL;
}

static bool values_equal(const char *type, const char *want, const char *got)
{
    if (strcmp(type, "string") == 0 || strcmp(type, "bool") == 0)
        return strcmp(want, got) == 0;
    if (strcmp(type, "integer") == 0) {
        char *want_end, *got_end;
        long long a = strtoll(want, &want_end, 10), b = strtoll(got, &got_end, 10);
        return *want_end == '\0' && *got_end == '\0' && a == b;
    }
    if (strcmp(type, "float") == 0) {
        char *want_end, *got_end;
        double a = strtod(want, &want_end), b = strtod(got, &got_end);
        if (*want_end != '\0' || *got_end != '\0')
            return false;
        if (isnan(a) || isnan(b))
            return isnan(a) && isnan(b);
        return a == b && signbit(a) == signbit(b);
    }
    moment_t a, b;
    if (!parse_moment(type, want, &a) || !parse_moment(type, got, &b))
        return false;
    return moment_seconds(&a) == moment_seconds(&b) && a.nanosecond == b.nanosecond &&
           a.offset_minutes == b.offset_minutes;
}

static const char *leaf_type(const cJSON *node)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(node, "value");
    return cJSON_IsString(type) && cJSON_IsString(value) ? type->valuestring : NULL;
}

static bool fail_at(char *why, size_t size, const char *path, const char *what)
{
    snprintf(why, size, "at `%s`: %s", path, what);
    return false;
}

/* Compares two tagged JSON trees; on a difference, describes it in why. */
static bool tagged_equal(const cJSON *want, const cJSON *got, const char *path, char *why,
                         size_t size)
{
    const char *type = cJSON_IsObject(want) ? leaf_type(want) : NULL;
    if (type) {
        const char *got_type = cJSON_IsObject(got) ? leaf_type(got) : NULL;
        if (!got_type || strcmp(type, got_type) != 0)
            return fail_at(why, size, path, "value has the wrong type");
        const char *a = cJSON_GetObjectItemCaseSensitive(want, "value")->valuestring;
        const char *b = cJSON_GetObjectItemCaseSensitive(got, "value")->valuestring;
        if (!values_equal(type, a, b)) {
            char what[200];
            snprintf(what, sizeof what, "expected %s '%.60s', got '%.60s'", type, a, b);
            return fail_at(why, size, path, what);
        }
        return true;
    }
    if (cJSON_IsArray(want) != cJSON_IsArray(got) || cJSON_IsObject(want) != cJSON_IsObject(got))
        return fail_at(why, size, path, "expected a table or array of the other kind");
    if (cJSON_GetArraySize(want) != cJSON_GetArraySize(got))
        return fail_at(why, size, path, "number of items differs");
    const cJSON *got_item = got->child;
    for (const cJSON *item = want->child; item; item = item->next) {
        char sub[512];
        const cJSON *match = got_item;
        if (cJSON_IsObject(want)) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", item->string);
            match = cJSON_GetObjectItemCaseSensitive(got, item->string);
            if (!match)
                return fail_at(why, size, sub, "key is missing");
        } else {
            snprintf(sub, sizeof sub, "%s[]", path);
            got_item = got_item->next;
        }
        if (!tagged_equal(item, match, sub, why, size))
            return false;
    }
    return true;
}

/* ---- getting our output: the library directly, or the decoder program ---- */

typedef struct outcome {
    bool accepted;
    char *json;         /* tagged JSON when accepted */
    char detail[300];   /* the error when rejected, or why the run itself failed */
    bool broken;        /* the run misbehaved (crash, wrong exit code, bad error) */
} outcome_t;

static void decode_with_library(const char *path, outcome_t *out)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        out->broken = true;
        snprintf(out->detail, sizeof out->detail, "cannot read the file");
        return;
    }
    actr_toml_value_t *root;
    actr_error_t err = {0};
    int rc = actr_toml_parse(text, len, &root, &err);
    free(text);
    if (rc < 0) {
        snprintf(out->detail, sizeof out->detail, "%s", err.message);
        /* A rejection must be a parse error that says where. */
        out->broken = rc != ACTR_EPARSE || strncmp(err.message, "line ", 5) != 0;
        return;
    }
    out->accepted = true;
    size_t json_len;
    FILE *mem = open_memstream(&out->json, &json_len);
    if (mem) {
        toml_tagged_write(mem, root);
        fclose(mem);
    }
    actr_toml_free(root);
}

static void decode_with_program(const char *program, const char *path, outcome_t *out)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        out->broken = true;
        snprintf(out->detail, sizeof out->detail, "pipe failed");
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    char *argv[] = {(char *)program, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    FILE *from_child = fdopen(pipe_fds[0], "rb");
    size_t len = 0;
    char *output = from_child ? read_stream(from_child, &len) : NULL;
    if (from_child)
        fclose(from_child);
    else
        close(pipe_fds[0]);
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) > 1) {
        out->broken = true;
        snprintf(out->detail, sizeof out->detail, "decoder did not run or crashed");
        free(output);
        return;
    }
    out->accepted = WEXITSTATUS(status) == 0;
    if (out->accepted)
        out->json = output;
    else
        free(output);
    snprintf(out->detail, sizeof out->detail, "decoder exited with %d", WEXITSTATUS(status));
}

/* ---- the suite ---- */

typedef struct tally {
    int valid_passed, valid_total, invalid_passed, invalid_total;
} tally_t;

static bool run_valid_case(const char *dir, const char *name, const outcome_t *out, char *why,
                           size_t size)
{
    if (out->broken || !out->accepted) {
        snprintf(why, size, "rejected: %s", out->detail);
        return false;
    }
    char *expected_path = NULL;
    size_t len;
    char *expected_text = NULL;
    if (asprintf(&expected_path, "%s/%.*s.json", dir, (int)(strlen(name) - strlen(".toml")),
                 name) >= 0)
        expected_text = read_file(expected_path, &len);
    cJSON *want = expected_text ? cJSON_Parse(expected_text) : NULL;
    cJSON *got = out->json ? cJSON_Parse(out->json) : NULL;
    bool ok;
    if (!want)
        ok = (snprintf(why, size, "cannot read the expected JSON"), false);
    else if (!got)
        ok = (snprintf(why, size, "our output is not JSON"), false);
    else
        ok = tagged_equal(want, got, "", why, size);
    cJSON_Delete(want);
    cJSON_Delete(got);
    free(expected_text);
    free(expected_path);
    return ok;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t len = strlen(s), suffix_len = strlen(suffix);
    return len >= suffix_len && strcmp(s + len - suffix_len, suffix) == 0;
}

static void run_case(const char *dir, const char *decoder, const char *name, tally_t *tally)
{
    char *path;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return;
    outcome_t out = {0};
    if (decoder)
        decode_with_program(decoder, path, &out);
    else
        decode_with_library(path, &out);
    char why[600] = "";
    bool valid = strncmp(name, "valid/", 6) == 0;
    bool ok;
    if (valid) {
        tally->valid_total++;
        ok = run_valid_case(dir, name, &out, why, sizeof why);
        tally->valid_passed += ok;
    } else {
        tally->invalid_total++;
        ok = !out.accepted && !out.broken;
        if (!ok)
            snprintf(why, sizeof why, "%s", out.broken ? out.detail : "accepted invalid input");
        tally->invalid_passed += ok;
    }
    if (!ok)
        printf("FAIL %s: %s\n", name, why);
    free(out.json);
    free(path);
}

int main(int argc, char **argv)
{
    const char *decoder = NULL;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--decoder") == 0 && i + 1 < argc)
            decoder = argv[++i];
        else
            dir = argv[i];
    }
    char *default_dir = NULL, *list_path = NULL;
    if (!dir) {
        const char *data = getenv("ACTR_TESTDATA");
        if (asprintf(&default_dir, "%s/toml-test/tests",
                     data && *data ? data : TOML_SUITE_DEFAULT_TESTDATA) < 0)
            return 2;
        dir = default_dir;
    }
    FILE *list = asprintf(&list_path, "%s/files-toml-1.0.0", dir) >= 0 ? fopen(list_path, "r")
                                                                       : NULL;
    if (!list) {
        fprintf(stderr, "toml_suite: cannot open the file list in %s\n", dir);
        free(list_path);
        free(default_dir);
        return 2;
    }
    tally_t tally = {0};
    char line[4096];
    while (fgets(line, sizeof line, list)) {
        line[strcspn(line, "\r\n")] = '\0';
        bool is_case = (strncmp(line, "valid/", 6) == 0 || strncmp(line, "invalid/", 8) == 0) &&
                       ends_with(line, ".toml");
        if (is_case)
            run_case(dir, decoder, line, &tally);
    }
    fclose(list);
    int passed = tally.valid_passed + tally.invalid_passed;
    int total = tally.valid_total + tally.invalid_total;
    printf("valid %d/%d, invalid %d/%d\n", tally.valid_passed, tally.valid_total,
           tally.invalid_passed, tally.invalid_total);
    printf("%d passed, %d failed\n", passed, total - passed);
    if (total == 0)
        fprintf(stderr, "toml_suite: no test cases listed in %s\n", list_path);
    free(list_path);
    free(default_dir);
    if (total == 0)
        return 2;
    return passed == total ? 0 : 1;
}
