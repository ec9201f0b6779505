/* sigc_harness.c - see sigc_harness.h. */
#include "sigc_harness.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "codec/pb.h"

#define SIGH_WAIT_STEP_MS 10

/* ---- processes ---- */

static void child_exec(char *const argv[], int out_w, int in_r, const char *stderr_path)
{
    dup2(out_w, STDOUT_FILENO);
    dup2(in_r, STDIN_FILENO);
    if (stderr_path) {
        int fd = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0)
            dup2(fd, STDERR_FILENO);
    }
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    execv(argv[0], argv);
    _exit(127);
}

/* Reads one line (without the newline) from fd within timeout_ms; -1 on timeout or EOF. */
static int read_line(int fd, char *line, size_t cap, int timeout_ms)
{
    uint64_t deadline = sigh_now_ms() + (uint64_t)timeout_ms;
    size_t n = 0;
    while (n + 1 < cap) {
        uint64_t now = sigh_now_ms();
        if (now >= deadline)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        char ch;
        if (read(fd, &ch, 1) != 1)
            return -1;
        if (ch == '\n')
            break;
        line[n++] = ch;
    }
    line[n] = '\0';
    return 0;
}

int sigh_spawn(sigh_proc_t *p, char *const argv[], const char *stderr_path, int timeout_ms)
{
    int out[2], in[2];
    memset(p, 0, sizeof *p);
    p->pid = -1;
    if (pipe(out) != 0)
        return -1;
    if (pipe(in) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_exec(argv, out[1], in[0], stderr_path);
    close(out[1]);
    close(in[0]);
    p->pid = pid;
    p->out_fd = out[0];
    p->in_fd = in[1];
    if (pid < 0)
        return -1;
    char line[256];
    int port = -1;
    if (read_line(p->out_fd, line, sizeof line, timeout_ms) == 0 &&
        sscanf(line, "listening on 127.0.0.1:%d", &port) == 1 && port > 0)
        return port;
    fprintf(stderr, "child %s did not start (first line: \"%s\")\n", argv[0], line);
    sigh_stop(p, SIGKILL, 5000);
    return -1;
}

int sigh_stop(sigh_proc_t *p, int sig, int timeout_ms)
{
    if (p->pid <= 0)
        return -1;
    int status = -1;
    kill(p->pid, sig);
    uint64_t deadline = sigh_now_ms() + (uint64_t)timeout_ms;
    pid_t r;
    while ((r = waitpid(p->pid, &status, WNOHANG)) == 0 && sigh_now_ms() < deadline)
        usleep(10 * 1000);
    if (r == 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &status, 0);
    }
    close(p->out_fd);
    close(p->in_fd);
    p->pid = -1;
    return status;
}

