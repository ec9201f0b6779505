/*
 * sctp.c - usrsctp associations in AF_CONN mode over DTLS (see sctp.h).
 *
 * usrsctp finds an association's lower layer through the address we register; we register a
 * numeric id, not a pointer, and resolve it in a registry, so a packet usrsctp emits after we
 * freed the association (a late timer) is dropped instead of touching freed memory.
 * usrsctp's timers are process-wide; a packet they emit on a thread other than the association's
 * loop is copied to that loop through a uv_async (DTLS and ICE are single-threaded).
 * We never use usrsctp's receive callback or upcall (they run with socket locks held); instead
 * the socket is drained with usrsctp_recvv after every input packet and every timer tick, which
 * are the only events that can make data readable or free send space.
 */
#include "wire/webrtc/sctp.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <usrsctp.h>

#include "actr/error.h"
#include "actr/log.h"
#include "base/clock.h"

#define LOG_MODULE "webrtc"
#define SCTP_TICK_MS 10
#define SCTP_RECV_BUF (64 * 1024 + 64)
#define SCTP_DRAIN_MAX 4096 /* reads per drain: bounds one loop turn */

typedef struct qmsg {
    struct qmsg *next;
    uint16_t sid;
    uint32_t ppid;
    bool unordered;
    int max_rexmit;
    size_t len;
    uint8_t data[];
} qmsg_t;

typedef struct stream_state {
    uint32_t buffered;
    bool high; /* above the high threshold since the last low event */
} stream_state_t;

/* A packet usrsctp emitted on another loop's thread (its timers are process-wide), waiting to
 * be sent from the owner's loop. */
typedef struct xpkt {
    struct xpkt *next;
    uintptr_t id;
    size_t len;
    uint8_t data[];
} xpkt_t;

#define SCTP_XQUEUE_MAX 1024 /* beyond: dropped, as a lost packet */

struct actr_sctp_host {
    uv_loop_t *loop;
    pthread_t owner; /* the loop's thread */
    uv_timer_t timer;
    uv_async_t async;
    int open_handles;
    xpkt_t *xhead, *xtail; /* under g_lock */
    size_t xcount;
    actr_sctp_t *list;
    size_t count;
    bool closing;
    void (*before_tick)(void *arg);
    void *before_tick_arg;
};

struct actr_sctp {
    actr_sctp_host_t *host;
    actr_sctp_t *prev, *next;
    uintptr_t id;
    struct socket *sock;
    actr_sctp_config_t cfg;
    actr_sctp_callbacks_t cbs;
    void *arg;
    bool connected, closed, draining;
    bool rx_paused; /* actr_sctp_pause_rx(): leave received data in usrsctp's buffer */
    qmsg_t *qhead, *qtail;
    size_t qbytes;
    stream_state_t streams[ACTR_SCTP_STREAMS];
    /* reassembly of a message delivered in pieces (one at a time: no stream interleaving) */
    uint8_t *rasm;
    size_t rasm_len, rasm_cap;
    uint16_t rasm_sid;
    uint32_t rasm_ppid;
    bool rasm_active, rasm_discard;
    actr_sctp_stats_t stats;
    uint8_t rbuf[SCTP_RECV_BUF];
};

/* ---- process-wide usrsctp state ----------------------------------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static actr_sctp_t **g_slots; /* registry: id = slot index + 1 (0 is never an address) */
static actr_sctp_host_t **g_hosts; /* the host of each slot, read under g_lock by other threads */
static size_t g_nslots;
static uint64_t g_last_tick_ms;

static actr_sctp_t *registry_get(uintptr_t id)
{
    actr_sctp_t *s = NULL;
    pthread_mutex_lock(&g_lock);
    if (id >= 1 && id <= g_nslots)
        s = g_slots[id - 1];
    pthread_mutex_unlock(&g_lock);
    return s;
}

