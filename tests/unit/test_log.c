/* Logging core: levels and ACTR_LOG, field capture, logfmt quoting, sinks, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/error.h"
#include "actr/log.h"
#include "base/clock.h"

/* ---- a sink that keeps the last record (deep copy) and counts calls ---- */

struct capture {
    int calls;
    actr_log_record_t rec;
    char module[64];
    char msg[8192];
    char keys[ACTR_LOG_MAX_FIELDS + 8][32];
    char values[ACTR_LOG_MAX_FIELDS + 8][64];
    int null_value[ACTR_LOG_MAX_FIELDS + 8];
    char line[16384];
};

static void capture_sink(const actr_log_record_t *rec, void *userdata)
{
    struct capture *c = userdata;
    c->calls++;
    c->rec = *rec;
    snprintf(c->module, sizeof c->module, "%s", rec->module);
    snprintf(c->msg, sizeof c->msg, "%s", rec->msg);
    for (size_t i = 0; i < rec->nfields && i < ACTR_LOG_MAX_FIELDS + 8; i++) {
        snprintf(c->keys[i], sizeof c->keys[i], "%s", rec->fields[i].key);
        c->null_value[i] = rec->fields[i].value == NULL;
        snprintf(c->values[i], sizeof c->values[i], "%s",
                 rec->fields[i].value ? rec->fields[i].value : "");
    }
    actr_log_format(rec, c->line, sizeof c->line);
}

static struct capture cap;

static int setup_capture(void **state)
{
    (void)state;
    memset(&cap, 0, sizeof cap);
    actr_log_set_level(ACTR_LOG_INFO);
    actr_log_set_sink(capture_sink, &cap);
    return 0;
}

static int teardown_capture(void **state)
{
    (void)state;
    actr_log_set_sink(NULL, NULL);
    actr_log_set_level(ACTR_LOG_INFO);
    return 0;
}

/* main() sets ACTR_LOG=warn before anything logs: the first query must pick it up. */
static void test_env_read_at_first_use(void **state)
{
    (void)state;
    assert_int_equal(actr_log_get_level(), ACTR_LOG_WARN);
    assert_false(actr_log_enabled(ACTR_LOG_INFO));
    assert_true(actr_log_enabled(ACTR_LOG_WARN));

    setenv("ACTR_LOG", "DeBuG", 1);
    assert_int_equal(actr_log_init_from_env(), 0);
    assert_int_equal(actr_log_get_level(), ACTR_LOG_DEBUG);
    setenv("ACTR_LOG", "verbose", 1);
    assert_int_equal(actr_log_init_from_env(), ACTR_EINVAL);
    assert_int_equal(actr_log_get_level(), ACTR_LOG_DEBUG); /* unchanged */
    unsetenv("ACTR_LOG");
    assert_int_equal(actr_log_init_from_env(), 0);
    assert_int_equal(actr_log_get_level(), ACTR_LOG_DEBUG);
    actr_log_set_level(ACTR_LOG_INFO);
}

static void test_levels(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        actr_log_level_t level;
    } names[] = {{"trace", ACTR_LOG_TRACE}, {"DEBUG", ACTR_LOG_DEBUG}, {"Info", ACTR_LOG_INFO},
                 {"warn", ACTR_LOG_WARN},   {"warning", ACTR_LOG_WARN}, {"error", ACTR_LOG_ERROR},
                 {"OFF", ACTR_LOG_OFF}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        actr_log_level_t l = ACTR_LOG_ERROR;
        assert_int_equal(actr_log_level_parse(names[i].name, &l), 0);
        assert_int_equal(l, names[i].level);
    }
    actr_log_level_t l;
    assert_int_equal(actr_log_level_parse("", &l), ACTR_EINVAL);
    assert_int_equal(actr_log_level_parse("info ", &l), ACTR_EINVAL);
    assert_int_equal(actr_log_level_parse(NULL, &l), ACTR_EINVAL);
    assert_string_equal(actr_log_level_name(ACTR_LOG_WARN), "warn");
    assert_string_equal(actr_log_level_name((actr_log_level_t)42), "?");

    actr_log_set_level(ACTR_LOG_ERROR);
    assert_false(actr_log_enabled(ACTR_LOG_WARN));
    assert_true(actr_log_enabled(ACTR_LOG_ERROR));
    actr_log_set_level(ACTR_LOG_TRACE);
    assert_true(actr_log_enabled(ACTR_LOG_TRACE));
    assert_false(actr_log_enabled(ACTR_LOG_OFF)); /* OFF is not a record level */
    assert_false(actr_log_enabled((actr_log_level_t)-1));
    assert_false(actr_log_enabled((actr_log_level_t)99));
    actr_log_set_level((actr_log_level_t)99); /* ignored */
    assert_int_equal(actr_log_get_level(), ACTR_LOG_TRACE);
    actr_log_set_level(ACTR_LOG_OFF);
    assert_false(actr_log_enabled(ACTR_LOG_ERROR));
    actr_log_set_level(ACTR_LOG_INFO);
}

