/*
 * netwatch.c - local address changes from rtnetlink (RTM_NEWADDR / RTM_DELADDR), read by a
 * uv_poll on the node's loop. Each readable event drains a bounded number of datagrams and
 * reports one batch; network_event.c turns it into PATH_CHANGED events (coalesced by its settle
 * window, so the burst of messages one change makes gives one action).
 */
#include "lifecycle/netwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actr/error.h"

#define READS_PER_WAKEUP 16 /* datagrams drained per readable event */

struct actr_netwatch {
    uv_poll_t poll;
    int fd;
    actr_netwatch_cb cb;
    void *arg;
    void (*done)(void *);
    void *done_arg;
};

int actr_netwatch_parse(const uint8_t *buf, size_t len, unsigned *added, unsigned *removed)
{
    int n = 0;
    size_t off = 0;
    /* Bounded by len: every step advances by at least one aligned header. */
    while (len - off >= sizeof(struct nlmsghdr)) {
        struct nlmsghdr h;
        memcpy(&h, buf + off, sizeof h); /* buf may be unaligned */
        if (h.nlmsg_len < sizeof h || h.nlmsg_len > len - off || h.nlmsg_type == NLMSG_DONE)
            break;
        if (h.nlmsg_type == RTM_NEWADDR)
            (*added)++;
        else if (h.nlmsg_type == RTM_DELADDR)
            (*removed)++;
        n++;
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step > len - off)
            break;
        off += step;
    }
    return n;
}

static void on_readable(uv_poll_t *p, int status, int events)
{
    (void)events;
    actr_netwatch_t *w = p->data;
    if (status < 0)
        return;
    unsigned added = 0, removed = 0;
    uint8_t buf[8192];
    for (int i = 0; i < READS_PER_WAKEUP; i++) {
        ssize_t got = recv(w->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got <= 0)
            break; /* EAGAIN: drained; ENOBUFS (overrun): the next change still reports */
        actr_netwatch_parse(buf, (size_t)got, &added, &removed);
    }
    if ((added || removed) && w->cb)
        w->cb(w->arg, added, removed);
}

int actr_netwatch_open(uv_loop_t *loop, actr_netwatch_cb cb, void *arg, actr_netwatch_t **out)
{
    actr_netwatch_t *w = calloc(1, sizeof *w);
    if (!w)
        return ACTR_ENOMEM;
    w->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
                             .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
    if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        uv_poll_init(loop, &w->poll, w->fd) != 0) {
        if (w->fd >= 0)
            close(w->fd);
        free(w);
        return ACTR_EIO;
    }
    w->cb = cb;
    w->arg = arg;
    w->poll.data = w;
    uv_poll_start(&w->poll, UV_READABLE, on_readable);
    *out = w;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    actr_netwatch_t *w = h->data;
    close(w->fd);
    void (*done)(void *) = w->done;
    void *arg = w->done_arg;
    free(w);
    if (done)
        done(arg);
}

void actr_netwatch_close(actr_netwatch_t *w, void (*done)(void *), void *arg)
{
    if (!w)
        return;
    w->cb = NULL;
    w->done = done;
    w->done_arg = arg;
    uv_close((uv_handle_t *)&w->poll, on_closed);
}