/* Ids are never reused while the process lives: a late packet for a dead id finds nothing. */
static uintptr_t registry_add(actr_sctp_t *s)
{
    pthread_mutex_lock(&g_lock);
    actr_sctp_t **n = realloc(g_slots, (g_nslots + 1) * sizeof(*n));
    if (n)
        g_slots = n;
    actr_sctp_host_t **hs = n ? realloc(g_hosts, (g_nslots + 1) * sizeof(*hs)) : NULL;
    uintptr_t id = 0;
    if (hs) {
        g_hosts = hs;
        g_hosts[g_nslots] = s->host;
        g_slots[g_nslots++] = s;
        id = g_nslots;
    }
    pthread_mutex_unlock(&g_lock);
    return id;
}

static void registry_del(uintptr_t id)
{
    pthread_mutex_lock(&g_lock);
    if (id >= 1 && id <= g_nslots)
        g_slots[id - 1] = NULL;
    pthread_mutex_unlock(&g_lock);
}

/* Called with g_lock held: queues a copy for the owner loop. */
static void cross_thread_locked(actr_sctp_host_t *h, uintptr_t id, const void *buf, size_t len)
{
    if (h->closing || h->xcount >= SCTP_XQUEUE_MAX)
        return;
    xpkt_t *x = malloc(sizeof(*x) + len);
    if (!x)
        return;
    x->next = NULL;
    x->id = id;
    x->len = len;
    memcpy(x->data, buf, len);
    if (h->xtail)
        h->xtail->next = x;
    else
        h->xhead = x;
    h->xtail = x;
    h->xcount++;
    uv_async_send(&h->async);
}

static int conn_output(void *addr, void *buf, size_t len, uint8_t tos, uint8_t set_df)
{
    (void)tos;
    (void)set_df;
    uintptr_t id = (uintptr_t)addr;
    /* usrsctp timers are process-wide: with two loops, a timer of one loop's association can
     * fire on the other loop's thread. DTLS and ICE are not thread-safe: hand the packet over. */
    /* One lock per packet (this runs for every packet we send): look up and check the thread. */
    pthread_mutex_lock(&g_lock);
    actr_sctp_t *s = id >= 1 && id <= g_nslots ? g_slots[id - 1] : NULL;
    if (s && !pthread_equal(g_hosts[id - 1]->owner, pthread_self())) {
        cross_thread_locked(g_hosts[id - 1], id, buf, len);
        pthread_mutex_unlock(&g_lock);
        return 0;
    }
    pthread_mutex_unlock(&g_lock);
    if (!s || s->closed)
        return 0; /* as if lost */
    s->stats.packets_out++;
    s->cbs.send(s->arg, buf, len);
    return 0;
}

static void global_init(void)
{
    usrsctp_init_nothreads(0, conn_output, NULL);
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_asconf_enable(0);
    usrsctp_sysctl_set_sctp_auth_enable(0);
    usrsctp_sysctl_set_sctp_pr_enable(1);
    usrsctp_sysctl_set_sctp_reconfig_enable(1);
    usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(ACTR_SCTP_STREAMS);
    usrsctp_sysctl_set_sctp_nr_incoming_streams_default(ACTR_SCTP_STREAMS);
    /* Interactive traffic: SACK quickly, retransmit a lost packet in 200 ms rather than 1 s. */
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
    usrsctp_sysctl_set_sctp_rto_min_default(200);
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
    usrsctp_sysctl_set_sctp_rto_max_default(10000);
    usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
    usrsctp_sysctl_set_sctp_max_chunks_on_queue(10 * 1024);
    usrsctp_sysctl_set_sctp_initial_cwnd(10);
    usrsctp_sysctl_set_sctp_blackhole(2);
    g_last_tick_ms = actr_clock_mono_ms();
}

/* ---- host: the timer ---------------------------------------------------------------------- */

static void drain(actr_sctp_t *s);
static void flush_queue(actr_sctp_t *s);

