/*
 * The direct WebSocket hub against an implementation nobody here wrote: ws_peer.py (Debian's
 * python3-websockets, python3-protobuf and python3-cryptography, run with /usr/bin/python3) as
 * a dialler to our listener and as a listener for our dialler, over 127.0.0.1. Checks the
 * headers and credential both ways, the 5-byte framing, malformed messages dropped and counted
 * without losing the connection, trailing bytes ignored, tells unanswered, a DataChunk routed to
 * a stream, and forged or missing credentials dropped silently in both directions.
 */
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
#include <unistd.h>

#include "actr.pb-c.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/hex.h"
#include "codec/pb.h"
#include "platform/ais/id_pb.h"
#include "ws_harness.h"

#define WAIT_MS 15000

static wh_side_t lis, dia;
static actr_id_t our_id, py_id;
static char script[512];

typedef struct child {
    pid_t pid;
    int in_fd, out_fd;
    char out[16384];
    size_t out_len;
    int status;
} child_t;

static void child_start(child_t *c, const char *const *args)
{
    const char *argv[24] = {"/usr/bin/python3", script};
    size_t n = 2;
    for (size_t i = 0; args[i] && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int in[2], out[2];
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    memset(c, 0, sizeof *c);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->in_fd = in[1];
    c->out_fd = out[0];
    fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
}

/* Reads what the child printed so far (non-blocking). */
static void child_drain(child_t *c)
{
    for (;;) {
        if (c->out_len + 1 >= sizeof c->out)
            return;
        ssize_t k = read(c->out_fd, c->out + c->out_len, sizeof c->out - 1 - c->out_len);
        if (k <= 0)
            return;
        c->out_len += (size_t)k;
        c->out[c->out_len] = 0;
    }
}

/* Runs the loop until the child printed needle (or fails after timeout_ms). */
static void child_expect(child_t *c, const char *needle, uint64_t timeout_ms)
{
    uint64_t deadline = actr_clock_mono_ms() + timeout_ms;
    while (!strstr(c->out, needle) && actr_clock_mono_ms() < deadline) {
        wh_spin(5);
        child_drain(c);
    }
    if (!strstr(c->out, needle))
        fail_msg("python peer did not print \"%s\"; it printed:\n%s", needle, c->out);
}

/* Closes its stdin and runs the loop until it exits; returns its exit code. */
static int child_finish(child_t *c, uint64_t timeout_ms)
{
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = -1;
    uint64_t deadline = actr_clock_mono_ms() + timeout_ms;
    int status = 0;
    pid_t got = 0;
    while ((got = waitpid(c->pid, &status, WNOHANG)) == 0 && actr_clock_mono_ms() < deadline) {
        wh_spin(5);
        child_drain(c);
    }
    if (got != c->pid) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, &status, 0);
        fail_msg("python peer did not finish; it printed:\n%s", c->out);
    }
    child_drain(c);
    close(c->out_fd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("ACTR_SOURCE_DIR");
    snprintf(script, sizeof script, "%s/tests/wire/websocket/ws_peer.py", src ? src : ".");
    wh_open();
    wh_make_id(&our_id, 0xabc);
    wh_make_id(&py_id, 0xdef);
    memset(&lis, 0, sizeof lis);
    memset(&dia, 0, sizeof dia);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return wh_teardown_sides(&dia, &lis);
}

/* The header values a dialler presents, computed here from protobuf-c directly. */
static void headers_of(const actr_id_t *id, const wh_cred_t *cred, char *hex, size_t hex_cap,
                       char *b64, size_t b64_cap)
{
    actr_id_pb_t pid;
    actr_id_pb_init(&pid, id);
    uint8_t *bytes;
    size_t n;
    assert_int_equal(actr_pb_encode(&pid.id.base, &bytes, &n, NULL), 0);
    assert_true(2 * n + 1 <= hex_cap);
    actr_hex_encode(bytes, n, hex);
    free(bytes);
    b64[0] = 0;
    if (!cred)
        return;
    Actr__AIdCredential c = ACTR__AID_CREDENTIAL__INIT;
    c.key_id = WH_KEY_ID;
    c.claims.data = (uint8_t *)cred->claims;
    c.claims.len = cred->claims_len;
    c.signature.data = (uint8_t *)cred->sig;
    c.signature.len = sizeof cred->sig;
    assert_int_equal(actr_pb_encode(&c.base, &bytes, &n, NULL), 0);
    assert_true(actr_base64_encoded_len(n, ACTR_B64_STD) + 1 <= b64_cap);
    actr_base64_encode(bytes, n, b64, ACTR_B64_STD);
    free(bytes);
}

