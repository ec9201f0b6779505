/*
 * rtc_nodes.c - two nodes (two hypers with their own I/O loops, in one process) registered with a
 * real actrd talk over WebRTC: the service has no direct WebSocket listener, so every call and
 * tell can only travel on a data channel; the test also reads the coordinators' counters. Then
 * an ICE restart is forced and traffic goes on; then actrd is killed (signaling gone) and calls
 * keep working over the established peer connection. Driven by run.sh, which starts actrd.
 *
 * With "prefer" the service also has a direct WebSocket listener: the first call goes there while
 * WebRTC is set up in the background, and once the peer is ready the traffic moves to it.
 *
 * With "media" (media_nodes.c): after the first calls, media tracks both ways instead of the
 * restart and outage steps.
 *
 * usage: rtc_nodes SERVICE_TOML CLIENT_TOML ACTRD_PID [prefer|media]
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/config.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"
#include "lifecycle/remote_webrtc.h"
#include "media_nodes.h"

#define WAIT_MS 20000 /* bounds every wait; sanitizer builds are slow */

static int check_failures;
#include "check.h"

static atomic_long g_tells;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int reply(actr_buf_t *resp, actr_error_t *err, const char *text, size_t len)
{
    uint8_t *w;
    if (actr_buf_alloc(len ? len : 1, resp, &w) != 0)
        return actr_error_set(err, ACTR_ENOMEM, ACTR_KIND_INTERNAL, 0, "out of memory");
    memcpy(w, text, len);
    resp->len = len;
    return 0;
}

static int h_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self;
    (void)ctx;
    char out[256];
    int n = snprintf(out, sizeof out, "Echo: %.*s", (int)(req->len > 200 ? 200 : req->len),
                     req->len ? (const char *)req->data : "");
    return reply(resp, err, out, (size_t)n);
}

static int h_tell(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                  actr_error_t *err)
{
    (void)self, (void)ctx, (void)req, (void)resp, (void)err;
    atomic_fetch_add(&g_tells, 1);
    return 0;
}

static int h_count(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                   actr_error_t *err)
{
    (void)self, (void)ctx, (void)req;
    char out[32];
    int n = snprintf(out, sizeof out, "%ld", atomic_load(&g_tells));
    return reply(resp, err, out, (size_t)n);
}

typedef struct side {
    actr_runtime_config_t cfg;
    actr_hyper_t *hyper;
    actr_node_t *node;
    actr_ref_t *ref;
} side_t;

static int start(side_t *s, const char *toml, const char *type_str, const actr_route_t *routes,
                 size_t n)
{
    actr_error_t err = {0};
    actr_type_t type;
    actr_workload_t wl;
    int rc = actr_runtime_config_load(toml, &s->cfg, &err);
    if (rc == 0)
        rc = actr_type_parse(&type, type_str, strlen(type_str), &err);
    if (rc == 0)
        rc = actr_hyper_new(NULL, &s->hyper, &err);
    if (rc == 0)
        rc = actr_node_new(s->hyper, &s->cfg, &s->node, &err);
    if (rc == 0)
        rc = actr_node_set_type(s->node, &type, &err);
    if (rc == 0)
        rc = actr_workload_from_routes(routes, n, NULL, NULL, &wl, &err);
    if (rc == 0)
        rc = actr_node_link(s->node, &wl, &err);
    if (rc == 0)
        rc = actr_node_register(s->node, &err);
    if (rc == 0)
        rc = actr_node_start(s->node, &s->ref, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", type_str, err.message);
    return rc;
}

static void stop(side_t *s)
{
    if (s->ref) {
        actr_ref_shutdown(s->ref);
        actr_ref_wait(s->ref, WAIT_MS);
    }
    actr_node_free(s->node);
    actr_hyper_free(s->hyper);
    actr_runtime_config_free(&s->cfg);
}

/* One echo call: 0 when the answer is right. */
static int echo(side_t *cli, const actr_id_t *svc, const char *msg)
{
    actr_error_t err = {0};
    actr_buf_t req = actr_buf_static(msg, strlen(msg)), resp = ACTR_BUF_INIT;
    int rc = actr_ref_call(cli->ref, svc, "test.Echo.Echo", &req, 8000, &resp, &err);
    char want[256];
    snprintf(want, sizeof want, "Echo: %s", msg);
    if (rc == 0 && (resp.len != strlen(want) || memcmp(resp.data, want, resp.len) != 0))
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "call '%s': %d %s\n", msg, rc, err.message);
    actr_buf_release(&resp);
    return rc;
}

