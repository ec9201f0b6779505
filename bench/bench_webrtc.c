/*
 * bench_webrtc - our WebRTC data channels (src/wire/webrtc) on loopback, against our own peer in
 * a second process and against Google's libwebrtc (@roamhq/wrtc, bench/webrtc/wrtc_peer.js) in
 * the same run, with the same driver, so the two columns compare the answering stacks:
 *
 *   connect    offer created -> RPC_RELIABLE open on our side (ICE + DTLS + SCTP + DCEP), and
 *              -> all four lanes open
 *   rtt        64-byte messages on RPC_RELIABLE, one in flight, echoed by the peer (p50, p99)
 *   bulk       64 KiB messages one way on STREAM_RELIABLE until the peer has counted them all,
 *              sent as fast as our buffered amount allows (MiB/s), with the CPU time of both
 *              processes per MiB
 *   per conn   RSS and threads of this process for N extra connections (our peers in one
 *              process on one loop, pairs wired back to back)
 *
 *   bench_webrtc [--rounds 3] [--rtt 2000] [--bulk-mib 256] [--conns 20] [--node PATH]
 *   bench_webrtc --peer      (internal: the answering side of our own stack, JSON lines on stdio)
 *
 * The node side needs tests/interop/node_modules (tests/interop/setup.sh); without node or wrtc
 * the libwebrtc column is skipped. Exit status non-zero if any phase failed or lost data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <dirent.h>

#include <usrsctp.h>

#include "actr/log.h"
#include "base/clock.h"
#include "rtc_child.h"
#include "wire/webrtc/peer.h"

#define BULK_MSG 65536
#define RTT_MSG 64

static const char *const k_lo[] = {"127.0.0.1"};

typedef struct opts {
    int rounds;
    int rtt;
    size_t bulk_mib;
    int conns;
    const char *node;
} opts_t;

static opts_t o = {3, 2000, 256, 20, NULL};
static uv_loop_t loop;
static uv_timer_t tick;

static void on_tick(uv_timer_t *t)
{
    (void)t;
}

static bool run_until(bool (*pred)(void *), void *arg, uint32_t ms)
{
    uint64_t end = actr_clock_mono_ms() + ms;
    uv_timer_start(&tick, on_tick, 5, 5);
    bool ok = pred(arg);
    while (!ok && actr_clock_mono_ms() < end) {
        uv_run(&loop, UV_RUN_ONCE);
        ok = pred(arg);
    }
    uv_timer_stop(&tick);
    return ok;
}

static double cpu_ms_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static long rss_kb_self(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int threads_self(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void json_send(rtc_child_t *c, cJSON *m)
{
    rtc_child_send(c, m);
    cJSON_Delete(m);
}

static cJSON *json_type(const char *type)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", type);
    return m;
}

static void send_candidate(rtc_child_t *c, const char *cand, const char *mid, int mline,
                           const char *ufrag)
{
    cJSON *m = json_type("candidate");
    cJSON_AddStringToObject(m, "candidate", cand);
    cJSON_AddStringToObject(m, "mid", mid);
    cJSON_AddNumberToObject(m, "mline", mline);
    cJSON_AddStringToObject(m, "ufrag", ufrag);
    json_send(c, m);
}

static void add_candidate(actr_rtc_peer_t *p, const cJSON *m)
{
    const cJSON *ml = cJSON_GetObjectItem(m, "mline");
    actr_rtc_peer_add_candidate(p, cJSON_GetStringValue(cJSON_GetObjectItem(m, "candidate")),
                                cJSON_GetStringValue(cJSON_GetObjectItem(m, "mid")),
                                cJSON_IsNumber(ml) ? ml->valueint : 0,
                                cJSON_GetStringValue(cJSON_GetObjectItem(m, "ufrag")), NULL);
}

/* ==== --peer: the answering side of our stack in its own process ========================== */

typedef struct child_side {
    actr_rtc_env_t *env;
    actr_rtc_peer_t *peer;
    rtc_child_t *io;
    long long expect, got;
    bool closed;
} child_side_t;

static void c_candidate(void *arg, const char *cand, const char *mid, int mline, const char *uf)
{
    send_candidate(((child_side_t *)arg)->io, cand, mid, mline, uf);
}

static void c_got_check(child_side_t *c)
{
    if (c->expect >= 0 && c->got >= c->expect) {
        cJSON *m = json_type("got");
        cJSON_AddNumberToObject(m, "bytes", (double)c->got);
        json_send(c->io, m);
        c->expect = -1;
        c->got = 0;
    }
}