/* ---- python dials our listener ---- */

typedef struct seen_chunk {
    int calls;
    uint64_t seq;
    char payload[32];
} seen_chunk_t;

static int on_py_chunk(actr_ws_hub_t *hub, const actr_id_t *peer, uint8_t pt,
                       const actr_ws_chunk_t *chunk, void *ud)
{
    (void)hub;
    seen_chunk_t *s = ud;
    s->calls++;
    s->seq = chunk->sequence;
    assert_int_equal(pt, ACTR_WS_STREAM_RELIABLE);
    assert_true(peer && actr_id_equal(peer, &py_id));
    snprintf(s->payload, sizeof s->payload, "%.*s", (int)chunk->payload.len,
             (const char *)chunk->payload.data);
    return 0;
}

static void run_python_client(const wh_cred_t *cred, bool expect_drop)
{
    wh_side_new(&lis, NULL, true, 0, NULL);
    lis.echo = true;
    char url[64], hex[1024], b64[1024];
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    headers_of(&py_id, cred, hex, sizeof hex, b64, sizeof b64);
    const char *args[] = {"--mode", "client", "--url", url, "--source-hex", hex,
                          "--credential-b64", b64, expect_drop ? "--expect-drop" : NULL, NULL};
    child_t c;
    child_start(&c, args);
    int rc = child_finish(&c, WAIT_MS * 2);
    if (rc != 0)
        fail_msg("python client exited %d:\n%s", rc, c.out);
    assert_non_null(strstr(c.out, "ok"));
}

static void test_python_dials_us(void **state)
{
    (void)state;
    seen_chunk_t seen = {0};
    wh_cred_t cred;
    wh_make_cred(&cred, &py_id, NULL, actr_clock_wall_s() + 600, NULL);
    wh_side_new(&lis, NULL, true, 0, NULL);
    lis.echo = true;
    assert_int_equal(actr_ws_stream_register(lis.hub, "py", 0, on_py_chunk, &seen), 0);
    char url[64], hex[1024], b64[1024];
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    headers_of(&py_id, &cred, hex, sizeof hex, b64, sizeof b64);
    const char *args[] = {"--mode", "client", "--url", url, "--source-hex", hex,
                          "--credential-b64", b64, NULL};
    child_t c;
    child_start(&c, args);
    int rc = child_finish(&c, WAIT_MS * 2);
    if (rc != 0)
        fail_msg("python client exited %d:\n%s", rc, c.out);
    assert_non_null(strstr(c.out, "ok"));

    /* what our listener saw: the request and the tell, from python's ActrId, verified */
    assert_int_equal(lis.n_connected, 1);
    assert_int_equal(lis.n_frames, 2);
    assert_true(actr_id_equal(&lis.frames[0].peer, &py_id));
    assert_int_equal(lis.frames[0].payload_type, 0);
    assert_int_equal(lis.frames[1].payload_type, 1);
    assert_int_equal(lis.frames[1].payload.len, 6);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.seq, 3);
    assert_string_equal(seen.payload, "chunk-bytes");
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.malformed, 3); /* short, bad type, truncated: dropped, connection kept */
    assert_int_equal(st.auth_failed, 0);
}

static void test_python_forged(void **state)
{
    (void)state;
    actr_signing_key_t *other;
    assert_int_equal(actr_signing_key_generate(&other), 0);
    wh_cred_t cred;
    wh_make_cred(&cred, &py_id, NULL, actr_clock_wall_s() + 600, other);
    actr_signing_key_free(other);
    run_python_client(&cred, true);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_signature, 1);
    assert_int_equal(lis.n_connected, 0);
    assert_int_equal(lis.n_frames, 0);
}

static void test_python_expired_and_missing(void **state)
{
    (void)state;
    wh_cred_t cred;
    wh_make_cred(&cred, &py_id, NULL, actr_clock_wall_s() - 5, NULL);
    run_python_client(&cred, true);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_expired, 1);
    wh_side_free(&lis);
    run_python_client(NULL, true); /* no X-Actr-Credential at all */
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_missing, 1);
    assert_int_equal(lis.n_frames, 0);
}

/* ---- we dial python's listener ---- */

static void start_python_server(child_t *c, char *url, size_t cap)
{
    uint8_t pub[32];
    char pub_hex[65];
    actr_signing_key_public(wh_ais_key, pub);
    actr_hex_encode(pub, 32, pub_hex);
    const char *args[] = {"--mode", "server", "--ais-pubkey-hex", pub_hex, NULL};
    child_start(c, args);
    child_expect(c, "listening on 127.0.0.1:", WAIT_MS);
    const char *p = strstr(c->out, "listening on 127.0.0.1:");
    snprintf(url, cap, "ws://127.0.0.1:%d", atoi(p + strlen("listening on 127.0.0.1:")));
}

