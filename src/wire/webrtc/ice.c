/*
 * ice.c - ICE on libnice for one peer connection (see ice.h).
 *
 * libnice settings and why (LOOP-NOTES, WEBRTC-NOTES): upnp off (Debian links gupnp-igd and would
 * start two threads and slow connects tenfold), ICE-TCP off (browsers' data goes over UDP),
 * trickle on (checks do not fail while candidates may still come), keepalive checks and
 * consent freshness (RFC 7675) on, so a dead peer becomes FAILED instead of hanging.
 * The receive buffer of the selected socket is raised (pitfall 10: loopback drops were the main
 * throughput limit).
 */
#include "wire/webrtc/ice.h"

#include <arpa/inet.h>
#include <nice/agent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "actr/error.h"
#include "actr/log.h"

#define LOG_MODULE "webrtc"
#define ICE_DEFAULT_SOCKBUF (4 * 1024 * 1024)
#define ICE_CAND_MAX 1024 /* longest candidate line we accept */

/* actr_ice_debug_blackhole(): a transport whose generation is older than this drops data. */
static atomic_uint g_fault_epoch;

typedef struct buffered_cand {
    char *line;
    char *ufrag;
} buffered_cand_t;

struct actr_ice {
    actr_gpump_t *pump;
    NiceAgent *agent;
    guint stream;
    actr_ice_callbacks_t cbs;
    void *arg;
    int sockbuf;
    bool has_turn;
    bool has_pair;
    actr_ice_state_t state;
    char remote_ufrag[ACTR_ICE_UFRAG_MAX];
    char stale[ACTR_ICE_STALE_UFRAGS][ACTR_ICE_UFRAG_MAX];
    size_t nstale, stale_next;
    buffered_cand_t buf[ACTR_ICE_MAX_BUFFERED];
    size_t nbuf;
    actr_ice_stats_t stats;
    unsigned fault_epoch; /* g_fault_epoch when this generation started */
};

void actr_ice_debug_blackhole(void)
{
    atomic_fetch_add(&g_fault_epoch, 1);
}

static bool blackholed(const actr_ice_t *ice)
{
    return ice->fault_epoch != atomic_load_explicit(&g_fault_epoch, memory_order_relaxed);
}

void actr_ice_config_init(actr_ice_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->socket_buffer_bytes = ICE_DEFAULT_SOCKBUF;
}

/* ---- libnice signal handlers (run inside the pump's dispatch) ---------------------------- */

static void emit_candidate(actr_ice_t *ice, NiceCandidate *c)
{
    if (!ice->cbs.on_candidate)
        return;
    gchar *sdp = nice_agent_generate_local_candidate_sdp(ice->agent, c);
    if (!sdp)
        return;
    gchar *ufrag = NULL, *pwd = NULL;
    if (nice_agent_get_local_credentials(ice->agent, ice->stream, &ufrag, &pwd)) {
        const char *line = strncmp(sdp, "a=", 2) == 0 ? sdp + 2 : sdp;
        ice->cbs.on_candidate(ice->arg, line, ufrag);
    }
    g_free(ufrag);
    g_free(pwd);
    g_free(sdp);
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data)
{
    (void)agent;
    actr_ice_t *ice = data;
    if (c->stream_id == ice->stream && c->component_id == 1)
        emit_candidate(ice, c);
}

static void on_gathering_done(NiceAgent *agent, guint stream, gpointer data)
{
    (void)agent;
    actr_ice_t *ice = data;
    if (stream == ice->stream && ice->cbs.on_gathering_done)
        ice->cbs.on_gathering_done(ice->arg);
}

static void set_state(actr_ice_t *ice, actr_ice_state_t st)
{
    if (ice->state == st)
        return;
    ice->state = st;
    if (ice->cbs.on_state)
        ice->cbs.on_state(ice->arg, st);
}

