/*
 * rtc_child.c - child process with a JSON-lines channel on a uv loop (see rtc_child.h).
 */
#include "rtc_child.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct rtc_child {
    uv_process_t proc;
    uv_pipe_t in, out;
    uv_process_options_t opts;
    rtc_child_msg_fn fn;
    void *arg;
    char *line;
    size_t len, cap;
    bool discarding;
    size_t dropped;
    bool exited;
    int status;
    int open_handles;
    bool closing;
    bool freeing; /* free when the last handle is closed */
    bool no_proc;
    bool eof; /* the peer closed its end */ /* our own stdin/stdout (rtc_child_stdio), no process handle */
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
        if (msg) {
            if (cJSON_IsObject(msg) && c->fn)
                c->fn(c->arg, msg);
            cJSON_Delete(msg);
        } else {
            c->dropped++;
        }
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

int rtc_child_spawn(uv_loop_t *loop, char *const argv[], char *const env[], rtc_child_msg_fn fn,
                    void *arg, rtc_child_t **out)
{
    rtc_child_t *c = calloc(1, sizeof(*c));
    if (!c)
        return UV_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    uv_pipe_init(loop, &c->in, 0);
    uv_pipe_init(loop, &c->out, 0);
    c->in.data = c->out.data = c->proc.data = c;
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    stdio[0].data.stream = (uv_stream_t *)&c->in;
    stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    stdio[1].data.stream = (uv_stream_t *)&c->out;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    c->opts.file = argv[0];
    c->opts.args = (char **)argv;
    c->opts.env = (char **)env;
    c->opts.exit_cb = on_exit_cb;
    c->opts.stdio = stdio;
    c->opts.stdio_count = 3;
    c->open_handles = 3;
    int rc = uv_spawn(loop, &c->proc, &c->opts);
    if (rc != 0) {
        /* The handles are initialised even so: close them, the last close frees. */
        c->closing = true;
        c->exited = true;
        c->freeing = true;
        uv_close((uv_handle_t *)&c->in, on_closed);
        uv_close((uv_handle_t *)&c->out, on_closed);
        uv_close((uv_handle_t *)&c->proc, on_closed);
        *out = NULL;
        return rc;
    }
    uv_read_start((uv_stream_t *)&c->out, on_alloc, on_read);
    *out = c;
    return 0;
}

int rtc_child_stdio(uv_loop_t *loop, rtc_child_msg_fn fn, void *arg, rtc_child_t **out)
{
    rtc_child_t *c = calloc(1, sizeof(*c));
    if (!c)
        return UV_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->no_proc = true;
    uv_pipe_init(loop, &c->in, 0);
    uv_pipe_init(loop, &c->out, 0);
    c->in.data = c->out.data = c;
    c->open_handles = 2;
    int rc = uv_pipe_open(&c->out, 0);
    if (rc == 0)
        rc = uv_pipe_open(&c->in, 1);
    if (rc == 0)
        rc = uv_read_start((uv_stream_t *)&c->out, on_alloc, on_read);
    if (rc != 0) {
        c->closing = c->exited = c->freeing = true;
        uv_close((uv_handle_t *)&c->in, on_closed);
        uv_close((uv_handle_t *)&c->out, on_closed);
        return rc;
    }
    *out = c;
    return 0;
}

bool rtc_child_eof(const rtc_child_t *c)
{
    return c->eof;
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
    int rc = uv_write(&w->req, (uv_stream_t *)&c->in, &b, 1, on_written);
    if (rc != 0) {
        free(buf);
        free(w);
    }
    return rc;
}

int rtc_child_pid(const rtc_child_t *c)
{
    return c->no_proc ? 0 : c->proc.pid;
}

bool rtc_child_exited(const rtc_child_t *c)
{
    return c->exited;
}

int rtc_child_exit_status(const rtc_child_t *c)
{
    return c->status;
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
    if (!c->exited && !c->no_proc)
        uv_process_kill(&c->proc, SIGTERM);
    if (c->no_proc)
        c->exited = true;
    uv_close((uv_handle_t *)&c->in, on_closed);
    uv_close((uv_handle_t *)&c->out, on_closed);
}

bool rtc_child_done(const rtc_child_t *c)
{
    return !c || (c->closing && c->open_handles <= (c->no_proc ? 0 : 1) && c->exited);
}

void rtc_child_free(rtc_child_t *c)
{
    if (!c)
        return;
    rtc_child_close(c);
    c->freeing = true;
    if (c->no_proc) {
        if (c->open_handles == 0) {
            free(c->line);
            free(c);
        }
        return;
    }
    uv_close((uv_handle_t *)&c->proc, on_closed);
}