static void c_message(void *arg, actr_rtc_lane_t lane, const uint8_t *d, size_t n, bool bin)
{
    child_side_t *c = arg;
    if (lane == ACTR_RTC_LANE_RPC_RELIABLE) {
        actr_rtc_peer_send(c->peer, lane, d, n, bin);
    } else if (lane == ACTR_RTC_LANE_STREAM_RELIABLE) {
        c->got += (long long)n;
        c_got_check(c);
    }
}

static void c_closed(void *arg)
{
    ((child_side_t *)arg)->closed = true;
}

static void c_msg(void *arg, const cJSON *m)
{
    child_side_t *c = arg;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(m, "type"));
    if (!type)
        return;
    if (!strcmp(type, "offer")) {
        const char *sdp = cJSON_GetStringValue(cJSON_GetObjectItem(m, "sdp"));
        char *ans = NULL;
        if (!sdp || actr_rtc_peer_set_remote(c->peer, ACTR_SDP_OFFER, sdp, strlen(sdp), NULL) ||
            actr_rtc_peer_create_answer(c->peer, &ans))
            return;
        cJSON *r = json_type("answer");
        cJSON_AddStringToObject(r, "sdp", ans);
        json_send(c->io, r);
        free(ans);
    } else if (!strcmp(type, "candidate")) {
        add_candidate(c->peer, m);
    } else if (!strcmp(type, "expect")) {
        c->expect = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "bytes"));
        c_got_check(c);
    } else if (!strcmp(type, "stats")) {
        cJSON *r = json_type("stats");
        cJSON_AddNumberToObject(r, "cpu_ms", cpu_ms_self());
        cJSON_AddNumberToObject(r, "rss_kb", (double)rss_kb_self());
        json_send(c->io, r);
    }
}

static bool c_done(void *arg)
{
    child_side_t *c = arg;
    return rtc_child_eof(c->io);
}

static bool c_freed(void *arg)
{
    return ((child_side_t *)arg)->closed;
}

static int run_peer(void)
{
    child_side_t c = {.expect = -1};
    actr_rtc_peer_config_t cfg;
    actr_rtc_peer_config_init(&cfg);
    cfg.local_addresses = k_lo;
    cfg.n_local_addresses = 1;
    actr_rtc_peer_callbacks_t cbs = {.on_candidate = c_candidate, .on_message = c_message,
                                     .on_closed = c_closed};
    if (actr_rtc_env_new(&loop, &c.env) || actr_rtc_peer_new(c.env, false, &cfg, &cbs, &c, &c.peer) ||
        rtc_child_stdio(&loop, c_msg, &c, &c.io))
        return 1;
    json_send(c.io, json_type("hello"));
    run_until(c_done, &c, 24u * 3600 * 1000);
    actr_rtc_peer_close(c.peer);
    run_until(c_freed, &c, 5000);
    rtc_child_free(c.io);
    actr_rtc_env_close(c.env);
    return 0;
}

/* ==== the driver: our offerer against a peer process ====================================== */

typedef struct conn {
    actr_rtc_peer_t *peer;
    rtc_child_t *child;
    bool hello, failed, closed, got, have_stats;
    int lanes_open;
    uint64_t t0, t_first, t_all;
    /* rtt */
    int rtt_left;
    uint64_t t_sent;
    uint32_t *samples; /* ns / 10 */
    int nsamples;
    /* bulk */
    size_t bulk_left;
    bool blocked;
    uint8_t *buf;
    double peer_cpu_ms, peer_rss_kb;
} conn_t;

static void d_candidate(void *arg, const char *cand, const char *mid, int mline, const char *uf)
{
    send_candidate(((conn_t *)arg)->child, cand, mid, mline, uf);
}

static void d_state(void *arg, actr_rtc_state_t st, int code, const char *why)
{
    conn_t *c = arg;
    if (st == ACTR_RTC_DISCONNECTED || st == ACTR_RTC_FAILED || st == ACTR_RTC_CLOSED) {
        actr_ice_stats_t is;
        actr_rtc_peer_stats(c->peer, &is, NULL, NULL);
        fprintf(stderr, "bench: connection %s (%d %s), ice send errors %llu\n",
                actr_rtc_state_name(st), code, why, (unsigned long long)is.send_errors);
    }
    if (st == ACTR_RTC_FAILED || st == ACTR_RTC_CLOSED)
        c->failed = true;
}

