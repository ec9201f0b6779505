/*
 * The direct WebSocket hub with real AIS credentials: a real actrd on 127.0.0.1 (actrd init, then
 * actrd serve on a free port) registers two LINKED actors; the listener's key cache is seeded
 * from RegisterOk's signing key, as the node does; the dialler presents its own credential
 * (accepted) and then the other actor's (refused: claims.actor_id is not its source id).
 * Skipped when actrd has not been built. Uses tests/platform/ais_harness.c for actrd and the
 * AIS client, then the ws harness's own loop for the hubs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "ais_harness.h"
#include "base/clock.h"
#include "tmpdir.h"
#include "ws_harness.h"

#define WAIT_MS 10000

static char dir[TEST_TMPDIR_SIZE];
static char actrd_bin[512], data_dir[300], log_path[300];
static bool have_actrd;
static pid_t actrd_pid;
static actr_ais_grant_t echo_grant, client_grant;
static wh_side_t lis, dia;

static void actrd_start(char *ais_url, size_t cap, uint32_t *realm, char *secret, size_t scap)
{
    snprintf(data_dir, sizeof data_dir, "%s/actrd", dir);
    snprintf(log_path, sizeof log_path, "%s/actrd.log", dir);
    const char *init[] = {actrd_bin, "init", "--json", "--data-dir", data_dir, NULL};
    char out[4096];
    if (ah_run(init, out, sizeof out) != 0)
        fail_msg("actrd init: %s", out);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    *realm = (uint32_t)cJSON_GetObjectItem(j, "realm_id")->valuedouble;
    snprintf(secret, scap, "%s", cJSON_GetObjectItem(j, "realm_secret")->valuestring);
    cJSON_Delete(j);
    const char *serve[] = {actrd_bin, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                           NULL};
    int fd;
    actrd_pid = ah_spawn(serve, &fd, log_path);
    char line[256];
    long k = ah_read_line(fd, line, sizeof line, 15000);
    close(fd);
    if (k < 0 || strncmp(line, "listening on 127.0.0.1:", 23) != 0)
        fail_msg("actrd did not start: \"%s\"", k < 0 ? "" : line);
    snprintf(ais_url, cap, "http://127.0.0.1:%d/ais", atoi(line + 23));
}

static void register_linked(actr_ais_client_t *c, uint32_t realm, const char *name,
                            actr_ais_grant_t *out)
{
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_LINKED;
    assert_int_equal(actr_type_set(&p.type, "acme", name, "1.0.0", NULL), 0);
    p.realm_id = realm;
    ah_done_t d;
    ah_register(c, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    *out = d.res.grant;
}

static int group_setup(void **state)
{
    (void)state;
    const char *bin = getenv("ACTR_BIN_DIR");
    snprintf(actrd_bin, sizeof actrd_bin, "%s/actrd", bin ? bin : "build/bin");
    have_actrd = access(actrd_bin, X_OK) == 0;
    if (!have_actrd)
        return 0;
    test_tmpdir_make(dir);
    char url[128], secret[256];
    uint32_t realm;
    actrd_start(url, sizeof url, &realm, secret, sizeof secret);
    ah_loop_open();
    actr_ais_client_options_t o = {.endpoint = url, .realm_secret = secret};
    actr_ais_client_t *client;
    actr_error_t err = {0};
    if (actr_ais_client_new(ah_http, &o, &client, &err) != 0)
        fail_msg("client: %s", err.message);
    register_linked(client, realm, "echo", &echo_grant);
    register_linked(client, realm, "client", &client_grant);
    actr_ais_client_free(client);
    ah_loop_close();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!have_actrd)
        return 0;
    ah_stop(actrd_pid);
    test_tmpdir_remove(dir);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (!have_actrd)
        return 0;
    wh_open();
    /* the node's cache: seeded from RegisterOk (the harness's own test key is there too) */
    assert_int_equal(actr_ais_key_cache_put(wh_keys, echo_grant.signing_key_id,
                                            echo_grant.signing_pubkey),
                     0);
    memset(&lis, 0, sizeof lis);
    memset(&dia, 0, sizeof dia);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return have_actrd ? wh_teardown_sides(&dia, &lis) : 0;
}

static actr_ws_identity_t identity_of(const actr_id_t *id, const actr_ais_credential_t *c)
{
    return (actr_ws_identity_t){*id, c->key_id, c->claims, c->claims_len, c->signature, 64};
}

/* Echo listener for the "echo" actor, a dialler as the "client" actor presenting cred. */
static void dial_with(const actr_ais_credential_t *cred)
{
    actr_ws_identity_t ident = identity_of(&client_grant.actr_id, cred);
    wh_side_new(&lis, NULL, true, 0, NULL);
    lis.echo = true;
    wh_side_new(&dia, NULL, false, 0, &ident);
    char url[64];
    assert_int_equal(actr_ws_hub_address(lis.hub, url, sizeof url), 0);
    actr_ws_conn_id_t conn;
    assert_int_equal(actr_ws_dial(dia.hub, &echo_grant.actr_id, url, &conn), 0);
    actr_buf_t b = actr_buf_static("real", 4);
    assert_int_equal(actr_ws_send(dia.hub, conn, 0, &b), 0);
}

static void test_real_credential(void **state)
{
    (void)state;
    if (!have_actrd) {
        print_message("actrd not built: skip\n");
        skip();
    }
    assert_int_equal(client_grant.credential.key_id, client_grant.signing_key_id);
    dial_with(&client_grant.credential);
    wh_count_t one = {&dia, 1};
    wh_wait(wh_cond_frames, &one, WAIT_MS);
    assert_true(actr_id_equal(&lis.frames[0].peer, &client_grant.actr_id));
    actr_ws_conn_info_t info;
    assert_int_equal(actr_ws_conn_info(lis.hub, lis.frames[0].conn, &info), 0);
    assert_int_equal(info.credential_expires_at, client_grant.credential.expires_at);
}

static void test_someone_elses_credential(void **state)
{
    (void)state;
    if (!have_actrd) {
        print_message("actrd not built: skip\n");
        skip();
    }
    dial_with(&echo_grant.credential); /* valid, signed by AIS, but for the echo actor */
    wh_wait(wh_cond_disconnected, &dia, WAIT_MS);
    actr_ws_stats_t st;
    actr_ws_stats(lis.hub, &st);
    assert_int_equal(st.auth_actor_mismatch, 1);
    assert_int_equal(lis.n_frames, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_real_credential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_someone_elses_credential, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
