/*
 * gpump.c - iterates a GMainContext from a libuv loop (see gpump.h and LOOP-NOTES).
 *
 * One iteration of GLib is split over libuv's phases: prepare + query in uv_prepare (before
 * libuv blocks in epoll), the fds GLib returned are watched by uv_polls (one per distinct fd:
 * libuv refuses two polls on one fd), GLib's timeout becomes a one-shot uv_timer so the loop
 * wakes in time, and check + dispatch run in uv_check with the readiness the polls recorded.
 * Because prepare runs again right before every blocking poll, whatever a uv callback changed in
 * GLib (a new timer, a new socket) is seen before the loop sleeps.
 *
 * GLib signals its own wakeup fd whenever a dispatch blocks and unblocks a source (removing and
 * re-adding its poll records), i.e. twice for every datagram libnice delivers; left alone, that
 * costs a whole extra loop turn (epoll_wait, read, prepare, query, check) per packet. We own the
 * context and run prepare before every blocking poll anyway, so after our own dispatch the
 * wakeup carries no news: it is drained right there (one read, see drain_wakeup).
 */
#include "wire/webrtc/gpump.h"

#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "actr/error.h"
#include "actr/log.h"

#define LOG_MODULE "webrtc"
/* GLib rarely watches more than a few fds per agent; this only bounds the array growth. */
#define GPUMP_MAX_FDS 4096

typedef struct pump_fd {
    uv_poll_t poll;
    int fd;
    int uv_events;       /* events the uv_poll is started with, -1: stopped */
    int want_events;     /* union of GLib's requests for this fd (scratch during a sync) */
    unsigned short seen; /* GIOCondition recorded since the last check */
    bool wanted;         /* still in GLib's set (scratch during a sync) */
    actr_gpump_t *p;
    struct pump_fd *next;
} pump_fd_t;

struct actr_gpump {
    uv_loop_t *loop;
    GMainContext *ctx;
    uv_prepare_t prep;
    uv_check_t check;
    uv_timer_t timer;
    GPollFD *fds;
    gint nfds, cap;
    gint max_prio;
    bool prepared; /* prepare ran and its check is owed */
    bool reset;    /* sockets were closed: re-register every fd at the next prepare */
    pump_fd_t *pfds;
    size_t npfds;
    size_t open_handles;
    bool closing;
    int wake_fd; /* GLib's wakeup eventfd (found at creation), -1 when unknown */
};

static void maybe_free(actr_gpump_t *p)
{
    if (!p->closing || p->open_handles > 0)
        return;
    g_main_context_unref(p->ctx);
    g_free(p->fds);
    free(p);
}

static void on_closed(uv_handle_t *h)
{
    actr_gpump_t *p = h->data;
    p->open_handles--;
    maybe_free(p);
}

static void on_pfd_closed(uv_handle_t *h)
{
    pump_fd_t *f = h->data;
    actr_gpump_t *p = f->p;
    free(f);
    p->open_handles--;
    maybe_free(p);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    pump_fd_t *f = h->data;
    if (status < 0)
        f->seen |= G_IO_ERR;
    if (events & UV_READABLE)
        f->seen |= G_IO_IN;
    if (events & UV_WRITABLE)
        f->seen |= G_IO_OUT;
    if (events & UV_DISCONNECT)
        f->seen |= G_IO_HUP;
}

static void on_timer(uv_timer_t *t)
{
    (void)t; /* only wakes the loop; the check phase dispatches */
}

static int to_uv_events(gushort ev)
{
    int e = 0;
    if (ev & (G_IO_IN | G_IO_PRI))
        e |= UV_READABLE;
    if (ev & G_IO_OUT)
        e |= UV_WRITABLE;
    return e;
}

static pump_fd_t *find_pfd(actr_gpump_t *p, int fd)
{
    for (pump_fd_t *f = p->pfds; f; f = f->next)
        if (f->fd == fd)
            return f;
    return NULL;
}

/* Makes the uv_polls match GLib's fd set: merge duplicates, restart changed ones, close gone. */
static void sync_polls(actr_gpump_t *p)
{
    for (pump_fd_t *f = p->pfds; f; f = f->next) {
        f->wanted = false;
        f->want_events = 0;
    }
    for (gint i = 0; i < p->nfds; i++) {
        int fd = p->fds[i].fd;
        pump_fd_t *f = find_pfd(p, fd);
        if (!f) {
            f = calloc(1, sizeof(*f));
            if (!f)
                continue; /* that source simply waits for GLib's timeout */
            if (uv_poll_init(p->loop, &f->poll, fd) != 0) {
                actr_logf(ACTR_LOG_WARN, LOG_MODULE, "glib pump: cannot watch fd %d", fd);
                free(f);
                continue;
            }
            f->fd = fd;
            f->p = p;
            f->uv_events = -1; /* not started */
            f->poll.data = f;
            f->next = p->pfds;
            p->pfds = f;
            p->npfds++;
            p->open_handles++;
        }
        f->wanted = true;
        f->want_events |= to_uv_events(p->fds[i].events);
    }
    pump_fd_t **link = &p->pfds;
    while (*link) {
        pump_fd_t *f = *link;
        if (!f->wanted) {
            *link = f->next;
            p->npfds--;
            uv_poll_stop(&f->poll);
            uv_close((uv_handle_t *)&f->poll, on_pfd_closed);
            continue;
        }
        if (p->reset && f->uv_events >= 0) {
            /* An fd number may now name a new socket: drop the old epoll registration. */
            uv_poll_stop(&f->poll);
            f->uv_events = -1;
        }
        if (f->uv_events != f->want_events) {
            if (uv_poll_start(&f->poll, f->want_events, on_poll) != 0)
                f->seen |= G_IO_ERR;
            f->uv_events = f->want_events;
        }
        link = &f->next;
    }
    p->reset = false;
}

