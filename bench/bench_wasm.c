/*
 * bench_wasm - the WebAssembly interpreter against wabt's wasm-interp, node's V8 and native
 * code, in one run, on the same four kernels (the C files of bench/wasm/: fib(32), sieve,
 * sha256, matrix multiply), plus what an actor pays for being a WASM guest:
 *
 *   kernels    each kernel's time in our interpreter (best of R rounds), in wasm-interp (one
 *              process run, --run-all-exports; its start-up is a few ms of seconds), in V8
 *              (bench/wasm/run_node.cjs: best of R rounds and the first, which includes
 *              compilation) and as native code (the same C compiled into this program).
 *              Every engine must return the same checksum. Headline: wasm-interp / ours.
 *   dispatch   an echo through the WASM workload (tests/wasm/guests/abi_guest.c) against
 *              the same echo as a native route-table workload, called by a driver actor
 *              (actr_ctx_call_raw from its handler, so the callee runs on the same worker),
 *              in alternating rounds (median of the round means).
 *   idle       RSS per idle WASM actor instance: 1,000 workloads of that guest, loaded,
 *              initialised and idle (they share one decoded module), against the guest's
 *              own committed linear memory.
 *
 *   bench_wasm [--rounds R] [--calls N] [--instances K] [--no-external] [--smoke]
 *              [--only kernels|dispatch|idle]
 *
 * --smoke: tiny sizes, no external engines; checks results only (the CTest smoke test).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actr/ctx.h"
#include "actr/hyper.h"
#include "actr/node.h"
#include "actr/ref.h"
#include "actr/workload.h"
#include "base/clock.h"
#include "engine/wasm/wasm.h"
#include "engine/wasm/workload.h"
#include "wasm/kernel.h"

#ifndef BENCH_WASM_DIR
#define BENCH_WASM_DIR "bench-wasm"
#endif
#ifndef BENCH_SDK_ECHO
#define BENCH_SDK_ECHO "guests/echo_service_wasm.wasm"
#endif
#ifndef BENCH_WASM_SOURCE_DIR
#define BENCH_WASM_SOURCE_DIR "bench/wasm"
#endif

#define ECHO_ROUTE "test.Guest.Echo"
#define DRIVE_ROUTE "bench.Driver.Run"
#define SDK_ECHO_ROUTE "echo.EchoService.Echo"
#define MAX_ROUNDS 100

typedef struct opts {
    int rounds;
    int calls;
    int instances;
    int external;
    int smoke;
    const char *only; /* "kernels", "dispatch" or "idle": run one measure (profiling) */
} opts_t;

typedef struct kernel {
    const char *name;
    int32_t (*native)(void);
} kernel_t;

static const kernel_t KERNELS[] = {
    {"fib", fib_run}, {"sieve", sieve_run}, {"sha256", sha256_run}, {"matmul", matmul_run}};
#define KERNEL_COUNT (sizeof KERNELS / sizeof KERNELS[0])

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_wasm: %s: %s\n", what, why ? why : "");
    exit(1);
}

static double now_ms(void)
{
    return (double)actr_clock_mono_ns() / 1e6;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- kernels ---------------------------------------------------------------------------- */

typedef struct timing {
    double best_ms;   /* < 0: not measured */
    double first_ms;
    uint32_t result;
} timing_t;

static timing_t run_native(const kernel_t *k, int rounds)
{
    timing_t t = {1e300, 0, 0};
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ms();
        t.result = (uint32_t)k->native();
        double ms = now_ms() - t0;
        if (r == 0)
            t.first_ms = ms;
        if (ms < t.best_ms)
            t.best_ms = ms;
    }
    return t;
}

static timing_t run_ours(const kernel_t *k, const char *path, int rounds)
{
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    if (!bytes)
        die(path, "cannot read (build the bench_wasm_kernels target)");
    wasm_module_t *m;
    wasm_error_t err = {0};
    if (wasm_module_new(bytes, len, &m, &err) != WASM_OK)
        die(path, err.message);
    free(bytes);
    wasm_store_t *store;
    wasm_instance_t *inst;
    wasm_extern_t fn;
    char name[64];
    snprintf(name, sizeof name, "%s_run", k->name);
    if (wasm_store_new(NULL, &store) != WASM_OK ||
        wasm_instantiate(store, m, NULL, NULL, &inst, &err) != WASM_OK ||
        wasm_instance_export(inst, name, &fn) != WASM_OK)
        die(name, err.message[0] ? err.message : "cannot instantiate");
    timing_t t = {1e300, 0, 0};
    for (int r = 0; r < rounds; r++) {
        wasm_value_t res;
        double t0 = now_ms();
        if (wasm_func_call(store, fn, NULL, 0, &res, 1, &err) != WASM_OK)
            die(name, err.message);
        double ms = now_ms() - t0;
        t.result = res.of.i32;
        if (r == 0)
            t.first_ms = ms;
        if (ms < t.best_ms)
            t.best_ms = ms;
    }
    wasm_store_free(store);
    wasm_module_free(m);
    return t;
}

