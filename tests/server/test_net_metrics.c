/* /metrics: Prometheus text syntax, counters by route/status/reason, relay rate sampling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actr/error.h"
#include "net/metrics.h"

static char *render(const actrd_metrics_t *m, const actrd_sig_stats_t *s, int64_t now)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(actrd_metrics_format(m, s, now, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    return text;
}

static void expect_line(const char *text, const char *line)
{
    char want[256];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (!strstr(text, want))
        fail_msg("missing line \"%s\" in:\n%s", line, text);
}

/* Every sample line is `name[{labels}] value` and its family was declared by # TYPE before. */
static void check_syntax(const char *text)
{
    char declared[128][80];
    size_t ndeclared = 0;
    const char *p = text;
    for (int lines = 0; *p && lines < 10000; lines++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* the text ends with a newline */
        char line[512];
        size_t n = (size_t)(nl - p);
        assert_true(n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl + 1;
        char name[80], type[16];
        if (sscanf(line, "# TYPE %79s %15s", name, type) == 2) {
            assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge"));
            assert_true(ndeclared < 128);
            snprintf(declared[ndeclared++], sizeof declared[0], "%s", name);
            continue;
        }
        if (line[0] == '#') {
            assert_true(!strncmp(line, "# HELP ", 7));
            continue;
        }
        size_t k = strcspn(line, "{ ");
        assert_true(k > 0 && k < sizeof name);
        memcpy(name, line, k);
        name[k] = '\0';
        bool found = false;
        for (size_t i = 0; i < ndeclared && !found; i++)
            found = !strcmp(declared[i], name);
        if (!found)
            fail_msg("sample without # TYPE: %s", line);
        if (line[k] == '{') {
            const char *close = strchr(line + k, '}');
            assert_non_null(close);
            assert_int_equal(close[1], ' ');
        }
        const char *value = strrchr(line, ' ');
        char *end;
        strtod(value + 1, &end);
        assert_int_equal(*end, '\0');
    }
}

static void test_counters_render(void **state)
{
    (void)state;
    actrd_metrics_t m;
    actrd_metrics_init(&m, 1000);
    actrd_metrics_http(&m, ACTRD_ROUTE_AIS_REGISTER, 200);
    actrd_metrics_http(&m, ACTRD_ROUTE_AIS_REGISTER, 200);
    actrd_metrics_http(&m, ACTRD_ROUTE_AIS_RENEW, 401);
    actrd_metrics_http(&m, ACTRD_ROUTE_OTHER, 418); /* not tracked one by one */
    m.registrations_ok = 2;
    m.register_errors[actrd_status_slot(403)] = 5;
    m.http_rate_limited = 3;
    m.ws_open = 4;
    m.ws_refused[ACTRD_REFUSE_EXPIRED] = 6;
    m.ws_refused[ACTRD_REFUSE_RATE_LIMITED] = 1;
    m.ws_closes[ACTRD_CLOSE_DISPLACED] = 2;
    m.ws_bytes_in = 12345;

    actrd_sig_stats_t s;
    memset(&s, 0, sizeof s);
    s.actors = 3;
    s.relays = 77;
    s.rate_limited = 9;
    s.errors_401 = 4;
    s.relays_dropped_no_target = 1;

    char *text = render(&m, &s, 1010);
    check_syntax(text);
    expect_line(text, "actrd_up 1");
    expect_line(text, "actrd_uptime_seconds 10");
    expect_line(text, "actrd_http_responses_total{route=\"ais_register\",code=\"200\"} 2");
    expect_line(text, "actrd_http_responses_total{route=\"ais_renew\",code=\"401\"} 1");
    expect_line(text, "actrd_http_responses_total{route=\"other\",code=\"other\"} 1");
    expect_line(text, "actrd_ais_registrations_total{result=\"ok\"} 2");
    expect_line(text, "actrd_ais_errors_total{op=\"register\",code=\"403\"} 5");
    expect_line(text, "actrd_ws_connections 4");
    expect_line(text, "actrd_ws_upgrades_refused_total{reason=\"expired\"} 6");
    expect_line(text, "actrd_ws_closes_total{code=\"1008\"} 2");
    expect_line(text, "actrd_bytes_received_total{transport=\"ws\"} 12345");
    expect_line(text, "actrd_rate_limited_total{kind=\"http\"} 3");
    expect_line(text, "actrd_rate_limited_total{kind=\"ws_connect\"} 1");
    expect_line(text, "actrd_rate_limited_total{kind=\"ws_message\"} 9");
    expect_line(text, "actrd_signaling_actors 3");
    expect_line(text, "actrd_signaling_relays_total 77");
    expect_line(text, "actrd_signaling_relays_dropped_total{reason=\"no_target\"} 1");
    expect_line(text, "actrd_signaling_errors_total{code=\"401\"} 4");
    expect_line(text, "actrd_signaling_relays_per_second 0.000");
    /* Zero per-status slots are left out. */
    assert_null(strstr(text, "route=\"mfr\""));
    free(text);

    /* Without signaling statistics the network families are still complete. */
    text = render(&m, NULL, 1010);
    check_syntax(text);
    assert_null(strstr(text, "actrd_signaling_"));
    expect_line(text, "actrd_rate_limited_total{kind=\"ws_message\"} 0");
    free(text);
}

static void test_status_slots(void **state)
{
    (void)state;
    static const int tracked[] = {200, 400, 401, 403, 404, 405, 413, 429, 500, 502, 503};
    for (size_t i = 0; i < sizeof tracked / sizeof tracked[0]; i++)
        assert_int_equal(actrd_status_of_slot(actrd_status_slot(tracked[i])), tracked[i]);
    assert_int_equal(actrd_status_slot(201), ACTRD_STATUS_SLOTS - 1);
    assert_int_equal(actrd_status_slot(0), ACTRD_STATUS_SLOTS - 1);
    assert_int_equal(actrd_status_of_slot(ACTRD_STATUS_SLOTS - 1), 0);
}

static void test_relay_rate(void **state)
{
    (void)state;
    actrd_metrics_t m;
    actrd_metrics_init(&m, 0);
    assert_true(actrd_metrics_relay_rate(&m) == 0.0);
    actrd_metrics_sample(&m, 100, 5000);
    assert_true(actrd_metrics_relay_rate(&m) == 0.0); /* one sample: no interval yet */
    actrd_metrics_sample(&m, 150, 6000);
    assert_true(actrd_metrics_relay_rate(&m) == 50.0);
    /* Over more than the window only the last 10 intervals count. */
    for (int i = 0; i < 30; i++)
        actrd_metrics_sample(&m, 150 + (uint64_t)(i + 1) * 20, 7000 + (uint64_t)i * 1000);
    assert_true(actrd_metrics_relay_rate(&m) == 20.0);
    char *text = render(&m, &(actrd_sig_stats_t){0}, 40);
    expect_line(text, "actrd_signaling_relays_per_second 20.000");
    free(text);
    /* A counter that went backwards (cannot happen, but) reads as no traffic. */
    actrd_metrics_sample(&m, 0, 40000);
    assert_true(actrd_metrics_relay_rate(&m) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_render),
        cmocka_unit_test(test_status_slots),
        cmocka_unit_test(test_relay_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
