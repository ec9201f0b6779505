/* metrics.c - counters and the Prometheus text format (see metrics.h). */
#include "net/metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/error.h"

static const int status_slots[ACTRD_STATUS_SLOTS - 1] = {200, 400, 401, 403, 404, 405,
                                                         413, 429, 500, 502, 503};

static const char *const route_names[ACTRD_ROUTE_COUNT] = {
    "ais_register", "ais_renew", "mfr", "health", "metrics", "signaling_ws", "other"};

static const char *const refusal_names[ACTRD_REFUSE_COUNT] = {
    "not_found", "bad_query", "bad_credential", "expired", "actor_mismatch", "rate_limited",
    "unavailable"};

static const char *const close_codes[ACTRD_CLOSE_COUNT] = {"1001", "1008", "1009",
                                                           "1011", "1013", "other"};

void actrd_metrics_init(actrd_metrics_t *m, int64_t now_wall_s)
{
    memset(m, 0, sizeof *m);
    m->start_wall_s = now_wall_s;
}

unsigned actrd_status_slot(int status)
{
    for (unsigned i = 0; i < ACTRD_STATUS_SLOTS - 1; i++)
        if (status_slots[i] == status)
            return i;
    return ACTRD_STATUS_SLOTS - 1;
}

int actrd_status_of_slot(unsigned slot)
{
    return slot < ACTRD_STATUS_SLOTS - 1 ? status_slots[slot] : 0;
}

void actrd_metrics_http(actrd_metrics_t *m, actrd_route_t route, int status)
{
    if ((unsigned)route < ACTRD_ROUTE_COUNT)
        m->http_responses[route][actrd_status_slot(status)]++;
}

void actrd_metrics_sample(actrd_metrics_t *m, uint64_t relays_total, uint64_t now_ms)
{
    m->rate_relays[m->rate_next] = relays_total;
    m->rate_ms[m->rate_next] = now_ms;
    m->rate_next = (m->rate_next + 1) % ACTRD_RATE_WINDOW;
    if (m->rate_count < ACTRD_RATE_WINDOW)
        m->rate_count++;
}

double actrd_metrics_relay_rate(const actrd_metrics_t *m)
{
    if (m->rate_count < 2)
        return 0.0;
    unsigned newest = (m->rate_next + ACTRD_RATE_WINDOW - 1) % ACTRD_RATE_WINDOW;
    unsigned oldest = (m->rate_next + ACTRD_RATE_WINDOW - m->rate_count) % ACTRD_RATE_WINDOW;
    uint64_t dt = m->rate_ms[newest] - m->rate_ms[oldest];
    if (dt == 0 || m->rate_relays[newest] < m->rate_relays[oldest])
        return 0.0;
    return (double)(m->rate_relays[newest] - m->rate_relays[oldest]) * 1000.0 / (double)dt;
}

/* ---- exposition ---- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample; labels is "" or `key="value",...` without braces. */
static void sample(FILE *f, const char *name, const char *labels, uint64_t v)
{
    if (labels[0])
        fprintf(f, "%s{%s} %" PRIu64 "\n", name, labels, v);
    else
        fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    family(f, name, type, help);
    sample(f, name, "", v);
}

/* A counter family with one label over per-status slots; zero slots are left out. */
static void by_status(FILE *f, const char *name, const char *fixed, const uint64_t *slots)
{
    for (unsigned i = 0; i < ACTRD_STATUS_SLOTS; i++) {
        if (!slots[i])
            continue;
        char labels[96];
        int status = actrd_status_of_slot(i);
        char code[12];
        if (status)
            snprintf(code, sizeof code, "%d", status);
        else
            snprintf(code, sizeof code, "other");
        snprintf(labels, sizeof labels, "%s%scode=\"%s\"", fixed, fixed[0] ? "," : "", code);
        sample(f, name, labels, slots[i]);
    }
}

static void labelled(FILE *f, const char *name, const char *key, const char *const *values,
                     const uint64_t *counts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char labels[96];
        snprintf(labels, sizeof labels, "%s=\"%s\"", key, values[i]);
        sample(f, name, labels, counts[i]);
    }
}

