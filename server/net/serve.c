/*
 * serve.c - `actrd [serve]`: options, the loop, signals and the shutdown sequence.
 *
 * Shutdown on SIGINT/SIGTERM: refuse new upgrades and close every signaling socket with 1001,
 * wait up to signaling.shutdown_grace_ms for them to go, then destroy the lws context from a
 * loop callback, let the loop run dry, destroy it again (lws 4.1.6 needs both), close the state
 * and require uv_loop_close() == 0. A second signal skips the grace period.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actr/log.h"
#include "base/clock.h"
#include "commands.h"
#include "net/config.h"
#include "net/server.h"
#include "state/admin_api.h"

#define TICK_MS 1000
#define DRAIN_POLL_MS 20

typedef struct serve {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t tick, drain;
    actrd_server_t srv;
    int phase; /* 0 serving, 1 draining, 2 stopping */
    uint64_t drain_deadline_ms;
} serve_t;

static int usage(FILE *out)
{
    fprintf(out,
            "usage: actrd [serve] [--config FILE] [--data-dir DIR] [--listen HOST:PORT]\n"
            "                     [--log-level LEVEL] [--set KEY=VALUE]...\n"
            "\n"
            "  --config FILE       actrd.toml (see docs/ACTRD.md, Configuration)\n"
            "  --data-dir DIR      state directory (holds actrd.db); same as data_dir\n"
            "  --listen HOST:PORT  address to serve HTTP and WebSocket on (default: the one\n"
            "                      `actrd init --listen` recorded, else 127.0.0.1:8081;\n"
            "                      port 0 picks a free port)\n"
            "  --log-level LEVEL   trace, debug, info, warn, error or off\n"
            "  --set KEY=VALUE     any configuration key, e.g. --set limits.http_burst=10\n"
            "\n"
            "Command-line options override the file. Once bound, actrd prints\n"
            "`listening on HOST:PORT` on standard output.\n");
    return out == stderr ? 2 : 0;
}

/* The value of --name VALUE or --name=VALUE at argv[*i], advancing *i; NULL if not this flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int apply_flag(actrd_net_config_t *cfg, const char *flag, const char *value,
                      actr_error_t *err)
{
    if (!strcmp(flag, "--data-dir"))
        return actrd_net_config_set(cfg, "data_dir", value, err);
    if (!strcmp(flag, "--listen"))
        return actrd_net_config_set(cfg, "listen", value, err);
    if (!strcmp(flag, "--log-level"))
        return actrd_net_config_set(cfg, "log_level", value, err);
    if (!strcmp(flag, "--set")) {
        const char *eq = strchr(value, '=');
        char key[128];
        if (!eq || (size_t)(eq - value) >= sizeof key)
            return actr_error_set(err, ACTR_EINVAL, ACTR_KIND_CLIENT, 0,
                                  "--set takes KEY=VALUE, not `%s`", value);
        memcpy(key, value, (size_t)(eq - value));
        key[eq - value] = '\0';
        return actrd_net_config_set(cfg, key, eq + 1, err);
    }
    return 0; /* --config: read before the others */
}

/* Defaults, then the --config file, then every other flag in order. 0, 2 (usage) or 1. */
static int parse_args(int argc, char **argv, actrd_net_config_t *cfg, bool *help)
{
    static const char *const flags[] = {"--config", "--data-dir", "--listen", "--log-level",
                                        "--set"};
    actrd_net_config_init(cfg);
    actr_error_t err;
    actr_error_clear(&err);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                *help = true;
                return 0;
            }
            const char *value = NULL, *flag = NULL;
            bool missing = false;
            for (size_t f = 0; f < sizeof flags / sizeof *flags && !value && !missing; f++) {
                value = flag_value(argc, argv, &i, flags[f], &missing);
                flag = flags[f];
            }
            if (missing || !value) {
                fprintf(stderr, "actrd: %s `%s`\n",
                        missing ? "missing value for" : "unknown option", argv[i]);
                return 2;
            }
            bool is_config = !strcmp(flag, "--config");
            int rc = 0;
            if (pass == 0 && is_config)
                rc = actrd_net_config_load_file(cfg, value, &err);
            else if (pass == 1 && !is_config)
                rc = apply_flag(cfg, flag, value, &err);
            if (rc) {
                fprintf(stderr, "actrd: %s\n", err.message);
                return 2;
            }
        }
    }
    if (actrd_net_config_check(cfg, &err)) {
        fprintf(stderr, "actrd: %s\n", err.message);
        return 2;
    }
    return 0;
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void close_walked(uv_handle_t *h, void *arg)
{
    (void)arg;
    close_handle(h);
}

static void stop_now(serve_t *s)
{
    if (s->phase == 2)
        return;
    s->phase = 2;
    close_handle((uv_handle_t *)&s->sigint);
    close_handle((uv_handle_t *)&s->sigterm);
    close_handle((uv_handle_t *)&s->tick);
    close_handle((uv_handle_t *)&s->drain);
    actrd_server_stop(&s->srv);
}

static void on_failed_start(uv_timer_t *t)
{
    serve_t *s = t->data;
    uv_close((uv_handle_t *)t, NULL);
    actrd_server_stop(&s->srv);
}

/*
 * After a failed start: lws's first destroy must run inside a loop callback too, or the loop
 * later calls into the libuv plugin lws has already unloaded.
 */
