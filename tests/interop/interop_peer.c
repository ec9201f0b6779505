/* interop_peer.c - start an npm interop peer and talk to it over loopback JSON lines. */
#include "interop_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actr/error.h"

extern char **environ;

#define MAX_LINE (4u << 20)
#define MAX_EXTRA 16

struct interop_peer {
    pid_t pid;
    int fd;
    char *buf; /* received bytes not yet returned as lines */
    size_t len, cap;
};

static const char *interop_dir(char *out, size_t cap)
{
    const char *src = getenv("ACTR_SOURCE_DIR");
    snprintf(out, cap, "%s/tests/interop", src ? src : ".");
    return out;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int interop_peer_start(const char *stack, const char *role, const char *const *extra,
                       interop_peer_t **out)
{
    *out = NULL;
    char dir[1024], cmd[1200], script[1100], signal_arg[32];
    interop_dir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd, "sh '%s/setup.sh'", dir);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        return ACTR_EUNAVAILABLE;
    int port, lfd = listen_loopback(&port);
    if (lfd < 0)
        return ACTR_EIO;
    snprintf(script, sizeof script, "%s/%s_peer.js", dir, stack);
    snprintf(signal_arg, sizeof signal_arg, "127.0.0.1:%d", port);
    const char *argv[8 + MAX_EXTRA] = {"node", script, "--role", role, "--signal", signal_arg};
    int argc = 6;
    for (int i = 0; extra && extra[i] && i < MAX_EXTRA; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    interop_peer_t *p = calloc(1, sizeof *p);
    if (!p) {
        close(lfd);
        return ACTR_ENOMEM;
    }
    p->fd = -1;
    if (posix_spawnp(&p->pid, "node", NULL, NULL, (char *const *)argv, environ) != 0) {
        close(lfd);
        free(p);
        return ACTR_EUNAVAILABLE;
    }
    struct pollfd pfd = {.fd = lfd, .events = POLLIN};
    if (poll(&pfd, 1, 30000) == 1)
        p->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    close(lfd);
    if (p->fd < 0) {
        interop_peer_stop(p);
        return ACTR_ETIMEDOUT;
    }
    cJSON *hello = NULL;
    rc = interop_peer_expect(p, "hello", NULL, 30000, NULL, NULL, &hello);
    cJSON_Delete(hello);
    if (rc != 0) {
        interop_peer_stop(p);
        return rc;
    }
    *out = p;
    return 0;
}

int interop_peer_fd(const interop_peer_t *p)
{
    return p ? p->fd : -1;
}

int interop_peer_send(interop_peer_t *p, cJSON *msg)
{
    char *text = msg ? cJSON_PrintUnformatted(msg) : NULL;
    cJSON_Delete(msg);
    if (!p || !text) {
        free(text);
        return ACTR_EIO;
    }
    size_t n = strlen(text);
    text[n] = '\n'; /* replace the NUL: one write of the whole line */
    size_t off = 0;
    while (off < n + 1) {
        ssize_t w = send(p->fd, text + off, n + 1 - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            free(text);
            return ACTR_EIO;
        }
        off += (size_t)w;
    }
    free(text);
    return 0;
}

int interop_peer_send_type(interop_peer_t *p, const char *type)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", type);
    return interop_peer_send(p, m);
}

/* A complete buffered line as JSON, or 1 when none is complete yet. */
static int take_line(interop_peer_t *p, cJSON **out)
{
    char *nl = p->len ? memchr(p->buf, '\n', p->len) : NULL;
    if (!nl)
        return p->len >= MAX_LINE ? ACTR_EPROTO : 1;
    *nl = '\0';
    cJSON *m = cJSON_Parse(p->buf);
    size_t used = (size_t)(nl - p->buf) + 1;
    memmove(p->buf, p->buf + used, p->len - used);
    p->len -= used;
    if (!m)
        return ACTR_EPROTO;
    *out = m;
    return 0;
}

int interop_peer_recv(interop_peer_t *p, int timeout_ms, cJSON **out)
{
    *out = NULL;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int rc = take_line(p, out);
        if (rc <= 0)
            return rc;
        long long left = deadline - now_ms();
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int r = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (r == 0)
            return ACTR_ETIMEDOUT;
        if (r < 0 && errno == EINTR)
            continue;
        if (p->cap - p->len < 65536) {
            size_t cap = p->cap ? p->cap * 2 : 131072;
            char *b = realloc(p->buf, cap);
            if (!b)
                return ACTR_ENOMEM;
            p->buf = b;
            p->cap = cap;
        }
        ssize_t n = recv(p->fd, p->buf + p->len, p->cap - p->len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ACTR_ECLOSED;
        p->len += (size_t)n;
    }
}

int interop_peer_expect(interop_peer_t *p, const char *type, const char *label, int timeout_ms,
                        void (*skip)(cJSON *msg, void *ctx), void *ctx, cJSON **out)
{
    *out = NULL;
    long long deadline = now_ms() + timeout_ms;
    for (int guard = 0; guard < 100000; guard++) {
        long long left = deadline - now_ms();
        cJSON *m;
        int rc = interop_peer_recv(p, left > 0 ? (int)left : 0, &m);
        if (rc != 0)
            return rc;
        cJSON *t = cJSON_GetObjectItem(m, "type"), *l = cJSON_GetObjectItem(m, "label");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 &&
            (!label || (cJSON_IsString(l) && strcmp(l->valuestring, label) == 0))) {
            *out = m;
            return 0;
        }
        if (skip)
            skip(m, ctx);
        cJSON_Delete(m);
    }
    return ACTR_ETIMEDOUT;
}

void interop_peer_stop(interop_peer_t *p)
{
    if (!p)
        return;
    if (p->fd >= 0) {
        interop_peer_send_type(p, "bye");
        close(p->fd);
    }
    int status;
    pid_t r = 0;
    for (int i = 0; i < 100 && (r = waitpid(p->pid, &status, WNOHANG)) == 0; i++)
        usleep(50000);
    if (r == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    free(p->buf);
    free(p);
}
