/*
 * bench_dynclib - what a package engine costs per message: synchronous echo calls through
 * actr_ref_call to the same kind of actor run three ways in one hyper, in the same run:
 *   linked   an in-process route-table workload that copies the request (the baseline)
 *   dynclib  guests/guest_test.so (guest SDK, native ABI): frame encode, actr_handle, SDK
 *            decode/encode, reply copy + actr_free_response, reply decode
 *   wasm     guests/echo_service_wasm.wasm (guest SDK, wasm32 core module) in our interpreter
 * Prints ns per call and the ratio to linked. Rounds are interleaved; the best round counts.
 *
 *   bench_dynclib [GUEST_DIR (default: guests)] [CALLS (default: 20000)]
 * Run from the build directory (the guests are built into build/guests/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "base/fsutil.h"
#include "engine/dynclib/dynclib.h"
#include "engine/wasm/workload.h"

#define ROUNDS 5

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int echo_copy(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                     actr_error_t *err)
{
    return actr_buf_copy(req->data, req->len, resp);
}

/* Links wl into a started node of type acme:<name>:1.0; exits on failure. */
static actr_node_t *start(actr_hyper_t *h, const char *name, actr_workload_t *wl, actr_ref_t **ref)
{
    actr_error_t err = {0};
    actr_node_t *node;
    actr_type_t type;
    if (actr_node_new(h, NULL, &node, &err) != 0 ||
        actr_type_set(&type, "acme", name, "1.0", &err) != 0 ||
        actr_node_set_type(node, &type, &err) != 0 || actr_node_link(node, wl, &err) != 0 ||
        actr_node_register_local(node, 1, 0, &err) != 0 || actr_node_start(node, ref, &err) != 0) {
        fprintf(stderr, "bench_dynclib: %s: %s\n", name, err.message);
        exit(1);
    }
    return node;
}

/* ns per call of `calls` synchronous calls of route. */
static double measure(actr_ref_t *ref, const char *route, int calls)
{
    static const char payload[64] = "0123456789abcdef0123456789abcdef0123456789abcdef012345678";
    actr_buf_t req = actr_buf_static(payload, sizeof payload);
    double t0 = now_ns();
    for (int i = 0; i < calls; i++) {
        actr_buf_t resp;
        actr_error_t err = {0};
        if (actr_ref_call(ref, NULL, route, &req, 5000, &resp, &err) != 0) {
            fprintf(stderr, "bench_dynclib: %s: %s\n", route, err.message);
            exit(1);
        }
        actr_buf_release(&resp);
    }
    return (now_ns() - t0) / calls;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "guests";
    int calls = argc > 2 ? atoi(argv[2]) : 20000;
    if (calls <= 0)
        calls = 20000;
    actr_hyper_options_t o;
    actr_hyper_options_init(&o);
    o.workers = 2;
    actr_hyper_t *h;
    actr_error_t err = {0};
    if (actr_hyper_new(&o, &h, &err) != 0) {
        fprintf(stderr, "bench_dynclib: hyper: %s\n", err.message);
        return 1;
    }
    actr_type_t type;
    actr_type_set(&type, "acme", "Bench", "1.0", NULL);

    static const actr_route_t routes[] = {{"bench.Echo.Echo", echo_copy}};
    actr_workload_t linked_wl, dyn_wl, wasm_wl;
    actr_workload_from_routes(routes, 1, NULL, NULL, &linked_wl, &err);

    char path[4096];
    snprintf(path, sizeof path, "%s/guest_test.so", dir);
    actr_dynclib_options_t d = {.path = path, .type = &type};
    if (actr_dynclib_workload_new(&d, &dyn_wl, &err) != 0) {
        fprintf(stderr, "bench_dynclib: %s\n", err.message);
        return 1;
    }
    snprintf(path, sizeof path, "%s/echo_service_wasm.wasm", dir);
    char *wasm;
    size_t wasm_len;
    if (actr_read_file(path, 64u << 20, &wasm, &wasm_len, &err) != 0 ||
        actr_wasm_workload_new_typed((const uint8_t *)wasm, wasm_len, NULL, &type, &wasm_wl,
                                     &err) != 0) {
        fprintf(stderr, "bench_dynclib: %s\n", err.message);
        return 1;
    }
    free(wasm);

    actr_ref_t *linked_ref, *dyn_ref, *wasm_ref;
    actr_node_t *n1 = start(h, "Linked", &linked_wl, &linked_ref);
    actr_node_t *n2 = start(h, "Dynclib", &dyn_wl, &dyn_ref);
    actr_node_t *n3 = start(h, "Wasm", &wasm_wl, &wasm_ref);

    double best[3] = {1e18, 1e18, 1e18};
    measure(linked_ref, "bench.Echo.Echo", calls / 10 + 1); /* warm-up */
    measure(dyn_ref, "test.Guest.Echo", calls / 10 + 1);
    measure(wasm_ref, "echo.EchoService.Echo", calls / 10 + 1);
    for (int r = 0; r < ROUNDS; r++) {
        double t[3] = {measure(linked_ref, "bench.Echo.Echo", calls),
                       measure(dyn_ref, "test.Guest.Echo", calls),
                       measure(wasm_ref, "echo.EchoService.Echo", calls)};
        for (int i = 0; i < 3; i++)
            best[i] = t[i] < best[i] ? t[i] : best[i];
    }
    printf("echo call, 64-byte payload, %d calls x %d rounds (best round), actr_ref_call:\n",
           calls, ROUNDS);
    printf("  linked   %8.0f ns/call   1.00x (baseline)\n", best[0]);
    printf("  dynclib  %8.0f ns/call  %5.2fx linked\n", best[1], best[1] / best[0]);
    printf("  wasm     %8.0f ns/call  %5.2fx linked\n", best[2], best[2] / best[0]);
    actr_node_free(n3);
    actr_node_free(n2);
    actr_node_free(n1);
    actr_hyper_free(h);
    return 0;
}
