/* proc.c - child processes: RSS, CPU, spawn, stop, and actrd init/serve (bench_signaling). */
#include "sigbench.h"

/* ---- processes: RSS, CPU, spawn, stop ---- */

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
    return (uint64_t)((double)(ut + st) * SEC / (double)sysconf(_SC_CLK_TCK));
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
    for (uint64_t end = now_ns() + 30 * 1000000000ull; n + 1 < cap && now_ns() < end;) {
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

/* `actrd init --json`: the realm id and its secret (strdup'ed). */
int actrd_init(bench_t *b, const char *data)
{
    int fds[2], status = -1;
    if (pipe2(fds, O_CLOEXEC))
        return -1;
    const char *argv[] = {b->o.actrd, "init", "--data-dir", data, "--json", NULL};
    pid_t pid = spawn(argv, fds[1], -1);
    close(fds[1]);
    char out[8192];
    read_bounded(fds[0], out, sizeof out, false);
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "bench_signaling: `%s init` failed: %s\n", b->o.actrd, out);
        return -1;
    }
    cJSON *j = cJSON_Parse(out);
    cJSON *id = cJSON_GetObjectItem(j, "realm_id"), *sec = cJSON_GetObjectItem(j, "realm_secret");
    int rc = cJSON_IsNumber(id) && cJSON_IsString(sec) ? 0 : -1;
    if (!rc) {
        b->o.realm_id = (unsigned)id->valuedouble;
        b->o.secret = strdup(sec->valuestring);
    }
    cJSON_Delete(j);
    return rc;
}

/* `actrd serve` on a free port of 127.0.0.1; its stdout stays open (*out_fd) until it exits. */
pid_t actrd_serve(bench_t *b, const char *data, const char *log, int *out_fd)
{
    /* All clients come from one address at rates no real client has: lift the per-IP rates and
     * the per-socket message rate (production keeps them; docs/BENCHMARKS.md). */
    const char *argv[13 + 2 * MAX_SETS] = { /* NULL-terminated */
        b->o.actrd, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
        "--set", "limits.http_rate_per_sec=0", "--set", "limits.ws_connect_rate_per_sec=0",
        "--set", "limits.ws_msg_rate_per_sec=0"};
    for (unsigned i = 0; i < b->o.nsets; i++) {
        argv[12 + 2 * i] = "--set";
        argv[13 + 2 * i] = b->o.sets[i];
    }
    fprintf(stderr, "bench_signaling: ");
    for (int i = 0; argv[i]; i++)
        fprintf(stderr, "%s ", argv[i]);
    fprintf(stderr, "2>%s\n", log);
    int fds[2], lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (lfd < 0 || pipe2(fds, O_CLOEXEC))
        return -1;
    pid_t pid = spawn(argv, fds[1], lfd);
    close(fds[1]);
    close(lfd);
    char line[128];
    read_bounded(fds[0], line, sizeof line, true);
    if (pid < 0 || sscanf(line, "listening on 127.0.0.1:%d", &b->port) != 1) {
        fprintf(stderr, "bench_signaling: actrd did not start (%s); see %s\n", line, log);
        if (pid > 0)
            stop_process(pid);
        close(fds[0]);
        return -1;
    }
    *out_fd = fds[0];
    return pid;
}
