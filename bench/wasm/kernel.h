/*
 * kernel.h - what the interpreter benchmark kernels share. Each kernel is one C file compiled
 * twice from the same source: to a wasm32 module without libc (exporting its <name>_run) and
 * into bench_wasm as native code, so the native figure is the same algorithm.
 */
#ifndef BENCH_WASM_KERNEL_H
#define BENCH_WASM_KERNEL_H

#include <stdint.h>

#ifdef __wasm__
#define KERNEL_EXPORT(name) __attribute__((export_name(name), used))
#else
#define KERNEL_EXPORT(name)
#endif

int32_t fib_run(void);
int32_t sieve_run(void);
int32_t sha256_run(void);
int32_t matmul_run(void);

#endif
