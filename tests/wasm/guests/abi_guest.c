/*
 * abi_guest.c - a hand-written WASM actor for the host-ABI tests, built at test-build time with
 * `clang --target=wasm32-wasi -mexec-model=reactor`. It implements our core-module ABI
 * (docs/WASM-HOST.md) with a tiny protobuf reader/writer of its own, and misbehaves on request
 * so the tests can check the sandbox: each route below is one behaviour.
 *
 * Variants (-D): ABI_GUEST_NO_HANDLE (no actr_handle export), ABI_GUEST_BAD_HANDLE (actr_handle
 * with a wrong signature), ABI_GUEST_BAD_IMPORT (imports a host function that does not exist),
 * ABI_GUEST_INIT_FAILS (actr_init returns INIT_FAILED).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("actr"), import_name(name)))

IMPORT("invoke") int32_t host_invoke(int64_t token, uint32_t frame, uint32_t len,
                                     uint32_t reply_out);
IMPORT("retain_context") int32_t host_retain(int64_t token);
IMPORT("release_context") void host_release(int64_t token);
IMPORT("log") void host_log(int32_t level, uint32_t ptr, uint32_t len);
#ifdef ABI_GUEST_BAD_IMPORT
IMPORT("no_such_function") void host_missing(void);
#endif

#define PTR(p) ((uint32_t)(uintptr_t)(p))

/* ---- protobuf, the few bits needed ------------------------------------------------------ */

typedef struct pb_out {
    uint8_t *buf;
    size_t len, cap;
} pb_out_t;

static void put_byte(pb_out_t *o, uint8_t b)
{
    if (o->len == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->buf = realloc(o->buf, o->cap);
        if (!o->buf)
            __builtin_trap();
    }
    o->buf[o->len++] = b;
}

