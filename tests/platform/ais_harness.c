/*
 * ais_harness.c - loop, waits and child processes for the AIS client tests.
 */
#include "ais_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

uv_loop_t *ah_loop;
actr_curl_uv_t *ah_http;
static uv_loop_t loop_storage;

void ah_loop_open(void)
{
    assert_int_equal(uv_loop_init(&loop_storage), 0);
    ah_loop = &loop_storage;
    assert_int_equal(actr_curl_uv_new(ah_loop, &ah_http), 0);
}

void ah_flag_set(void *arg)
{
    *(bool *)arg = true;
    if (ah_loop)
        uv_stop(ah_loop);
}

void ah_loop_close(void)
{
    bool closed = false;
    actr_curl_uv_close(ah_http, ah_flag_set, &closed);
    ah_http = NULL;
    ah_wait(&closed, 5000);
    /* Nothing may be left: every poll and the timer are closed. */
    uv_run(ah_loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(ah_loop), 0);
    ah_loop = NULL;
}

static void on_watchdog(uv_timer_t *t)
{
    ah_flag_set(t->data);
}

void ah_wait(const bool *flag, uint64_t timeout_ms)
{
    bool expired = false;
    uv_timer_t dog;
    uv_timer_init(ah_loop, &dog);
    dog.data = &expired;
    uv_timer_start(&dog, on_watchdog, timeout_ms, 0);
    while (!*flag && !expired)
        uv_run(ah_loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&dog, NULL);
    uv_run(ah_loop, UV_RUN_NOWAIT);
    if (!*flag)
        fail_msg("nothing happened within %llu ms", (unsigned long long)timeout_ms);
}

void ah_spin(uint64_t ms)
{
    bool expired = false;
    uv_timer_t t;
    uv_timer_init(ah_loop, &t);
    t.data = &expired;
    uv_timer_start(&t, on_watchdog, ms, 0);
    while (!expired)
        uv_run(ah_loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(ah_loop, UV_RUN_NOWAIT);
}

void ah_on_done(const actr_ais_result_t *res, void *arg)
{
    ah_done_t *d = arg;
    d->calls++;
    d->res = *res;
    ah_flag_set(&d->done);
}

void ah_register(actr_ais_client_t *c, const actr_ais_register_params_t *p, ah_done_t *d)
{
    memset(d, 0, sizeof *d);
    actr_error_t err = {0};
    int rc = actr_ais_register(c, p, ah_on_done, d, NULL, &err);
    if (rc != 0)
        fail_msg("register did not start: %s", err.message);
    ah_wait(&d->done, 15000);
    assert_int_equal(d->calls, 1);
}

void ah_renew(actr_ais_client_t *c, const actr_id_t *id, const uint8_t token[32], ah_done_t *d)
{
    memset(d, 0, sizeof *d);
    actr_error_t err = {0};
    int rc = actr_ais_renew(c, id, token, ah_on_done, d, NULL, &err);
    if (rc != 0)
        fail_msg("renew did not start: %s", err.message);
    ah_wait(&d->done, 15000);
    assert_int_equal(d->calls, 1);
}

void ah_expect(const ah_done_t *d, actr_ais_status_t status, const char *fragment)
{
    if (d->res.status != status)
        fail_msg("expected %s, got %s: %s", actr_ais_status_name(status),
                 actr_ais_status_name(d->res.status), d->res.message);
    if (fragment && !strstr(d->res.message, fragment))
        fail_msg("message \"%s\" lacks \"%s\"", d->res.message, fragment);
}

pid_t ah_spawn(const char *const argv[], int *out_fd, const char *log_path)
{
    int fds[2] = {-1, -1};
    if (out_fd)
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (out_fd)
            dup2(fds[1], STDOUT_FILENO);
        if (log_path) {
            int e = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (e >= 0) {
                dup2(e, STDERR_FILENO);
                if (!out_fd)
                    dup2(e, STDOUT_FILENO);
            }
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (out_fd) {
        close(fds[1]);
        *out_fd = fds[0];
    }
    return pid;
}

long ah_read_line(int fd, char *buf, size_t cap, uint64_t timeout_ms)
{
    uint64_t deadline = actr_clock_mono_ms() + timeout_ms;
    size_t n = 0;
    while (n + 1 < cap) {
        uint64_t now = actr_clock_mono_ms();
        if (now >= deadline)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        char c;
        ssize_t k = read(fd, &c, 1); /* one byte: never reads past the line */
        if (k <= 0)
            return -1;
        if (c == '\n')
            break;
        buf[n++] = c;
    }
    buf[n] = 0;
    return (long)n;
}

int ah_run(const char *const argv[], char *out, size_t cap)
{
    int fd;
    pid_t pid = ah_spawn(argv, &fd, NULL);
    size_t n = 0;
    uint64_t deadline = actr_clock_mono_ms() + 30000;
    for (;;) {
        uint64_t now = actr_clock_mono_ms();
        if (now >= deadline)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(deadline - now)) <= 0)
            break;
        char tmp[4096];
        ssize_t k = read(fd, tmp, sizeof tmp);
        if (k <= 0)
            break;
        size_t room = cap - 1 - n;
        size_t take = (size_t)k < room ? (size_t)k : room;
        memcpy(out + n, tmp, take);
        n += take;
    }
    out[n] = 0;
    close(fd);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; i++) {
        if (i == 99) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("%s did not finish", argv[0]);
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ah_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

long ah_read_file(const char *path, void *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    ((char *)buf)[n] = 0;
    return (long)n;
}

void ah_write_file(const char *path, const void *data, size_t len)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0); /* the server never reads half a file */
}