static void on_component_state(NiceAgent *agent, guint stream, guint comp, guint state,
                               gpointer data)
{
    (void)agent;
    actr_ice_t *ice = data;
    if (stream != ice->stream || comp != 1)
        return;
    switch (state) {
    case NICE_COMPONENT_STATE_GATHERING:
    case NICE_COMPONENT_STATE_CONNECTING:
        /* During a restart the old pair still carries data: stay connected. */
        if (ice->state != ACTR_ICE_CONNECTED)
            set_state(ice, ACTR_ICE_CHECKING);
        break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
        set_state(ice, ACTR_ICE_CONNECTED);
        break;
    case NICE_COMPONENT_STATE_FAILED:
        set_state(ice, ACTR_ICE_FAILED);
        break;
    case NICE_COMPONENT_STATE_DISCONNECTED:
        if (ice->state != ACTR_ICE_NEW)
            set_state(ice, ACTR_ICE_DISCONNECTED);
        break;
    default:
        break;
    }
}

static void raise_socket_buffers(actr_ice_t *ice)
{
    GSocket *gs = nice_agent_get_selected_socket(ice->agent, ice->stream, 1);
    if (!gs)
        return;
    int fd = g_socket_get_fd(gs);
    int want = ice->sockbuf;
    /* SO_RCVBUFFORCE passes rmem_max when we may (root); otherwise the capped request. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
    int got = 0;
    socklen_t len = sizeof(got);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0)
        ice->stats.rcvbuf_bytes = got;
    g_object_unref(gs);
}

static void on_selected_pair(NiceAgent *agent, guint stream, guint comp, NiceCandidate *l,
                             NiceCandidate *r, gpointer data)
{
    (void)agent;
    (void)l;
    (void)r;
    actr_ice_t *ice = data;
    if (stream != ice->stream || comp != 1)
        return;
    ice->has_pair = true;
    if (ice->sockbuf > 0)
        raise_socket_buffers(ice);
    if (ice->cbs.on_selected_pair)
        ice->cbs.on_selected_pair(ice->arg);
}

static void on_recv(NiceAgent *agent, guint stream, guint comp, guint len, gchar *buf,
                    gpointer data)
{
    (void)agent;
    (void)stream;
    (void)comp;
    actr_ice_t *ice = data;
    if (blackholed(ice))
        return;
    ice->stats.datagrams_in++;
    if (ice->cbs.on_data)
        ice->cbs.on_data(ice->arg, (const uint8_t *)buf, len);
}

/* ---- configuration ------------------------------------------------------------------------ */

/* "stun:host[:port][?...]" -> numeric host and port. Returns false for what we cannot use. */
static bool parse_server_url(const char *url, bool *is_turn, char *host, size_t hostcap,
                             unsigned *port)
{
    const char *p;
    if (strncasecmp(url, "stun:", 5) == 0) {
        *is_turn = false;
        p = url + 5;
    } else if (strncasecmp(url, "turn:", 5) == 0) {
        *is_turn = true;
        p = url + 5;
    } else {
        return false; /* turns: and anything else: not supported */
    }
    if (strstr(p, "transport=tcp"))
        return false;
    size_t n = strcspn(p, ":?");
    if (n == 0 || n >= hostcap)
        return false;
    memcpy(host, p, n);
    host[n] = 0;
    *port = 3478;
    if (p[n] == ':') {
        char *end;
        unsigned long v = strtoul(p + n + 1, &end, 10);
        if (v == 0 || v > 65535 || (*end && *end != '?'))
            return false;
        *port = (unsigned)v;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hostcap, "127.0.0.1");
    unsigned char tmp[16];
    return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

static void apply_servers(actr_ice_t *ice, const actr_ice_config_t *cfg)
{
    bool have_stun = false;
    for (size_t i = 0; i < cfg->nservers; i++) {
        const actr_ice_server_t *s = &cfg->servers[i];
        char host[64];
        unsigned port;
        bool turn;
        if (!s->url || !parse_server_url(s->url, &turn, host, sizeof(host), &port)) {
            actr_log(ACTR_LOG_WARN, LOG_MODULE, "ice server skipped (needs stun:/turn: with an "
                     "address and UDP)", ACTR_KV("url", s->url ? s->url : ""), ACTR_KV_END);
            continue;
        }
        if (!turn) {
            if (have_stun)
                continue; /* libnice uses one STUN server */
            g_object_set(ice->agent, "stun-server", host, "stun-server-port", port, NULL);
            have_stun = true;
        } else {
            nice_agent_set_relay_info(ice->agent, ice->stream, 1, host, port,
                                      s->username ? s->username : "",
                                      s->credential ? s->credential : "", NICE_RELAY_TYPE_TURN_UDP);
            ice->has_turn = true;
        }
    }
}

int actr_ice_new(actr_gpump_t *pump, const actr_ice_config_t *cfg, const actr_ice_callbacks_t *cbs,
                 void *arg, actr_ice_t **out)
{
    if (!pump || !cfg || !out)
        return ACTR_EINVAL;
    actr_ice_t *ice = calloc(1, sizeof(*ice));
    if (!ice)
        return ACTR_ENOMEM;
    ice->pump = pump;
    if (cbs)
        ice->cbs = *cbs;
    ice->arg = arg;
    ice->sockbuf = cfg->socket_buffer_bytes;
    ice->agent = nice_agent_new_full(actr_gpump_context(pump), NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_ICE_TRICKLE |
                                         NICE_AGENT_OPTION_CONSENT_FRESHNESS);
    if (!ice->agent) {
        free(ice);
        return ACTR_EINTERNAL;
    }
    g_object_set(ice->agent, "controlling-mode", cfg->controlling ? TRUE : FALSE, "upnp", FALSE,
                 "ice-tcp", FALSE, "ice-udp", TRUE, "keepalive-conncheck", TRUE, NULL);
    /* Checks paced every 10 ms instead of 20: we have few candidates (RFC 8445 14.2 allows
     * down to 5 ms), and the first check is what a connect waits for. */
    g_object_set(ice->agent, "stun-pacing-timer", 10u, NULL);
    if (cfg->relay_only)
        g_object_set(ice->agent, "force-relay", TRUE, NULL);
    ice->fault_epoch = atomic_load(&g_fault_epoch);
    for (size_t i = 0; i < cfg->nlocal_addresses; i++) {
        NiceAddress a;
        nice_address_init(&a);
        if (!nice_address_set_from_string(&a, cfg->local_addresses[i])) {
            g_object_unref(ice->agent);
            free(ice);
            return ACTR_EINVAL;
        }
        nice_agent_add_local_address(ice->agent, &a);
    }
    ice->stream = nice_agent_add_stream(ice->agent, 1);
    if (ice->stream == 0) {
        g_object_unref(ice->agent);
        free(ice);
        return ACTR_EINTERNAL;
    }
    nice_agent_set_stream_name(ice->agent, ice->stream, "application");
    if (cfg->port_min || cfg->port_max)
        nice_agent_set_port_range(ice->agent, ice->stream, 1, cfg->port_min, cfg->port_max);
    apply_servers(ice, cfg);
    g_signal_connect(ice->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), ice);
    g_signal_connect(ice->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), ice);
    g_signal_connect(ice->agent, "component-state-changed", G_CALLBACK(on_component_state), ice);
    g_signal_connect(ice->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), ice);
    nice_agent_attach_recv(ice->agent, ice->stream, 1, actr_gpump_context(pump), on_recv, ice);
    *out = ice;
    return 0;
}