static void d_open(void *arg, actr_rtc_lane_t lane)
{
    conn_t *c = arg;
    uint64_t now = actr_clock_mono_ns();
    if (lane == ACTR_RTC_LANE_RPC_RELIABLE)
        c->t_first = now;
    if (++c->lanes_open == ACTR_RTC_LANE_COUNT)
        c->t_all = now;
}

static void rtt_send(conn_t *c)
{
    c->t_sent = actr_clock_mono_ns();
    if (actr_rtc_peer_send(c->peer, ACTR_RTC_LANE_RPC_RELIABLE, c->buf, RTT_MSG, true) != 0)
        c->failed = true;
}

static void d_message(void *arg, actr_rtc_lane_t lane, const uint8_t *d, size_t n, bool bin)
{
    (void)d;
    (void)bin;
    conn_t *c = arg;
    if (lane != ACTR_RTC_LANE_RPC_RELIABLE || n != RTT_MSG || c->rtt_left <= 0)
        return;
    c->samples[c->nsamples++] = (uint32_t)((actr_clock_mono_ns() - c->t_sent) / 10);
    if (--c->rtt_left > 0)
        rtt_send(c);
}

static void bulk_pump(conn_t *c)
{
    while (c->bulk_left > 0 && !c->failed) {
        int rc = actr_rtc_peer_send(c->peer, ACTR_RTC_LANE_STREAM_RELIABLE, c->buf, BULK_MSG, true);
        if (rc == ACTR_EAGAIN) {
            c->blocked = true;
            return;
        }
        if (rc != 0) {
            c->failed = true;
            return;
        }
        c->bulk_left -= BULK_MSG;
        if (c->blocked)
            return; /* rose above the high threshold: wait for low */
    }
}

static void d_high(void *arg, actr_rtc_lane_t lane)
{
    if (lane == ACTR_RTC_LANE_STREAM_RELIABLE)
        ((conn_t *)arg)->blocked = true;
}

static void d_low(void *arg, actr_rtc_lane_t lane)
{
    conn_t *c = arg;
    if (lane == ACTR_RTC_LANE_STREAM_RELIABLE) {
        c->blocked = false;
        bulk_pump(c);
    }
}

static void d_closed(void *arg)
{
    ((conn_t *)arg)->closed = true;
}

static void d_msg(void *arg, const cJSON *m)
{
    conn_t *c = arg;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(m, "type"));
    if (!type)
        return;
    if (!strcmp(type, "hello")) {
        c->hello = true;
    } else if (!strcmp(type, "answer")) {
        const char *sdp = cJSON_GetStringValue(cJSON_GetObjectItem(m, "sdp"));
        if (!sdp || actr_rtc_peer_set_remote(c->peer, ACTR_SDP_ANSWER, sdp, strlen(sdp), NULL))
            c->failed = true;
    } else if (!strcmp(type, "candidate")) {
        add_candidate(c->peer, m);
    } else if (!strcmp(type, "got")) {
        c->got = true;
    } else if (!strcmp(type, "stats")) {
        c->peer_cpu_ms = cJSON_GetNumberValue(cJSON_GetObjectItem(m, "cpu_ms"));
        c->peer_rss_kb = cJSON_GetNumberValue(cJSON_GetObjectItem(m, "rss_kb"));
        c->have_stats = true;
    }
}

static bool p_hello(void *a) { return ((conn_t *)a)->hello || ((conn_t *)a)->failed; }
static bool p_first(void *a) { return ((conn_t *)a)->t_first || ((conn_t *)a)->failed; }
static bool p_all(void *a) { return ((conn_t *)a)->t_all || ((conn_t *)a)->failed; }
static bool p_rtt(void *a) { return ((conn_t *)a)->rtt_left <= 0 || ((conn_t *)a)->failed; }
static bool p_got(void *a) { return ((conn_t *)a)->got || ((conn_t *)a)->failed; }
static bool p_stats(void *a) { return ((conn_t *)a)->have_stats || ((conn_t *)a)->failed; }
static bool p_closed(void *a)
{
    conn_t *c = a;
    return c->closed && rtc_child_done(c->child);
}

typedef struct result {
    bool ok;
    double connect_ms, all_lanes_ms, p50_us, p99_us, mib_s, cpu_ms_per_mib, peer_cpu_ms_per_mib;
} result_t;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void peer_stats(conn_t *c)
{
    c->have_stats = false;
    json_send(c->child, json_type("stats"));
    run_until(p_stats, c, 5000);
}