static void format_http(FILE *f, const actrd_metrics_t *m)
{
    family(f, "actrd_http_responses_total", "counter", "HTTP responses by route and status.");
    for (unsigned r = 0; r < ACTRD_ROUTE_COUNT; r++) {
        char fixed[48];
        snprintf(fixed, sizeof fixed, "route=\"%s\"", route_names[r]);
        by_status(f, "actrd_http_responses_total", fixed, m->http_responses[r]);
    }
    one(f, "actrd_http_body_too_large_total", "counter", "Requests refused with 413.",
        m->http_body_too_large);

    family(f, "actrd_ais_registrations_total", "counter",
           "POST /ais/register answers by outcome (HTTP 200 either way).");
    sample(f, "actrd_ais_registrations_total", "result=\"ok\"", m->registrations_ok);
    sample(f, "actrd_ais_registrations_total", "result=\"error\"", m->registrations_failed);
    family(f, "actrd_ais_renewals_total", "counter", "POST /ais/renew answers by outcome.");
    sample(f, "actrd_ais_renewals_total", "result=\"ok\"", m->renewals_ok);
    sample(f, "actrd_ais_renewals_total", "result=\"error\"", m->renewals_failed);
    family(f, "actrd_ais_errors_total", "counter", "AIS error answers by operation and code.");
    by_status(f, "actrd_ais_errors_total", "op=\"register\"", m->register_errors);
    by_status(f, "actrd_ais_errors_total", "op=\"renew\"", m->renew_errors);
}

static void format_ws(FILE *f, const actrd_metrics_t *m, const actrd_sig_stats_t *sig)
{
    one(f, "actrd_ws_connections", "gauge", "Open signaling WebSockets.", m->ws_open);
    one(f, "actrd_ws_connections_accepted_total", "counter", "Accepted signaling upgrades.",
        m->ws_accepted);
    family(f, "actrd_ws_upgrades_refused_total", "counter", "Refused upgrades by reason.");
    labelled(f, "actrd_ws_upgrades_refused_total", "reason", refusal_names, m->ws_refused,
             ACTRD_REFUSE_COUNT);
    family(f, "actrd_ws_closes_total", "counter", "Sockets closed by the server, by close code.");
    labelled(f, "actrd_ws_closes_total", "code", close_codes, m->ws_closes, ACTRD_CLOSE_COUNT);
    family(f, "actrd_ws_frames_received_total", "counter", "WebSocket messages received.");
    sample(f, "actrd_ws_frames_received_total", "type=\"binary\"", m->ws_frames_in_binary);
    sample(f, "actrd_ws_frames_received_total", "type=\"text\"", m->ws_frames_in_text);
    one(f, "actrd_ws_frames_sent_total", "counter", "WebSocket messages sent.", m->ws_frames_out);
    one(f, "actrd_ws_send_queue_full_total", "counter", "Frames refused by a full send queue.",
        m->ws_queue_full);

    family(f, "actrd_bytes_received_total", "counter",
           "Payload bytes received (HTTP bodies, WebSocket messages).");
    sample(f, "actrd_bytes_received_total", "transport=\"http\"", m->http_bytes_in);
    sample(f, "actrd_bytes_received_total", "transport=\"ws\"", m->ws_bytes_in);
    family(f, "actrd_bytes_sent_total", "counter", "Payload bytes sent.");
    sample(f, "actrd_bytes_sent_total", "transport=\"http\"", m->http_bytes_out);
    sample(f, "actrd_bytes_sent_total", "transport=\"ws\"", m->ws_bytes_out);

    family(f, "actrd_rate_limited_total", "counter", "Requests refused by a rate limit.");
    sample(f, "actrd_rate_limited_total", "kind=\"http\"", m->http_rate_limited);
    sample(f, "actrd_rate_limited_total", "kind=\"ws_connect\"",
           m->ws_refused[ACTRD_REFUSE_RATE_LIMITED]);
    sample(f, "actrd_rate_limited_total", "kind=\"ws_message\"", sig ? sig->rate_limited : 0);
}

