/*
 * rtc_child.c - JSON-lines channels to peer processes (see rtc_child.h).
 *
 * Handles: the process (when there is one), the read and write streams (two pipes, or one TCP
 * connection used both ways), and the TCP listener. Each is counted while open; the struct is
 * freed by the last close callback after rtc_child_free().
 */
#include "rtc_child.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rtc_child {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t in, out; /* pipe mode: we write `in`, read `out` */
    uv_tcp_t server, conn;
    uv_stream_t *rd, *wr; /* NULL until connected in TCP mode */
    bool has_proc, has_pipes, has_server, has_conn;
    rtc_child_msg_fn fn;
    void *arg;
    char *line;
    size_t len, cap;
    bool discarding, eof, exited, closing, freeing;
    size_t dropped;
    int status;
    int open_handles;
};

typedef struct wreq {
    uv_write_t req;
    char *buf;
} wreq_t;

static void on_closed(uv_handle_t *h)
{
    rtc_child_t *c = h->data;
    if (--c->open_handles == 0 && c->freeing) {
        free(c->line);
        free(c);
    }
}

static void close_handle(rtc_child_t *c, uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_closed);
    (void)c;
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    rtc_child_t *c = p->data;
    c->exited = true;
    c->status = sig ? 128 + sig : (int)status;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)h;
    b->base = malloc(hint);
    b->len = b->base ? hint : 0;
}

static void line_done(rtc_child_t *c)
{
    if (!c->discarding && c->len > 0) {
        cJSON *msg = cJSON_ParseWithLength(c->line, c->len);
        if (msg && cJSON_IsObject(msg) && c->fn && !c->closing)
            c->fn(c->arg, msg);
        else
            c->dropped++;
        cJSON_Delete(msg);
    }
    c->len = 0;
    c->discarding = false;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    rtc_child_t *c = s->data;
    for (ssize_t i = 0; i < n; i++) {
        char ch = b->base[i];
        if (ch == '\n') {
            line_done(c);
            continue;
        }
        if (c->discarding)
            continue;
        if (c->len + 1 > RTC_CHILD_LINE_MAX) {
            c->discarding = true;
            c->dropped++;
            continue;
        }
        if (c->len + 1 > c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 4096;
            char *nl = realloc(c->line, cap);
            if (!nl) {
                c->discarding = true;
                continue;
            }
            c->line = nl;
            c->cap = cap;
        }
        c->line[c->len++] = ch;
    }
    free(b->base);
    if (n < 0) {
        c->eof = true;
        uv_read_stop(s);
    }
}

static rtc_child_t *child_new(uv_loop_t *loop, rtc_child_msg_fn fn, void *arg)
{
    rtc_child_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->loop = loop;
    c->fn = fn;
    c->arg = arg;
    c->proc.data = c->in.data = c->out.data = c->server.data = c->conn.data = c;
    return c;
}

/* Starts the process; stdio[0..2] given. Counts the process handle even on failure (libuv
 * initialises it either way). */
static int start_proc(rtc_child_t *c, char *const argv[], char *const env[],
                      uv_stdio_container_t *stdio)
{
    uv_process_options_t opts;
    memset(&opts, 0, sizeof(opts));
    opts.file = argv[0];
    opts.args = (char **)argv;
    opts.env = (char **)env;
    opts.exit_cb = on_exit_cb;
    opts.stdio = stdio;
    opts.stdio_count = 3;
    c->has_proc = true;
    c->open_handles++;
    int rc = uv_spawn(c->loop, &c->proc, &opts);
    if (rc != 0)
        c->exited = true;
    return rc;
}

/* Gives up on a half-made child: close what exists, free at the last close. */
static int abandon(rtc_child_t *c, int rc)
{
    c->closing = c->freeing = true;
    if (c->has_proc)
        close_handle(c, (uv_handle_t *)&c->proc);
    if (c->has_pipes) {
        close_handle(c, (uv_handle_t *)&c->in);
        close_handle(c, (uv_handle_t *)&c->out);
    }
    if (c->has_server)
        close_handle(c, (uv_handle_t *)&c->server);
    if (c->open_handles == 0) {
        free(c->line);
        free(c);
    }
    return rc;
}

int rtc_child_spawn(uv_loop_t *loop, char *const argv[], char *const env[], rtc_child_msg_fn fn,
                    void *arg, rtc_child_t **out)
{
    rtc_child_t *c = child_new(loop, fn, arg);
    if (!c)
        return UV_ENOMEM;
    uv_pipe_init(loop, &c->in, 0);
    uv_pipe_init(loop, &c->out, 0);
    c->has_pipes = true;
    c->open_handles += 2;
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[0].data.stream = (uv_stream_t *)&c->in;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&c->out;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    int rc = start_proc(c, argv, env, stdio);
    if (rc != 0)
        return abandon(c, rc);
    c->rd = (uv_stream_t *)&c->out;
    c->wr = (uv_stream_t *)&c->in;
    uv_read_start(c->rd, on_alloc, on_read);
    *out = c;
    return 0;
}