static void test_fields_reach_the_sink(void **state)
{
    (void)state;
    int64_t before = actr_clock_wall_ms();
    const char *id = "1:acme:echo";
    actr_log(ACTR_LOG_INFO, "ais", "registered", ACTR_KV("actor_id", id), ACTR_KV("realm", "101"),
             ACTR_KV_END);
    int64_t after = actr_clock_wall_ms();
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.rec.level, ACTR_LOG_INFO);
    assert_string_equal(cap.module, "ais");
    assert_string_equal(cap.msg, "registered");
    assert_int_equal(cap.rec.nfields, 2);
    assert_string_equal(cap.keys[0], "actor_id");
    assert_string_equal(cap.values[0], "1:acme:echo");
    assert_string_equal(cap.keys[1], "realm");
    assert_string_equal(cap.values[1], "101");
    assert_true(cap.rec.ts_ms >= before && cap.rec.ts_ms <= after);

    /* The closing ACTR_KV_END may be left out; no fields at all is fine. */
    actr_log(ACTR_LOG_WARN, "x", "no end", ACTR_KV("k", "v"));
    assert_int_equal(cap.rec.nfields, 1);
    actr_log(ACTR_LOG_ERROR, "x", "bare");
    assert_int_equal(cap.rec.nfields, 0);
    assert_int_equal(cap.rec.level, ACTR_LOG_ERROR);
    /* NULL module and message become empty strings; NULL values stay NULL for the sink. */
    actr_log_write(ACTR_LOG_INFO, NULL, NULL, NULL, 5);
    assert_string_equal(cap.module, "");
    assert_string_equal(cap.msg, "");
    assert_int_equal(cap.rec.nfields, 0);
    actr_log_field_t f[] = {{"a", NULL}};
    actr_log_write(ACTR_LOG_INFO, "m", "nullvalue", f, 1);
    assert_true(cap.null_value[0]);
    assert_int_equal(cap.calls, 5);
}

static int evaluated;

static const char *expensive(void)
{
    evaluated++;
    return "value";
}

static void test_disabled_level_is_cheap(void **state)
{
    (void)state;
    actr_log(ACTR_LOG_DEBUG, "m", "hidden", ACTR_KV("k", expensive()), ACTR_KV_END);
    actr_log(ACTR_LOG_TRACE, "m", "hidden", ACTR_KV("k", expensive()));
    assert_int_equal(evaluated, 0); /* arguments never evaluated */
    assert_int_equal(cap.calls, 0);
    actr_logf(ACTR_LOG_DEBUG, "m", "%s", expensive());
    actr_log_kv(ACTR_LOG_DEBUG, "m", "direct", "k", "v", ACTR_KV_END);
    actr_log_write(ACTR_LOG_TRACE, "m", "direct", NULL, 0);
    assert_int_equal(cap.calls, 0);
    actr_log(ACTR_LOG_INFO, "m", "shown", ACTR_KV("k", expensive()));
    assert_int_equal(evaluated, 2); /* logf evaluates its own args; actr_log once more */
    assert_int_equal(cap.calls, 1);
}

static void test_field_limit(void **state)
{
    (void)state;
    actr_log(ACTR_LOG_INFO, "m", "many", ACTR_KV("k0", "0"), ACTR_KV("k1", "1"),
             ACTR_KV("k2", "2"), ACTR_KV("k3", "3"), ACTR_KV("k4", "4"), ACTR_KV("k5", "5"),
             ACTR_KV("k6", "6"), ACTR_KV("k7", "7"), ACTR_KV("k8", "8"), ACTR_KV("k9", "9"),
             ACTR_KV("k10", "10"), ACTR_KV("k11", "11"), ACTR_KV("k12", "12"),
             ACTR_KV("k13", "13"), ACTR_KV("k14", "14"), ACTR_KV("k15", "15"),
             ACTR_KV("k16", "16"), ACTR_KV("k17", "17"), ACTR_KV("k18", "18"),
             ACTR_KV("k19", "19"), ACTR_KV("k20", "20"), ACTR_KV("k21", "21"),
             ACTR_KV("k22", "22"), ACTR_KV("k23", "23"), ACTR_KV("k24", "24"),
             ACTR_KV("k25", "25"), ACTR_KV("k26", "26"), ACTR_KV("k27", "27"),
             ACTR_KV("k28", "28"), ACTR_KV("k29", "29"), ACTR_KV("k30", "30"),
             ACTR_KV("k31", "31"), ACTR_KV("k32", "32"), ACTR_KV("k33", "33"));
    assert_int_equal(cap.rec.nfields, ACTR_LOG_MAX_FIELDS);
    assert_string_equal(cap.keys[31], "k31");
    assert_string_equal(cap.values[31], "31");
}