static result_t run_target(actr_rtc_env_t *env, char *const argv[])
{
    result_t r = {0};
    conn_t *c = calloc(1, sizeof(*c));
    c->buf = calloc(1, BULK_MSG);
    c->samples = calloc((size_t)o.rtt, sizeof(uint32_t));
    actr_rtc_peer_config_t cfg;
    actr_rtc_peer_config_init(&cfg);
    cfg.local_addresses = k_lo;
    cfg.n_local_addresses = 1;
    actr_rtc_peer_callbacks_t cbs = {.on_candidate = d_candidate, .on_state = d_state,
                                     .on_channel_open = d_open, .on_message = d_message,
                                     .on_buffered_high = d_high, .on_buffered_low = d_low,
                                     .on_closed = d_closed};
    char *offer = NULL;
    if (rtc_child_spawn(&loop, argv, NULL, d_msg, c, &c->child) != 0)
        goto out;
    if (!run_until(p_hello, c, 20000) || c->failed)
        goto close;
    if (actr_rtc_peer_new(env, true, &cfg, &cbs, c, &c->peer))
        goto close;
    /* connect */
    c->t0 = actr_clock_mono_ns();
    actr_rtc_peer_create_channel(c->peer, ACTR_RTC_LANE_RPC_RELIABLE);
    if (actr_rtc_peer_create_offer(c->peer, &offer) != 0)
        goto close;
    cJSON *m = json_type("offer");
    cJSON_AddStringToObject(m, "sdp", offer);
    json_send(c->child, m);
    free(offer);
    for (int l = 1; l < ACTR_RTC_LANE_COUNT; l++)
        actr_rtc_peer_create_channel(c->peer, (actr_rtc_lane_t)l);
    if (!run_until(p_first, c, 10000) || !run_until(p_all, c, 10000) || c->failed)
        goto close;
    r.connect_ms = (double)(c->t_first - c->t0) / 1e6;
    r.all_lanes_ms = (double)(c->t_all - c->t0) / 1e6;
    /* rtt: a short warm-up, then the samples */
    c->rtt_left = 50;
    c->nsamples = 0;
    rtt_send(c);
    if (!run_until(p_rtt, c, 10000) || c->failed)
        goto close;
    c->rtt_left = o.rtt;
    c->nsamples = 0;
    rtt_send(c);
    if (!run_until(p_rtt, c, 60000) || c->failed)
        goto close;
    qsort(c->samples, (size_t)c->nsamples, sizeof(uint32_t), cmp_u32);
    r.p50_us = c->samples[c->nsamples / 2] / 100.0;
    r.p99_us = c->samples[(size_t)c->nsamples * 99 / 100] / 100.0;
    /* bulk */
    size_t bytes = o.bulk_mib << 20;
    peer_stats(c);
    double peer_cpu0 = c->peer_cpu_ms, cpu0 = cpu_ms_self();
    cJSON *e = json_type("expect");
    cJSON_AddNumberToObject(e, "bytes", (double)bytes);
    json_send(c->child, e);
    uint64_t t0 = actr_clock_mono_ns();
    c->bulk_left = bytes;
    bulk_pump(c);
    if (!run_until(p_got, c, 120000) || c->failed)
        goto close;
    double secs = (double)(actr_clock_mono_ns() - t0) / 1e9;
    if (getenv("BENCH_VERBOSE")) {
        struct sctpstat st;
        usrsctp_get_stat(&st);
        actr_ice_stats_t is;
        actr_rtc_peer_stats(c->peer, &is, NULL, NULL);
        fprintf(stderr, "bench: sctp (process totals) retransmitted %u fast %u T3 timeouts %u, window probes %u, "
                "dup data in %u; ice send errors %llu, rcvbuf %d\n",
                st.sctps_sendretransdata, st.sctps_sendfastretrans, st.sctps_timodata, st.sctps_timowindowprobe,
                st.sctps_recvdupdata, (unsigned long long)is.send_errors, is.rcvbuf_bytes);
    }
    double cpu = cpu_ms_self() - cpu0;
    peer_stats(c);
    r.mib_s = (double)o.bulk_mib / secs;
    r.cpu_ms_per_mib = cpu / (double)o.bulk_mib;
    r.peer_cpu_ms_per_mib = (c->peer_cpu_ms - peer_cpu0) / (double)o.bulk_mib;
    r.ok = true;
close:
    if (c->peer)
        actr_rtc_peer_close(c->peer);
    else
        c->closed = true;
    rtc_child_close(c->child);
    run_until(p_closed, c, 10000);
    rtc_child_free(c->child);
    for (int i = 0; i < 10; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
out:
    free(c->buf);
    free(c->samples);
    free(c);
    return r;
}

/* ==== RSS and threads per connection: pairs in this process ============================== */

typedef struct mini {
    actr_rtc_peer_t *p;
    struct mini *other;
    int open;
    bool closed;
} mini_t;

static void m_cand(void *arg, const char *cand, const char *mid, int mline, const char *uf)
{
    mini_t *m = arg;
    actr_rtc_peer_add_candidate(m->other->p, cand, mid, mline, uf, NULL);
}
static void m_open(void *arg, actr_rtc_lane_t lane)
{
    (void)lane;
    ((mini_t *)arg)->open++;
}
static void m_closed(void *arg)
{
    ((mini_t *)arg)->closed = true;
}

typedef struct minis {
    mini_t *m;
    int n;
} minis_t;

static bool all_mini_open(void *arg)
{
    minis_t *ms = arg;
    for (int i = 0; i < ms->n; i++)
        if (ms->m[i].open < ACTR_RTC_LANE_COUNT)
            return false;
    return true;
}

static bool all_mini_closed(void *arg)
{
    minis_t *ms = arg;
    for (int i = 0; i < ms->n; i++)
        if (!ms->m[i].closed)
            return false;
    return true;
}

static bool per_connection(actr_rtc_env_t *env, int pairs, double *kb_per_conn, double *thr_per_conn)
{
    minis_t ms = {calloc((size_t)pairs * 2, sizeof(mini_t)), pairs * 2};
    actr_rtc_peer_config_t cfg;
    actr_rtc_peer_config_init(&cfg);
    cfg.local_addresses = k_lo;
    cfg.n_local_addresses = 1;
    actr_rtc_peer_callbacks_t cbs = {.on_candidate = m_cand, .on_channel_open = m_open,
                                     .on_closed = m_closed};
    long rss0 = rss_kb_self();
    int thr0 = threads_self();
    bool ok = true;
    for (int i = 0; i < pairs && ok; i++) {
        mini_t *a = &ms.m[2 * i], *b = &ms.m[2 * i + 1];
        a->other = b;
        b->other = a;
        char *offer = NULL, *answer = NULL;
        ok = !actr_rtc_peer_new(env, true, &cfg, &cbs, a, &a->p) &&
             !actr_rtc_peer_new(env, false, &cfg, &cbs, b, &b->p);
        for (int l = 0; ok && l < ACTR_RTC_LANE_COUNT; l++)
            ok = !actr_rtc_peer_create_channel(a->p, (actr_rtc_lane_t)l);
        ok = ok && !actr_rtc_peer_create_offer(a->p, &offer) &&
             !actr_rtc_peer_set_remote(b->p, ACTR_SDP_OFFER, offer, strlen(offer), NULL) &&
             !actr_rtc_peer_create_answer(b->p, &answer) &&
             !actr_rtc_peer_set_remote(a->p, ACTR_SDP_ANSWER, answer, strlen(answer), NULL);
        free(offer);
        free(answer);
    }
    ok = ok && run_until(all_mini_open, &ms, 30000);
    if (ok) {
        for (int i = 0; i < 20; i++) /* settle: let first-use buffers be allocated */
            uv_run(&loop, UV_RUN_NOWAIT);
        *kb_per_conn = (double)(rss_kb_self() - rss0) / (pairs * 2);
        *thr_per_conn = (double)(threads_self() - thr0) / (pairs * 2);
    }
    for (int i = 0; i < pairs * 2; i++) {
        if (ms.m[i].p)
            actr_rtc_peer_close(ms.m[i].p);
        else
            ms.m[i].closed = true;
    }
    run_until(all_mini_closed, &ms, 10000);
    free(ms.m);
    return ok;
}

/* ==== main ================================================================================ */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_d);
    return n ? v[n / 2] : 0;
}

