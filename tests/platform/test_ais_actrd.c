/*
 * The AIS client and the credential manager against a real actrd on 127.0.0.1 (actrd init, then
 * actrd serve on a free port): LINKED register with the realm secret, renew (same ActrId), a bad
 * token, refusals, PACKAGE register with a manufacturer key published by `actrd mfr add` and a
 * package packed by `actr pkg pack`, replayed and stale proofs, Retry-After from actrd's rate
 * limiter, and the manager's proactive renewal, hard rebind and RealmUnavailable end to end.
 * Skipped when actrd or actr has not been built.
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

#include "actr/package.h"
#include "actr/storage.h"
#include "ais_harness.h"
#include "base/clock.h"
#include "codec/pb.h"
#include "lifecycle/credential.h"
#include "tmpdir.h"

#define TOKEN_TTL_SECS 4 /* short credentials, so proactive renewal happens within the test */

typedef struct server {
    char data[256];
    char log[256];
    pid_t pid;
    char url[128];
    uint32_t realm_id;
    char secret[256];
} server_t;

static char dir[TEST_TMPDIR_SIZE];
static char actrd_bin[512], actr_bin[512];
static bool have_bins;
static server_t main_srv, limited_srv;
static actr_ais_client_t *client;

/* ---- actrd -------------------------------------------------------------------------------- */

static void admin(const server_t *s, const char *const *args, char *out, size_t cap)
{
    const char *argv[16] = {actrd_bin};
    size_t n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--data-dir";
    argv[n++] = s->data;
    argv[n] = NULL;
    int rc = ah_run(argv, out, cap);
    if (rc != 0)
        fail_msg("actrd %s %s exited %d: %s", args[0], args[1] ? args[1] : "", rc, out);
}

static void server_start(server_t *s, const char *name, const char *const *extra)
{
    snprintf(s->data, sizeof s->data, "%s/%s", dir, name);
    snprintf(s->log, sizeof s->log, "%s/%s.log", dir, name);
    char out[4096];
    const char *init[] = {"init", "--json", NULL};
    admin(s, init, out, sizeof out);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    s->realm_id = (uint32_t)cJSON_GetObjectItem(j, "realm_id")->valuedouble;
    snprintf(s->secret, sizeof s->secret, "%s", cJSON_GetObjectItem(j, "realm_secret")->valuestring);
    cJSON_Delete(j);

    const char *argv[24] = {actrd_bin, "serve", "--data-dir", s->data, "--listen", "127.0.0.1:0",
                            "--set", "ais.token_ttl_secs=4"};
    size_t n = 8;
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int fd;
    s->pid = ah_spawn(argv, &fd, s->log);
    char line[256];
    long k = ah_read_line(fd, line, sizeof line, 15000);
    close(fd);
    if (k < 0 || strncmp(line, "listening on 127.0.0.1:", 23) != 0) {
        char logbuf[4096] = "";
        ah_read_file(s->log, logbuf, sizeof logbuf);
        fail_msg("actrd did not start: \"%s\"\n%s", k < 0 ? "" : line, logbuf);
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/ais", atoi(line + 23));
}

static actr_ais_client_t *new_client(const server_t *s, const char *secret)
{
    actr_ais_client_options_t o = {.endpoint = s->url, .realm_secret = secret};
    actr_ais_client_t *c;
    actr_error_t err = {0};
    if (actr_ais_client_new(ah_http, &o, &c, &err) != 0)
        fail_msg("client: %s", err.message);
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    const char *bin = getenv("ACTR_BIN_DIR");
    snprintf(actrd_bin, sizeof actrd_bin, "%s/actrd", bin ? bin : "build/bin");
    snprintf(actr_bin, sizeof actr_bin, "%s/actr", bin ? bin : "build/bin");
    have_bins = access(actrd_bin, X_OK) == 0 && access(actr_bin, X_OK) == 0;
    if (!have_bins)
        return 0;
    test_tmpdir_make(dir);
    server_start(&main_srv, "main", NULL);
    ah_loop_open();
    client = new_client(&main_srv, main_srv.secret);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!have_bins)
        return 0;
    ah_stop(main_srv.pid); /* first: a failed check below must not leave them running */
    ah_stop(limited_srv.pid);
    test_tmpdir_remove(dir);
    actr_ais_client_free(client);
    ah_loop_close();
    return 0;
}