int sigh_run(char *const argv[], char *out, size_t cap, int timeout_ms)
{
    sigh_proc_t p;
    int fds[2], in[2];
    if (pipe(fds) != 0 || pipe(in) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_exec(argv, fds[1], in[0], NULL);
    close(fds[1]);
    close(in[0]);
    p.pid = pid;
    p.out_fd = fds[0];
    p.in_fd = in[1];
    size_t n = 0;
    uint64_t deadline = sigh_now_ms() + (uint64_t)timeout_ms;
    while (pid > 0 && n + 1 < cap && sigh_now_ms() < deadline) {
        struct pollfd pfd = {p.out_fd, POLLIN, 0};
        if (poll(&pfd, 1, SIGH_WAIT_STEP_MS) <= 0)
            continue;
        ssize_t r = read(p.out_fd, out + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    out[n] = '\0';
    int status = sigh_stop(&p, 0, timeout_ms); /* signal 0: just wait for the exit */
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int sigh_tmpdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/sigc-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void sigh_rmtree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void env_path(char *out, size_t size, const char *var, const char *fallback,
                     const char *rel)
{
    const char *base = getenv(var);
    snprintf(out, size, "%s/%s", base && *base ? base : fallback, rel);
}

void sigh_source_path(char *out, size_t size, const char *rel)
{
    env_path(out, size, "ACTR_SOURCE_DIR", ".", rel);
}

void sigh_bin_path(char *out, size_t size, const char *rel)
{
    env_path(out, size, "ACTR_BIN_DIR", "bin", rel);
}

/* ---- the loop ---- */

uint64_t sigh_now_ms(void)
{
    return actr_clock_mono_ms();
}

static void wake_cb(uv_timer_t *t)
{
    (void)t;
}

bool sigh_wait(uv_loop_t *loop, bool (*done)(void *), void *arg, uint64_t timeout_ms)
{
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, wake_cb, SIGH_WAIT_STEP_MS, SIGH_WAIT_STEP_MS);
    uint64_t deadline = sigh_now_ms() + timeout_ms;
    bool ok;
    while (!(ok = done(arg)) && sigh_now_ms() < deadline)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}

static bool never(void *arg)
{
    (void)arg;
    return false;
}

void sigh_run_for(uv_loop_t *loop, uint64_t ms)
{
    sigh_wait(loop, never, NULL, ms);
}

typedef struct count_wait {
    const int *counter;
    int target;
} count_wait_t;

static bool count_reached(void *arg)
{
    count_wait_t *w = arg;
    return *w->counter >= w->target;
}

bool sigh_wait_count(uv_loop_t *loop, const int *counter, int target, uint64_t timeout_ms)
{
    count_wait_t w = {counter, target};
    return sigh_wait(loop, count_reached, &w, timeout_ms);
}

static void print_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    fprintf(stderr, "  open handle %p: %s active=%d closing=%d\n", (void *)h,
            uv_handle_type_name(h->type), uv_is_active(h), uv_is_closing(h));
}

int sigh_loop_finish(uv_loop_t *loop)
{
    uv_timer_t guard; /* unreferenced: wakes the loop without keeping it alive */
    uv_timer_init(loop, &guard);
    uv_timer_start(&guard, wake_cb, SIGH_WAIT_STEP_MS, SIGH_WAIT_STEP_MS);
    uv_unref((uv_handle_t *)&guard);
    uint64_t deadline = sigh_now_ms() + 10000;
    while (uv_loop_alive(loop) && sigh_now_ms() < deadline)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&guard, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    int rc = uv_loop_close(loop);
    if (rc)
        uv_walk(loop, print_handle, NULL);
    return rc;
}

/* ---- actrd ---- */

int sigh_actrd_init(sigh_actrd_t *a)
{
    memset(a, 0, sizeof *a);
    if (sigh_tmpdir(a->dir, sizeof a->dir))
        return -1;
    snprintf(a->data, sizeof a->data, "%s/data", a->dir);
    snprintf(a->log, sizeof a->log, "%s/actrd.log", a->dir);
    char actrd[512], out[8192];
    sigh_bin_path(actrd, sizeof actrd, "actrd");
    char *argv[] = {actrd, "init", "--data-dir", a->data, "--json", NULL};
    if (sigh_run(argv, out, sizeof out, 30000) != 0)
        return -1;
    cJSON *json = cJSON_Parse(out);
    cJSON *realm = cJSON_GetObjectItemCaseSensitive(json, "realm_id");
    cJSON *secret = cJSON_GetObjectItemCaseSensitive(json, "realm_secret");
    int rc = -1;
    if (cJSON_IsNumber(realm) && cJSON_IsString(secret)) {
        a->realm_id = (uint32_t)realm->valuedouble;
        snprintf(a->secret, sizeof a->secret, "%s", secret->valuestring);
        rc = 0;
    }
    cJSON_Delete(json);
    return rc;
}

int sigh_actrd_start(sigh_actrd_t *a, int port)
{
    char actrd[512], listen[64];
    sigh_bin_path(actrd, sizeof actrd, "actrd");
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    char *argv[] = {actrd, "serve", "--data-dir", a->data, "--listen", listen, NULL};
    int got = sigh_spawn(&a->proc, argv, a->log, 30000);
    if (got < 0)
        return -1;
    a->port = got;
    a->running = true;
    return 0;
}

void sigh_actrd_signal(sigh_actrd_t *a, int sig)
{
    if (a->running)
        kill(a->proc.pid, sig);
}

void sigh_actrd_stop(sigh_actrd_t *a, int sig)
{
    if (!a->running)
        return;
    sigh_stop(&a->proc, sig, 10000);
    a->running = false;
}

void sigh_actrd_cleanup(sigh_actrd_t *a, bool print_log)
{
    sigh_actrd_stop(a, SIGKILL);
    if (print_log) {
        FILE *f = fopen(a->log, "r");
        if (f) {
            char buf[512];
            fprintf(stderr, "---- actrd log ----\n");
            while (fgets(buf, sizeof buf, f))
                fputs(buf, stderr);
            fclose(f);
        }
    }
    sigh_rmtree(a->dir);
}

typedef struct http_body {
    char *data;
    size_t len;
} http_body_t;

static size_t collect(char *ptr, size_t size, size_t n, void *arg)
{
    http_body_t *b = arg;
    size_t add = size * n;
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, add);
    b->data = grown;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* One HTTP request to 127.0.0.1:port; the body (free it) or NULL; *status the HTTP status. */
static char *http(int port, const char *path, const uint8_t *body, size_t body_len,
                  const char *secret, size_t *out_len, long *status)
{
    char url[256], header[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    http_body_t got = {0};
    if (!curl)
        return NULL;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &got);
    if (body) {
        headers = curl_slist_append(headers, "Content-Type: application/x-protobuf");
        if (secret) {
            snprintf(header, sizeof header, "x-actrix-realm-secret: %s", secret);
            headers = curl_slist_append(headers, header);
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        free(got.data);
        return NULL;
    }
    if (!got.data)
        got.data = calloc(1, 1);
    *out_len = got.len;
    return got.data;
}

double sigh_metric(const sigh_actrd_t *a, const char *sample)
{
    size_t len = 0;
    long status = 0;
    char *body = http(a->port, "/metrics", NULL, 0, NULL, &len, &status);
    double value = -1;
    size_t n = strlen(sample);
    for (char *line = body; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (!strncmp(line, sample, n) && line[n] == ' ')
            value = strtod(line + n + 1, NULL);
        line = end ? end + 1 : NULL;
    }
    free(body);
    return value;
}

static int copy_field(char *dst, size_t cap, const char *src)
{
    if (!src || strlen(src) >= cap)
        return -1;
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

int sigh_register(const sigh_actrd_t *a, const char *manufacturer, const char *name,
                  const actr_type_t *allow, size_t n_allow, sigh_actor_t *out)
{
    Actr__ActrType type = ACTR__ACTR_TYPE__INIT;
    type.manufacturer = (char *)manufacturer;
    type.name = (char *)name;
    type.version = "1.0.0";
    Actr__Realm realm = ACTR__REALM__INIT;
    realm.realm_id = a->realm_id;
    Actr__ActrType from[8];
    Actr__AclRule rules[8], *rule_ptrs[8];
    Actr__Acl acl = ACTR__ACL__INIT;
    for (size_t i = 0; i < n_allow && i < 8; i++) {
        actr__actr_type__init(&from[i]);
        from[i].manufacturer = (char *)allow[i].manufacturer;
        from[i].name = (char *)allow[i].name;
        from[i].version = (char *)allow[i].version;
        actr__acl_rule__init(&rules[i]);
        rules[i].permission = ACTR__ACL_RULE__PERMISSION__ALLOW;
        rules[i].from_type = &from[i];
        rules[i].source_realm_case = ACTR__ACL_RULE__SOURCE_REALM_REALM_ID;
        rules[i].realm_id = a->realm_id;
        rule_ptrs[i] = &rules[i];
        acl.n_rules = i + 1;
    }
    acl.rules = rule_ptrs;
    Actr__RegisterRequest req = ACTR__REGISTER_REQUEST__INIT;
    req.actr_type = &type;
    req.realm = &realm;
    req.acl = n_allow ? &acl : NULL;
    req.has_auth_mode = 1;
    req.auth_mode = ACTR__REGISTER_AUTH_MODE__REGISTER_AUTH_MODE_LINKED;
    uint8_t *body = NULL;
    size_t body_len = 0, len = 0;
    long status = 0;
    if (actr_pb_encode(&req.base, &body, &body_len, NULL) != 0)
        return -1;
    char *reply = http(a->port, "/ais/register", body, body_len, a->secret, &len, &status);
    free(body);
    if (!reply)
        return -1;
    ProtobufCMessage *m = NULL;
    int rc = actr_pb_decode(&actr__register_response__descriptor, (const uint8_t *)reply, len, &m,
                            NULL);
    free(reply);
    Actr__RegisterResponse *resp = (Actr__RegisterResponse *)m;
    rc = rc == 0 && status == 200 && resp->result_case == ACTR__REGISTER_RESPONSE__RESULT_SUCCESS
             ? 0
             : -1;
    const Actr__RegisterResponse__RegisterOk *ok = rc ? NULL : resp->success;
    memset(out, 0, sizeof *out);
    if (ok && ok->actr_id && ok->actr_id->type && ok->actr_id->realm && ok->credential &&
        ok->credential->claims.len <= sizeof out->claims &&
        ok->credential->signature.len <= sizeof out->signature) {
        const Actr__ActrId *id = ok->actr_id;
        out->id.realm.realm_id = id->realm->realm_id;
        out->id.serial_number = id->serial_number;
        rc = copy_field(out->id.type.manufacturer, sizeof out->id.type.manufacturer,
                        id->type->manufacturer) |
             copy_field(out->id.type.name, sizeof out->id.type.name, id->type->name) |
             copy_field(out->id.type.version, sizeof out->id.type.version, id->type->version);
        out->key_id = ok->credential->key_id;
        memcpy(out->claims, ok->credential->claims.data, ok->credential->claims.len);
        out->claims_len = ok->credential->claims.len;
        memcpy(out->signature, ok->credential->signature.data, ok->credential->signature.len);
        out->signature_len = ok->credential->signature.len;
    } else {
        rc = -1;
    }
    actr_pb_free(m);
    return rc;
}

void sigh_identity(const sigh_actor_t *actor, actr_sigc_identity_t *out)
{
    out->id = actor->id;
    out->key_id = actor->key_id;
    out->claims = actor->claims;
    out->claims_len = actor->claims_len;
    out->signature = actor->signature;
    out->signature_len = actor->signature_len;
}

void sigh_url(char *out, size_t size, int port)
{
    snprintf(out, size, "ws://127.0.0.1:%d/signaling/ws", port);
}

/* ---- recorder ---- */

static void rec_state(actr_sigc_t *c, const actr_sigc_event_t *ev, void *userdata)
{
    (void)c;
    sigh_rec_t *r = userdata;
    switch (ev->state) {
    case ACTR_SIGC_CONNECTING:
        r->connecting++;
        break;
    case ACTR_SIGC_CONNECTED:
        r->connected++;
        r->connected_at_ms = sigh_now_ms();
        break;
    case ACTR_SIGC_DISCONNECTED:
        r->disconnected++;
        r->disconnected_at_ms = sigh_now_ms();
        r->last_reason = ev->reason;
        r->last_close_code = ev->close_code;
        r->last_http_status = ev->http_status;
        break;
    }
}

static void rec_unsolicited(actr_sigc_t *c, const Signaling__SignalingEnvelope *env,
                            void *userdata)
{
    (void)c;
    sigh_rec_t *r = userdata;
    r->unsolicited++;
    free(r->last_env);
    r->last_env = NULL;
    actr_pb_encode(&env->base, &r->last_env, &r->last_env_len, NULL);
}

void sigh_rec_callbacks(sigh_rec_t *r, actr_sigc_callbacks_t *cb)
{
    memset(r, 0, sizeof *r);
    cb->on_state = rec_state;
    cb->on_unsolicited = rec_unsolicited;
    cb->userdata = r;
}

void sigh_rec_free(sigh_rec_t *r)
{
    free(r->last_env);
    r->last_env = NULL;
}

void sigh_rec_done(actr_sigc_t *c, int status, const actr_error_t *err, void *userdata)
{
    (void)c;
    sigh_rec_t *r = userdata;
    r->done_calls++;
    r->done_status = status;
    r->done_wire_code = err ? err->wire_code : 0;
}

Signaling__SignalingEnvelope *sigh_rec_last(const sigh_rec_t *r)
{
    ProtobufCMessage *m = NULL;
    if (!r->last_env ||
        actr_pb_decode(&signaling__signaling_envelope__descriptor, r->last_env, r->last_env_len,
                       &m, NULL) != 0)
        return NULL;
    return (Signaling__SignalingEnvelope *)m;
}