int actr_ice_gather(actr_ice_t *ice)
{
    return nice_agent_gather_candidates(ice->agent, ice->stream) ? 0 : ACTR_EINTERNAL;
}

int actr_ice_local_credentials(actr_ice_t *ice, char *ufrag, char *pwd)
{
    gchar *u = NULL, *p = NULL;
    if (!nice_agent_get_local_credentials(ice->agent, ice->stream, &u, &p))
        return ACTR_EINTERNAL;
    snprintf(ufrag, ACTR_ICE_UFRAG_MAX, "%s", u);
    snprintf(pwd, ACTR_ICE_PWD_MAX, "%s", p);
    g_free(u);
    g_free(p);
    return 0;
}

const char *actr_ice_remote_ufrag(const actr_ice_t *ice)
{
    return ice->remote_ufrag;
}

/* ---- remote candidates -------------------------------------------------------------------- */

static bool is_stale(const actr_ice_t *ice, const char *ufrag)
{
    for (size_t i = 0; i < ice->nstale; i++)
        if (strcmp(ice->stale[i], ufrag) == 0)
            return true;
    return false;
}

static void retire_remote_ufrag(actr_ice_t *ice)
{
    if (!ice->remote_ufrag[0])
        return;
    memcpy(ice->stale[ice->stale_next], ice->remote_ufrag, sizeof(ice->remote_ufrag));
    ice->stale_next = (ice->stale_next + 1) % ACTR_ICE_STALE_UFRAGS;
    if (ice->nstale < ACTR_ICE_STALE_UFRAGS)
        ice->nstale++;
    ice->remote_ufrag[0] = 0;
}