static void format_sig(FILE *f, const actrd_metrics_t *m, const actrd_sig_stats_t *s)
{
    one(f, "actrd_signaling_connections", "gauge", "Sockets known to signaling.", s->connections);
    one(f, "actrd_signaling_actors", "gauge", "Actors with a current socket.", s->actors);
    one(f, "actrd_signaling_registry_entries", "gauge", "Discoverable registry entries.",
        s->registry_entries);
    one(f, "actrd_signaling_subscriptions", "gauge", "Presence subscriptions.",
        s->subscriptions);
    one(f, "actrd_signaling_connects_total", "counter", "Sockets bound to an actor.",
        s->connects);
    one(f, "actrd_signaling_connects_refused_total", "counter", "Binds refused.",
        s->connects_refused);
    one(f, "actrd_signaling_displaced_total", "counter", "Older sockets closed with 1008.",
        s->displaced);
    one(f, "actrd_signaling_frames_received_total", "counter", "Binary frames received.",
        s->frames_in);
    one(f, "actrd_signaling_frames_undecodable_total", "counter",
        "Frames that were no SignalingEnvelope.", s->frames_undecodable);
    one(f, "actrd_signaling_frames_after_close_total", "counter",
        "Frames dropped from closing sockets.", s->frames_after_close);
    one(f, "actrd_signaling_frames_sent_total", "counter", "Frames queued for sending.",
        s->frames_out);
    one(f, "actrd_signaling_send_failures_total", "counter", "Frames the transport refused.",
        s->send_failures);
    one(f, "actrd_signaling_requests_total", "counter", "ActrToSignaling requests accepted.",
        s->requests);
    one(f, "actrd_signaling_pings_total", "counter", "Heartbeat Pings.", s->pings);
    one(f, "actrd_signaling_relays_total", "counter", "Relays forwarded to their target.",
        s->relays);
    family(f, "actrd_signaling_relays_per_second", "gauge",
           "Relays forwarded per second, averaged over the last 10 s.");
    fprintf(f, "actrd_signaling_relays_per_second %.3f\n", actrd_metrics_relay_rate(m));
    one(f, "actrd_signaling_role_negotiations_total", "counter", "Role negotiations answered.",
        s->role_negotiations);
    family(f, "actrd_signaling_relays_dropped_total", "counter", "Relays dropped, by reason.");
    sample(f, "actrd_signaling_relays_dropped_total", "reason=\"displaced\"",
           s->relays_dropped_displaced);
    sample(f, "actrd_signaling_relays_dropped_total", "reason=\"no_target\"",
           s->relays_dropped_no_target);
    one(f, "actrd_signaling_actr_up_events_total", "counter", "Presence events sent.",
        s->actr_up_events);
    one(f, "actrd_signaling_registry_expired_total", "counter",
        "Registry entries expired without a Ping.", s->expired);
    static const char *const codes[] = {"400", "401", "403", "404", "410",
                                        "413", "429", "500", "other"};
    const uint64_t counts[] = {s->errors_400, s->errors_401, s->errors_403,
                               s->errors_404, s->errors_410, s->errors_413,
                               s->errors_429, s->errors_500, s->errors_other};
    family(f, "actrd_signaling_errors_total", "counter", "Signaling error replies by code.");
    labelled(f, "actrd_signaling_errors_total", "code", codes, counts,
             sizeof counts / sizeof *counts);
}

int actrd_metrics_format(const actrd_metrics_t *m, const actrd_sig_stats_t *sig, int64_t now_s,
                         char **out, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return ACTR_ENOMEM;
    one(f, "actrd_up", "gauge", "1 while actrd serves.", 1);
    one(f, "actrd_start_time_seconds", "gauge", "Unix time actrd started.",
        (uint64_t)(m->start_wall_s > 0 ? m->start_wall_s : 0));
    one(f, "actrd_uptime_seconds", "gauge", "Seconds since start.",
        (uint64_t)(now_s > m->start_wall_s ? now_s - m->start_wall_s : 0));
    format_http(f, m);
    format_ws(f, m, sig);
    if (sig)
        format_sig(f, m, sig);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(buf);
        return ACTR_ENOMEM;
    }
    *out = buf;
    *len = size;
    return 0;
}