/* Runs a command, returns its first output line in line[] and its wall time. */
static double run_command(const char *cmd, char *line, size_t cap)
{
    double t0 = now_ms();
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    line[0] = 0;
    if (!fgets(line, (int)cap, p))
        line[0] = 0;
    char rest[256];
    while (fgets(rest, sizeof rest, p)) {
    }
    int st = pclose(p);
    double ms = now_ms() - t0;
    return st == 0 && line[0] ? ms : -1;
}

static timing_t run_wasm_interp(const kernel_t *k, const char *path)
{
    char cmd[2048 + 512], line[256];
    timing_t t = {-1, -1, 0};
    snprintf(cmd, sizeof cmd, "wasm-interp --run-all-exports '%s' 2>&1", path);
    double ms = run_command(cmd, line, sizeof line);
    const char *v = strstr(line, "i32:");
    if (ms < 0 || !v)
        return t;
    t.best_ms = t.first_ms = ms;
    t.result = (uint32_t)strtoul(v + 4, NULL, 10);
    (void)k;
    return t;
}

static timing_t run_node(const kernel_t *k, const char *path, int rounds)
{
    char cmd[2048 + 512], line[256];
    timing_t t = {-1, -1, 0};
    snprintf(cmd, sizeof cmd, "node '%s/run_node.cjs' '%s' %s_run %d 2>/dev/null",
             BENCH_WASM_SOURCE_DIR, path, k->name, rounds);
    unsigned long result;
    double best, first;
    if (run_command(cmd, line, sizeof line) < 0 ||
        sscanf(line, "%lu %lf %lf", &result, &best, &first) != 3)
        return t;
    t.best_ms = best;
    t.first_ms = first;
    t.result = (uint32_t)result;
    return t;
}

static void print_ms(double ms)
{
    if (ms < 0)
        printf(" %10s", "n/a");
    else
        printf(" %10.1f", ms);
}

/* Returns the number of mismatching results. */
static int bench_kernels(const opts_t *o)
{
    printf("kernels (ms, best of %d; wasm-interp: one run)\n", o->rounds);
    printf("%-8s %10s %10s %10s %10s %10s | %12s %12s %10s\n", "kernel", "native", "ours",
           "wasm-interp", "v8", "v8 first", "interp/ours", "ours/native", "ours/v8");
    int bad = 0;
    for (size_t i = 0; i < KERNEL_COUNT; i++) {
        const kernel_t *k = &KERNELS[i];
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.wasm", BENCH_WASM_DIR, k->name);
        timing_t nat = run_native(k, o->rounds);
        timing_t ours = run_ours(k, path, o->rounds);
        timing_t wi = {-1, -1, 0}, v8 = {-1, -1, 0};
        if (o->external) {
            wi = run_wasm_interp(k, path);
            v8 = run_node(k, path, o->rounds);
        }
        printf("%-8s", k->name);
        print_ms(nat.best_ms);
        print_ms(ours.best_ms);
        print_ms(wi.best_ms);
        print_ms(v8.best_ms);
        print_ms(v8.first_ms);
        printf(" | ");
        if (wi.best_ms > 0)
            printf("%11.1fx ", wi.best_ms / ours.best_ms);
        else
            printf("%12s ", "n/a");
        printf("%11.1fx ", ours.best_ms / nat.best_ms);
        if (v8.best_ms > 0)
            printf("%9.1fx", ours.best_ms / v8.best_ms);
        else
            printf("%10s", "n/a");
        printf("\n");
        if (ours.result != nat.result || (wi.best_ms >= 0 && wi.result != nat.result) ||
            (v8.best_ms >= 0 && v8.result != nat.result)) {
            printf("  MISMATCH: native %" PRIu32 ", ours %" PRIu32 ", wasm-interp %" PRIu32
                   ", v8 %" PRIu32 "\n",
                   nat.result, ours.result, wi.result, v8.result);
            bad++;
        }
    }
    return bad;
}

/* ---- dispatch and idle instances --------------------------------------------------------- */

static int native_echo(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                       actr_error_t *err)
{
    (void)self, (void)ctx, (void)err;
    return actr_buf_copy(req->data, req->len, resp); /* the guest copies too */
}

static uint8_t *guest_bytes(size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/abi_guest.wasm", BENCH_WASM_DIR);
    uint8_t *b = read_all(path, len);
    if (!b)
        die(path, "cannot read");
    return b;
}