int main(int argc, char **argv)
{
    bool peer_mode = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--peer"))
            peer_mode = true;
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            o.rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rtt") && i + 1 < argc)
            o.rtt = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--bulk-mib") && i + 1 < argc)
            o.bulk_mib = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
            o.conns = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--node") && i + 1 < argc)
            o.node = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--rounds N] [--rtt N] [--bulk-mib N] [--conns N] [--node PATH]\n",
                    argv[0]);
            return 2;
        }
    }
    if (o.rounds < 1 || o.rtt < 1 || o.bulk_mib < 1 || o.conns < 1)
        return 2;
    uv_loop_init(&loop);
    uv_timer_init(&loop, &tick);
    if (peer_mode)
        return run_peer();

    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;
    const char *src = getenv("ACTR_SOURCE_DIR") ? getenv("ACTR_SOURCE_DIR") : ACTR_BENCH_SOURCE_DIR;
    char script[4096], nodepath[4200];
    snprintf(script, sizeof(script), "%s/bench/webrtc/wrtc_peer.js", src);
    snprintf(nodepath, sizeof(nodepath), "%s/tests/interop/node_modules/@roamhq/wrtc", src);
    const char *node = o.node ? o.node : "/usr/bin/node";
    bool have_wrtc = access(node, X_OK) == 0 && access(nodepath, R_OK) == 0;
    if (have_wrtc) {
        snprintf(nodepath, sizeof(nodepath), "NODE_PATH=%s/tests/interop/node_modules", src);
        putenv(nodepath);
    } else {
        fprintf(stderr, "bench: no node or no tests/interop/node_modules: libwebrtc column skipped\n");
    }
    char *ours_argv[] = {self, "--peer", NULL};
    char *wrtc_argv[] = {(char *)node, script, NULL};

    actr_rtc_env_t *env;
    if (actr_rtc_env_new(&loop, &env) != 0)
        return 1;
    int thr_base = threads_self();
    enum { OURS = 0, WRTC = 1 };
    double v[2][7][16];
    int nok[2] = {0, 0};
    bool failed = false;
    for (int round = 0; round < o.rounds && round < 16; round++) {
        for (int t = 0; t < 2; t++) {
            if (t == WRTC && !have_wrtc)
                continue;
            result_t r = run_target(env, t == OURS ? ours_argv : wrtc_argv);
            if (!r.ok) {
                fprintf(stderr, "bench: round %d against %s failed\n", round + 1,
                        t == OURS ? "ours" : "libwebrtc");
                failed = true;
                continue;
            }
            double row[7] = {r.connect_ms, r.all_lanes_ms, r.p50_us, r.p99_us, r.mib_s,
                             r.cpu_ms_per_mib, r.peer_cpu_ms_per_mib};
            for (int k = 0; k < 7; k++)
                v[t][k][nok[t]] = row[k];
            nok[t]++;
            fprintf(stderr, "round %d %-9s connect %.1f ms, rtt p50 %.0f us, bulk %.1f MiB/s\n",
                    round + 1, t == OURS ? "ours" : "libwebrtc", r.connect_ms, r.p50_us, r.mib_s);
        }
    }
    double kb = 0, thr = 0;
    bool pc_ok = per_connection(env, o.conns, &kb, &thr);
    if (!pc_ok)
        failed = true;

    static const char *const names[7] = {
        "connect: offer -> RPC_RELIABLE open (ms)", "connect: offer -> 4 lanes open (ms)",
        "rtt 64 B p50 (us)", "rtt 64 B p99 (us)", "bulk 64 KiB messages (MiB/s)",
        "CPU per MiB, this process (ms)", "CPU per MiB, the peer process (ms)"};
    printf("\nmedians of %d rounds; our offerer against:     our peer   libwebrtc  ours/libwebrtc\n",
           o.rounds);
    for (int k = 0; k < 7; k++) {
        double a = median(v[OURS][k], nok[OURS]), b = median(v[WRTC][k], nok[WRTC]);
        printf("%-44s %10.2f  %10.2f  %10.2fx\n", names[k], a, b, b > 0 ? a / b : 0.0);
    }
    printf("%-44s %10.1f   (%d pairs in one process on one loop)\n",
           "RSS per extra connection (KiB)", kb, o.conns);
    printf("%-44s %10.2f   (%d threads in the process before)\n", "threads per extra connection",
           thr, thr_base);
    if (actr_rtc_env_close(env) != 0)
        failed = true;
    uv_close((uv_handle_t *)&tick, NULL);
    for (int i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++)
        ;
    if (uv_loop_close(&loop) != 0)
        failed = true;
    return failed ? 1 : 0;
}
