/* proc.c - actrd init and serve for bench_signaling (generic process helpers: bench/util/proc.c). */
#include "sigbench.h"

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