static actr_ref_t *start_node(actr_hyper_t *h, const char *name, actr_workload_t *wl,
                              actr_node_t **node)
{
    actr_error_t err = {0};
    actr_type_t type;
    actr_ref_t *ref = NULL;
    actr_type_set(&type, "bench", name, "1.0.0", NULL);
    if (actr_node_new(h, NULL, node, &err) != 0 || actr_node_set_type(*node, &type, &err) != 0 ||
        actr_node_link(*node, wl, &err) != 0 || actr_node_register_local(*node, 1, 0, &err) != 0 ||
        actr_node_start(*node, &ref, &err) != 0)
        die(name, err.message);
    return ref;
}

/* The driver actor: its handler calls the target's echo `calls` times from inside the runtime
 * (actr_ctx_call_raw; an idle callee runs on the calling worker), so a round measures the
 * dispatch path itself rather than thread hand-offs on a shared machine. */
typedef struct driver {
    actr_type_t target;
    const char *route;
    size_t answer_len; /* what the target's echo answers for the 32-byte request */
    int calls;
    double us_per_call;
} driver_t;

static int drive(void *self, actr_ctx_t *ctx, const actr_buf_t *req, actr_buf_t *resp,
                 actr_error_t *err)
{
    driver_t *d = self;
    static const char msg[] = "0123456789abcdef0123456789abcdef"; /* 32 bytes */
    actr_buf_t payload = actr_buf_static(msg, sizeof msg - 1);
    actr_id_t id;
    int rc = actr_ctx_discover(ctx, &d->target, &id, err);
    double t0 = 0;
    for (int i = -100; rc == 0 && i < d->calls; i++) { /* 100 warm-up calls */
        if (i == 0)
            t0 = now_ms();
        actr_buf_t answer;
        rc = actr_ctx_call_raw(ctx, &id, d->route, &payload, 5000, &answer, err);
        if (rc == 0 && (answer.len != d->answer_len ||
                        memcmp(answer.data + answer.len - payload.len, msg, payload.len) != 0))
            rc = actr_error_set(err, ACTR_EINTERNAL, ACTR_KIND_INTERNAL, 0, "wrong answer");
        actr_buf_release(&answer);
    }
    d->us_per_call = (now_ms() - t0) * 1000.0 / d->calls;
    (void)req, (void)resp;
    return rc;
}