/* The connection address token of a candidate line (5th field): "1.2.3.4", "abcd.local". */
static bool candidate_address(const char *line, char *addr, size_t cap, char *proto, size_t pcap)
{
    char f[6][80];
    if (sscanf(line, "%79s %79s %79s %79s %79s", f[0], f[1], f[2], f[3], f[4]) != 5)
        return false;
    snprintf(proto, pcap, "%s", f[2]);
    snprintf(addr, cap, "%s", f[4]);
    return true;
}

static actr_ice_cand_result_t apply_candidate(actr_ice_t *ice, const char *line)
{
    char addr[80], proto[80];
    if (!candidate_address(line, addr, sizeof(addr), proto, sizeof(proto))) {
        ice->stats.cand_skipped++;
        return ACTR_ICE_CAND_SKIPPED;
    }
    size_t alen = strlen(addr);
    if (alen > 6 && strcasecmp(addr + alen - 6, ".local") == 0) {
        actr_log(ACTR_LOG_INFO, LOG_MODULE, "mDNS candidate skipped (not resolved)",
                 ACTR_KV("address", addr), ACTR_KV_END);
        ice->stats.cand_skipped++;
        return ACTR_ICE_CAND_SKIPPED;
    }
    if (strcasecmp(proto, "udp") != 0) {
        ice->stats.cand_skipped++;
        return ACTR_ICE_CAND_SKIPPED;
    }
    char sdp[ICE_CAND_MAX + 8];
    snprintf(sdp, sizeof(sdp), "a=%s", line);
    NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream, sdp);
    if (!c || c->component_id != 1) {
        if (c)
            nice_candidate_free(c);
        ice->stats.cand_skipped++;
        return ACTR_ICE_CAND_SKIPPED;
    }
    GSList one = {.data = c, .next = NULL};
    int n = nice_agent_set_remote_candidates(ice->agent, ice->stream, 1, &one);
    nice_candidate_free(c);
    if (n < 1) {
        ice->stats.cand_skipped++;
        return ACTR_ICE_CAND_SKIPPED;
    }
    ice->stats.cand_applied++;
    return ACTR_ICE_CAND_APPLIED;
}

static void buffered_free(buffered_cand_t *b)
{
    free(b->line);
    free(b->ufrag);
    b->line = b->ufrag = NULL;
}

/* Applies buffered candidates of the current ufrag, drops stale ones, keeps the rest in order. */
static void flush_buffer(actr_ice_t *ice)
{
    size_t keep = 0;
    for (size_t i = 0; i < ice->nbuf; i++) {
        buffered_cand_t *b = &ice->buf[i];
        if (ice->remote_ufrag[0] && strcmp(b->ufrag, ice->remote_ufrag) == 0) {
            apply_candidate(ice, b->line);
            buffered_free(b);
        } else if (is_stale(ice, b->ufrag)) {
            ice->stats.cand_dropped_stale++;
            buffered_free(b);
        } else {
            ice->buf[keep++] = *b;
        }
    }
    ice->nbuf = keep;
}

int actr_ice_add_remote_candidate(actr_ice_t *ice, const char *candidate, const char *ufrag,
                                  actr_ice_cand_result_t *result)
{
    actr_ice_cand_result_t dummy;
    if (!result)
        result = &dummy;
    if (!ice || !candidate || !ufrag || !ufrag[0] || strlen(candidate) > ICE_CAND_MAX ||
        strlen(ufrag) >= ACTR_ICE_UFRAG_MAX)
        return ACTR_EINVAL;
    if (strncmp(candidate, "a=", 2) == 0)
        candidate += 2;
    if (strncmp(candidate, "candidate:", 10) != 0)
        return ACTR_EPARSE;
    if (ice->remote_ufrag[0] && strcmp(ufrag, ice->remote_ufrag) == 0) {
        *result = apply_candidate(ice, candidate);
        return 0;
    }
    if (is_stale(ice, ufrag)) {
        ice->stats.cand_dropped_stale++;
        *result = ACTR_ICE_CAND_DROPPED_STALE;
        return 0;
    }
    if (ice->nbuf >= ACTR_ICE_MAX_BUFFERED) {
        ice->stats.cand_dropped_full++;
        *result = ACTR_ICE_CAND_DROPPED_FULL;
        return 0;
    }
    buffered_cand_t *b = &ice->buf[ice->nbuf];
    b->line = strdup(candidate);
    b->ufrag = strdup(ufrag);
    if (!b->line || !b->ufrag) {
        buffered_free(b);
        return ACTR_ENOMEM;
    }
    ice->nbuf++;
    ice->stats.cand_buffered++;
    *result = ACTR_ICE_CAND_BUFFERED;
    return 0;
}