static void test_logf(void **state)
{
    (void)state;
    actr_logf(ACTR_LOG_WARN, "ais", "renew failed after %d attempts: %s", 3, "timeout");
    assert_string_equal(cap.msg, "renew failed after 3 attempts: timeout");
    assert_int_equal(cap.rec.level, ACTR_LOG_WARN);
    assert_int_equal(cap.rec.nfields, 0);
    /* Longer than the internal stack buffer: delivered whole. */
    char big[3001];
    memset(big, 'x', 3000);
    big[3000] = '\0';
    actr_logf(ACTR_LOG_INFO, "m", "<%s>", big);
    assert_int_equal(strlen(cap.msg), 3002);
    assert_int_equal(cap.msg[3001], '>');
    actr_logf(ACTR_LOG_INFO, "m", "%s", "");
    assert_string_equal(cap.msg, "");
}

static void check_line(const actr_log_record_t *rec, const char *expect)
{
    char line[1024];
    size_t n = actr_log_format(rec, line, sizeof line);
    assert_string_equal(line, expect);
    assert_int_equal(n, strlen(expect));
}

static void test_format(void **state)
{
    (void)state;
    actr_log_field_t f[] = {{"actor_id", "1:acme:echo"}, {"realm", "101"}};
    actr_log_record_t rec = {1795511280123LL, ACTR_LOG_INFO, "ais", "registered", f, 2};
    check_line(&rec, "ts=2026-11-24T09:08:00.123Z level=info module=ais msg=\"registered\" "
                     "actor_id=1:acme:echo realm=101");

    actr_log_field_t q[] = {
        {"space", "hello world"}, {"eq", "a=b"},      {"quote", "say \"hi\""},
        {"bs", "c:\\dir"},        {"nl", "l1\nl2\r"}, {"tab", "a\tb"},
        {"ctl", "\x01\x7f"},      {"empty", ""},      {"null", NULL},
        {"utf8", "caf\xc3\xa9"},  {"bad key", "v"},   {"k=\"x\"", "v"},
        {NULL, "nokey"},          {"", "emptykey"},   {"path", "/a/b?c&d"},
    };
    rec = (actr_log_record_t){0, ACTR_LOG_ERROR, "", "it said \"no\"\n", q, 15};
    check_line(&rec, "ts=1970-01-01T00:00:00.000Z level=error msg=\"it said \\\"no\\\"\\n\" "
                     "space=\"hello world\" eq=\"a=b\" quote=\"say \\\"hi\\\"\" "
                     "bs=\"c:\\\\dir\" nl=\"l1\\nl2\\r\" tab=\"a\\tb\" ctl=\"\\x01\\x7f\" "
                     "empty=\"\" null=\"\" utf8=caf\xc3\xa9 bad_key=v k__x_=v _=nokey "
                     "_=emptykey path=/a/b?c&d");

    /* A module that needs quoting is quoted; levels print by name. */
    rec = (actr_log_record_t){-1, ACTR_LOG_TRACE, "my mod", "", NULL, 0};
    check_line(&rec, "ts=1969-12-31T23:59:59.999Z level=trace module=\"my mod\" msg=\"\"");
}

static void test_format_truncation(void **state)
{
    (void)state;
    actr_log_record_t rec = {0, ACTR_LOG_INFO, "m", "hello", NULL, 0};
    const char *full = "ts=1970-01-01T00:00:00.000Z level=info module=m msg=\"hello\"";
    assert_int_equal(actr_log_format(&rec, NULL, 0), strlen(full));
    char buf[11];
    memset(buf, 'z', sizeof buf);
    assert_int_equal(actr_log_format(&rec, buf, 10), strlen(full));
    assert_string_equal(buf, "ts=1970-0");
    assert_int_equal(buf[10], 'z'); /* nothing written past cap */
    assert_int_equal(actr_log_format(&rec, buf, 1), strlen(full));
    assert_string_equal(buf, "");
}

/* Runs fn with stderr redirected into a temporary file and returns what was written. */
static char *capture_stderr(void (*fn)(void))
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn();
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    long size = ftell(tmp) >= 0 ? (fseek(tmp, 0, SEEK_END), ftell(tmp)) : 0;
    rewind(tmp);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return text;
}

