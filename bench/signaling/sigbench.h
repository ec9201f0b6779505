/* sigbench.h - the pieces of bench/bench_signaling.c shared by its files (bench/signaling/). */
#ifndef ACTR_BENCH_SIGBENCH_H
#define ACTR_BENCH_SIGBENCH_H

#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libwebsockets.h>
#include <uv.h>

#include "actr.pb-c.h"
#include "actr/types.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/percent.h"
#include "codec/pb.h"
#include "signaling.pb-c.h"
#include "webrtc.pb-c.h"
#include "util/proc.h"

#define RX_BYTES 4096      /* lws receive buffer per socket, as actrd's */
#define FRAME_MAX 8192     /* largest message either side builds or reassembles */
#define TICK_MS 5
#define LAT_CAP (1u << 22) /* latency samples kept per relay stage */
#define STEP_NS (15 * 1000000000ull) /* longest drain, quiet or close step */
#define SEC 1e9
#define MAX_SETS 16

typedef struct opts {
    unsigned conns, pairs, window, parallel, sdp_bytes, timeout, realm_id, nsets;
    double idle_s, relay_s, hb_s, ping_s;
    const char *actrd, *tmp, *url, *secret, *sets[MAX_SETS];
    pid_t server_pid;
    bool no_echo;
} opts_t;

typedef struct peer { Actr__RegisterResponse *resp; char *path; } peer_t; /* resp->success */
typedef struct rxbuf { uint8_t *data; size_t len; } rxbuf_t;
enum cstate { C_IDLE, C_CONNECTING, C_UP, C_FAILED, C_CLOSED };
typedef struct conn {
    struct lws *wsi;
    unsigned idx, hb_due;
    int pair; /* the pair it sends for, or -1 */
    enum cstate st;
    bool closing, ping_due;
    rxbuf_t rx;
} conn_t;
typedef struct pair { unsigned a, b; uint64_t sent, recvd; } pair_t;
typedef struct stage {
    uint64_t sent, delivered;
    double rate, p50, p99, max, srv_cpu, cli_cpu; /* msg/s, us, % of a core */
} stage_t;
typedef struct result {
    unsigned up, failed, dropped;
    long rss[3]; /* kB: before connecting, with N sockets, after the idle phase */
    double connect_s, idle_cpu, idle_cli;
    uint64_t hb_sent, hb_ok, pings, pongs, errors;
    stage_t st[2]; /* P pairs x W, 1 pair x 1 */
    int exit_code;
    bool relayed, ok;
} result_t;

enum phase { PH_CONNECT, PH_SETTLE, PH_IDLE, PH_RELAY, PH_DRAIN, PH_QUIET, PH_CLOSE, PH_DONE };

typedef struct bench {
    opts_t o;
    uv_loop_t loop;
    uv_timer_t tick;
    void *foreign[1];
    struct lws_context *ctx;
    peer_t *peers;
    conn_t *conns;
    pair_t *pairs;
    int port;
    pid_t srv; /* whose RSS and CPU we read; 0: unknown */
    result_t *r;
    enum phase ph;
    uint64_t ph_t0, t0, deadline, hb_t0, hb_cur, ping_cur, relay_t0, relay_last, cpu0, cli0, seq;
    unsigned next, connecting, live, relay_id, stage, act_pairs, window;
    bool hb_on, relay_on;
    uint32_t *lat;
    size_t nlat;
    char err[200], *sdp_pad, text[FRAME_MAX];
    unsigned char frame[LWS_PRE + FRAME_MAX];
} bench_t;

static inline uint64_t now_ns(void) { return actr_clock_mono_ns(); }

/* bench_signaling.c */
void note_error(bench_t *b, const char *what, const char *detail);
/* One whole WebSocket message from fragments: 1 with data and len set, 0 for more, -1 on error. */
int assemble(struct lws *wsi, rxbuf_t *rx, const uint8_t **data, size_t *len);

/* proc.c: actrd init/serve (the generic helpers are in util/proc.h) */
int actrd_init(bench_t *b, const char *data);
pid_t actrd_serve(bench_t *b, const char *data, const char *log, int *out_fd);

/* register.c: AIS registration of every peer over one keep-alive HTTP connection */
int register_all(bench_t *b);

/* echo.c: the raw lws echo server; reports its port (or -1) on fd, then serves until SIGTERM */
int echo_child(int fd);

#endif /* ACTR_BENCH_SIGBENCH_H */