static void put_varint(pb_out_t *o, uint64_t v)
{
    while (v >= 0x80) {
        put_byte(o, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(o, (uint8_t)v);
}

static void put_uint(pb_out_t *o, uint32_t field, uint64_t v)
{
    put_varint(o, (uint64_t)field << 3);
    put_varint(o, v);
}

static void put_bytes(pb_out_t *o, uint32_t field, const void *data, size_t len)
{
    put_varint(o, (uint64_t)field << 3 | 2);
    put_varint(o, len);
    for (size_t i = 0; i < len; i++)
        put_byte(o, ((const uint8_t *)data)[i]);
}

typedef struct pb_field {
    uint32_t number, wire;
    uint64_t varint;
    const uint8_t *data;
    size_t len;
} pb_field_t;

/* Reads the next field; returns 0 at the end, -1 on malformed input. */
static int next_field(const uint8_t **p, const uint8_t *end, pb_field_t *f)
{
    if (*p >= end)
        return 0;
    uint64_t key = 0;
    for (int shift = 0;; shift += 7) {
        if (*p >= end || shift > 63)
            return -1;
        uint8_t b = *(*p)++;
        key |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    f->number = (uint32_t)(key >> 3);
    f->wire = (uint32_t)(key & 7);
    if (f->wire == 0 || f->wire == 2) {
        uint64_t v = 0;
        for (int shift = 0;; shift += 7) {
            if (*p >= end || shift > 63)
                return -1;
            uint8_t b = *(*p)++;
            v |= (uint64_t)(b & 0x7f) << shift;
            if (!(b & 0x80))
                break;
        }
        f->varint = v;
        if (f->wire == 2) {
            if (v > (uint64_t)(end - *p))
                return -1;
            f->data = *p;
            f->len = (size_t)v;
            *p += v;
        }
        return 1;
    }
    return -1; /* fixed32/64 never occur in the messages read here */
}

/* Finds field `number` (last wins); 0 when absent. */
static int find(const uint8_t *data, size_t len, uint32_t number, pb_field_t *out)
{
    const uint8_t *p = data, *end = data + len;
    pb_field_t f;
    int found = 0, r;
    while ((r = next_field(&p, end, &f)) > 0) {
        if (f.number == number) {
            *out = f;
            found = 1;
        }
    }
    return r < 0 ? -1 : found;
}

/* ---- state ------------------------------------------------------------------------------ */

static char actor_type[128];
static uint32_t counter;

__attribute__((unused)) static void log_text(const char *s)
{
    host_log(2, PTR(s), (uint32_t)strlen(s));
}

/* ---- the ABI ---------------------------------------------------------------------------- */

EXPORT("actr_alloc") uint32_t actr_alloc(uint32_t size)
{
    return PTR(malloc(size ? size : 1));
}

EXPORT("actr_free") void actr_free(uint32_t ptr, uint32_t size)
{
    (void)size;
    free((void *)(uintptr_t)ptr);
}

EXPORT("actr_init") int32_t actr_init(uint32_t ptr, uint32_t len)
{
#ifdef ABI_GUEST_BAD_IMPORT
    host_missing();
#endif
#ifdef ABI_GUEST_INIT_FAILS
    (void)ptr, (void)len;
    return -2;
#else
    pb_field_t f;
    if (find((const uint8_t *)(uintptr_t)ptr, len, 1, &f) != 1 || f.varint != 1)
        return -5;
    if (find((const uint8_t *)(uintptr_t)ptr, len, 2, &f) == 1 && f.len < sizeof actor_type) {
        memcpy(actor_type, f.data, f.len);
        actor_type[f.len] = 0;
    }
    log_text("abi_guest initialised");
    return 0;
#endif
}

EXPORT("actr_shutdown") int32_t actr_shutdown(void)
{
    return 0;
}

/* Stores an AbiReply{1, status, payload} for the host at out. */
static int32_t answer(uint32_t out, int32_t status, const void *payload, size_t len)
{
    pb_out_t o = {0};
    put_uint(&o, 1, 1);
    put_uint(&o, 2, (uint64_t)(int64_t)status);
    put_bytes(&o, 3, payload, len);
    uint32_t *slot = (uint32_t *)(uintptr_t)out;
    slot[0] = PTR(o.buf);
    slot[1] = (uint32_t)o.len;
    return 0;
}

static int32_t answer_u32(uint32_t out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return answer(out, 0, b, 4);
}

/* One host op: frame {1, op, payload}; returns the reply status, reply payload in *resp
 * (malloc'ed by the host through actr_alloc: freed here with free()). */
static int32_t host_op(uint64_t token, uint32_t op, const pb_out_t *msg, pb_out_t *resp)
{
    pb_out_t frame = {0};
    put_uint(&frame, 1, 1);
    put_uint(&frame, 2, op);
    put_bytes(&frame, 3, msg->buf, msg->len);
    uint32_t slot[2] = {0, 0};
    int32_t rc = host_invoke((int64_t)token, PTR(frame.buf), (uint32_t)frame.len, PTR(slot));
    free(frame.buf);
    if (rc != 0)
        return rc;
    const uint8_t *reply = (const uint8_t *)(uintptr_t)slot[0];
    pb_field_t f;
    int32_t status = find(reply, slot[1], 2, &f) == 1 ? (int32_t)f.varint : 0;
    if (find(reply, slot[1], 3, &f) == 1) {
        for (size_t i = 0; i < f.len; i++)
            put_byte(resp, f.data[i]);
    }
    free((void *)(uintptr_t)slot[0]);
    return status;
}

/* test.Guest.Double: discover acme:Doubler:1.0.0, call test.Doubler.Double on it. */
static int32_t route_double(uint64_t token, const pb_field_t *payload, uint32_t out)
{
    pb_out_t type = {0}, disc = {0}, id = {0}, call = {0}, result = {0};
    put_bytes(&type, 1, "acme", 4);
    put_bytes(&type, 2, "Doubler", 7);
    put_bytes(&type, 3, "1.0.0", 5);
    put_bytes(&disc, 1, type.buf, type.len);
    int32_t st = host_op(token, 4, &disc, &id);
    if (st == 0) {
        put_bytes(&call, 1, "test.Doubler.Double", 19);
        put_bytes(&call, 2, id.buf, id.len);
        put_bytes(&call, 3, payload->data, payload->len);
        st = host_op(token, 3, &call, &result);
    }
    int32_t rc = st == 0 ? answer(out, 0, result.buf, result.len)
                         : answer(out, -3, "host call failed", 16);
    free(type.buf), free(disc.buf), free(id.buf), free(call.buf), free(result.buf);
    return rc;
}

/* Recursion in wasm locals only (no shadow-stack frame), so it is the engine's call depth that
 * runs out, not the C stack in linear memory. The volatile read after the call keeps the
 * compiler from turning it into a loop. */
static volatile uint32_t recurse_bias;

__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
    if (depth == 0xffffffffu) /* never: the call stack runs out long before */
        return 0;
    uint32_t r = recurse(depth + 1);
    return r + recurse_bias;
}

static int route_is(const pb_field_t *route, const char *name)
{
    return route->len == strlen(name) && memcmp(route->data, name, route->len) == 0;
}

__attribute__((unused)) static int32_t handle_rpc(uint64_t token, const pb_field_t *env,
                                                  uint32_t out)
{
    pb_field_t route = {0}, payload = {0};
    if (find(env->data, env->len, 1, &route) != 1)
        return -5;
    find(env->data, env->len, 2, &payload);
    if (route_is(&route, "test.Guest.Echo"))
        return answer(out, 0, payload.data, payload.len);
    if (route_is(&route, "test.Guest.Count"))
        return answer_u32(out, ++counter);
    if (route_is(&route, "test.Guest.Trap"))
        __builtin_trap();
    if (route_is(&route, "test.Guest.Loop")) {
        for (volatile uint32_t i = 0;; i++) {
        }
    }
    if (route_is(&route, "test.Guest.Bomb")) {
        uint32_t pages = 0;
        while (pages < 65536 && __builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            pages += 16;
        return answer_u32(out, pages);
    }
    if (route_is(&route, "test.Guest.Recurse"))
        return answer_u32(out, recurse(0));
    if (route_is(&route, "test.Guest.Exit"))
        __wasi_proc_exit(3);
    if (route_is(&route, "test.Guest.Print")) {
        printf("hello from wasm %d\n", 42);
        fflush(stdout);
        return answer(out, 0, "", 0);
    }
    if (route_is(&route, "test.Guest.Fail"))
        return answer(out, -3, "guest says no", 13);
    if (route_is(&route, "test.Guest.BadStatus"))
        return -3;
    if (route_is(&route, "test.Guest.BadReply")) {
        uint32_t *slot = (uint32_t *)(uintptr_t)out;
        slot[0] = 0xfffffff0u; /* outside memory */
        slot[1] = 64;
        return 0;
    }
    if (route_is(&route, "test.Guest.Double"))
        return route_double(token, &payload, out);
    if (route_is(&route, "test.Guest.BadToken")) {
        pb_out_t type = {0}, msg = {0}, resp = {0};
        put_bytes(&type, 1, "acme", 4);
        put_bytes(&type, 2, "Doubler", 7);
        put_bytes(&type, 3, "1.0.0", 5);
        put_bytes(&msg, 1, type.buf, type.len);
        int32_t st = host_op(0xdead0000beefull, 4, &msg, &resp);
        free(type.buf), free(msg.buf), free(resp.buf);
        return answer_u32(out, (uint32_t)st);
    }
    if (route_is(&route, "test.Guest.BadPointer")) {
        uint32_t slot[2];
        int32_t st = host_invoke((int64_t)token, 0xfffffff0u, 64, PTR(slot));
        return answer_u32(out, (uint32_t)st);
    }
    if (route_is(&route, "test.Guest.Retain")) {
        int32_t st = host_retain((int64_t)token);
        if (st == 0)
            host_release((int64_t)token);
        return answer_u32(out, (uint32_t)st);
    }
    if (route_is(&route, "test.Guest.Type"))
        return answer(out, 0, actor_type, strlen(actor_type));
    return answer(out, -7, "unknown route", 13);
}

#ifndef ABI_GUEST_NO_HANDLE
#ifdef ABI_GUEST_BAD_HANDLE
EXPORT("actr_handle") int64_t actr_handle(uint32_t ptr, uint32_t len)
{
    return (int64_t)ptr + len;
}
#else
EXPORT("actr_handle") int32_t actr_handle(uint32_t ptr, uint32_t len, uint32_t out)
{
    const uint8_t *frame = (const uint8_t *)(uintptr_t)ptr;
    pb_field_t op, payload = {0}, env, token;
    if (find(frame, len, 2, &op) != 1)
        return -5;
    find(frame, len, 3, &payload);
    if (op.varint == 103 || op.varint == 104) /* lifecycle, hooks: nothing to do */
        return answer(out, 0, "", 0);
    if (op.varint != 101)
        return answer(out, -7, "unsupported op", 14);
    if (find(payload.data, payload.len, 2, &env) != 1)
        return -5;
    uint64_t tok = find(payload.data, payload.len, 3, &token) == 1 ? token.varint : 0;
    return handle_rpc(tok, &env, out);
}
#endif
#endif