static void on_connection(uv_stream_t *server, int status)
{
    rtc_child_t *c = server->data;
    if (status < 0 || c->has_conn || c->closing)
        return;
    uv_tcp_init(c->loop, &c->conn);
    c->has_conn = true;
    c->open_handles++;
    if (uv_accept(server, (uv_stream_t *)&c->conn) != 0) {
        close_handle(c, (uv_handle_t *)&c->conn);
        return;
    }
    uv_tcp_nodelay(&c->conn, 1);
    c->rd = c->wr = (uv_stream_t *)&c->conn;
    uv_read_start(c->rd, on_alloc, on_read);
    close_handle(c, (uv_handle_t *)&c->server); /* one peer per channel */
}

int rtc_child_spawn_tcp(uv_loop_t *loop, char *const argv[], rtc_child_msg_fn fn, void *arg,
                        rtc_child_t **out)
{
    rtc_child_t *c = child_new(loop, fn, arg);
    if (!c)
        return UV_ENOMEM;
    uv_tcp_init(loop, &c->server);
    c->has_server = true;
    c->open_handles++;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    int rc = uv_tcp_bind(&c->server, (const struct sockaddr *)&a, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&c->server, 1, on_connection);
    struct sockaddr_storage ss;
    int sl = sizeof(ss);
    if (rc == 0)
        rc = uv_tcp_getsockname(&c->server, (struct sockaddr *)&ss, &sl);
    if (rc != 0)
        return abandon(c, rc);
    char addr[32];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(((struct sockaddr_in *)&ss)->sin_port));
    size_t n = 0;
    while (argv[n])
        n++;
    char **args = calloc(n + 1, sizeof(char *));
    if (!args)
        return abandon(c, UV_ENOMEM);
    for (size_t i = 0; i < n; i++)
        args[i] = strcmp(argv[i], "@SIGNAL@") == 0 ? addr : argv[i];
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = 2; /* the peers' own output goes to our stderr */
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    rc = start_proc(c, args, NULL, stdio);
    free(args);
    if (rc != 0)
        return abandon(c, rc);
    *out = c;
    return 0;
}

int rtc_child_stdio(uv_loop_t *loop, rtc_child_msg_fn fn, void *arg, rtc_child_t **out)
{
    rtc_child_t *c = child_new(loop, fn, arg);
    if (!c)
        return UV_ENOMEM;
    uv_pipe_init(loop, &c->in, 0);
    uv_pipe_init(loop, &c->out, 0);
    c->has_pipes = true;
    c->open_handles += 2;
    c->exited = true; /* no process of ours to wait for */
    int rc = uv_pipe_open(&c->out, 0);
    if (rc == 0)
        rc = uv_pipe_open(&c->in, 1);
    c->rd = (uv_stream_t *)&c->out;
    c->wr = (uv_stream_t *)&c->in;
    if (rc == 0)
        rc = uv_read_start(c->rd, on_alloc, on_read);
    if (rc != 0)
        return abandon(c, rc);
    *out = c;
    return 0;
}

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    wreq_t *w = (wreq_t *)req;
    free(w->buf);
    free(w);
}

int rtc_child_send(rtc_child_t *c, const cJSON *msg)
{
    if (c->closing)
        return UV_EPIPE;
    if (!c->wr)
        return UV_ENOTCONN;
    char *text = cJSON_PrintUnformatted(msg);
    if (!text)
        return UV_ENOMEM;
    size_t n = strlen(text);
    wreq_t *w = malloc(sizeof(*w));
    char *buf = malloc(n + 1);
    if (!w || !buf) {
        free(w);
        free(buf);
        free(text);
        return UV_ENOMEM;
    }
    memcpy(buf, text, n);
    buf[n] = '\n';
    free(text);
    w->buf = buf;
    uv_buf_t b = uv_buf_init(buf, (unsigned)n + 1);
    int rc = uv_write(&w->req, c->wr, &b, 1, on_written);
    if (rc != 0) {
        free(buf);
        free(w);
    }
    return rc;
}

bool rtc_child_connected(const rtc_child_t *c)
{
    return c->wr != NULL;
}

bool rtc_child_eof(const rtc_child_t *c)
{
    return c->eof;
}

bool rtc_child_exited(const rtc_child_t *c)
{
    return c->exited;
}

int rtc_child_exit_status(const rtc_child_t *c)
{
    return c->status;
}

int rtc_child_pid(const rtc_child_t *c)
{
    return c->has_proc ? c->proc.pid : 0;
}

size_t rtc_child_dropped_lines(const rtc_child_t *c)
{
    return c->dropped;
}

void rtc_child_close(rtc_child_t *c)
{
    if (!c || c->closing)
        return;
    c->closing = true;
    if (c->has_proc && !c->exited)
        uv_process_kill(&c->proc, SIGTERM);
    if (c->has_pipes) {
        close_handle(c, (uv_handle_t *)&c->in);
        close_handle(c, (uv_handle_t *)&c->out);
    }
    if (c->has_conn)
        close_handle(c, (uv_handle_t *)&c->conn);
    if (c->has_server)
        close_handle(c, (uv_handle_t *)&c->server);
}

bool rtc_child_done(const rtc_child_t *c)
{
    if (!c)
        return true;
    int left = c->open_handles - (c->has_proc ? 1 : 0); /* the process handle closes in free */
    return c->closing && c->exited && left <= 0;
}

void rtc_child_free(rtc_child_t *c)
{
    if (!c)
        return;
    rtc_child_close(c);
    c->freeing = true;
    if (c->has_proc)
        close_handle(c, (uv_handle_t *)&c->proc);
    if (c->open_handles == 0) {
        free(c->line);
        free(c);
    }
}
