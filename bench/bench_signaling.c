/*
 * bench_signaling - actrd under many signaling WebSockets, against a raw libwebsockets echo server.
 *
 * N actors register over HTTP (LINKED, with the realm secret) and connect from this one process
 * (libwebsockets client on a libuv loop); they stay alive with WebSocket Pings and heartbeat Ping
 * envelopes. Then P pairs relay SessionDescription/IceCandidate envelopes A -> B with W in flight
 * per pair, then 1 pair with 1 in flight; the send time rides in the payload, so the receiver sees
 * the latency. The same client then runs the same script with the same frames against a raw lws
 * echo server: a child forked at start, so like actrd it has its own process, core and RSS.
 *
 *   bench_signaling [--connections N] [--pairs P] [--window W] [--idle-secs S] [--relay-secs S]
 *       [--heartbeat-secs S] [--ping-secs S] [--sdp-bytes B] [--parallel K] [--timeout S]
 *       [--actrd PATH] [--tmp DIR] [--set KEY=VALUE]... [--no-echo]
 *       [--url http://127.0.0.1:PORT --realm-secret S [--realm-id R] [--server-pid PID]]
 *
 * Exit 0 only when every connection came up and stayed up, every heartbeat and Ping was answered,
 * every relay was delivered and the servers exited 0: correctness, never timing.
 */
#include "signaling/sigbench.h"