/* Mean µs per echo call to the actor of type `name`, made by the driver. */
static double time_calls(actr_ref_t *driver_ref, driver_t *d, const char *name,
                         const char *route, size_t answer_len, int calls)
{
    actr_type_set(&d->target, "bench", name, "1.0.0", NULL);
    d->route = route;
    d->answer_len = answer_len;
    d->calls = calls;
    actr_buf_t req = actr_buf_static("", 0), resp;
    actr_error_t err = {0};
    if (actr_ref_call(driver_ref, NULL, DRIVE_ROUTE, &req, 600000, &resp, &err) != 0)
        die("driver", err.message);
    actr_buf_release(&resp);
    return d->us_per_call;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A WASM workload from a file; false when the file is absent (the SDK guest is optional). */
static bool wasm_workload(const char *path, const char *name, actr_workload_t *wl)
{
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    if (!bytes)
        return false;
    actr_type_t type;
    actr_error_t err = {0};
    actr_type_set(&type, "bench", name, "1.0.0", NULL);
    if (actr_wasm_workload_new_typed(bytes, len, NULL, &type, wl, &err) != 0)
        die(path, err.message);
    free(bytes);
    return true;
}

static void bench_dispatch(const opts_t *o)
{
    actr_hyper_t *h;
    actr_error_t err = {0};
    if (actr_hyper_new(NULL, &h, &err) != 0)
        die("hyper", err.message);
    char path[1024];
    snprintf(path, sizeof path, "%s/abi_guest.wasm", BENCH_WASM_DIR);
    actr_workload_t wasm_wl, sdk_wl, native_wl, driver_wl;
    static const actr_route_t routes[] = {{ECHO_ROUTE, native_echo}};
    static const actr_route_t driver_routes[] = {{DRIVE_ROUTE, drive}};
    static driver_t driver;
    if (!wasm_workload(path, "WasmEcho", &wasm_wl))
        die(path, "cannot read");
    bool sdk = wasm_workload(BENCH_SDK_ECHO, "SdkEcho", &sdk_wl);
    if (actr_workload_from_routes(routes, 1, NULL, NULL, &native_wl, &err) != 0 ||
        actr_workload_from_routes(driver_routes, 1, NULL, &driver, &driver_wl, &err) != 0)
        die("native workload", err.message);
    actr_node_t *wn, *sn = NULL, *nn, *dn;
    start_node(h, "WasmEcho", &wasm_wl, &wn);
    if (sdk)
        start_node(h, "SdkEcho", &sdk_wl, &sn);
    start_node(h, "NativeEcho", &native_wl, &nn);
    actr_ref_t *dref = start_node(h, "Driver", &driver_wl, &dn);
    /* Rounds alternate the targets, and each figure is the median of the rounds' means: the
     * machine is shared, so a burst of load must not land on one side only. */
    double nat[MAX_ROUNDS], was[MAX_ROUNDS], sdks[MAX_ROUNDS];
    int per_round = o->calls / o->rounds > 0 ? o->calls / o->rounds : 1;
    for (int r = 0; r < o->rounds; r++) {
        nat[r] = time_calls(dref, &driver, "NativeEcho", ECHO_ROUTE, 32, per_round);
        was[r] = time_calls(dref, &driver, "WasmEcho", ECHO_ROUTE, 32, per_round);
        if (sdk)
            sdks[r] = time_calls(dref, &driver, "SdkEcho", SDK_ECHO_ROUTE, 32 + 6, per_round);
    }
    double native_us = median(nat, o->rounds), wasm_us = median(was, o->rounds);
    printf("\ndispatch (actr_ctx_call_raw of a 32-byte echo from an actor, %d rounds of %d "
           "calls, alternating; median of round means)\n",
           o->rounds, per_round);
    printf("  native route workload       %8.2f us/call\n", native_us);
    printf("  wasm, hand-written guest    %8.2f us/call  (%.1fx native, %+.2f us per call)\n",
           wasm_us, wasm_us / native_us, wasm_us - native_us);
    if (sdk) {
        double sdk_us = median(sdks, o->rounds);
        printf("  wasm, SDK echo_service      %8.2f us/call  (%.1fx native, %+.2f us per call)\n",
               sdk_us, sdk_us / native_us, sdk_us - native_us);
    }
    actr_node_free(dn);
    actr_node_free(wn);
    actr_node_free(sn);
    actr_node_free(nn);
    actr_hyper_free(h);
}

static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static void bench_idle(const opts_t *o)
{
    size_t len;
    uint8_t *bytes = guest_bytes(&len);
    actr_type_t type;
    actr_type_set(&type, "bench", "Idle", "1.0.0", NULL);
    actr_workload_t *wls = calloc((size_t)o->instances, sizeof *wls);
    if (!wls)
        die("idle", "out of memory");
    size_t committed0 = wasm_process_committed_bytes();
    size_t rss0 = rss_bytes();
    for (int i = 0; i < o->instances; i++) {
        actr_error_t err = {0};
        if (actr_wasm_workload_new_typed(bytes, len, NULL, &type, &wls[i], &err) != 0)
            die("idle workload", err.message);
    }
    size_t rss1 = rss_bytes();
    size_t committed = wasm_process_committed_bytes() - committed0;
    double per = (double)(rss1 - rss0) / o->instances;
    double lin = (double)committed / o->instances;
    printf("\nidle instances (%d workloads of a %zu-byte guest, loaded and initialised)\n",
           o->instances, len);
    printf("  RSS per instance      %8.1f KiB\n", per / 1024.0);
    printf("  linear memory+tables  %8.1f KiB per instance (engine committed); RSS/committed "
           "%.2fx\n",
           lin / 1024.0, lin > 0 ? per / lin : 0.0);
    printf("  (the reference reserves max_linear_memory = 64 MiB of address space per store)\n");
    for (int i = 0; i < o->instances; i++)
        actr_workload_destroy(&wls[i]);
    free(wls);
    free(bytes);
}

int main(int argc, char **argv)
{
    opts_t o = {.rounds = 5, .calls = 20000, .instances = 1000, .external = 1, .smoke = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--rounds") == 0 && v)
            o.rounds = atoi(v), i++;
        else if (strcmp(a, "--calls") == 0 && v)
            o.calls = atoi(v), i++;
        else if (strcmp(a, "--instances") == 0 && v)
            o.instances = atoi(v), i++;
        else if (strcmp(a, "--no-external") == 0)
            o.external = 0;
        else if (strcmp(a, "--smoke") == 0)
            o.smoke = 1;
        else if (strcmp(a, "--only") == 0 && v)
            o.only = v, i++;
        else
            die("usage", "bench_wasm [--rounds R] [--calls N] [--instances K] [--no-external] "
                         "[--smoke] [--only kernels|dispatch|idle]");
    }
    if (o.smoke)
        o.rounds = 1, o.calls = 200, o.instances = 20, o.external = 0;
    if (o.rounds < 1 || o.rounds > MAX_ROUNDS || o.calls < 1 || o.instances < 1)
        die("usage", "rounds 1..100, calls and instances > 0");
    int bad = 0;
    if (!o.only || strcmp(o.only, "kernels") == 0)
        bad = bench_kernels(&o);
    if (!o.only || strcmp(o.only, "dispatch") == 0)
        bench_dispatch(&o);
    if (!o.only || strcmp(o.only, "idle") == 0)
        bench_idle(&o);
    return bad ? 1 : 0;
}