static void on_tick(uv_timer_t *t)
{
    actr_sctp_host_t *h = t->data;
    /* Timers run before I/O in a libuv iteration: SACKs already waiting in the socket would
     * otherwise count as late and fire T3 retransmission timers after a busy turn. */
    if (h->before_tick)
        h->before_tick(h->before_tick_arg);
    uint64_t now = actr_clock_mono_ms();
    pthread_mutex_lock(&g_lock);
    uint64_t elapsed = now > g_last_tick_ms ? now - g_last_tick_ms : 0;
    g_last_tick_ms = now;
    pthread_mutex_unlock(&g_lock);
    if (elapsed > 0)
        usrsctp_handle_timers((uint32_t)elapsed);
    for (actr_sctp_t *s = h->list, *next; s; s = next) {
        next = s->next; /* a callback may free s */
        drain(s);
    }
}

static void on_async(uv_async_t *a)
{
    actr_sctp_host_t *h = a->data;
    pthread_mutex_lock(&g_lock);
    xpkt_t *x = h->xhead;
    h->xhead = h->xtail = NULL;
    h->xcount = 0;
    pthread_mutex_unlock(&g_lock);
    while (x) {
        xpkt_t *next = x->next;
        actr_sctp_t *s = registry_get(x->id);
        if (s && s->host == h && !s->closed) {
            s->stats.packets_out++;
            s->cbs.send(s->arg, x->data, x->len);
        }
        free(x);
        x = next;
    }
}

int actr_sctp_host_new(uv_loop_t *loop, actr_sctp_host_t **out)
{
    pthread_once(&g_once, global_init);
    actr_sctp_host_t *h = calloc(1, sizeof(*h));
    if (!h)
        return ACTR_ENOMEM;
    h->loop = loop;
    h->owner = pthread_self();
    if (uv_async_init(loop, &h->async, on_async) != 0) {
        free(h);
        return ACTR_EINTERNAL;
    }
    uv_timer_init(loop, &h->timer);
    h->timer.data = h->async.data = h;
    h->open_handles = 2;
    *out = h;
    return 0;
}

static void on_host_closed(uv_handle_t *hd)
{
    actr_sctp_host_t *h = hd->data;
    if (--h->open_handles > 0)
        return;
    pthread_mutex_lock(&g_lock); /* a late cross-thread packet may have been queued */
    xpkt_t *x = h->xhead;
    h->xhead = h->xtail = NULL;
    pthread_mutex_unlock(&g_lock);
    while (x) {
        xpkt_t *next = x->next;
        free(x);
        x = next;
    }
    free(h);
}

void actr_sctp_host_close(actr_sctp_host_t *h)
{
    if (!h || h->closing)
        return;
    pthread_mutex_lock(&g_lock);
    h->closing = true;
    pthread_mutex_unlock(&g_lock);
    uv_close((uv_handle_t *)&h->timer, on_host_closed);
    uv_close((uv_handle_t *)&h->async, on_host_closed);
}

void actr_sctp_host_set_before_tick(actr_sctp_host_t *h, void (*fn)(void *), void *arg)
{
    h->before_tick = fn;
    h->before_tick_arg = arg;
}

size_t actr_sctp_host_count(const actr_sctp_host_t *h)
{
    return h->count;
}

/* ---- association -------------------------------------------------------------------------- */

void actr_sctp_config_init(actr_sctp_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->local_port = cfg->remote_port = ACTR_SCTP_DEFAULT_PORT;
    cfg->max_recv_message = 262144;
    cfg->max_send_message = 65536;
    cfg->send_queue_max = 16u << 20;
    cfg->buffered_low = 256u << 10;
    cfg->buffered_high = 1u << 20;
    cfg->sock_buffer = 1 << 20;
}

