/* Our SDP against the real stacks: libwebrtc (@roamhq/wrtc) and werift accept our offers and
 * answers (setRemoteDescription), and we parse what they answer. Drives check_sdp.js over a
 * pipe; exits 77 (skip) when the npm packages cannot be installed (setup.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actr/error.h"
#include "wire/webrtc/sdp.h"

extern char **environ;

static FILE *to_node, *from_node;
static pid_t node_pid;
static char dir[1024];

static int start_node(void **state)
{
    (void)state;
    const char *src = getenv("ACTR_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/tests/interop", src ? src : ".");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "sh '%s/setup.sh'", dir);
    int rc = system(cmd);
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
        fprintf(stderr, "interop packages unavailable: skipping\n");
        exit(77);
    }
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    char script[1100];
    snprintf(script, sizeof script, "%s/check_sdp.js", dir);
    char *argv[] = {"node", script, NULL};
    rc = posix_spawnp(&node_pid, "node", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0)
        return -1;
    to_node = fdopen(in[1], "w");
    from_node = fdopen(out[0], "r");
    return to_node && from_node ? 0 : -1;
}

static int stop_node(void **state)
{
    (void)state;
    fclose(to_node);
    fclose(from_node);
    int status;
    for (int i = 0; i < 100 && waitpid(node_pid, &status, WNOHANG) == 0; i++)
        usleep(50000); /* up to 5 s for a clean exit */
    if (waitpid(node_pid, &status, WNOHANG) == 0) {
        kill(node_pid, SIGKILL);
        waitpid(node_pid, &status, 0);
    }
    return 0;
}

/* One request, one reply line (check_sdp.js answers every line; node's own timeouts bound it). */
static cJSON *ask(cJSON *req)
{
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    fprintf(to_node, "%s\n", text);
    fflush(to_node);
    free(text);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, from_node);
    assert_true(n > 0);
    cJSON *res = cJSON_Parse(line);
    free(line);
    assert_non_null(res);
    return res;
}

static const char *slot(cJSON *res, const char *stack)
{
    cJSON *v = cJSON_GetObjectItem(res, stack);
    if (!cJSON_IsString(v)) {
        cJSON *e = cJSON_GetObjectItem(v, "error");
        fail_msg("%s refused: %s", stack, cJSON_IsString(e) ? e->valuestring : "?");
    }
    return v->valuestring;
}

static void local_init(actr_sdp_local_t *l, int tracks)
{
    memset(l, 0, sizeof *l);
    l->ice_ufrag = "Hyp1";
    l->ice_pwd = "hyperpasswordhyperpassword";
    for (int i = 0; i < 32; i++)
        l->fingerprint[i] = (uint8_t)(0x30 + i);
    l->session_id = 4242;
    l->session_version = 1;
    l->data_channel = 1;
    if (tracks) {
        l->track_count = 2;
        l->tracks[0] = (actr_sdp_track_t){.codec = ACTR_SDP_CODEC_VP8, .track_id = "cam", .ssrc = 11};
        l->tracks[1] = (actr_sdp_track_t){.codec = ACTR_SDP_CODEC_OPUS, .track_id = "mic", .ssrc = 22};
    }
}

/* Both stacks answer our offer; we parse their answers and check what they accepted. */
static void offer_to_them(const actr_sdp_t *offer, int tracks)
{
    char *text;
    assert_int_equal(actr_sdp_write_alloc(offer, &text, NULL, NULL), 0);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "op", "answer");
    cJSON_AddStringToObject(req, "sdp", text);
    free(text);
    cJSON *res = ask(req);
    actr_sdp_t *ans = actr_sdp_new();
    for (int s = 0; s < 2; s++) {
        const char *stack = s ? "werift" : "wrtc";
        const char *a = slot(res, stack);
        actr_error_t err;
        if (actr_sdp_parse(a, strlen(a), ans, &err) != 0)
            fail_msg("%s answer unparsable: %s\n%s", stack, err.message, a);
        assert_int_equal(ans->media_count, offer->media_count);
        int app = actr_sdp_find_application(ans);
        assert_true(app >= 0);
        assert_string_equal(ans->media[app].mid, offer->media[app].mid);
        assert_int_equal(ans->media[app].sctp_port, 5000);
        assert_int_equal(actr_sdp_dtls_client(ACTR_SDP_SETUP_ACTPASS, ans->media[app].setup), 0);
        if (tracks) {
            int v = actr_sdp_find_mid(ans, offer->media[1].mid);
            assert_int_equal(ans->media[v].kind, ACTR_SDP_KIND_VIDEO);
            assert_true(ans->media[v].port != 0);
            assert_int_equal(actr_sdp_codec_pt(&ans->media[v], ACTR_SDP_CODEC_VP8), 96);
            int au = actr_sdp_find_mid(ans, offer->media[2].mid);
            assert_int_equal(actr_sdp_codec_pt(&ans->media[au], ACTR_SDP_CODEC_OPUS), 111);
        }
    }
    actr_sdp_free(ans);
    cJSON_Delete(res);
}

static void test_our_offers(void **state)
{
    (void)state;
    actr_sdp_local_t l;
    actr_sdp_t *offer = actr_sdp_new(), *restart = actr_sdp_new();
    local_init(&l, 0);
    assert_int_equal(actr_sdp_build_offer(&l, NULL, offer, NULL), 0);
    offer_to_them(offer, 0);
    l.ice_ufrag = "Hyp2";
    l.ice_pwd = "restartpasswordrestartpw";
    l.session_version = 2;
    assert_int_equal(actr_sdp_build_offer(&l, offer, restart, NULL), 0);
    offer_to_them(restart, 0);
    local_init(&l, 1);
    assert_int_equal(actr_sdp_build_offer(&l, NULL, offer, NULL), 0);
    offer_to_them(offer, 1);
    actr_sdp_free(offer);
    actr_sdp_free(restart);
}

/* Both stacks offer (data + audio + video); our answers are applied by them. */
static void test_our_answers(void **state)
{
    (void)state;
    for (int media = 0; media < 2; media++) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "op", "offer");
        cJSON_AddBoolToObject(req, "media", media);
        cJSON *offers = ask(req);
        cJSON *apply = cJSON_CreateObject();
        cJSON_AddStringToObject(apply, "op", "apply");
        actr_sdp_t *offer = actr_sdp_new(), *answer = actr_sdp_new();
        actr_sdp_local_t l;
        local_init(&l, 1);
        for (int s = 0; s < 2; s++) {
            const char *stack = s ? "werift" : "wrtc";
            const char *o = slot(offers, stack);
            actr_error_t err;
            if (actr_sdp_parse(o, strlen(o), offer, &err) != 0)
                fail_msg("%s offer unparsable: %s", stack, err.message);
            assert_int_equal(actr_sdp_build_answer(offer, &l, answer, &err), 0);
            char *text;
            assert_int_equal(actr_sdp_write_alloc(answer, &text, NULL, NULL), 0);
            cJSON_AddStringToObject(apply, stack, text);
            free(text);
        }
        cJSON *res = ask(apply);
        assert_string_equal(slot(res, "wrtc"), "ok");
        assert_string_equal(slot(res, "werift"), "ok");
        cJSON_Delete(res);
        cJSON_Delete(offers);
        actr_sdp_free(offer);
        actr_sdp_free(answer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_our_offers),
        cmocka_unit_test(test_our_answers),
    };
    return cmocka_run_group_tests(tests, start_node, stop_node);
}
