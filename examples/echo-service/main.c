/*
 * echo-service - an echo actor in its own process, reachable by other processes.
 *
 * Loads actr.toml (AIS endpoint, signaling URL, realm, WebSocket listen port, ACL, mailbox),
 * registers with AIS as TYPE, connects to signaling so clients can discover it, and answers
 * echo.EchoService.Echo over direct WebSocket with "Echo: <message>" until SIGINT/SIGTERM.
 * Public API only (libactr).
 *
 *   echo-service actr.toml [acme:EchoService:1.0.0]
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "actr/config.h"
#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
    (void)self;
    (void)ctx;
    static const char prefix[] = "Echo: ";
    uint8_t *out;
    int rc = actr_buf_alloc(sizeof prefix - 1 + req->len, resp, &out);
    if (rc != 0)
        return actr_error_set(err, rc, ACTR_KIND_INTERNAL, 0, "out of memory");
    memcpy(out, prefix, sizeof prefix - 1);
    if (req->len)
        memcpy(out + sizeof prefix - 1, req->data, req->len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: echo-service actr.toml [TYPE]\n");
        return 2;
    }
    const char *type_str = argc > 2 ? argv[2] : "acme:EchoService:1.0.0";
    actr_error_t err = {0};
    actr_runtime_config_t cfg;
    actr_type_t type;
    actr_hyper_t *hyper = NULL;
    actr_node_t *node = NULL;
    actr_ref_t *ref = NULL;
    actr_workload_t wl;
    static const actr_route_t routes[] = {{"echo.EchoService.Echo", echo}};
    int rc = actr_runtime_config_load(argv[1], &cfg, &err);
    if (rc != 0) {
        fprintf(stderr, "echo-service: %s\n", err.message);
        return 1;
    }
    rc = actr_type_parse(&type, type_str, strlen(type_str), &err);
    if (rc == 0)
        rc = actr_hyper_new(NULL, &hyper, &err);
    if (rc == 0)
        rc = actr_node_new(hyper, &cfg, &node, &err);
    if (rc == 0)
        rc = actr_node_set_type(node, &type, &err);
    if (rc == 0)
        rc = actr_workload_from_routes(routes, 1, NULL, NULL, &wl, &err);
    if (rc == 0)
        rc = actr_node_link(node, &wl, &err);
    if (rc == 0)
        rc = actr_node_register(node, &err);
    if (rc == 0)
        rc = actr_node_start(node, &ref, &err);
    if (rc != 0) {
        fprintf(stderr, "echo-service: %s\n", err.message);
    } else {
        char id[ACTR_ID_STR_SIZE];
        actr_id_format(actr_node_id(node), id, sizeof id, NULL);
        printf("echo-service ready as %s\n", id);
        fflush(stdout);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        while (!g_stop && actr_ref_wait(ref, 100) == ACTR_ETIMEDOUT)
            ;
        printf("echo-service stopping\n");
    }
    actr_node_free(node);
    actr_hyper_free(hyper);
    actr_runtime_config_free(&cfg);
    return rc == 0 ? 0 : 1;
}
