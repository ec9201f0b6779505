/* proc.h - child processes for the benchmarks (bench/util/proc.c). */
#ifndef ACTR_BENCH_UTIL_PROC_H
#define ACTR_BENCH_UTIL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* VmRSS of pid in kB, or -1. */
long proc_rss_kb(pid_t pid);
/* User + system CPU time of pid, or 0. */
uint64_t proc_cpu_ns(pid_t pid);
/* User + system CPU time of this process. */
uint64_t self_cpu_ns(void);
/* Starts argv (argv[0] a path) with stdout on out_fd and stderr on err_fd (-1: inherited). */
pid_t spawn(const char *const argv[], int out_fd, int err_fd);
/* Reads until EOF, a newline (when line: byte by byte, the rest stays) or 30 s; NUL-terminated. */
size_t read_bounded(int fd, char *buf, size_t cap, bool line);
/* SIGTERM, then up to 20 s for the exit: its exit code, or -1 when it had to be killed. */
int stop_process(pid_t pid);

#endif /* ACTR_BENCH_UTIL_PROC_H */