static void send_text(actr_ws_conn_id_t conn, uint8_t pt, const char *text)
{
    actr_buf_t b = actr_buf_static(text, strlen(text));
    assert_int_equal(actr_ws_send(dia.hub, conn, pt, &b), 0);
}

static void test_we_dial_python(void **state)
{
    (void)state;
    child_t c;
    char url[64];
    start_python_server(&c, url, sizeof url);
    wh_cred_t cred;
    wh_make_cred(&cred, &our_id, NULL, actr_clock_wall_s() + 600, NULL);
    actr_ws_identity_t ident = wh_identity(&our_id, &cred);
    wh_side_new(&dia, NULL, false, 0, &ident);
    actr_ws_conn_id_t conn;
    assert_int_equal(actr_ws_dial(dia.hub, &py_id, url, &conn), 0);
    send_text(conn, 0, "hello-python");
    wh_count_t one = {&dia, 1};
    wh_wait(wh_cond_frames, &one, WAIT_MS);
    char id[ACTR_ID_STR_SIZE], line[ACTR_ID_STR_SIZE + 16];
    actr_id_format(&our_id, id, sizeof id, NULL);
    snprintf(line, sizeof line, "verified %s", id);
    child_expect(&c, line, WAIT_MS);
    assert_int_equal(dia.frames[0].payload_type, 0);
    assert_int_equal(dia.frames[0].payload.len, 12);
    assert_memory_equal(dia.frames[0].payload.data, "hello-python", 12);

    /* four bad messages from python are dropped; the echo after them (with a trailer) is kept */
    send_text(conn, 0, "malformed-please");
    wh_count_t two = {&dia, 2};
    wh_wait(wh_cond_frames, &two, WAIT_MS);
    assert_int_equal(dia.frames[1].payload.len, 16);
    assert_memory_equal(dia.frames[1].payload.data, "malformed-please", 16);
    actr_ws_stats_t st;
    actr_ws_stats(dia.hub, &st);
    assert_int_equal(st.malformed, 4);

    /* a stream chunk on lane 2 reaches python as a DataChunk */
    uint8_t chunk[64];
    size_t n = 0;
    chunk[n++] = 0x0a; /* field 1 (stream_id), length-delimited */
    chunk[n++] = 3;
    memcpy(chunk + n, "vid", 3);
    n += 3;
    chunk[n++] = 0x10; /* field 2 (sequence) */
    chunk[n++] = 42;
    chunk[n++] = 0x1a; /* field 3 (payload) */
    chunk[n++] = 5;
    memcpy(chunk + n, "abcde", 5);
    n += 5;
    actr_buf_t b = actr_buf_static(chunk, n);
    assert_int_equal(actr_ws_send(dia.hub, conn, ACTR_WS_STREAM_RELIABLE, &b), 0);
    child_expect(&c, "chunk vid 42 5", WAIT_MS);
    assert_int_equal(actr_ws_close(dia.hub, conn), 0);
    child_expect(&c, "closed", WAIT_MS);
    assert_int_equal(child_finish(&c, WAIT_MS), 0);
}

static void test_python_refuses_forged(void **state)
{
    (void)state;
    child_t c;
    char url[64];
    start_python_server(&c, url, sizeof url);
    actr_signing_key_t *other;
    assert_int_equal(actr_signing_key_generate(&other), 0);
    wh_cred_t cred;
    wh_make_cred(&cred, &our_id, NULL, actr_clock_wall_s() + 600, other);
    actr_signing_key_free(other);
    actr_ws_identity_t ident = wh_identity(&our_id, &cred);
    wh_side_new(&dia, NULL, false, 0, &ident);
    actr_ws_conn_id_t conn;
    assert_int_equal(actr_ws_dial(dia.hub, &py_id, url, &conn), 0);
    send_text(conn, 0, "never answered");
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    child_expect(&c, "refused signature", WAIT_MS);
    assert_int_equal(dia.n_frames, 0);
    assert_true(dia.last_reason == ACTR_WS_REASON_PEER_CLOSED);
    assert_int_equal(child_finish(&c, WAIT_MS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_python_dials_us, setup, teardown),
        cmocka_unit_test_setup_teardown(test_python_forged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_python_expired_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_we_dial_python, setup, teardown),
        cmocka_unit_test_setup_teardown(test_python_refuses_forged, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