#define NEED_BINS()                                        \
    do {                                                   \
        if (!have_bins) {                                  \
            print_message("actrd or actr not built: skip\n"); \
            skip();                                        \
        }                                                  \
    } while (0)

static actr_ais_register_params_t linked(const server_t *s, const char *name)
{
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_LINKED;
    assert_int_equal(actr_type_set(&p.type, "acme", name, "1.0.0", NULL), 0);
    p.realm_id = s->realm_id;
    return p;
}

/* The credential decodes to claims naming g's ActrId and expiring in the future. */
static void check_credential(const actr_ais_grant_t *g)
{
    const actr_ais_credential_t *c = &g->credential;
    assert_int_equal(actr_ed25519_verify(g->signing_pubkey, 32, c->claims, c->claims_len,
                                         c->signature, 64), 0);
    ProtobufCMessage *m;
    assert_int_equal(actr_pb_decode(&actr__identity_claims__descriptor, c->claims, c->claims_len,
                                    &m, NULL), 0);
    const Actr__IdentityClaims *cl = (const Actr__IdentityClaims *)m;
    assert_string_equal(cl->actor_id, g->actr_id_str);
    assert_int_equal(cl->realm_id, g->actr_id.realm.realm_id);
    assert_true((int64_t)cl->expires_at >= actr_clock_wall_s() - 1); /* 4 s credentials */
    assert_true((int64_t)cl->expires_at <= actr_clock_wall_s() + TOKEN_TTL_SECS + 1);
    actr_pb_free(m);
    assert_true(g->has_renewal_token && g->has_renewal_token_expires_at);
    assert_non_null(strstr(g->turn.username, g->actr_id_str));
}

/* ---- LINKED ------------------------------------------------------------------------------- */

static void test_linked_register_and_renew(void **state)
{
    (void)state;
    NEED_BINS();
    actr_acl_t acl = ACTR_ACL_INIT;
    actr_acl_rule_t rule;
    assert_int_equal(actr_acl_rule_parse(&rule, "allow", "acme:client:1.0.0", "self",
                                         main_srv.realm_id, NULL), 0);
    assert_int_equal(actr_acl_add_rule(&acl, &rule), 0);
    actr_ais_register_params_t p = linked(&main_srv, "echo");
    p.acl = &acl;
    p.ws_address = "ws://127.0.0.1:9100";
    ah_done_t reg;
    ah_register(client, &p, &reg);
    actr_acl_free(&acl);
    ah_expect(&reg, ACTR_AIS_OK, NULL);
    const actr_ais_grant_t *g = &reg.res.grant;
    assert_int_equal(g->actr_id.realm.realm_id, main_srv.realm_id);
    assert_true(actr_type_equal(&g->actr_id.type, &p.type));
    assert_true(g->actr_id.serial_number > 0);
    check_credential(g);

    ah_done_t ren;
    ah_renew(client, &g->actr_id, g->renewal_token, &ren);
    ah_expect(&ren, ACTR_AIS_OK, NULL);
    assert_true(actr_id_equal(&ren.res.grant.actr_id, &g->actr_id));
    check_credential(&ren.res.grant);
    assert_true(ren.res.grant.credential.expires_at >= g->credential.expires_at);

    uint8_t bad[32];
    memcpy(bad, g->renewal_token, 32);
    bad[0] ^= 0xff;
    ah_renew(client, &g->actr_id, bad, &ren);
    ah_expect(&ren, ACTR_AIS_TOKEN_REJECTED, "Renewal token invalid or expired");
    assert_int_equal(ren.res.http_status, 401);

    actr_id_t other = g->actr_id; /* a valid token belongs to one ActrId only */
    other.serial_number++;
    ah_renew(client, &other, g->renewal_token, &ren);
    ah_expect(&ren, ACTR_AIS_TOKEN_REJECTED, NULL);
}

static void test_linked_refusals(void **state)
{
    (void)state;
    NEED_BINS();
    ah_done_t d;
    actr_ais_register_params_t p = linked(&main_srv, "echo");
    actr_ais_client_t *anon = new_client(&main_srv, NULL);
    ah_register(anon, &p, &d);
    ah_expect(&d, ACTR_AIS_REALM_UNAVAILABLE, "Realm secret required");
    assert_int_equal(d.res.error_code, 403);
    actr_ais_client_free(anon);

    actr_ais_client_t *wrong = new_client(&main_srv, "rs_not-the-secret");
    ah_register(wrong, &p, &d);
    ah_expect(&d, ACTR_AIS_REALM_UNAVAILABLE, "Invalid realm secret");
    actr_ais_client_free(wrong);

    p.realm_id = main_srv.realm_id + 1000;
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_REALM_UNAVAILABLE, "does not exist");
}