static void stop_from_loop(serve_t *s)
{
    s->drain.data = s;
    if (uv_timer_init(&s->loop, &s->drain) == 0 &&
        uv_timer_start(&s->drain, on_failed_start, 0, 0) == 0)
        uv_run(&s->loop, UV_RUN_DEFAULT);
}

static void on_drain_poll(uv_timer_t *t)
{
    serve_t *s = t->data;
    if (s->srv.conn_count == 0 || actr_clock_mono_ms() >= s->drain_deadline_ms)
        stop_now(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    serve_t *s = h->data;
    actr_log(ACTR_LOG_INFO, "net", "shutting down",
             ACTR_KV("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"));
    if (s->phase != 0) {
        stop_now(s);
        return;
    }
    s->phase = 1;
    actrd_server_drain(&s->srv);
    s->drain_deadline_ms = actr_clock_mono_ms() + s->srv.cfg->shutdown_grace_ms;
    if (uv_timer_start(&s->drain, on_drain_poll, 0, DRAIN_POLL_MS))
        stop_now(s);
}

static void on_tick(uv_timer_t *t)
{
    serve_t *s = t->data;
    actrd_server_tick(&s->srv, actr_clock_mono_ms());
}

static int start_handles(serve_t *s)
{
    s->sigint.data = s->sigterm.data = s->tick.data = s->drain.data = s;
    if (uv_signal_init(&s->loop, &s->sigint) || uv_signal_init(&s->loop, &s->sigterm) ||
        uv_timer_init(&s->loop, &s->tick) || uv_timer_init(&s->loop, &s->drain))
        return -1;
    if (uv_signal_start(&s->sigint, on_signal, SIGINT) ||
        uv_signal_start(&s->sigterm, on_signal, SIGTERM) ||
        uv_timer_start(&s->tick, on_tick, TICK_MS, TICK_MS))
        return -1;
    return 0;
}

static void print_listening(const actrd_net_config_t *cfg, int port)
{
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    printf("listening on %s%s%s:%d\n", v6 ? "[" : "", cfg->listen_host, v6 ? "]" : "", port);
    fflush(stdout);
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    actr_log(ACTR_LOG_INFO, "net", "listening", ACTR_KV("host", cfg->listen_host),
             ACTR_KV("port", port_text), ACTR_KV("data_dir", cfg->state.data_dir));
}

/* Without --listen or `listen`, serve where `actrd init --listen` said nodes would connect. */
static int listen_default(actrd_net_config_t *cfg, actrd_state_t *state)
{
    char recorded[ACTRD_HOST_SIZE + 8];
    if (cfg->listen_given || actrd_state_listen_get(state, recorded, sizeof recorded) != 0)
        return 0;
    return actrd_net_config_set(cfg, "listen", recorded, NULL);
}

static int run(serve_t *s, actrd_net_config_t *cfg)
{
    actr_error_t err;
    actr_error_clear(&err);
    actrd_state_t *state = NULL;
    int code = 1;
    if (uv_loop_init(&s->loop)) {
        fprintf(stderr, "actrd: cannot create the event loop\n");
        return 1;
    }
    if (actrd_state_open(&cfg->state, &state, &err)) {
        fprintf(stderr, "actrd: %s\n", err.message[0] ? err.message : "cannot open the state");
    } else if (listen_default(cfg, state)) {
        fprintf(stderr, "actrd: the address recorded by `actrd init` is not HOST:PORT\n");
    } else if (actrd_server_start(&s->srv, &s->loop, cfg, state, &err)) {
        fprintf(stderr, "actrd: %s\n", err.message);
        stop_from_loop(s);
    } else if (start_handles(s)) {
        fprintf(stderr, "actrd: cannot install signal handlers\n");
        stop_now(s);
        uv_run(&s->loop, UV_RUN_DEFAULT);
    } else {
        print_listening(cfg, s->srv.port);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        code = 0;
    }
    actrd_server_free(&s->srv);
    if (state)
        actrd_state_close(state);
    /* Handles that never started still need closing before the loop can close. */
    uv_walk(&s->loop, close_walked, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&s->loop);
    if (rc) {
        actr_log(ACTR_LOG_ERROR, "net", "event loop still busy at exit",
                 ACTR_KV("error", uv_strerror(rc)));
        code = 1;
    }
    if (code == 0)
        actr_log(ACTR_LOG_INFO, "net", "stopped");
    return code;
}

int actrd_cmd_serve(int argc, char **argv)
{
    actrd_net_config_t *cfg = malloc(sizeof *cfg);
    serve_t *s = calloc(1, sizeof *s);
    int code = 1;
    bool help = false;
    if (!cfg || !s) {
        fprintf(stderr, "actrd: out of memory\n");
    } else if ((code = parse_args(argc, argv, cfg, &help)) != 0 || help) {
        code = help ? usage(stdout) : code;
        if (code == 2)
            fprintf(stderr, "Run `actrd serve --help` for the options.\n");
    } else {
        if (cfg->log_level_given)
            actr_log_set_level(cfg->log_level);
        else
            actr_log_init_from_env();
        signal(SIGPIPE, SIG_IGN); /* a peer gone mid-write is an error return, not a kill */
        code = run(s, cfg);
    }
    free(s);
    free(cfg);
    return code;
}
