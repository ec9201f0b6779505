/* proc.c - child processes for the benchmarks: spawn, bounded reads, stop, RSS and CPU. */
#include "util/proc.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"

long proc_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    while (f && fgets(line, sizeof line, f) && sscanf(line, "VmRSS: %ld kB", &kb) != 1)
        ;
    if (f)
        fclose(f);
    return kb;
}

uint64_t proc_cpu_ns(pid_t pid) /* utime + stime */
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (uint64_t)((double)(ut + st) * 1e9 / (double)sysconf(_SC_CLK_TCK));
}

uint64_t self_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

pid_t spawn(const char *const argv[], int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc ? -1 : pid;
}

/* Reads until EOF, a newline (when line: byte by byte, the rest stays) or 30 s; NUL-terminated. */
size_t read_bounded(int fd, char *buf, size_t cap, bool line)
{
    size_t n = 0;
    for (uint64_t end = actr_clock_mono_ns() + 30 * 1000000000ull; n + 1 < cap && actr_clock_mono_ns() < end;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t k = read(fd, buf + n, line ? 1 : cap - 1 - n);
        if (k <= 0 || (n += (size_t)k, line && buf[n - 1] == '\n'))
            break;
    }
    buf[n] = '\0';
    return n;
}

/* SIGTERM, then up to 20 s for the exit: its exit code, or -1 when it had to be killed. */
int stop_process(pid_t pid)
{
    int status = 0;
    kill(pid, SIGTERM);
    for (int i = 0; i < 400; i++, usleep(50000))
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}