static int set_opt(struct socket *sk, int level, int name, const void *v, socklen_t len)
{
    if (usrsctp_setsockopt(sk, level, name, v, len) != 0) {
        actr_logf(ACTR_LOG_WARN, LOG_MODULE, "sctp setsockopt %d failed: errno %d", name, errno);
        return -1;
    }
    return 0;
}

static int configure(actr_sctp_t *s)
{
    struct socket *sk = s->sock;
    if (usrsctp_set_non_blocking(sk, 1) != 0)
        return -1;
    struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close = ABORT, no lingering state */
    int on = 1;
    struct sctp_assoc_value reset = {.assoc_id = SCTP_FUTURE_ASSOC,
                                     .assoc_value = SCTP_ENABLE_RESET_STREAM_REQ};
    struct sctp_initmsg init = {.sinit_num_ostreams = ACTR_SCTP_STREAMS,
                                .sinit_max_instreams = ACTR_SCTP_STREAMS};
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof(pp));
    pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
    pp.spp_flags = SPP_PMTUD_DISABLE;
    pp.spp_pathmtu = ACTR_SCTP_MTU;
    int buf = s->cfg.sock_buffer;
    if (set_opt(sk, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) ||
        set_opt(sk, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on)) ||
        set_opt(sk, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) ||
        set_opt(sk, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof(reset)) ||
        set_opt(sk, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) ||
        set_opt(sk, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) ||
        set_opt(sk, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) ||
        set_opt(sk, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)))
        return -1;
    static const uint16_t events[] = {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
                                      SCTP_PARTIAL_DELIVERY_EVENT};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        struct sctp_event ev = {.se_assoc_id = SCTP_ALL_ASSOC, .se_type = events[i], .se_on = 1};
        if (set_opt(sk, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)))
            return -1;
    }
    return 0;
}

int actr_sctp_new(actr_sctp_host_t *h, const actr_sctp_config_t *cfg,
                  const actr_sctp_callbacks_t *cbs, void *arg, actr_sctp_t **out)
{
    if (!h || !cfg || !cbs || !cbs->send || !out)
        return ACTR_EINVAL;
    actr_sctp_t *s = calloc(1, sizeof(*s));
    if (!s)
        return ACTR_ENOMEM;
    s->host = h;
    s->cfg = *cfg;
    s->cbs = *cbs;
    s->arg = arg;
    s->id = registry_add(s);
    if (!s->id) {
        free(s);
        return ACTR_ENOMEM;
    }
    usrsctp_register_address((void *)s->id);
    s->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    if (!s->sock || configure(s) != 0) {
        if (s->sock)
            usrsctp_close(s->sock);
        usrsctp_deregister_address((void *)s->id);
        registry_del(s->id);
        free(s);
        return ACTR_EINTERNAL;
    }
    struct sockaddr_conn sc;
    memset(&sc, 0, sizeof(sc));
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(cfg->local_port);
    sc.sconn_addr = (void *)s->id;
    if (usrsctp_bind(s->sock, (struct sockaddr *)&sc, sizeof(sc)) != 0) {
        usrsctp_close(s->sock);
        usrsctp_deregister_address((void *)s->id);
        registry_del(s->id);
        free(s);
        return ACTR_EINTERNAL;
    }
    s->next = h->list;
    if (h->list)
        h->list->prev = s;
    h->list = s;
    if (h->count++ == 0)
        uv_timer_start(&h->timer, on_tick, SCTP_TICK_MS, SCTP_TICK_MS);
    *out = s;
    return 0;
}

int actr_sctp_connect(actr_sctp_t *s)
{
    struct sockaddr_conn sc;
    memset(&sc, 0, sizeof(sc));
    sc.sconn_family = AF_CONN;
    sc.sconn_port = htons(s->cfg.remote_port);
    sc.sconn_addr = (void *)s->id;
    if (usrsctp_connect(s->sock, (struct sockaddr *)&sc, sizeof(sc)) != 0 && errno != EINPROGRESS)
        return ACTR_EIO;
    return 0;
}

