/*
 * wasi.c - the WASI preview1 subset of wasi.h. Signatures follow the witx definitions of
 * wasi_snapshot_preview1; every function returns a WASI errno except proc_exit, which ends the
 * running call with WASM_ERR_HOST (the caller then asks actr_wasi_take_exit()).
 */
#include "engine/wasm/wasi.h"

#include "engine/wasm/guest_mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WASI_MAX_IOVS 1024u              /* IOV_MAX: a guest cannot make us loop longer */
#define WASI_FILETYPE_CHARACTER_DEVICE 2u
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)

/* ---- guest memory ------------------------------------------------------------------------- */

/* The guest bytes [ptr, ptr + len) or NULL when any of them is outside memory 0. The result is
 * valid until the guest runs again (memory.grow may move it). */
static uint8_t *guest_span(wasm_caller_t *caller, uint32_t ptr, uint64_t len)
{
    size_t mem_len = 0;
    uint8_t *mem = wasm_caller_memory(caller, &mem_len);
    return actr_wasm_span(mem, mem_len, ptr, len);
}

static wasm_result_t ret_errno(wasm_value_t *results, uint32_t wasi_errno)
{
    results[0].type = WASM_I32;
    results[0].of.i32 = wasi_errno;
    return WASM_OK;
}

/* ---- the functions ------------------------------------------------------------------------ */

/* fd_write(fd, iovs, iovs_len, nwritten_out) */
static wasm_result_t wasi_fd_write(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                   wasm_value_t *results, wasm_error_t *err)
{
    actr_wasi_t *wasi = env;
    uint32_t fd = args[0].of.i32, iovs = args[1].of.i32, count = args[2].of.i32;
    uint32_t out = args[3].of.i32;
    if (fd != 1 && fd != 2)
        return ret_errno(results, ACTR_WASI_EBADF);
    if (count > WASI_MAX_IOVS)
        return ret_errno(results, ACTR_WASI_EINVAL);
    if (!guest_span(caller, iovs, (uint64_t)count * 8) || !guest_span(caller, out, 4))
        return ret_errno(results, ACTR_WASI_EFAULT);
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *iov = guest_span(caller, iovs + 8 * i, 8);
        uint32_t buf = actr_wasm_get_u32(iov), len = actr_wasm_get_u32(iov + 4);
        const uint8_t *data = guest_span(caller, buf, len);
        if (!data)
            return ret_errno(results, ACTR_WASI_EFAULT);
        if (len && wasi->output)
            wasi->output(wasi->user, (int)fd, data, len);
        total += len;
    }
    actr_wasm_put_u32(guest_span(caller, out, 4), (uint32_t)total);
    (void)err;
    return ret_errno(results, ACTR_WASI_ESUCCESS);
}

/* fd_close(fd): the standard streams stay open (closing them is a no-op). */
static wasm_result_t wasi_fd_close(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                   wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)err;
    return ret_errno(results, args[0].of.i32 <= 2 ? ACTR_WASI_ESUCCESS : ACTR_WASI_EBADF);
}

/* fd_seek(fd, offset i64, whence, newoffset_out): streams are not seekable. */
static wasm_result_t wasi_fd_seek(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                  wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)err;
    return ret_errno(results, args[0].of.i32 <= 2 ? ACTR_WASI_ESPIPE : ACTR_WASI_EBADF);
}

/* fd_fdstat_get(fd, stat_out): a 24-byte fdstat {u8 filetype, u16 flags, u64 rights_base,
 * u64 rights_inheriting}; stdio are character devices (so libc line-buffers stdout). */
static wasm_result_t wasi_fd_fdstat_get(void *env, wasm_caller_t *caller,
                                        const wasm_value_t *args, wasm_value_t *results,
                                        wasm_error_t *err)
{
    (void)env, (void)err;
    uint32_t fd = args[0].of.i32;
    if (fd > 2)
        return ret_errno(results, ACTR_WASI_EBADF);
    uint8_t *st = guest_span(caller, args[1].of.i32, 24);
    if (!st)
        return ret_errno(results, ACTR_WASI_EFAULT);
    memset(st, 0, 24);
    st[0] = WASI_FILETYPE_CHARACTER_DEVICE;
    actr_wasm_put_u64(st + 8, fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE);
    return ret_errno(results, ACTR_WASI_ESUCCESS);
}

/* fd_prestat_get(fd, out) / fd_prestat_dir_name(fd, path, len): no preopened directories, so
 * libc's preopen scan stops at the first fd. */
static wasm_result_t wasi_no_prestat(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                     wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)args, (void)err;
    return ret_errno(results, ACTR_WASI_EBADF);
}