void note_error(bench_t *b, const char *what, const char *detail)
{
    b->r->errors++;
    if (!b->err[0])
        snprintf(b->err, sizeof b->err, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

/* ---- frames the client sends ---- */

static Actr__RegisterResponse__RegisterOk *ok_of(const bench_t *b, unsigned i)
{
    return b->peers[i].resp->success;
}

static size_t pack_envelope(bench_t *b, Signaling__SignalingEnvelope *env, uint8_t *out)
{
    char id[32];
    snprintf(id, sizeof id, "env-%" PRIu64, ++b->seq);
    env->envelope_version = 2;
    env->envelope_id = id;
    return protobuf_c_message_get_packed_size(&env->base) <= FRAME_MAX
               ? protobuf_c_message_pack(&env->base, out) : 0;
}

static size_t encode_heartbeat(bench_t *b, const conn_t *c, uint8_t *out)
{
    Actr__Ping ping = ACTR__PING__INIT;
    ping.availability = ACTR__SERVICE_AVAILABILITY_STATE__FULL;
    ping.power_reserve = 2.0f;
    Signaling__ActrToSignaling a = SIGNALING__ACTR_TO_SIGNALING__INIT;
    a.source = ok_of(b, c->idx)->actr_id;
    a.credential = ok_of(b, c->idx)->credential;
    a.payload_case = SIGNALING__ACTR_TO_SIGNALING__PAYLOAD_PING;
    a.ping = &ping;
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER;
    env.actr_to_server = &a;
    return pack_envelope(b, &env, out);
}

/* Every fifth relay an SDP offer, the others ICE candidates, as a WebRTC start looks. The tag
 * "bench:<relay id>:<pair>:<seq>:<send time ns>" rides in the SDP or candidate text. */
static size_t encode_relay(bench_t *b, unsigned pi, const pair_t *pr, uint8_t *out)
{
    char tag[96];
    snprintf(tag, sizeof tag, "bench:%u:%u:%" PRIu64 ":%" PRIu64, b->relay_id, pi, pr->sent,
             now_ns());
    Signaling__ActrRelay r = SIGNALING__ACTR_RELAY__INIT;
    r.source = ok_of(b, pr->a)->actr_id;
    r.credential = ok_of(b, pr->a)->credential;
    r.target = ok_of(b, pr->b)->actr_id;
    Webrtc__SessionDescription sd = WEBRTC__SESSION_DESCRIPTION__INIT;
    Webrtc__IceCandidate ic = WEBRTC__ICE_CANDIDATE__INIT;
    if (pr->sent % 5 == 0) {
        snprintf(b->text, sizeof b->text, "v=0\r\no=- %s 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n%s",
                 tag, b->sdp_pad);
        sd.sdp = b->text;
        sd.sdp_exchange_id = "5b0e2c1a-7f3d-4e8a-9c6b-2d1f0a9e8b7c";
        r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION;
        r.session_description = &sd;
    } else {
        snprintf(b->text, sizeof b->text,
                 "candidate:%s 1 udp 2122260223 127.0.0.1 50000 typ host generation 0", tag);
        ic.candidate = b->text;
        ic.sdp_mid = "0";
        ic.has_sdp_mline_index = 1;
        ic.username_fragment = "b3Nc";
        r.payload_case = SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE;
        r.ice_candidate = &ic;
    }
    Signaling__SignalingEnvelope env = SIGNALING__SIGNALING_ENVELOPE__INIT;
    env.flow_case = SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY;
    env.actr_relay = &r;
    return pack_envelope(b, &env, out);
}

/* ---- the client ---- */

/*
 * lws reads a socket in 4 KiB chunks, so a message may come in pieces even when it is small.
 * Returns 1 with the whole message in *data and *len, 0 when more is to come, -1 when too big.
 */
int assemble(struct lws *wsi, rxbuf_t *rx, const uint8_t **data, size_t *len)
{
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (first && final)
        return 1;
    if (first)
        rx->len = 0;
    if (rx->len + *len > FRAME_MAX || (!rx->data && !(rx->data = malloc(FRAME_MAX))))
        return -1;
    memcpy(rx->data + rx->len, *data, *len);
    rx->len += *len;
    *data = rx->data;
    *len = rx->len;
    return final;
}

static bool may_relay(const bench_t *b, const conn_t *c)
{
    return b->relay_on && c->pair >= 0 && (unsigned)c->pair < b->act_pairs && c->st == C_UP &&
           !c->closing && b->pairs[c->pair].sent - b->pairs[c->pair].recvd < b->window;
}

static void relay_received(bench_t *b, const char *text, uint64_t now)
{
    const char *t = text ? strstr(text, "bench:") : NULL;
    unsigned rid = 0, pi = 0;
    uint64_t seq = 0, ts = 0;
    if (!t || sscanf(t, "bench:%u:%u:%" SCNu64 ":%" SCNu64, &rid, &pi, &seq, &ts) != 4 ||
        rid != b->relay_id || pi >= b->act_pairs || b->ph < PH_RELAY || b->ph > PH_DRAIN) {
        note_error(b, "stray relay", NULL);
        return;
    }
    pair_t *pr = &b->pairs[pi];
    pr->recvd++;
    b->r->st[b->stage].delivered++;
    b->relay_last = now;
    if (b->nlat < LAT_CAP)
        b->lat[b->nlat++] = now - ts > UINT32_MAX ? UINT32_MAX : (uint32_t)(now - ts);
    if (may_relay(b, &b->conns[pr->a]))
        lws_callback_on_writable(b->conns[pr->a].wsi);
}

static void on_frame(bench_t *b, const uint8_t *data, size_t len)
{
    uint64_t now = now_ns();
    ProtobufCMessage *m = NULL;
    if (actr_pb_decode(&signaling__signaling_envelope__descriptor, data, len, &m, NULL)) {
        note_error(b, "undecodable frame", NULL);
        return;
    }
    const Signaling__SignalingEnvelope *env = (const Signaling__SignalingEnvelope *)m;
    const Signaling__SignalingToActr *s = env->server_to_actr;
    const Signaling__ActrRelay *r = env->actr_relay;
    switch (env->flow_case) {
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_TO_SERVER: /* the echo of a heartbeat */
        b->r->hb_ok++;
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_SERVER_TO_ACTR:
        if (s->payload_case == SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_PONG)
            b->r->hb_ok++;
        else if (s->payload_case == SIGNALING__SIGNALING_TO_ACTR__PAYLOAD_ERROR)
            note_error(b, "signaling error", s->error->message);
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ACTR_RELAY:
        relay_received(b, r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_SESSION_DESCRIPTION
                              ? r->session_description->sdp
                          : r->payload_case == SIGNALING__ACTR_RELAY__PAYLOAD_ICE_CANDIDATE
                              ? r->ice_candidate->candidate : NULL, now);
        break;
    case SIGNALING__SIGNALING_ENVELOPE__FLOW_ENVELOPE_ERROR:
        note_error(b, "envelope error", env->envelope_error->message);
        break;
    default:
        note_error(b, "unexpected envelope", NULL);
    }
    actr_pb_free(m);
}

/* One frame per WRITEABLE: a due Ping, a due heartbeat, else a relay if the window allows.
 * Frames are built here, so the timestamp is the time of the write. */
static int on_writeable(bench_t *b, conn_t *c)
{
    uint8_t *p = b->frame + LWS_PRE;
    size_t n = 0;
    if (c->closing) {
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (c->ping_due) {
        c->ping_due = false;
        if (lws_write(c->wsi, p, 0, LWS_WRITE_PING) < 0)
            return -1;
        b->r->pings++;
    } else if (c->hb_due) {
        c->hb_due--;
        if (!(n = encode_heartbeat(b, c, p)) || lws_write(c->wsi, p, n, LWS_WRITE_BINARY) < (int)n)
            return -1;
        b->r->hb_sent++;
    } else if (may_relay(b, c)) {
        pair_t *pr = &b->pairs[c->pair];
        if (!(n = encode_relay(b, (unsigned)c->pair, pr, p)) ||
            lws_write(c->wsi, p, n, LWS_WRITE_BINARY) < (int)n)
            return -1;
        pr->sent++;
        b->r->st[b->stage].sent++;
    }
    if (c->ping_due || c->hb_due || may_relay(b, c))
        lws_callback_on_writable(c->wsi);
    return 0;
}

static void conn_failed(bench_t *b, conn_t *c, const char *why)
{
    if (c->st != C_CONNECTING)
        return;
    c->st = C_FAILED;
    b->connecting--;
    b->live--;
    b->r->failed++;
    if (!b->err[0])
        snprintf(b->err, sizeof b->err, "connect #%u: %s", c->idx, why);
}

static int client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                     size_t len)
{
    conn_t *c = lws_get_opaque_user_data(wsi);
    struct lws_context *ctx = lws_get_context(wsi);
    bench_t *b = ctx ? lws_context_user(ctx) : NULL;
    if (!c || !b)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        conn_failed(b, c, in ? (const char *)in : "connection error");
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (c->st == C_CONNECTING) {
            c->st = C_UP;
            b->connecting--;
            b->r->up++;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        const uint8_t *data = in;
        int whole = assemble(wsi, &c->rx, &data, &len);
        if (whole < 0)
            note_error(b, "message too big", NULL);
        if (whole > 0)
            on_frame(b, data, len);
        return whole < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        b->r->pongs++;
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(b, c);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!c->closing && len >= 2) {
            char why[160];
            const uint8_t *u = in;
            snprintf(why, sizeof why, "server closed #%u: %d %.*s", c->idx, u[0] << 8 | u[1],
                     (int)(len - 2 > 120 ? 120 : len - 2), (const char *)in + 2);
            note_error(b, why, NULL);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c->st == C_UP) {
            c->st = C_CLOSED;
            b->live--;
            b->r->dropped += !c->closing;
        }
        conn_failed(b, c, "closed during the handshake");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        conn_failed(b, c, "destroyed during the handshake");
        c->wsi = NULL;
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/*
 * No lws validity timer on client sockets (we send our own Pings): in lws 4.1.6 each re-arm of it
 * is an insertion into one sorted list of every socket's timers, O(N) per received frame.
 */
static const lws_retry_bo_t client_policy = {.secs_since_valid_ping = 0};

static const struct lws_protocols client_protocols[] = {
    {"bench", client_cb, 0, RX_BYTES, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void connect_more(bench_t *b)
{
    while (b->connecting < b->o.parallel && b->next < b->o.conns) {
        conn_t *c = &b->conns[b->next++];
        struct lws_client_connect_info ci;
        memset(&ci, 0, sizeof ci);
        ci.context = b->ctx;
        ci.address = ci.host = ci.origin = "127.0.0.1";
        ci.port = b->port;
        ci.path = b->peers[c->idx].path; /* the echo server ignores it: same request size */
        ci.local_protocol_name = "bench";
        ci.pwsi = &c->wsi;
        ci.opaque_user_data = c;
        ci.retry_and_idle_policy = &client_policy;
        c->st = C_CONNECTING;
        b->connecting++;
        b->live++;
        if (!lws_client_connect_via_info(&ci))
            conn_failed(b, c, "lws_client_connect_via_info failed");
    }
}

/* Spreads Pings and heartbeats evenly: connection k % N is due when the cursor passes k. */
static void schedule(bench_t *b, uint64_t now, double secs, uint64_t *cursor, bool ping)
{
    uint64_t n = b->o.conns, target;
    if (!b->hb_on || secs <= 0)
        return;
    target = (uint64_t)((double)(now - b->hb_t0) / (secs * SEC) * (double)n);
    if (target > *cursor + n)
        *cursor = target - n; /* at most one round per tick */
    for (; *cursor < target; (*cursor)++) {
        conn_t *c = &b->conns[*cursor % n];
        if (c->st != C_UP || c->closing)
            continue;
        c->ping_due |= ping;
        c->hb_due += !ping;
        lws_callback_on_writable(c->wsi);
    }
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, c = *(const uint32_t *)y;
    return a < c ? -1 : a > c;
}

static void enter(bench_t *b, enum phase ph)
{
    b->ph = ph;
    b->ph_t0 = now_ns();
}

static void relay_start(bench_t *b, unsigned stage)
{
    b->stage = stage;
    b->relay_id++;
    b->act_pairs = stage ? 1 : b->o.pairs;
    b->window = stage ? 1 : b->o.window;
    for (unsigned i = 0; i < b->o.pairs; i++)
        b->pairs[i].sent = b->pairs[i].recvd = 0;
    b->nlat = 0;
    b->cpu0 = proc_cpu_ns(b->srv);
    b->cli0 = self_cpu_ns();
    b->relay_on = b->r->relayed = true;
    enter(b, PH_RELAY);
    b->relay_t0 = b->relay_last = b->ph_t0;
    for (unsigned i = 0; i < b->act_pairs; i++)
        if (may_relay(b, &b->conns[b->pairs[i].a]))
            lws_callback_on_writable(b->conns[b->pairs[i].a].wsi);
}

static void relay_finish(bench_t *b, uint64_t now)
{
    stage_t *s = &b->r->st[b->stage];
    double all = (double)(now - b->relay_t0), secs = (double)(b->relay_last - b->relay_t0) / SEC;
    s->rate = secs > 0 ? (double)s->delivered / secs : 0;
    s->srv_cpu = (double)(proc_cpu_ns(b->srv) - b->cpu0) / all * 100;
    s->cli_cpu = (double)(self_cpu_ns() - b->cli0) / all * 100;
    if (b->nlat) {
        qsort(b->lat, b->nlat, sizeof *b->lat, cmp_u32);
        s->p50 = b->lat[b->nlat / 2] / 1e3;
        s->p99 = b->lat[b->nlat * 99 / 100] / 1e3;
        s->max = b->lat[b->nlat - 1] / 1e3;
    }
}

static bool relays_done(const bench_t *b)
{
    for (unsigned i = 0; i < b->act_pairs; i++)
        if (b->pairs[i].recvd != b->pairs[i].sent)
            return false;
    return true;
}

static void close_all(bench_t *b)
{
    b->hb_on = b->relay_on = false;
    for (unsigned i = 0; i < b->o.conns; i++)
        if (b->conns[i].st == C_UP) {
            b->conns[i].closing = true;
            lws_callback_on_writable(b->conns[i].wsi);
        }
    enter(b, PH_CLOSE);
}

static void on_tick(uv_timer_t *t)
{
    bench_t *b = t->data;
    result_t *r = b->r;
    uint64_t now = now_ns(), el = now - b->ph_t0;
    schedule(b, now, b->o.ping_s, &b->ping_cur, true);
    schedule(b, now, b->o.hb_s, &b->hb_cur, false);
    if (b->ph < PH_CLOSE && now > b->deadline) {
        note_error(b, "timeout", "--timeout reached");
        close_all(b);
    }
    switch (b->ph) {
    case PH_CONNECT:
        connect_more(b);
        if (b->next == b->o.conns && !b->connecting) {
            r->connect_s = (double)(now - b->t0) / SEC;
            fprintf(stderr, "bench_signaling:   %u connected in %.2f s, %u failed\n", r->up,
                    r->connect_s, r->failed);
            enter(b, PH_SETTLE);
        }
        break;
    case PH_SETTLE: /* a second for the server to finish what the handshakes started */
        if (el >= 1000000000ull) {
            r->rss[1] = proc_rss_kb(b->srv);
            b->cpu0 = proc_cpu_ns(b->srv);
            b->cli0 = self_cpu_ns();
            b->hb_on = true;
            b->hb_t0 = now;
            enter(b, PH_IDLE);
        }
        break;
    case PH_IDLE:
        if (el >= (uint64_t)(b->o.idle_s * SEC)) {
            r->idle_cpu = (double)(proc_cpu_ns(b->srv) - b->cpu0) / (double)el * 100;
            r->idle_cli = (double)(self_cpu_ns() - b->cli0) / (double)el * 100;
            r->rss[2] = proc_rss_kb(b->srv);
            if (b->o.pairs && r->up == b->o.conns)
                relay_start(b, 0);
            else
                enter(b, PH_QUIET);
        }
        break;
    case PH_RELAY:
        if (el >= (uint64_t)(b->o.relay_s * SEC)) {
            b->relay_on = false;
            enter(b, PH_DRAIN);
        }
        break;
    case PH_DRAIN:
        if (relays_done(b) || el > STEP_NS) {
            relay_finish(b, now);
            if (b->stage == 0)
                relay_start(b, 1);
            else
                enter(b, PH_QUIET);
        }
        break;
    case PH_QUIET: /* no new heartbeats or Pings: wait for the answers to the last ones */
        b->hb_on = false;
        if ((r->hb_ok >= r->hb_sent && r->pongs >= r->pings) || el > STEP_NS)
            close_all(b);
        break;
    case PH_CLOSE:
        if (!b->live || el > STEP_NS) {
            uv_timer_stop(&b->tick);
            uv_close((uv_handle_t *)&b->tick, NULL);
            lws_context_destroy(b->ctx); /* the first of two (LOOP-NOTES), from a loop callback */
            b->ph = PH_DONE;
        }
        break;
    case PH_DONE:
        break;
    }
}

static int run_target(bench_t *b, result_t *r, const char *name)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    b->r = r;
    b->err[0] = '\0';
    b->next = b->connecting = b->live = 0;
    b->hb_cur = b->ping_cur = 0;
    b->hb_on = b->relay_on = false;
    for (unsigned i = 0; i < b->o.conns; i++) {
        free(b->conns[i].rx.data);
        b->conns[i] = (conn_t){.idx = i, .pair = i % 2 || i / 2 >= b->o.pairs ? -1 : (int)(i / 2)};
    }
    fprintf(stderr, "bench_signaling: %s on 127.0.0.1:%d\n", name, b->port);
    r->rss[0] = proc_rss_kb(b->srv);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    b->foreign[0] = &b->loop;
    info.foreign_loops = b->foreign;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = client_protocols;
    info.user = b;
    if (!(b->ctx = lws_create_context(&info)))
        return -1;
    uv_timer_init(&b->loop, &b->tick);
    b->tick.data = b;
    uv_timer_start(&b->tick, on_tick, TICK_MS, TICK_MS);
    enter(b, PH_CONNECT);
    b->t0 = b->ph_t0;
    b->deadline = b->t0 + (uint64_t)b->o.timeout * 1000000000ull;
    uv_run(&b->loop, UV_RUN_DEFAULT);
    lws_context_destroy(b->ctx); /* the second call frees the rest (4.1.6) */
    b->ctx = NULL;
    bool relays_ok = !b->o.pairs || (r->relayed && r->st[0].delivered == r->st[0].sent &&
                                      r->st[1].delivered == r->st[1].sent && r->st[1].sent);
    r->ok = r->up == b->o.conns && !r->failed && !r->dropped && !r->errors &&
            r->hb_ok == r->hb_sent && r->pongs == r->pings && relays_ok;
    if (b->err[0])
        fprintf(stderr, "bench_signaling:   %s: first problem: %s\n", name, b->err);
    return 0;
}

/* ---- main ---- */

static void row(const char *label, int prec, double a, double e, bool ratio)
{
    printf("%-40s", label);
    for (int i = 0; i < 2; i++) {
        double v = i ? e : a;
        if (v == v) /* NaN: not measured */
            printf(" %13.*f", prec, v);
        else
            printf(" %13s", "-");
    }
    if (ratio && a == a && e == e && e > 0)
        printf(" %9.2fx", a / e);
    printf("\n");
}

static double mib(long kb) { return kb < 0 ? 0.0 / 0.0 : (double)kb / 1024; }

static double per_conn_kib(const result_t *r)
{
    return r->rss[0] < 0 || r->rss[1] < 0 || !r->up ? 0.0 / 0.0
                                                    : (double)(r->rss[1] - r->rss[0]) / r->up;
}

/* The server's cost of one message, whoever limited the rate. */
static double cpu_per_msg(const stage_t *s) { return s->rate > 0 ? s->srv_cpu * 1e4 / s->rate : 0; }

static void print_table(const opts_t *o, const result_t *a, const result_t *e, bool srv)
{
    double nan = 0.0 / 0.0, k = srv ? 1 : nan; /* an unknown server's CPU: not shown */
    static const char *const rss_rows[3] = {"server RSS before connecting (MiB)",
        "server RSS with N sockets (MiB)", "server RSS after idle phase (MiB)"};
#define E(expr) (e ? (double)(e->expr) : nan)
    printf("\nbench_signaling: N=%u, heartbeat every %.1f s, WebSocket Ping every %.1f s, idle "
           "%.1f s, relay stages %.1f s, SDP %u B every 5th relay\n%-40s %13s %13s %10s\n",
           o->conns, o->hb_s, o->ping_s, o->idle_s, o->relay_s, o->sdp_bytes, "", "actrd",
           "raw lws echo", "actrd/raw");
    row("connections up", 0, a->up, E(up), false);
    row("connect all (s)", 2, a->connect_s, E(connect_s), true);
    for (int i = 0; i < 3; i++)
        row(rss_rows[i], 1, mib(a->rss[i]), e ? mib(e->rss[i]) : nan, false);
    row("memory per connection (KiB)", 2, per_conn_kib(a), e ? per_conn_kib(e) : nan, true);
    row("idle server CPU (% of a core)", 2, a->idle_cpu * k, E(idle_cpu), true);
    row("idle client CPU (% of a core)", 2, a->idle_cli, E(idle_cli), false);
    row("heartbeats sent", 0, a->hb_sent, E(hb_sent), false);
    row("heartbeats answered", 0, a->hb_ok, E(hb_ok), false);
    row("WebSocket Pings sent", 0, a->pings, E(pings), false);
    row("WebSocket Pongs received", 0, a->pongs, E(pongs), false);
    for (int s = 0; s < 2 && a->relayed; s++) {
        char lbl[64];
        snprintf(lbl, sizeof lbl, "relay, %u pair(s) x %u in flight: msg/s", s ? 1 : o->pairs,
                 s ? 1 : o->window);
        row(lbl, 0, a->st[s].rate, E(st[s].rate), true);
        row("  sent", 0, (double)a->st[s].sent, E(st[s].sent), false);
        row("  delivered", 0, (double)a->st[s].delivered, E(st[s].delivered), false);
        row("  latency p50 (us)", 1, a->st[s].p50, E(st[s].p50), true);
        row("  latency p99 (us)", 1, a->st[s].p99, E(st[s].p99), true);
        row("  latency max (us)", 1, a->st[s].max, E(st[s].max), false);
        row("  server CPU (% of a core)", 1, a->st[s].srv_cpu * k, E(st[s].srv_cpu), false);
        row("  server CPU per message (us)", 1, cpu_per_msg(&a->st[s]) * k,
            e ? cpu_per_msg(&e->st[s]) : nan, true);
        row("  client CPU (% of a core)", 1, a->st[s].cli_cpu, E(st[s].cli_cpu), false);
    }
    row("errors + dropped connections", 0, (double)(a->errors + a->dropped),
        E(errors + e->dropped), false);
    row("server exit code", 0, a->exit_code, E(exit_code), false);
    printf("result: actrd %s%s\n", a->ok ? "PASS" : "FAIL",
           e ? (e->ok ? ", echo PASS" : ", echo FAIL") : "");
#undef E
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct option lo[] = {
        {"connections", 1, 0, 'n'}, {"pairs", 1, 0, 'p'}, {"window", 1, 0, 'w'},
        {"idle-secs", 1, 0, 'i'}, {"relay-secs", 1, 0, 'r'}, {"heartbeat-secs", 1, 0, 'h'},
        {"ping-secs", 1, 0, 'g'}, {"sdp-bytes", 1, 0, 's'}, {"parallel", 1, 0, 'k'},
        {"timeout", 1, 0, 't'}, {"actrd", 1, 0, 'a'}, {"tmp", 1, 0, 'T'}, {"url", 1, 0, 'u'},
        {"realm-secret", 1, 0, 'S'}, {"realm-id", 1, 0, 'R'}, {"server-pid", 1, 0, 'P'},
        {"set", 1, 0, 'x'}, {"no-echo", 0, 0, 'E'}, {0, 0, 0, 0}};
    bool bad = false;
    for (int ch; (ch = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
        unsigned u = optarg ? (unsigned)strtoul(optarg, NULL, 10) : 0;
        double d = optarg ? strtod(optarg, NULL) : 0;
        switch (ch) {
        case 'n': o->conns = u; break;
        case 'p': o->pairs = u; break;
        case 'w': o->window = u; break;
        case 'i': o->idle_s = d; break;
        case 'r': o->relay_s = d; break;
        case 'h': o->hb_s = d; break;
        case 'g': o->ping_s = d; break;
        case 's': o->sdp_bytes = u; break;
        case 'k': o->parallel = u; break;
        case 't': o->timeout = u; break;
        case 'a': o->actrd = optarg; break;
        case 'T': o->tmp = optarg; break;
        case 'u': o->url = optarg; break;
        case 'S': o->secret = optarg; break;
        case 'R': o->realm_id = u; break;
        case 'P': o->server_pid = (pid_t)u; break;
        case 'x':
            if (!(bad |= o->nsets == MAX_SETS))
                o->sets[o->nsets++] = optarg;
            break;
        case 'E': o->no_echo = true; break;
        default: bad = true;
        }
    }
    if (bad || optind != argc || o->conns < 2 || o->conns > 1000000 || o->pairs > o->conns / 2 ||
        !o->window || !o->parallel || o->sdp_bytes > 2048 || o->idle_s < 0 || o->idle_s > 3600 ||
        o->relay_s <= 0 || o->relay_s > 600 || !o->timeout || (o->url && !o->secret)) {
        fprintf(stderr, "bench_signaling: bad arguments (usage: the comment at the top of "
                        "bench/bench_signaling.c; P <= N/2, SDP <= 2048 B)\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static bench_t bench; /* large (frame buffers): not on the stack */
    bench_t *b = &bench;
    opts_t *o = &b->o;
    *o = (opts_t){.conns = 10000, .pairs = 100, .window = 8, .parallel = 256, .sdp_bytes = 1200,
                  .timeout = 600, .realm_id = 1, .idle_s = 30, .relay_s = 5, .hb_s = 30,
                  .ping_s = 5, .tmp = getenv("TMPDIR")};
    if (parse_opts(argc, argv, o))
        return 2;
    static char self[4096], actrd[4200];
    if (!o->actrd) { /* actrd sits next to us in build/bin */
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        char *slash = n > 0 ? (self[n] = '\0', strrchr(self, '/')) : NULL;
        snprintf(actrd, sizeof actrd, "%.*s/actrd", slash ? (int)(slash - self) : 1,
                 slash ? self : ".");
        o->actrd = actrd;
    }
    /* Every socket is a descriptor, here and in the servers (they inherit the limit). */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = (rlim_t)o->conns + 256;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
        fprintf(stderr, "bench_signaling: RLIMIT_NOFILE hard limit %lu < %lu needed for %u "
                "connections: raise it (ulimit -Hn) or use fewer\n", (unsigned long)rl.rlim_max,
                (unsigned long)need, o->conns);
        return 1;
    }
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl))
        perror("bench_signaling: setrlimit");
    signal(SIGPIPE, SIG_IGN);

    int epipe[2] = {-1, -1}, rc = 1, actrd_out = -1;
    pid_t echo_pid = -1, actrd_pid = -1;
    fflush(NULL);
    if (!o->no_echo) { /* fork before anything else exists: the child's RSS is its own */
        if (pipe2(epipe, O_CLOEXEC) || (echo_pid = fork()) < 0)
            return 1;
        if (echo_pid == 0) {
            close(epipe[0]);
            exit(echo_child(epipe[1]));
        }
        close(epipe[1]);
    }
    char dir[4096] = "", data[4200], log[4200], *secret = NULL;
    result_t ra, re;
    memset(&ra, 0, sizeof ra);
    memset(&re, 0, sizeof re);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    uv_loop_init(&b->loop);
    b->peers = calloc(o->conns, sizeof *b->peers);
    b->conns = calloc(o->conns, sizeof *b->conns);
    b->pairs = calloc(o->pairs + 1, sizeof *b->pairs);
    b->lat = malloc(LAT_CAP * sizeof *b->lat);
    b->sdp_pad = calloc(o->sdp_bytes + 1, 1);
    if (!b->peers || !b->conns || !b->pairs || !b->lat || !b->sdp_pad)
        goto out;
    for (unsigned i = 0; i < o->pairs; i++)
        b->pairs[i] = (pair_t){.a = 2 * i, .b = 2 * i + 1};
    for (unsigned i = 0; i + 72 < o->sdp_bytes; i += 72) /* SDP-like lines up to the size */
        snprintf(b->sdp_pad + i, o->sdp_bytes + 1 - i, "a=x-bench:%060u\r\n", i);

    if (o->url) {
        if (sscanf(o->url, "http://127.0.0.1:%d", &b->port) != 1 || b->port <= 0) {
            fprintf(stderr, "bench_signaling: --url must be http://127.0.0.1:PORT\n");
            goto out;
        }
        b->srv = o->server_pid;
    } else {
        snprintf(dir, sizeof dir, "%s/bench-signaling-XXXXXX", o->tmp ? o->tmp : "/tmp");
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            goto out;
        }
        snprintf(data, sizeof data, "%s/data", dir);
        snprintf(log, sizeof log, "%s/actrd.log", dir);
        if (actrd_init(b, data))
            goto out;
        secret = (char *)o->secret;
        if ((actrd_pid = actrd_serve(b, data, log, &actrd_out)) < 0)
            goto out;
        b->srv = actrd_pid;
    }
    fprintf(stderr, "bench_signaling: registering %u actors (LINKED, realm %u)\n", o->conns,
            o->realm_id);
    if (register_all(b) || run_target(b, &ra, "actrd"))
        goto out;
    if (actrd_pid > 0) {
        ra.exit_code = stop_process(actrd_pid);
        actrd_pid = -1;
        ra.ok = ra.ok && ra.exit_code == 0;
    }
    if (echo_pid > 0) {
        char pbuf[16];
        if (read_bounded(epipe[0], pbuf, sizeof pbuf, false) != sizeof b->port)
            goto out;
        memcpy(&b->port, pbuf, sizeof b->port);
        b->srv = echo_pid;
        if (b->port <= 0 || run_target(b, &re, "raw lws echo"))
            goto out;
        re.exit_code = stop_process(echo_pid);
        echo_pid = -1;
        re.ok = re.ok && re.exit_code == 0;
    }
    print_table(o, &ra, o->no_echo ? NULL : &re, !o->url || o->server_pid > 0);
    rc = ra.ok && (o->no_echo || re.ok) ? 0 : 1;
out:
    if (actrd_pid > 0)
        stop_process(actrd_pid);
    if (echo_pid > 0)
        stop_process(echo_pid);
    if (actrd_out >= 0)
        close(actrd_out);
    if (epipe[0] >= 0)
        close(epipe[0]);
    for (unsigned i = 0; b->peers && i < o->conns; i++) {
        actr_pb_free(b->peers[i].resp);
        free(b->peers[i].path);
    }
    for (unsigned i = 0; b->conns && i < o->conns; i++)
        free(b->conns[i].rx.data);
    free(b->peers), free(b->conns), free(b->pairs), free(b->lat), free(b->sdp_pad), free(secret);
    if (uv_loop_close(&b->loop))
        fprintf(stderr, "bench_signaling: uv_loop_close: handles left open\n");
    curl_global_cleanup();
    if (dir[0] && rc == 0)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else if (dir[0])
        fprintf(stderr, "bench_signaling: kept %s (actrd.log) for a look\n", dir);
    return rc;
}
