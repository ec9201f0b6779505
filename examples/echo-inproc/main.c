/*
 * echo-inproc - two actors in one process, talking in-process (no server, no sockets).
 *
 * An echo service and a client run as two nodes of one hyper. The host application asks the
 * client to send a message; the client's handler discovers the echo service by type and calls
 * echo.EchoService.Echo on it; the payload is handed over by reference, never copied or
 * serialized. Uses only the public API (libactr).
 *
 *   echo-inproc ["message"]
 */
#include <stdio.h>
#include <string.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"

#define ECHO_ROUTE "echo.EchoService.Echo"
#define SEND_ROUTE "demo.Client.SendEcho"

/* echo.EchoService.Echo: answers "Echo: <message>". */
static int echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                actr_error_t *err)
{
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

/* demo.Client.SendEcho: finds an echo service and forwards the message to it. */
static int send_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                     actr_error_t *err)
{
    const actr_type_t *echo_type = self;
    actr_id_t echo_id;
    int rc = actr_ctx_discover(ctx, echo_type, &echo_id, err);
    if (rc != 0)
        return rc;
    return actr_ctx_call_raw(ctx, &echo_id, ECHO_ROUTE, req, ACTR_CALL_TIMEOUT_MS, resp, err);
}

static int fail(const char *what, const actr_error_t *err)
{
    fprintf(stderr, "echo-inproc: %s: %s\n", what, err->message);
    return 1;
}

/* Creates, types, links, registers (realm 1, serial assigned) and starts one node. */
static int start_node(actr_hyper_t *hyper, const actr_type_t *type, const actr_route_t *route,
                      void *self, actr_node_t **node, actr_ref_t **ref, actr_error_t *err)
{
    actr_workload_t wl;
    int rc = actr_node_new(hyper, NULL, node, err);
    if (rc == 0)
        rc = actr_node_set_type(*node, type, err);
    if (rc == 0)
        rc = actr_workload_from_routes(route, 1, NULL, self, &wl, err);
    if (rc == 0)
        rc = actr_node_link(*node, &wl, err);
    if (rc == 0)
        rc = actr_node_register_local(*node, 1, 0, err);
    if (rc == 0)
        rc = actr_node_start(*node, ref, err);
    return rc;
}

int main(int argc, char **argv)
{
    const char *message = argc > 1 ? argv[1] : "Hello from Hyper";
    actr_error_t err = {0};
    actr_hyper_t *hyper;
    if (actr_hyper_new(NULL, &hyper, &err) != 0)
        return fail("hyper", &err);

    actr_type_t echo_type, client_type;
    actr_type_set(&echo_type, "acme", "EchoService", "1.0.0", NULL);
    actr_type_set(&client_type, "acme", "EchoClient", "1.0.0", NULL);
    static const actr_route_t echo_routes[] = {{ECHO_ROUTE, echo}};
    static const actr_route_t client_routes[] = {{SEND_ROUTE, send_echo}};

    actr_node_t *service = NULL, *client = NULL;
    actr_ref_t *service_ref, *client_ref;
    int status = 1;
    if (start_node(hyper, &echo_type, echo_routes, NULL, &service, &service_ref, &err) != 0) {
        fail("echo service", &err);
    } else if (start_node(hyper, &client_type, client_routes, &echo_type, &client, &client_ref,
                          &err) != 0) {
        fail("client", &err);
    } else {
        actr_buf_t req = actr_buf_static(message, strlen(message)), reply;
        if (actr_ref_call(client_ref, NULL, SEND_ROUTE, &req, ACTR_CALL_TIMEOUT_MS, &reply,
                          &err) != 0) {
            fail("call", &err);
        } else {
            printf("[Received reply] %.*s\n", (int)reply.len, (const char *)reply.data);
            actr_buf_release(&reply);
            status = 0;
        }
    }
    actr_node_free(client);
    actr_node_free(service);
    actr_hyper_free(hyper);
    return status;
}