/* ---- receive ------------------------------------------------------------------------------ */

static void closed(actr_sctp_t *s, const char *why, int detail)
{
    if (s->closed)
        return;
    actr_logf(ACTR_LOG_INFO, LOG_MODULE, "sctp association closed: %s (%d)", why, detail);
    s->closed = true;
    s->connected = false;
    if (s->cbs.on_closed)
        s->cbs.on_closed(s->arg);
}

static void notification(actr_sctp_t *s, const uint8_t *buf, size_t len)
{
    const union sctp_notification *n = (const union sctp_notification *)(const void *)buf;
    if (len < sizeof(n->sn_header))
        return;
    switch (n->sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
        if (len < sizeof(n->sn_assoc_change))
            return;
        if (n->sn_assoc_change.sac_state == SCTP_COMM_UP && !s->connected) {
            s->connected = true;
            if (s->cbs.on_connected)
                s->cbs.on_connected(s->arg);
        } else if (n->sn_assoc_change.sac_state == SCTP_COMM_LOST ||
                   n->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP ||
                   n->sn_assoc_change.sac_state == SCTP_CANT_STR_ASSOC) {
            closed(s, n->sn_assoc_change.sac_state == SCTP_COMM_LOST ? "lost or aborted"
                      : n->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP ? "shut down"
                                                                           : "could not start",
                   n->sn_assoc_change.sac_error);
        }
        break;
    case SCTP_STREAM_RESET_EVENT: {
        const struct sctp_stream_reset_event *e = &n->sn_strreset_event;
        if (len < sizeof(*e) || !(e->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) ||
            (e->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)))
            return;
        size_t count = (len - sizeof(*e)) / sizeof(uint16_t);
        for (size_t i = 0; i < count && !s->closed; i++)
            if (s->cbs.on_stream_reset)
                s->cbs.on_stream_reset(s->arg, e->strreset_stream_list[i]);
        break;
    }
    case SCTP_PARTIAL_DELIVERY_EVENT:
        s->rasm_active = false; /* the partial message was aborted */
        s->rasm_len = 0;
        break;
    default:
        break;
    }
}

static void deliver(actr_sctp_t *s, uint16_t sid, uint32_t ppid, const uint8_t *d, size_t n)
{
    s->stats.messages_in++;
    s->stats.bytes_in += n;
    if (s->cbs.on_message)
        s->cbs.on_message(s->arg, sid, ppid, d, n);
}

/* A piece of a data message; complete when eor. */
static void data_piece(actr_sctp_t *s, const struct sctp_rcvinfo *ri, const uint8_t *d, size_t n,
                       bool eor)
{
    uint32_t ppid = ntohl(ri->rcv_ppid);
    if (!s->rasm_active && eor) {
        if (n > s->cfg.max_recv_message)
            s->stats.dropped_oversize++;
        else
            deliver(s, ri->rcv_sid, ppid, d, n);
        return;
    }
    if (!s->rasm_active) {
        s->rasm_active = true;
        s->rasm_discard = false;
        s->rasm_len = 0;
        s->rasm_sid = ri->rcv_sid;
        s->rasm_ppid = ppid;
    }
    if (!s->rasm_discard) {
        if (s->rasm_len + n > s->cfg.max_recv_message) {
            s->rasm_discard = true; /* keep reading to the end, then drop */
        } else {
            if (s->rasm_len + n > s->rasm_cap) {
                size_t cap = s->rasm_cap ? s->rasm_cap : 65536;
                while (cap < s->rasm_len + n)
                    cap *= 2;
                uint8_t *nb = realloc(s->rasm, cap);
                if (!nb) {
                    s->rasm_discard = true;
                    goto tail;
                }
                s->rasm = nb;
                s->rasm_cap = cap;
            }
            memcpy(s->rasm + s->rasm_len, d, n);
            s->rasm_len += n;
        }
    }
tail:
    if (!eor)
        return;
    s->rasm_active = false;
    if (s->rasm_discard)
        s->stats.dropped_oversize++;
    else
        deliver(s, s->rasm_sid, s->rasm_ppid, s->rasm, s->rasm_len);
    if (s->rasm_cap > 4 * 65536) { /* give a one-off huge buffer back */
        free(s->rasm);
        s->rasm = NULL;
        s->rasm_cap = 0;
    }
}

