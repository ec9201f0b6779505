/*
 * mailbox_crash_child - the process test_mailbox_crash kills with SIGKILL.
 *
 *   mailbox_crash_child produce <path> <threads> <per_thread>
 *       Enqueues from several threads; prints "E <id>" once an enqueue has RETURNED (so the
 *       message is promised durable), then "DONE".
 *   mailbox_crash_child consume <path> <acks>
 *       Dequeues one batch and prints "D <id> <attempts>" per message, acks the first <acks>,
 *       flushes, prints "A <id>" per durable ack, then "READY" and waits to be killed.
 *
 * Lines are written with one write(2) each (shorter than PIPE_BUF, so never interleaved).
 * Exits 3 if nobody kills it within a minute.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/mailbox.h"

typedef struct producer {
    actr_mailbox_t *mb;
    int index;
    int count;
} producer_t;

static void say(const char *line)
{
    size_t len = strlen(line);
    if (write(STDOUT_FILENO, line, len) != (ssize_t)len)
        _exit(4);
}

static void say_id(char tag, const actr_mailbox_id_t *id, long extra)
{
    char text[ACTR_MAILBOX_ID_STR_LEN + 1], line[80];
    actr_mailbox_id_format(id, text);
    if (extra >= 0)
        snprintf(line, sizeof line, "%c %s %ld\n", tag, text, extra);
    else
        snprintf(line, sizeof line, "%c %s\n", tag, text);
    say(line);
}

static void *produce(void *arg)
{
    producer_t *p = arg;
    for (int i = 0; i < p->count; i++) {
        char text[32];
        int len = snprintf(text, sizeof text, "t%d-%d", p->index, i);
        actr_buf_t payload;
        actr_mailbox_id_t id;
        actr_error_t err = {0};
        actr_buf_copy(text, (size_t)len, &payload);
        int rc = actr_mailbox_enqueue(p->mb, "child", 5, &payload, ACTR_MSG_NORMAL, &id, &err);
        actr_buf_release(&payload);
        if (rc != 0) {
            fprintf(stderr, "enqueue: %s\n", err.message);
            _exit(5);
        }
        say_id('E', &id, -1);
    }
    return NULL;
}

static int run_produce(actr_mailbox_t *mb, int threads, int per_thread)
{
    pthread_t t[64];
    producer_t p[64];
    if (threads < 1 || threads > 64)
        return 2;
    for (int i = 0; i < threads; i++) {
        p[i] = (producer_t){.mb = mb, .index = i, .count = per_thread};
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    say("DONE\n");
    return 0;
}

static int run_consume(actr_mailbox_t *mb, int acks)
{
    actr_mailbox_msg_t m[32];
    size_t n = 0;
    actr_error_t err = {0};
    if (actr_mailbox_dequeue_wait(mb, m, 32, &n, 5000, &err) != 0) {
        fprintf(stderr, "dequeue: %s\n", err.message);
        return 5;
    }
    for (size_t i = 0; i < n; i++)
        say_id('D', &m[i].id, (long)m[i].attempts);
    for (size_t i = 0; i < n && (int)i < acks; i++)
        actr_mailbox_ack(mb, &m[i].id, 1, NULL);
    actr_mailbox_flush(mb, NULL);
    for (size_t i = 0; i < n && (int)i < acks; i++)
        say_id('A', &m[i].id, -1);
    say("READY\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    actr_mailbox_t *mb;
    actr_error_t err = {0};
    if (actr_mailbox_open(argv[2], NULL, &mb, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.message);
        return 5;
    }
    int rc = 2;
    if (strcmp(argv[1], "produce") == 0 && argc == 5)
        rc = run_produce(mb, atoi(argv[3]), atoi(argv[4]));
    else if (strcmp(argv[1], "consume") == 0)
        rc = run_consume(mb, atoi(argv[3]));
    if (rc != 0)
        return rc;
    sleep(60); /* wait for SIGKILL; never close the mailbox cleanly */
    return 3;
}