static uint64_t restarts_done(side_t *a, side_t *b)
{
    actr_rtc_coord_stats_t x, y;
    actr_remote_webrtc_stats(a->node, &x);
    actr_remote_webrtc_stats(b->node, &y);
    return x.restarts_done + y.restarts_done;
}

int main(int argc, char **argv)
{
    if (argc != 4 && !(argc == 5 && (strcmp(argv[4], "prefer") == 0 ||
                                      strcmp(argv[4], "media") == 0))) {
        fprintf(stderr, "usage: rtc_nodes SERVICE_TOML CLIENT_TOML ACTRD_PID [prefer|media]\n");
        return 2;
    }
    bool prefer = argc == 5 && strcmp(argv[4], "prefer") == 0;
    bool media = argc == 5 && !prefer;
    pid_t actrd = (pid_t)atol(argv[3]);
    static const actr_route_t svc_routes[] = {{"test.Echo.Echo", h_echo},
                                              {"test.Echo.Tell", h_tell},
                                              {"test.Echo.Count", h_count}};
    static const actr_route_t cli_routes[] = {{"test.Client.None", h_echo}};
    side_t svc = {0}, cli = {0};
    if (start(&svc, argv[1], "acme:EchoService:1.0.0", svc_routes, 3) != 0 ||
        start(&cli, argv[2], "acme:EchoClient:1.0.0", cli_routes, 1) != 0) {
        stop(&cli);
        stop(&svc);
        return 1;
    }
    actr_error_t err = {0};
    actr_type_t svc_type;
    actr_id_t svc_id;
    actr_type_parse(&svc_type, "acme:EchoService:1.0.0", 22, NULL);
    int rc = actr_ref_discover(cli.ref, &svc_type, &svc_id, &err);
    CHECK(rc == 0, "discover: %s", err.message);

    actr_rtc_coord_stats_t cs, ss;
    if (prefer) {
        /* 0. Route rule: WebSocket first, WebRTC set up meanwhile, then preferred. */
        CHECK(echo(&cli, &svc_id, "over the WebSocket") == 0, "call over the WebSocket");
        actr_remote_webrtc_stats(cli.node, &cs);
        CHECK(cs.msgs_out == 0, "the first call did not wait for WebRTC");
        int w = 0;
        while (!actr_remote_webrtc_ready(cli.node, &svc_id) && w < WAIT_MS) {
            sleep_ms(50);
            w += 50;
        }
        CHECK(actr_remote_webrtc_ready(cli.node, &svc_id), "WebRTC came up in the background");
        printf("WebSocket first, WebRTC set up in the background: %s\n",
               check_failures ? "failed" : "ok");
    }
    /* 1. Calls and tells: only a data channel reaches the service (or, with "prefer", the
     *    data channel is preferred to the WebSocket). */
    CHECK(rc == 0 && echo(&cli, &svc_id, "first over WebRTC") == 0, "first call");
    CHECK(actr_remote_webrtc_ready(cli.node, &svc_id), "client sees a ready WebRTC peer");
    for (int i = 0; i < 5; i++) {
        actr_buf_t t = actr_buf_static("t", 1);
        CHECK(actr_ref_tell(cli.ref, &svc_id, "test.Echo.Tell", &t, 1000, &err) == 0, "tell %d: %s",
              i, err.message);
    }
    actr_buf_t req = actr_buf_static("", 0), resp = ACTR_BUF_INIT;
    rc = actr_ref_call(cli.ref, &svc_id, "test.Echo.Count", &req, 8000, &resp, &err);
    CHECK(rc == 0 && resp.len == 1 && resp.data[0] == '5', "five tells arrived before the call");
    actr_buf_release(&resp);
    actr_remote_webrtc_stats(cli.node, &cs);
    actr_remote_webrtc_stats(svc.node, &ss);
    CHECK(cs.msgs_out >= 7 && ss.msgs_in >= 7, "7 messages on data channels (out %lu, in %lu)",
          (unsigned long)cs.msgs_out, (unsigned long)ss.msgs_in);
    CHECK(ss.msgs_out >= 2 && cs.msgs_in >= 2, "responses on data channels");
    CHECK(cs.ready == 1 && ss.ready == 1, "one connection each (%lu, %lu)",
          (unsigned long)cs.ready, (unsigned long)ss.ready);
    printf("calls and tells over WebRTC: ok (client sent %lu, service received %lu)\n",
           (unsigned long)cs.msgs_out, (unsigned long)ss.msgs_in);
    if (media) {
        check_failures += media_nodes_run(cli.node, svc.node, WAIT_MS);
        printf("media: %s\n", check_failures ? "failed" : "ok");
        stop(&cli);
        stop(&svc);
        return check_failures ? 1 : 0;
    }

    /* 2. A forced ICE restart (the offerer restarts; an answerer asks it to). */
    CHECK(actr_remote_webrtc_restart_ice(cli.node, &svc_id) == 0, "restart accepted");
    CHECK(echo(&cli, &svc_id, "during the ICE restart") == 0, "call while ICE restarts");
    int waited = 0;
    while (restarts_done(&cli, &svc) == 0 && waited < WAIT_MS) {
        sleep_ms(50);
        waited += 50;
    }
    CHECK(restarts_done(&cli, &svc) >= 1, "the ICE restart completed");
    CHECK(echo(&cli, &svc_id, "after the ICE restart") == 0, "call after the restart");
    actr_rtc_coord_stats_t cs2, ss2;
    actr_remote_webrtc_stats(cli.node, &cs2);
    actr_remote_webrtc_stats(svc.node, &ss2);
    CHECK(cs2.ready == 1 && ss2.ready == 1, "the same connection carried on");
    CHECK(cs2.restart_offers + ss2.restart_offers >= 1, "a restart offer was sent");
    CHECK(cs2.answers + ss2.answers >= cs.answers + ss.answers + 1, "and answered");
    CHECK(cs2.candidates_in + ss2.candidates_in > cs.candidates_in + ss.candidates_in,
          "new-generation candidates were exchanged");
    printf("ICE restart: ok\n");

    /* 3. Signaling outage: actrd dies, the data channel stays. */
    CHECK(kill(actrd, SIGKILL) == 0, "actrd killed");
    for (waited = 0; kill(actrd, 0) == 0 && waited < WAIT_MS; waited += 50)
        sleep_ms(50);
    sleep_ms(300);
    CHECK(echo(&cli, &svc_id, "with signaling down") == 0, "call without signaling");
    actr_buf_t t = actr_buf_static("t", 1);
    CHECK(actr_ref_tell(cli.ref, &svc_id, "test.Echo.Tell", &t, 1000, &err) == 0, "tell");
    rc = actr_ref_call(cli.ref, &svc_id, "test.Echo.Count", &req, 8000, &resp, &err);
    CHECK(rc == 0 && resp.len == 1 && resp.data[0] == '6', "the tell arrived without signaling");
    actr_buf_release(&resp);
    printf("signaling outage: %s\n", check_failures ? "failed" : "ok");

    stop(&cli);
    stop(&svc);
    return check_failures ? 1 : 0;
}