/* Reads everything readable, then sends what the queue holds. */
static void drain(actr_sctp_t *s)
{
    if (s->draining)
        return; /* a callback re-entered through send -> output -> ... -> input */
    s->draining = true;
    for (int i = 0; i < SCTP_DRAIN_MAX && !s->closed && !s->rx_paused; i++) {
        struct sctp_rcvinfo ri;
        socklen_t rilen = sizeof(ri);
        unsigned int infotype = 0;
        int flags = 0;
        struct sockaddr_conn from;
        socklen_t fromlen = sizeof(from);
        memset(&ri, 0, sizeof(ri));
        ssize_t n = usrsctp_recvv(s->sock, s->rbuf, sizeof(s->rbuf), (struct sockaddr *)&from,
                                  &fromlen, &ri, &rilen, &infotype, &flags);
        if (n < 0) {
            if (errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN)
                closed(s, "receive error", errno);
            break;
        }
        if (n == 0) {
            closed(s, "end of stream", 0); /* orderly shutdown by the remote */
            break;
        }
        if (flags & MSG_NOTIFICATION)
            notification(s, s->rbuf, (size_t)n);
        else if (infotype == SCTP_RECVV_RCVINFO)
            data_piece(s, &ri, s->rbuf, (size_t)n, (flags & MSG_EOR) != 0);
    }
    s->draining = false;
    if (!s->closed)
        flush_queue(s);
}

void actr_sctp_pause_rx(actr_sctp_t *s, bool paused)
{
    bool resume = s->rx_paused && !paused;
    s->rx_paused = paused;
    if (resume && !s->closed)
        drain(s); /* deliver what waited; reading opens the window again */
}

void actr_sctp_input(actr_sctp_t *s, const uint8_t *packet, size_t len)
{
    if (s->closed)
        return;
    s->stats.packets_in++;
    usrsctp_conninput((void *)s->id, packet, len, 0);
    drain(s);
}

/* ---- send --------------------------------------------------------------------------------- */

/* 0 sent, 1 would block, <0 dropped */
static int try_send(actr_sctp_t *s, uint16_t sid, uint32_t ppid, const uint8_t *data, size_t len,
                    bool unordered, int max_rexmit)
{
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = sid;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
    if (max_rexmit >= 0) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
        spa.sendv_prinfo.pr_value = (uint32_t)max_rexmit;
    }
    ssize_t n = usrsctp_sendv(s->sock, data, len, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
    if (n >= 0) {
        s->stats.messages_out++;
        s->stats.bytes_out += len;
        return 0;
    }
    if (errno == EWOULDBLOCK || errno == EAGAIN)
        return 1;
    s->stats.dropped_send_errors++;
    return -1;
}

static void buffered_sub(actr_sctp_t *s, uint16_t sid, size_t len)
{
    stream_state_t *st = &s->streams[sid];
    st->buffered -= (uint32_t)len;
    s->qbytes -= len;
    if (st->high && st->buffered <= s->cfg.buffered_low) {
        st->high = false;
        if (s->cbs.on_buffered_low)
            s->cbs.on_buffered_low(s->arg, sid);
    }
}

static void flush_queue(actr_sctp_t *s)
{
    while (s->qhead && !s->closed && s->connected) {
        qmsg_t *m = s->qhead;
        int rc = try_send(s, m->sid, m->ppid, m->data, m->len, m->unordered, m->max_rexmit);
        if (rc == 1)
            return;
        s->qhead = m->next;
        if (!s->qhead)
            s->qtail = NULL;
        buffered_sub(s, m->sid, m->len);
        free(m);
    }
}

