/*
 * echo-client - finds an echo service through signaling and calls it over direct WebSocket.
 *
 * Loads actr.toml, registers with AIS as acme:EchoClient:1.0.0, discovers a running
 * acme:EchoService:1.0.0 (signaling returns its id and WebSocket address), calls
 * echo.EchoService.Echo with MESSAGE and prints the reply. Exit status 0 when the reply is
 * "Echo: MESSAGE". Public API only (libactr).
 *
 *   echo-client actr.toml [MESSAGE] [SERVICE_TYPE]
 */
#include <stdio.h>
#include <string.h>

#include "actr/config.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"

/* The client serves nothing; a workload needs a dispatch entry all the same. */
static int no_routes(void *self, actr_ctx_t *ctx, const char *route_key, const actr_buf_t *req,
                     actr_buf_t *resp, actr_error_t *err)
{
    (void)self;
    (void)ctx;
    (void)req;
    (void)resp;
    return actr_error_set(err, ACTR_ENOTFOUND, ACTR_KIND_CLIENT, 10003, "no route %s", route_key);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: echo-client actr.toml [MESSAGE] [SERVICE_TYPE]\n");
        return 2;
    }
    const char *message = argc > 2 ? argv[2] : "Hello from another process";
    const char *svc_str = argc > 3 ? argv[3] : "acme:EchoService:1.0.0";
    static const char me_str[] = "acme:EchoClient:1.0.0";
    static const actr_workload_vtable_t vt = {.dispatch = no_routes};
    actr_error_t err = {0};
    actr_runtime_config_t cfg;
    actr_type_t me, svc;
    actr_hyper_t *hyper = NULL;
    actr_node_t *node = NULL;
    actr_ref_t *ref = NULL;
    actr_workload_t wl = {&vt, NULL};
    actr_id_t target;
    actr_buf_t reply = ACTR_BUF_INIT;
    int rc = actr_runtime_config_load(argv[1], &cfg, &err);
    if (rc != 0) {
        fprintf(stderr, "echo-client: %s\n", err.message);
        return 1;
    }
    rc = actr_type_parse(&me, me_str, strlen(me_str), &err);
    if (rc == 0)
        rc = actr_type_parse(&svc, svc_str, strlen(svc_str), &err);
    if (rc == 0)
        rc = actr_hyper_new(NULL, &hyper, &err);
    if (rc == 0)
        rc = actr_node_new(hyper, &cfg, &node, &err);
    if (rc == 0)
        rc = actr_node_set_type(node, &me, &err);
    if (rc == 0)
        rc = actr_node_link(node, &wl, &err);
    if (rc == 0)
        rc = actr_node_register(node, &err);
    if (rc == 0)
        rc = actr_node_start(node, &ref, &err);
    if (rc == 0)
        rc = actr_ref_discover(ref, &svc, &target, &err);
    if (rc == 0) {
        char id[ACTR_ID_STR_SIZE];
        actr_id_format(&target, id, sizeof id, NULL);
        printf("echo-client discovered %s\n", id);
        actr_buf_t req = actr_buf_static(message, strlen(message));
        rc = actr_ref_call(ref, &target, "echo.EchoService.Echo", &req, 5000, &reply, &err);
    }
    if (rc == 0) {
        printf("echo-client got: %.*s\n", (int)reply.len, (const char *)reply.data);
        char want[1024];
        snprintf(want, sizeof want, "Echo: %s", message);
        if (reply.len != strlen(want) || memcmp(reply.data, want, reply.len) != 0)
            rc = 1;
    } else {
        fprintf(stderr, "echo-client: %s\n", err.message);
    }
    actr_buf_release(&reply);
    actr_node_free(node);
    actr_hyper_free(hyper);
    actr_runtime_config_free(&cfg);
    return rc == 0 ? 0 : 1;
}