/* clock_time_get(id, precision i64, time_out): realtime, monotonic, process and thread CPU. */
static wasm_result_t wasi_clock_time_get(void *env, wasm_caller_t *caller,
                                         const wasm_value_t *args, wasm_value_t *results,
                                         wasm_error_t *err)
{
    (void)env, (void)err;
    static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
    uint32_t id = args[0].of.i32;
    if (id >= sizeof clocks / sizeof clocks[0])
        return ret_errno(results, ACTR_WASI_EINVAL);
    uint8_t *out = guest_span(caller, args[2].of.i32, 8);
    if (!out)
        return ret_errno(results, ACTR_WASI_EFAULT);
    struct timespec ts;
    if (clock_gettime(clocks[id], &ts) != 0)
        return ret_errno(results, ACTR_WASI_EINVAL);
    actr_wasm_put_u64(out, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    return ret_errno(results, ACTR_WASI_ESUCCESS);
}

/* random_get(buf, len): the kernel's CSPRNG. */
static wasm_result_t wasi_random_get(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                     wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)err;
    uint32_t len = args[1].of.i32;
    uint8_t *buf = guest_span(caller, args[0].of.i32, len);
    if (!buf)
        return ret_errno(results, ACTR_WASI_EFAULT);
    /* getrandom returns at most 32 MiB per call; a 4 GiB memory needs at most ~130 rounds. */
    size_t done = 0;
    for (int round = 0; done < len && round < 1024; round++) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0 && errno != EINTR)
            return ret_errno(results, ACTR_WASI_EIO);
        if (n > 0)
            done += (size_t)n;
    }
    return ret_errno(results, done == len ? ACTR_WASI_ESUCCESS : ACTR_WASI_EIO);
}

/* proc_exit(code): ends the instance; the host sees WASM_ERR_HOST and asks take_exit(). */
static wasm_result_t wasi_proc_exit(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                    wasm_value_t *results, wasm_error_t *err)
{
    actr_wasi_t *wasi = env;
    (void)caller, (void)results;
    wasi->exited = true;
    wasi->exit_code = args[0].of.i32;
    if (err) {
        err->kind = WASM_ERR_HOST;
        snprintf(err->message, sizeof err->message, "%s(%u)", ACTR_WASI_EXIT_MESSAGE,
                 wasi->exit_code);
    }
    return WASM_ERR_HOST;
}

/* args_sizes_get / environ_sizes_get(count_out, buf_size_out): none. */
static wasm_result_t wasi_sizes_empty(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                      wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)err;
    uint8_t *count = guest_span(caller, args[0].of.i32, 4);
    uint8_t *size = guest_span(caller, args[1].of.i32, 4);
    if (!count || !size)
        return ret_errno(results, ACTR_WASI_EFAULT);
    actr_wasm_put_u32(count, 0);
    actr_wasm_put_u32(size, 0);
    return ret_errno(results, ACTR_WASI_ESUCCESS);
}

/* args_get / environ_get(ptrs, buf): nothing to write. */
static wasm_result_t wasi_get_empty(void *env, wasm_caller_t *caller, const wasm_value_t *args,
                                    wasm_value_t *results, wasm_error_t *err)
{
    (void)env, (void)caller, (void)args, (void)err;
    return ret_errno(results, ACTR_WASI_ESUCCESS);
}

/* ---- the import table --------------------------------------------------------------------- */

#define I32 WASM_I32
#define I64 WASM_I64

typedef struct wasi_fn {
    const char *name;
    wasm_host_fn fn;
    uint32_t param_count, result_count;
    wasm_valtype_t params[4];
} wasi_fn_t;

static const wasm_valtype_t WASI_ERRNO_RESULT[1] = {I32};

static const wasi_fn_t WASI_FNS[] = {
    {"fd_write", wasi_fd_write, 4, 1, {I32, I32, I32, I32}},
    {"fd_close", wasi_fd_close, 1, 1, {I32}},
    {"fd_seek", wasi_fd_seek, 4, 1, {I32, I64, I32, I32}},
    {"fd_fdstat_get", wasi_fd_fdstat_get, 2, 1, {I32, I32}},
    {"fd_prestat_get", wasi_no_prestat, 2, 1, {I32, I32}},
    {"fd_prestat_dir_name", wasi_no_prestat, 3, 1, {I32, I32, I32}},
    {"clock_time_get", wasi_clock_time_get, 3, 1, {I32, I64, I32}},
    {"random_get", wasi_random_get, 2, 1, {I32, I32}},
    {"proc_exit", wasi_proc_exit, 1, 0, {I32}},
    {"args_sizes_get", wasi_sizes_empty, 2, 1, {I32, I32}},
    {"args_get", wasi_get_empty, 2, 1, {I32, I32}},
    {"environ_sizes_get", wasi_sizes_empty, 2, 1, {I32, I32}},
    {"environ_get", wasi_get_empty, 2, 1, {I32, I32}},
};

void actr_wasi_init(actr_wasi_t *wasi, actr_wasi_output_fn output, void *user)
{
    memset(wasi, 0, sizeof *wasi);
    wasi->output = output;
    wasi->user = user;
}

wasm_result_t actr_wasi_resolve(actr_wasi_t *wasi, wasm_store_t *store,
                                const wasm_import_desc_t *import, wasm_extern_t *out)
{
    if (import->kind != WASM_EXTERN_FUNC || strcmp(import->module, ACTR_WASI_MODULE) != 0)
        return WASM_ERR_LINK;
    for (size_t i = 0; i < sizeof WASI_FNS / sizeof WASI_FNS[0]; i++) {
        const wasi_fn_t *f = &WASI_FNS[i];
        if (strcmp(f->name, import->name) != 0)
            continue;
        wasm_functype_t type = {f->param_count, f->result_count, f->params, WASI_ERRNO_RESULT};
        return wasm_func_new_host(store, &type, f->fn, wasi, out);
    }
    return WASM_ERR_LINK;
}

bool actr_wasi_take_exit(actr_wasi_t *wasi, uint32_t *code)
{
    if (!wasi->exited)
        return false;
    wasi->exited = false;
    if (code)
        *code = wasi->exit_code;
    return true;
}