int actr_sctp_send(actr_sctp_t *s, uint16_t sid, uint32_t ppid, const uint8_t *data, size_t len,
                   bool unordered, int max_rexmit)
{
    if (!s || sid >= ACTR_SCTP_STREAMS || (!data && len))
        return ACTR_EINVAL;
    if (s->closed || !s->connected)
        return ACTR_ESTATE;
    if (len > s->cfg.max_send_message)
        return ACTR_ETOOBIG;
    if (!s->qhead) {
        int rc = try_send(s, sid, ppid, data, len, unordered, max_rexmit);
        if (rc == 0)
            return 0;
        if (rc < 0)
            return ACTR_EIO;
    }
    if (s->qbytes + len > s->cfg.send_queue_max)
        return ACTR_EAGAIN;
    qmsg_t *m = malloc(sizeof(*m) + len);
    if (!m)
        return ACTR_ENOMEM;
    m->next = NULL;
    m->sid = sid;
    m->ppid = ppid;
    m->unordered = unordered;
    m->max_rexmit = max_rexmit;
    m->len = len;
    if (len)
        memcpy(m->data, data, len);
    if (s->qtail)
        s->qtail->next = m;
    else
        s->qhead = m;
    s->qtail = m;
    s->qbytes += len;
    stream_state_t *st = &s->streams[sid];
    st->buffered += (uint32_t)len;
    if (!st->high && st->buffered > s->cfg.buffered_high) {
        st->high = true;
        if (s->cbs.on_buffered_high)
            s->cbs.on_buffered_high(s->arg, sid);
    }
    return 0;
}

size_t actr_sctp_buffered(const actr_sctp_t *s, uint16_t sid)
{
    return sid < ACTR_SCTP_STREAMS ? s->streams[sid].buffered : 0;
}

int actr_sctp_reset_stream(actr_sctp_t *s, uint16_t sid)
{
    if (s->closed || !s->connected)
        return ACTR_ESTATE;
    uint8_t raw[sizeof(struct sctp_reset_streams) + sizeof(uint16_t)];
    struct sctp_reset_streams *r = (struct sctp_reset_streams *)(void *)raw;
    memset(raw, 0, sizeof(raw));
    r->srs_assoc_id = SCTP_ALL_ASSOC;
    r->srs_flags = SCTP_STREAM_RESET_OUTGOING;
    r->srs_number_streams = 1;
    r->srs_stream_list[0] = sid;
    if (usrsctp_setsockopt(s->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, r, sizeof(raw)) != 0)
        return ACTR_EIO;
    return 0;
}

bool actr_sctp_is_connected(const actr_sctp_t *s)
{
    return s->connected && !s->closed;
}

void actr_sctp_get_stats(const actr_sctp_t *s, actr_sctp_stats_t *out)
{
    *out = s->stats;
    out->queued_bytes = s->qbytes;
}

void actr_sctp_free(actr_sctp_t *s)
{
    if (!s)
        return;
    actr_sctp_host_t *h = s->host;
    /* No callback from here on; `closed` stays false until usrsctp_close() returns so that
     * conn_output still lets the ABORT it emits reach DTLS. */
    s->cbs.on_closed = NULL;
    s->cbs.on_message = NULL;
    s->cbs.on_connected = NULL;
    s->cbs.on_stream_reset = NULL;
    s->cbs.on_buffered_low = NULL;
    s->cbs.on_buffered_high = NULL;
    usrsctp_close(s->sock);
    s->closed = true;
    usrsctp_deregister_address((void *)s->id);
    registry_del(s->id);
    if (s->prev)
        s->prev->next = s->next;
    else
        h->list = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (--h->count == 0)
        uv_timer_stop(&h->timer);
    for (qmsg_t *m = s->qhead, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    free(s->rasm);
    free(s);
}