/* ---- PACKAGE ------------------------------------------------------------------------------ */

typedef struct pkg {
    actr_signing_key_t *key;
    actr_buf_t bytes;
    actr_verified_package_t vp;
    actr_type_t type;
} pkg_t;

/* keygen + `actrd mfr add` + `actr pkg pack` + verification, as a manufacturer and a node do. */
static void make_package(pkg_t *k)
{
    char key_path[128], pub_path[128], manifest[128], binary[128], out_path[128], out[4096];
    snprintf(key_path, sizeof key_path, "%s/mfr-key.json", dir);
    snprintf(pub_path, sizeof pub_path, "%s/mfr-pub.json", dir);
    snprintf(manifest, sizeof manifest, "%s/manifest.toml", dir);
    snprintf(binary, sizeof binary, "%s/actor.wasm", dir);
    snprintf(out_path, sizeof out_path, "%s/echo.actr", dir);
    const char *keygen[] = {actr_bin, "pkg", "keygen", "-o", key_path, "--pubkey-out", pub_path,
                            NULL};
    assert_int_equal(ah_run(keygen, out, sizeof out), 0);
    const char *add[] = {"mfr", "add", "--manufacturer", "acme", "--pubkey", pub_path, NULL};
    admin(&main_srv, add, out, sizeof out);
    static const char tmpl[] = "manufacturer = \"acme\"\nname = \"pkgecho\"\nversion = \"1.0.0\"\n\n"
                               "[binary]\ntarget = \"wasm32-wasip2\"\n";
    ah_write_file(manifest, tmpl, sizeof tmpl - 1);
    ah_write_file(binary, "\0asm\x01\0\0\0", 8);
    const char *pack[] = {actr_bin, "pkg", "pack", "-m", manifest, "-b", binary, "-k", key_path,
                          "-o", out_path, NULL};
    if (ah_run(pack, out, sizeof out) != 0)
        fail_msg("actr pkg pack failed: %s", out);

    assert_int_equal(actr_keyfile_load(key_path, &k->key, NULL), 0);
    static uint8_t buf[1 << 16];
    long n = ah_read_file(out_path, buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal(actr_buf_copy(buf, (size_t)n, &k->bytes), 0);
    uint8_t pub[32];
    actr_signing_key_public(k->key, pub);
    actr_error_t err = {0};
    if (actr_package_verify(k->bytes.data, k->bytes.len, pub, 32, NULL, &k->vp, &err) != 0)
        fail_msg("verify: %s", err.message);
    assert_int_equal(actr_package_manifest_type(&k->vp.manifest, &k->type, NULL), 0);
}

static void free_package(pkg_t *k)
{
    actr_verified_package_free(&k->vp);
    actr_buf_release(&k->bytes);
    actr_signing_key_free(k->key);
}

static actr_ais_register_params_t package_params(const pkg_t *k)
{
    actr_ais_register_params_t p = {0};
    p.mode = ACTR_AIS_MODE_PACKAGE;
    p.type = k->type;
    p.realm_id = main_srv.realm_id;
    p.manifest_raw = k->vp.manifest_raw.data;
    p.manifest_raw_len = k->vp.manifest_raw.len;
    p.mfr_signature = k->vp.signature;
    p.target = k->vp.manifest.binary.target;
    return p;
}

static void test_package_register(void **state)
{
    (void)state;
    NEED_BINS();
    pkg_t k;
    make_package(&k);
    actr_ais_register_params_t p = package_params(&k);
    p.mfr_key = k.key;
    ah_done_t d;
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    assert_true(actr_type_equal(&d.res.grant.actr_id.type, &k.type));
    check_credential(&d.res.grant);

    /* platform.md §4.5: the AIS key goes into the actor's store. */
    char store_path[128];
    snprintf(store_path, sizeof store_path, "%s/actor.db", dir);
    actr_kv_store_t *kv;
    assert_int_equal(actr_kv_store_open(store_path, &kv, NULL), 0);
    assert_int_equal(actr_ais_grant_store_signing_key(kv, &d.res.grant, NULL), 0);
    actr_buf_t v;
    assert_int_equal(actr_kv_store_get(kv, ACTR_AIS_STORE_PUBKEY_KEY, &v, NULL), 0);
    assert_int_equal(v.len, 32);
    assert_memory_equal(v.data, d.res.grant.signing_pubkey, 32);
    actr_buf_release(&v);
    assert_int_equal(actr_kv_store_get(kv, ACTR_AIS_STORE_KEY_ID_KEY, &v, NULL), 0);
    assert_int_equal(v.len, 4);
    assert_int_equal(v.data[0] | v.data[1] << 8 | v.data[2] << 16 | (uint32_t)v.data[3] << 24,
                     d.res.grant.signing_key_id);
    actr_buf_release(&v);
    actr_kv_store_close(kv);

    /* One proof, sent twice: the second is a replay. */
    actr_ais_proof_t proof;
    assert_int_equal(actr_ais_proof_make(NULL, k.key, p.realm_id, &p.type, p.target,
                                         p.manifest_raw, p.manifest_raw_len, actr_clock_wall_s(),
                                         &proof, NULL), 0);
    p.mfr_key = NULL;
    p.proof = &proof;
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_REALM_UNAVAILABLE, "nonce already used");

    /* A proof older than AIS's 300 s window. */
    assert_int_equal(actr_ais_proof_make(NULL, k.key, p.realm_id, &p.type, p.target,
                                         p.manifest_raw, p.manifest_raw_len,
                                         actr_clock_wall_s() - 400, &proof, NULL), 0);
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_TOKEN_REJECTED, "too old");

    /* A proof signed by a key AIS does not know for this manufacturer. */
    actr_signing_key_t *stranger;
    assert_int_equal(actr_signing_key_generate(&stranger), 0);
    p.proof = NULL;
    p.mfr_key = stranger;
    ah_register(client, &p, &d);
    ah_expect(&d, ACTR_AIS_REALM_UNAVAILABLE, NULL);
    actr_signing_key_free(stranger);
    free_package(&k);
}