static void on_prepare(uv_prepare_t *h)
{
    actr_gpump_t *p = h->data;
    if (p->closing)
        return;
    gboolean ready = g_main_context_prepare(p->ctx, &p->max_prio);
    gint timeout = -1;
    for (;;) {
        gint n = g_main_context_query(p->ctx, p->max_prio, &timeout, p->fds, p->cap);
        if (n <= p->cap || n > GPUMP_MAX_FDS) {
            p->nfds = n <= p->cap ? n : p->cap;
            break;
        }
        p->fds = g_renew(GPollFD, p->fds, n);
        p->cap = n;
    }
    p->prepared = true;
    sync_polls(p);
    if (ready)
        timeout = 0;
    if (timeout >= 0)
        uv_timer_start(&p->timer, on_timer, (uint64_t)timeout, 0);
    else
        uv_timer_stop(&p->timer);
}

/* Acknowledges the wakeups our own dispatch just signalled (see the top of the file). Safe for
 * wakeups from other threads too: prepare runs again before the loop blocks and sees whatever
 * they announced; a wakeup signalled after this read makes the fd readable again. */
static void drain_wakeup(actr_gpump_t *p)
{
    if (p->wake_fd < 0)
        return;
    uint64_t v;
    for (int i = 0; i < 4; i++)
        if (read(p->wake_fd, &v, sizeof(v)) >= 0 || errno != EINTR)
            break;
}

/* A fresh context watches exactly one fd, its wakeup: remember it. It must be a non-blocking
 * fd (GLib's eventfd or pipe is) or draining could block: otherwise we do not drain. */
static int find_wake_fd(GMainContext *ctx)
{
    gint prio, timeout = -1;
    GPollFD fds[2];
    g_main_context_prepare(ctx, &prio);
    gint n = g_main_context_query(ctx, prio, &timeout, fds, 2);
    g_main_context_check(ctx, prio, fds, n < 2 ? n : 2);
    if (n != 1)
        return -1;
    int fl = fcntl(fds[0].fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK) ? fds[0].fd : -1;
}

static void on_check(uv_check_t *h)
{
    actr_gpump_t *p = h->data;
    if (!p->prepared || p->closing)
        return;
    p->prepared = false;
    for (gint i = 0; i < p->nfds; i++) {
        pump_fd_t *f = find_pfd(p, p->fds[i].fd);
        gushort mask = p->fds[i].events | G_IO_ERR | G_IO_HUP | G_IO_NVAL;
        p->fds[i].revents = f ? (gushort)(f->seen & mask) : 0;
    }
    for (pump_fd_t *f = p->pfds; f; f = f->next)
        f->seen = 0;
    if (g_main_context_check(p->ctx, p->max_prio, p->fds, p->nfds)) {
        g_main_context_dispatch(p->ctx);
        drain_wakeup(p);
    }
}

int actr_gpump_new(uv_loop_t *loop, actr_gpump_t **out)
{
    if (!loop || !out)
        return ACTR_EINVAL;
    actr_gpump_t *p = calloc(1, sizeof(*p));
    if (!p)
        return ACTR_ENOMEM;
    p->loop = loop;
    p->ctx = g_main_context_new();
    if (!g_main_context_acquire(p->ctx)) {
        g_main_context_unref(p->ctx);
        free(p);
        return ACTR_EINTERNAL;
    }
    p->wake_fd = find_wake_fd(p->ctx);
    p->cap = 16;
    p->fds = g_new0(GPollFD, p->cap);
    uv_prepare_init(loop, &p->prep);
    uv_check_init(loop, &p->check);
    uv_timer_init(loop, &p->timer);
    p->prep.data = p->check.data = p->timer.data = p;
    p->open_handles = 3;
    uv_prepare_start(&p->prep, on_prepare);
    uv_check_start(&p->check, on_check);
    *out = p;
    return 0;
}

GMainContext *actr_gpump_context(actr_gpump_t *p)
{
    return p->ctx;
}

void actr_gpump_sockets_closed(actr_gpump_t *p)
{
    if (p)
        p->reset = true;
}

size_t actr_gpump_nfds(const actr_gpump_t *p)
{
    return p->npfds;
}

void actr_gpump_close(actr_gpump_t *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    g_main_context_release(p->ctx);
    uv_close((uv_handle_t *)&p->prep, on_closed);
    uv_close((uv_handle_t *)&p->check, on_closed);
    uv_close((uv_handle_t *)&p->timer, on_closed);
    for (pump_fd_t *f = p->pfds, *next; f; f = next) {
        next = f->next;
        uv_poll_stop(&f->poll);
        uv_close((uv_handle_t *)&f->poll, on_pfd_closed);
    }
    p->pfds = NULL;
    p->npfds = 0;
}
