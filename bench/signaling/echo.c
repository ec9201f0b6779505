/* echo.c - the raw libwebsockets echo server the bench compares actrd with, in a forked child (bench_signaling). */
#include "sigbench.h"

/* ---- the raw echo server (forked child) ---- */

typedef struct echo_msg { struct echo_msg *next; size_t len; unsigned char buf[]; } echo_msg_t;
typedef struct echo_pss { echo_msg_t *head, *tail; rxbuf_t rx; } echo_pss_t;

static int echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    echo_pss_t *p = user;
    echo_msg_t *m = p ? p->head : NULL;
    switch (reason) {
    case LWS_CALLBACK_RECEIVE: {
        const uint8_t *data = in;
        int whole = assemble(wsi, &p->rx, &data, &len);
        if (whole <= 0)
            return whole;
        if (!(m = malloc(sizeof *m + LWS_PRE + len)))
            return -1;
        *m = (echo_msg_t){.len = len};
        memcpy(m->buf + LWS_PRE, data, len);
        *(p->tail ? &p->tail->next : &p->head) = m;
        p->tail = m;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        if (!m)
            return 0;
        if (!(p->head = m->next))
            p->tail = NULL;
        bool short_write = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY) < (int)m->len;
        free(m);
        if (p->head)
            lws_callback_on_writable(wsi);
        return short_write ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED:
        for (echo_msg_t *next; m; m = next) {
            next = m->next;
            free(m);
        }
        free(p->rx.data);
        *p = (echo_pss_t){0};
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols echo_protocols[] = {
    {"echo", echo_cb, sizeof(echo_pss_t), RX_BYTES, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

typedef struct echo_srv {
    struct lws_context *ctx;
    uv_signal_t sig;
    uv_timer_t orphan; /* the bench died without stopping us: stop anyway */
    pid_t parent;
} echo_srv_t;

static void echo_stop(echo_srv_t *e)
{
    uv_close((uv_handle_t *)&e->sig, NULL);
    uv_close((uv_handle_t *)&e->orphan, NULL);
    lws_context_destroy(e->ctx);
}

static void echo_on_term(uv_signal_t *s, int signum) { echo_stop(s->data); }

static void echo_on_orphan(uv_timer_t *t)
{
    echo_srv_t *e = t->data;
    if (getppid() != e->parent)
        echo_stop(e);
}

/* Reports its port (or -1) on fd, then serves until SIGTERM. */
int echo_child(int fd)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    void *foreign[1] = {&loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign;
    info.port = 0;
    info.iface = "127.0.0.1";
    info.protocols = echo_protocols;
    echo_srv_t e = {.ctx = lws_create_context(&info), .parent = getppid()};
    struct lws_vhost *vh = e.ctx ? lws_get_vhost_by_name(e.ctx, "default") : NULL;
    int port = vh ? lws_get_vhost_listen_port(vh) : -1;
    uv_signal_init(&loop, &e.sig);
    uv_timer_init(&loop, &e.orphan);
    e.sig.data = e.orphan.data = &e;
    uv_signal_start(&e.sig, echo_on_term, SIGTERM);
    uv_timer_start(&e.orphan, echo_on_orphan, 1000, 1000);
    if (write(fd, &port, sizeof port) != sizeof port || port <= 0)
        return 1;
    close(fd);
    uv_run(&loop, UV_RUN_DEFAULT);
    lws_context_destroy(e.ctx);
    return uv_loop_close(&loop) ? 1 : 0;
}