static void log_two_lines(void)
{
    actr_log(ACTR_LOG_WARN, "sig", "reconnect", ACTR_KV("attempt", "3"));
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    actr_log(ACTR_LOG_ERROR, "sig", "big", ACTR_KV("blob", big));
}

static void test_default_sink_writes_stderr(void **state)
{
    (void)state;
    actr_log_set_sink(NULL, NULL); /* back to the default */
    char *text = capture_stderr(log_two_lines);
    assert_int_equal(cap.calls, 0);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_non_null(strstr(text, " level=warn module=sig msg=\"reconnect\" attempt=3"));
    assert_true(strncmp(text, "ts=", 3) == 0);
    assert_int_equal(strlen(text), 3 + ACTR_RFC3339_MS_LEN + strlen(" level=warn module=sig "
                                                                     "msg=\"reconnect\" attempt=3"));
    char *second = nl + 1;
    size_t len = strlen(second);
    assert_true(len > 5000); /* longer than the sink's stack buffer: not truncated */
    assert_int_equal(second[len - 1], '\n');
    assert_non_null(strstr(second, " blob=yyyy"));
    assert_int_equal(strchr(second, '\n'), second + len - 1); /* one record, one line */
    free(text);
}

static int reentrant_calls;

static void reentrant_sink(const actr_log_record_t *rec, void *userdata)
{
    (void)rec;
    (void)userdata;
    reentrant_calls++;
    actr_log(ACTR_LOG_ERROR, "sink", "from inside the sink"); /* dropped, must not deadlock */
}

static void test_reentrant_log_is_dropped(void **state)
{
    (void)state;
    actr_log_set_sink(reentrant_sink, NULL);
    actr_log(ACTR_LOG_INFO, "m", "outer");
    actr_log(ACTR_LOG_INFO, "m", "outer again");
    assert_int_equal(reentrant_calls, 2);
}

/* ---- threads ---- */

#define THREADS 8
#define PER_THREAD 2000

struct serial_check {
    atomic_int inside;
    atomic_int overlaps;
    int count; /* plain int: the core's lock must make this safe */
};

static void serial_sink(const actr_log_record_t *rec, void *userdata)
{
    (void)rec;
    struct serial_check *s = userdata;
    if (atomic_fetch_add(&s->inside, 1) != 0)
        atomic_fetch_add(&s->overlaps, 1);
    s->count++;
    atomic_fetch_sub(&s->inside, 1);
}

static void *log_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++)
        actr_log(ACTR_LOG_INFO, "worker", "tick", ACTR_KV("i", "x"));
    return NULL;
}

static void test_concurrent_logging_is_serialised(void **state)
{
    (void)state;
    struct serial_check s = {0, 0, 0};
    actr_log_set_sink(serial_sink, &s);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, log_worker, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(s.count, THREADS * PER_THREAD);
    assert_int_equal(atomic_load(&s.overlaps), 0);
}

/* Swapping sinks while others log: once set_sink returns, the old sink is never called. */
static void test_sink_swap_under_load(void **state)
{
    (void)state;
    struct serial_check a = {0, 0, 0}, b = {0, 0, 0};
    actr_log_set_sink(serial_sink, &a);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, log_worker, NULL), 0);
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    actr_log_set_sink(serial_sink, &b);
    int a_after_swap = a.count; /* safe: no thread can call sink a any more */
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(a.count, a_after_swap);
    assert_int_equal(a.count + b.count, THREADS * PER_THREAD);
    assert_int_equal(atomic_load(&a.overlaps) + atomic_load(&b.overlaps), 0);
}

int main(void)
{
    setenv("ACTR_LOG", "warn", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_read_at_first_use),
        cmocka_unit_test(test_levels),
        cmocka_unit_test_setup_teardown(test_fields_reach_the_sink, setup_capture, teardown_capture),
        cmocka_unit_test_setup_teardown(test_disabled_level_is_cheap, setup_capture,
                                        teardown_capture),
        cmocka_unit_test_setup_teardown(test_field_limit, setup_capture, teardown_capture),
        cmocka_unit_test_setup_teardown(test_logf, setup_capture, teardown_capture),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test_setup_teardown(test_default_sink_writes_stderr, setup_capture,
                                        teardown_capture),
        cmocka_unit_test_setup_teardown(test_reentrant_log_is_dropped, setup_capture,
                                        teardown_capture),
        cmocka_unit_test_setup_teardown(test_concurrent_logging_is_serialised, setup_capture,
                                        teardown_capture),
        cmocka_unit_test_setup_teardown(test_sink_swap_under_load, setup_capture,
                                        teardown_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
