/* fib.c - recursive fib(32): calls, compares and adds (2.1 million calls). */
#include "kernel.h"

static int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* The argument goes through a volatile so no compiler folds the whole call. */
static volatile int32_t fib_n = 32;

KERNEL_EXPORT("fib_run") int32_t fib_run(void)
{
    return fib(fib_n);
}
