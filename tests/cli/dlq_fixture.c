/*
 * dlq_fixture.c - prepares and inspects a durable mailbox and its DLQ for test_cli_dlq.py, which
 * then runs the real `actr dlq` commands against them.
 *
 *   dlq_fixture put MAILBOX category=C [error=E] [trace=T] [request=R] [original=ID]
 *                       [context=JSON] [raw=HEX] [from=HEX] [to=HEX]
 *       opens the mailbox (creating it and MAILBOX.dlq), stores one record, prints its id
 *   dlq_fixture count MAILBOX
 *       prints "queued N", then "message ID PRIORITY FROM_HEX PAYLOAD_HEX" per queued message
 *       ("-" for empty bytes); gives the messages back undelivered
 *   dlq_fixture hold MAILBOX SECONDS
 *       opens the mailbox, prints "held", keeps it until stdin closes or SECONDS pass (at most
 *       120), so that another process finds it in use
 *
 * The test encodes the protobuf bytes itself and passes them as hex, so the CLI's decoding is
 * checked against an independent encoder. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/mailbox.h"
#include "base/hex.h"

#define MAX_HOLD_SECONDS 120
#define BATCH 32

static int usage(void)
{
    fputs("usage: dlq_fixture put MAILBOX category=C [key=value...] | count MAILBOX | "
          "hold MAILBOX SECONDS\n",
          stderr);
    return 2;
}

static int failed(const char *what, int rc, const actr_error_t *err)
{
    fprintf(stderr, "dlq_fixture: %s: %s\n", what,
            err && err->message[0] ? err->message : actr_strerror(rc));
    return 1;
}

/* Decodes hex into a malloc'ed buffer (*out NULL and *len 0 for ""). */
static int unhex(const char *hex, uint8_t **out, size_t *len)
{
    size_t n = strlen(hex);
    *out = NULL;
    *len = 0;
    if (n == 0)
        return 0;
    *out = malloc(n / 2 + 1);
    if (!*out || actr_hex_decode(hex, n, *out, n / 2 + 1, len) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static void print_hex(const uint8_t *data, size_t len)
{
    if (len == 0) {
        fputs(" -", stdout);
        return;
    }
    putchar(' ');
    for (size_t i = 0; i < len; i++)
        printf("%02x", data[i]);
}

static int do_put(const char *path, int argc, char **argv)
{
    actr_dlq_entry_t e = {.error_message = "", .trace_id = ""};
    uint8_t *bytes[3] = {NULL, NULL, NULL}; /* raw, from, to */
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            rc = -1;
            break;
        }
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "category"))
            e.error_category = v;
        else if (!strcmp(k, "error"))
            e.error_message = v;
        else if (!strcmp(k, "trace"))
            e.trace_id = v;
        else if (!strcmp(k, "request"))
            e.request_id = v;
        else if (!strcmp(k, "original"))
            e.original_message_id = v;
        else if (!strcmp(k, "context"))
            e.context = v;
        else if (!strcmp(k, "raw"))
            rc = unhex(v, &bytes[0], &e.raw_len);
        else if (!strcmp(k, "from"))
            rc = unhex(v, &bytes[1], &e.from_len);
        else if (!strcmp(k, "to"))
            rc = unhex(v, &bytes[2], &e.to_len);
        else
            rc = -1;
    }
    e.raw = bytes[0];
    e.from = bytes[1];
    e.to = bytes[2];
    if (rc != 0 || !e.error_category) {
        for (int i = 0; i < 3; i++)
            free(bytes[i]);
        return usage();
    }
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    char id[ACTR_DLQ_ID_STR_LEN + 1];
    rc = actr_mailbox_open(path, NULL, &mb, &err);
    if (rc == 0)
        rc = actr_dlq_put(actr_mailbox_dlq(mb), &e, id, &err);
    actr_mailbox_close(mb);
    for (int i = 0; i < 3; i++)
        free(bytes[i]);
    if (rc != 0)
        return failed("put", rc, &err);
    printf("%s\n", id);
    return 0;
}

static int do_count(const char *path)
{
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    int rc = actr_mailbox_open(path, NULL, &mb, &err);
    if (rc != 0)
        return failed("open", rc, &err);
    actr_mailbox_stats_t st;
    actr_mailbox_stats(mb, &st);
    printf("queued %llu\n", (unsigned long long)st.queued);
    actr_mailbox_msg_t batch[BATCH];
    size_t n = 0;
    /* Everything is taken at once (few messages) and then given back undelivered. */
    while (rc == 0 && (rc = actr_mailbox_dequeue(mb, batch, BATCH, &n, &err)) == 0 && n > 0) {
        actr_mailbox_id_t ids[BATCH];
        for (size_t i = 0; i < n; i++) {
            char text[ACTR_MAILBOX_ID_STR_LEN + 1];
            actr_mailbox_id_format(&batch[i].id, text);
            printf("message %s %s", text, batch[i].priority == ACTR_MSG_HIGH ? "high" : "normal");
            print_hex(batch[i].from.data, batch[i].from.len);
            print_hex(batch[i].payload.data, batch[i].payload.len);
            putchar('\n');
            ids[i] = batch[i].id;
        }
        actr_mailbox_msgs_release(batch, n);
        rc = actr_mailbox_release(mb, ids, n, &err);
        if (n < BATCH)
            break;
    }
    actr_mailbox_close(mb);
    return rc == 0 ? 0 : failed("count", rc, &err);
}

static int do_hold(const char *path, const char *seconds_text)
{
    int seconds = atoi(seconds_text);
    if (seconds <= 0 || seconds > MAX_HOLD_SECONDS)
        return usage();
    actr_mailbox_t *mb = NULL;
    actr_error_t err = {0};
    int rc = actr_mailbox_open(path, NULL, &mb, &err);
    if (rc != 0)
        return failed("open", rc, &err);
    puts("held");
    fflush(stdout);
    /* Until the test closes our stdin (or dies), bounded in any case. */
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    char buf[64];
    while (poll(&pfd, 1, seconds * 1000) > 0 && read(STDIN_FILENO, buf, sizeof buf) > 0) {
    }
    actr_mailbox_close(mb);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    if (!strcmp(argv[1], "put"))
        return do_put(argv[2], argc - 3, argv + 3);
    if (!strcmp(argv[1], "count") && argc == 3)
        return do_count(argv[2]);
    if (!strcmp(argv[1], "hold") && argc == 4)
        return do_hold(argv[2], argv[3]);
    return usage();
}
