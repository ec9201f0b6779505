/*
 * Crash tests of the durable mailbox with real processes and SIGKILL (see mailbox_crash_child.c):
 *  - a producer killed at a random point loses no message whose enqueue had returned;
 *  - a consumer killed in the middle of a batch gets its unacknowledged messages redelivered
 *    (with the delivery counted), while its flushed acks stay done.
 * argv[1] is the child program.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "actr/mailbox.h"
#include "tmpdir.h"

#define MAX_LINES 20000
#define LINE_MAX_LEN 80
#define READ_TIMEOUT_MS 30000

static const char *child_program;

typedef struct child {
    pid_t pid;
    int fd;
    char buf[4096];
    size_t len;
    char lines[MAX_LINES][LINE_MAX_LEN];
    size_t nlines;
    int eof;
} child_t;

static void spawn(child_t *c, char *const argv[])
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        execv(child_program, argv);
        _exit(127);
    }
    close(p[1]);
    c->fd = p[0];
    c->len = 0;
    c->nlines = 0;
    c->eof = 0;
}

/* Reads until one more complete line is stored (0), EOF (1); fails after READ_TIMEOUT_MS. */
static int read_line(child_t *c)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            assert_true(n < LINE_MAX_LEN && c->nlines < MAX_LINES);
            memcpy(c->lines[c->nlines], c->buf, n);
            c->lines[c->nlines++][n] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return 0;
        }
        if (c->eof)
            return 1; /* a partial last line was cut by the kill: it promised nothing */
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, READ_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        assert_true(pr > 0);
        ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
        assert_true(r >= 0);
        if (r == 0)
            c->eof = 1;
        c->len += (size_t)r;
    }
}

static void kill_and_drain(child_t *c)
{
    kill(c->pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* Lines written before the kill still count: their enqueue had returned. */
    for (int guard = 0; guard < MAX_LINES && read_line(c) == 0; guard++)
        ;
    close(c->fd);
}

/* Dequeues everything (bounded) into ids/attempts; returns how many. */
static size_t drain_mailbox(actr_mailbox_t *mb, actr_mailbox_id_t *ids, uint32_t *attempts,
                            size_t cap)
{
    size_t total = 0;
    actr_mailbox_msg_t m[32];
    for (size_t round = 0; round <= cap; round++) {
        size_t n = 0;
        assert_int_equal(actr_mailbox_dequeue(mb, m, 32, &n, NULL), 0);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            assert_true(total < cap);
            ids[total] = m[i].id;
            if (attempts)
                attempts[total] = m[i].attempts;
            total++;
        }
        actr_mailbox_msgs_release(m, n);
    }
    return total;
}

static long find_id(const actr_mailbox_id_t *ids, size_t n, const char *text)
{
    actr_mailbox_id_t want;
    assert_int_equal(actr_mailbox_id_parse(text, ACTR_MAILBOX_ID_STR_LEN, &want), 0);
    for (size_t i = 0; i < n; i++)
        if (memcmp(ids[i].bytes, want.bytes, 16) == 0)
            return (long)i;
    return -1;
}

static actr_mailbox_t *reopen(const char *path)
{
    actr_mailbox_t *mb;
    actr_error_t err = {0};
    if (actr_mailbox_open(path, NULL, &mb, &err) != 0)
        fail_msg("reopen after kill: %s", err.message);
    return mb;
}

static void test_producer_killed_loses_nothing_promised(void **state)
{
    (void)state;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    printf("# seed %u\n", seed);
    static child_t c;
    static actr_mailbox_id_t found[MAX_LINES];
    for (int round = 0; round < 4; round++) {
        char dir[TEST_TMPDIR_SIZE], path[128];
        test_tmpdir_make(dir);
        test_path_join(path, sizeof path, dir, "crash.mailbox");
        char *argv[] = {"mailbox_crash_child", "produce", path, "4", "2500", NULL};
        spawn(&c, argv);
        /* Kill after a random number of promised messages, while producers are mid-enqueue. */
        size_t kill_after = 20 + (size_t)rand() % 600;
        while (c.nlines < kill_after && read_line(&c) == 0)
            ;
        kill_and_drain(&c);
        size_t promised = 0;
        actr_mailbox_t *mb = reopen(path);
        size_t n = drain_mailbox(mb, found, NULL, MAX_LINES);
        for (size_t i = 0; i < c.nlines; i++) {
            if (c.lines[i][0] != 'E')
                continue;
            promised++;
            if (find_id(found, n, c.lines[i] + 2) < 0)
                fail_msg("round %d: message %s was promised and is lost", round, c.lines[i] + 2);
        }
        for (size_t i = 0; i + 1 < n; i++) /* and nothing is there twice */
            for (size_t j = i + 1; j < n; j++)
                assert_memory_not_equal(found[i].bytes, found[j].bytes, 16);
        printf("# round %d: killed after %zu promised, %zu stored\n", round, promised, n);
        assert_true(promised >= kill_after);
        actr_mailbox_close(mb);
        test_tmpdir_remove(dir);
    }
}

static void test_consumer_killed_mid_batch_redelivers(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_SIZE], path[128];
    test_tmpdir_make(dir);
    test_path_join(path, sizeof path, dir, "crash.mailbox");
    actr_mailbox_t *mb = reopen(path);
    for (int i = 0; i < 50; i++) {
        actr_buf_t p = actr_buf_static("work", 4);
        assert_int_equal(actr_mailbox_enqueue(mb, NULL, 0, &p, ACTR_MSG_NORMAL, NULL, NULL), 0);
    }
    actr_mailbox_close(mb);

    static child_t c;
    char *argv[] = {"mailbox_crash_child", "consume", path, "5", NULL};
    spawn(&c, argv);
    while (read_line(&c) == 0 && strcmp(c.lines[c.nlines - 1], "READY") != 0)
        ;
    assert_string_equal(c.lines[c.nlines - 1], "READY");
    kill_and_drain(&c);

    mb = reopen(path);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    assert_int_equal(st.queued, 45); /* 50 minus 5 durable acks */
    assert_int_equal(st.inflight, 0);
    static actr_mailbox_id_t found[64];
    static uint32_t attempts[64];
    size_t n = drain_mailbox(mb, found, attempts, 64);
    assert_int_equal(n, 45);
    size_t delivered = 0, acked = 0;
    for (size_t i = 0; i < c.nlines; i++) {
        const char *line = c.lines[i];
        long at = line[0] == 'D' || line[0] == 'A' ? find_id(found, n, line + 2) : -2;
        if (line[0] == 'D') {
            delivered++;
            assert_int_equal(atoi(line + 2 + ACTR_MAILBOX_ID_STR_LEN + 1), 1);
        } else if (line[0] == 'A') {
            acked++;
            assert_true(at < 0); /* a flushed ack survives the kill */
        }
    }
    assert_int_equal(delivered, 32);
    assert_int_equal(acked, 5);
    /* The 27 delivered but unacknowledged come back first, their lost delivery counted. */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(attempts[i], i < 27 ? 2 : 1);
    for (size_t i = 5; i < c.nlines && c.lines[i][0] == 'D'; i++)
        assert_true(find_id(found, n, c.lines[i] + 2) >= 0);
    actr_mailbox_close(mb);
    test_tmpdir_remove(dir);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <mailbox_crash_child>\n", argv[0]);
        return 2;
    }
    child_program = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producer_killed_loses_nothing_promised),
        cmocka_unit_test(test_consumer_killed_mid_batch_redelivers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