int actr_ice_set_remote_credentials(actr_ice_t *ice, const char *ufrag, const char *pwd)
{
    if (!ice || !ufrag || !pwd || !ufrag[0] || !pwd[0] || strlen(ufrag) >= ACTR_ICE_UFRAG_MAX ||
        strlen(pwd) >= ACTR_ICE_PWD_MAX)
        return ACTR_EINVAL;
    if (strcmp(ufrag, ice->remote_ufrag) != 0) {
        if (ice->remote_ufrag[0]) /* the remote restarted: a new generation */
            ice->fault_epoch = atomic_load(&g_fault_epoch);
        retire_remote_ufrag(ice);
        snprintf(ice->remote_ufrag, sizeof(ice->remote_ufrag), "%s", ufrag);
    }
    if (!nice_agent_set_remote_credentials(ice->agent, ice->stream, ufrag, pwd))
        return ACTR_EINTERNAL;
    flush_buffer(ice);
    return 0;
}

void actr_ice_remote_gathering_done(actr_ice_t *ice)
{
    if (ice)
        nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream);
}

int actr_ice_restart(actr_ice_t *ice)
{
    if (!nice_agent_restart_stream(ice->agent, ice->stream))
        return ACTR_EINTERNAL;
    ice->fault_epoch = atomic_load(&g_fault_epoch);
    /* The old remote generation is over: its late candidates are dropped, the new ones wait
     * for the answer's credentials. */
    retire_remote_ufrag(ice);
    flush_buffer(ice);
    GSList *cands = nice_agent_get_local_candidates(ice->agent, ice->stream, 1);
    for (GSList *l = cands; l; l = l->next)
        emit_candidate(ice, l->data);
    g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
    return 0;
}

int actr_ice_send(actr_ice_t *ice, const uint8_t *data, size_t len)
{
    if (!ice->has_pair)
        return ACTR_ESTATE;
    if (blackholed(ice))
        return 0; /* lost on the dead path, like a datagram on a real one */
    gint n = nice_agent_send(ice->agent, ice->stream, 1, (guint)len, (const gchar *)data);
    if (n != (gint)len) {
        ice->stats.send_errors++;
        return ACTR_EIO;
    }
    ice->stats.datagrams_out++;
    return 0;
}

bool actr_ice_has_selected_pair(const actr_ice_t *ice)
{
    return ice->has_pair;
}

void actr_ice_get_stats(const actr_ice_t *ice, actr_ice_stats_t *out)
{
    *out = ice->stats;
}

static void on_agent_closed(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)res;
    (void)data;
    g_object_unref(src);
}

void actr_ice_free(actr_ice_t *ice)
{
    if (!ice)
        return;
    g_signal_handlers_disconnect_by_data(ice->agent, ice);
    nice_agent_attach_recv(ice->agent, ice->stream, 1, actr_gpump_context(ice->pump), NULL, NULL);
    if (ice->has_turn) {
        /* Release the TURN allocation politely; the agent is unreferenced when that is done
         * (the callback runs in the pumped context, which is this thread's default here). */
        g_main_context_push_thread_default(actr_gpump_context(ice->pump));
        nice_agent_close_async(ice->agent, on_agent_closed, NULL);
        g_main_context_pop_thread_default(actr_gpump_context(ice->pump));
    } else {
        nice_agent_remove_stream(ice->agent, ice->stream);
        g_object_unref(ice->agent);
    }
    actr_gpump_sockets_closed(ice->pump);
    for (size_t i = 0; i < ice->nbuf; i++)
        buffered_free(&ice->buf[i]);
    free(ice);
}