/* ---- rate limiting ------------------------------------------------------------------------ */

static void test_rate_limited(void **state)
{
    (void)state;
    NEED_BINS();
    server_t *s = &limited_srv;
    const char *extra[] = {"--set", "limits.http_burst=1", "--set", "limits.http_rate_per_sec=0.2",
                           NULL};
    server_start(s, "limited", extra);
    actr_ais_client_t *c = new_client(s, s->secret);
    actr_ais_register_params_t p = linked(s, "echo");
    ah_done_t d;
    ah_register(c, &p, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    actr_ais_grant_t g = d.res.grant;
    ah_renew(c, &g.actr_id, g.renewal_token, &d); /* the bucket held one request */
    ah_expect(&d, ACTR_AIS_RATE_LIMITED, "HTTP 429");
    assert_true(d.res.retry_after_ms >= 1000 && d.res.retry_after_ms <= 10000);
    actr_ais_client_free(c);
    ah_stop(s->pid);
    s->pid = 0;
}

/* ---- the credential manager on the real client -------------------------------------------- */

typedef struct node {
    actr_credential_manager_t *m;
    actr_ais_register_params_t reg;
    uv_timer_t timer;
    int updates, rebinds;
    bool updated, rebound, phase_seen;
    actr_credential_phase_t last_phase;
} node_t;

typedef struct pending {
    node_t *n;
    uint64_t op;
} pending_t;

static void on_result(const actr_ais_result_t *res, void *arg)
{
    pending_t *pd = arg;
    actr_credential_on_ais_result(pd->n->m, pd->op, res);
    free(pd);
}

static int fx_renew(void *self, uint64_t op, const actr_id_t *id, const uint8_t token[32])
{
    pending_t *pd = malloc(sizeof *pd);
    *pd = (pending_t){self, op};
    int rc = actr_ais_renew(client, id, token, on_result, pd, NULL, NULL);
    if (rc != 0)
        free(pd);
    return rc;
}

static int fx_register(void *self, uint64_t op)
{
    node_t *n = self;
    pending_t *pd = malloc(sizeof *pd);
    *pd = (pending_t){n, op};
    int rc = actr_ais_register(client, &n->reg, on_result, pd, NULL, NULL);
    if (rc != 0)
        free(pd);
    return rc;
}

static void on_timer(uv_timer_t *t)
{
    actr_credential_on_timer(((node_t *)t->data)->m);
}

static void fx_arm(void *self, uint64_t ms)
{
    uv_timer_start(&((node_t *)self)->timer, on_timer, ms, 0);
}

static void fx_cancel(void *self)
{
    uv_timer_stop(&((node_t *)self)->timer);
}

static void fx_updated(void *self, const actr_credential_session_t *s)
{
    node_t *n = self;
    n->updates++;
    ah_flag_set(&n->updated);
}

static void fx_rebind(void *self, const actr_credential_session_t *s)
{
    node_t *n = self;
    n->rebinds++;
    ah_flag_set(&n->rebound);
    /* The core would reconnect signaling here; it reports back when done. */
    assert_int_equal(actr_credential_rebind_done(n->m, s->generation), 0);
}

static void fx_phase(void *self, actr_credential_phase_t phase)
{
    node_t *n = self;
    n->last_phase = phase;
    ah_flag_set(&n->phase_seen);
}

static void test_manager_end_to_end(void **state)
{
    (void)state;
    NEED_BINS();
    node_t n = {0};
    n.reg = linked(&main_srv, "managed");
    uv_timer_init(ah_loop, &n.timer);
    n.timer.data = &n;
    actr_credential_effects_t fx = {.self = &n,
                                    .start_renew = fx_renew,
                                    .start_register = fx_register,
                                    .arm_timer = fx_arm,
                                    .cancel_timer = fx_cancel,
                                    .credential_updated = fx_updated,
                                    .rebind = fx_rebind,
                                    .phase_changed = fx_phase};
    actr_credential_config_t cfg;
    actr_credential_config_default(&cfg);
    cfg.expiry_warning_ms = 1000;
    cfg.min_renew_delay_ms = 0;
    cfg.backoff.initial_ms = 200;
    assert_int_equal(actr_credential_new(&cfg, &fx, &n.m), 0);

    ah_done_t d;
    ah_register(client, &n.reg, &d);
    ah_expect(&d, ACTR_AIS_OK, NULL);
    actr_id_t first = d.res.grant.actr_id;
    assert_int_equal(actr_credential_install(n.m, &d.res.grant), 1);

    /* Proactive: a 4 s credential is renewed about 3 s in, with nobody asking. */
    ah_wait(&n.updated, 10000);
    assert_int_equal(n.updates, 1);
    const actr_credential_session_t *s = actr_credential_session(n.m);
    assert_true(actr_id_equal(&s->grant.actr_id, &first));
    assert_int_equal(s->generation, 1);

    /* A token AIS does not know: 401, hard rebind to a new ActrId. */
    actr_ais_grant_t forged = s->grant;
    forged.renewal_token[0] ^= 0xff;
    assert_int_equal(actr_credential_install(n.m, &forged), 2);
    assert_int_equal(actr_credential_trigger_renewal(n.m), 0);
    ah_wait(&n.rebound, 10000);
    s = actr_credential_session(n.m);
    assert_int_equal(s->generation, 3);
    assert_false(actr_id_equal(&s->grant.actr_id, &first));
    assert_int_equal(actr_credential_phase(n.m), ACTR_CRED_ACTIVE);
    assert_int_equal(n.rebinds, 1);

    /* The realm goes away: 403 and no more attempts. */
    char realm[16], out[1024];
    snprintf(realm, sizeof realm, "%u", main_srv.realm_id);
    const char *disable[] = {"realm", "disable", "--id", realm, NULL};
    admin(&main_srv, disable, out, sizeof out);
    n.phase_seen = false;
    assert_int_equal(actr_credential_trigger_renewal(n.m), 0);
    ah_wait(&n.phase_seen, 10000);
    assert_int_equal(n.last_phase, ACTR_CRED_REALM_UNAVAILABLE);
    assert_int_equal(actr_credential_next_attempt_ms(n.m), -1);
    const char *enable[] = {"realm", "enable", "--id", realm, NULL};
    admin(&main_srv, enable, out, sizeof out);

    actr_credential_free(n.m);
    uv_close((uv_handle_t *)&n.timer, NULL);
    uv_run(ah_loop, UV_RUN_NOWAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linked_register_and_renew),
        cmocka_unit_test(test_linked_refusals),
        cmocka_unit_test(test_package_register),
        cmocka_unit_test(test_rate_limited),
        cmocka_unit_test(test_manager_end_to_end),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
