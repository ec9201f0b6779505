/* [webrtc] keys of actr.toml that are ours (mode, local_addresses, watch_network) next to the
 * reference's, the fold of network events into one action (runtime.md 12.7,
 * lifecycle/network_event.h) and the netlink parser of the address watcher (netwatch.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "actr/config.h"
#include "lifecycle/network_event.h"
#include "lifecycle/netwatch.h"

#define MINIMAL                                    \
    "[signaling]\n"                                \
    "url = \"ws://localhost:8081/signaling/ws\"\n" \
    "[ais_endpoint]\n"                             \
    "url = \"http://localhost:8081/ais\"\n"        \
    "[deployment]\n"                               \
    "realm_id = 1001\n"                            \
    "[webrtc]\n" /* line 7 */

static int parse(const char *text, actr_runtime_config_t *cfg, actr_error_t *err)
{
    actr_error_clear(err);
    return actr_runtime_config_parse(text, strlen(text), "actr.toml", "/etc/actr", cfg, err);
}

static void test_defaults(void **state)
{
    (void)state;
    actr_runtime_config_t c;
    actr_error_t err;
    assert_int_equal(parse(MINIMAL, &c, &err), 0);
    assert_int_equal(c.webrtc.mode, ACTR_WEBRTC_MODE_PREFER);
    assert_int_equal(c.webrtc.local_addresses.count, 0);
    assert_int_equal(c.webrtc.ice_transport_policy, ACTR_ICE_POLICY_ALL);
    assert_false(c.webrtc.has_udp_mux_port);
    assert_false(c.webrtc.watch_network);
    actr_runtime_config_free(&c);
}

static void test_mode_and_addresses(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        actr_webrtc_mode_t mode;
    } cases[] = {{"mode = \"prefer\"\n", ACTR_WEBRTC_MODE_PREFER},
                 {"mode = \"only\"\n", ACTR_WEBRTC_MODE_ONLY},
                 {"mode = \"off\"\n", ACTR_WEBRTC_MODE_OFF}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%slocal_addresses = [\"127.0.0.1\", \"::1\"]\n"
                                    "force_relay = true\nwatch_network = true\n", MINIMAL,
                 cases[i].text);
        actr_runtime_config_t c;
        actr_error_t err;
        assert_int_equal(parse(text, &c, &err), 0);
        assert_int_equal(c.webrtc.mode, cases[i].mode);
        assert_int_equal(c.webrtc.local_addresses.count, 2);
        assert_string_equal(c.webrtc.local_addresses.items[0], "127.0.0.1");
        assert_string_equal(c.webrtc.local_addresses.items[1], "::1");
        assert_int_equal(c.webrtc.ice_transport_policy, ACTR_ICE_POLICY_RELAY);
        assert_true(c.webrtc.watch_network);
        assert_int_equal(c.warnings.count, 0); /* our keys are known, not "unknown, ignored" */
        actr_runtime_config_free(&c);
    }
}

static void test_bad_values(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {{"mode = \"always\"\n", "actr.toml:8: webrtc.mode"},
                 {"mode = 1\n", "actr.toml:8: webrtc.mode"},
                 {"local_addresses = \"127.0.0.1\"\n", "actr.toml:8: webrtc.local_addresses"},
                 {"local_addresses = [1]\n", "actr.toml:8: webrtc.local_addresses"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", MINIMAL, cases[i].text);
        actr_runtime_config_t c;
        actr_error_t err;
        int rc = parse(text, &c, &err);
        if (rc != ACTR_EINVAL || !strstr(err.message, cases[i].want))
            print_error("case %zu: rc=%d message: %s\n", i, rc, err.message);
        assert_int_equal(rc, ACTR_EINVAL);
        assert_non_null(strstr(err.message, cases[i].want));
        actr_runtime_config_free(&c);
    }
}

/* Like the reference, unknown [webrtc] keys are warnings, not errors (no deny_unknown_fields). */
static void test_unknown_key_warns(void **state)
{
    (void)state;
    actr_runtime_config_t c;
    actr_error_t err;
    assert_int_equal(parse(MINIMAL "ice_lite = true\n", &c, &err), 0);
    assert_int_equal(c.warnings.count, 1);
    assert_non_null(strstr(c.warnings.items[0], "actr.toml:8: webrtc.ice_lite: unknown key"));
    actr_runtime_config_free(&c);
}

static void test_fold_precedence(void **state)
{
    (void)state;
    actr_net_batch_t b = {0};
    assert_int_equal(actr_net_fold(&b), ACTR_NET_NOOP);
    b = (actr_net_batch_t){.has_path = true, .latest = ACTR_NETWORK_AVAILABLE};
    assert_int_equal(actr_net_fold(&b), ACTR_NET_RESTORE);
    b.latest = ACTR_NETWORK_UNKNOWN;
    assert_int_equal(actr_net_fold(&b), ACTR_NET_PROBE);
    b.latest = ACTR_NETWORK_UNAVAILABLE;
    assert_int_equal(actr_net_fold(&b), ACTR_NET_OFFLINE);
    /* Offline (latest snapshot) wins over a force reconnect; cleanup wins over everything. */
    b.force = true;
    assert_int_equal(actr_net_fold(&b), ACTR_NET_OFFLINE);
    b.latest = ACTR_NETWORK_AVAILABLE;
    assert_int_equal(actr_net_fold(&b), ACTR_NET_FORCE_RECONNECT);
    b.cleanup = true;
    assert_int_equal(actr_net_fold(&b), ACTR_NET_CLEANUP);
    b = (actr_net_batch_t){.force = true};
    assert_int_equal(actr_net_fold(&b), ACTR_NET_FORCE_RECONNECT);
    assert_string_equal(actr_net_action_name(ACTR_NET_CLEANUP), "cleanup_only");
    assert_string_equal(actr_net_action_name((actr_net_action_t)99), "?");
}

/* Appends one netlink message of type with a payload of plen bytes; returns the new length. */
static size_t put_msg(uint8_t *buf, size_t off, uint16_t type, size_t plen)
{
    struct nlmsghdr h = {.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen), .nlmsg_type = type};
    memset(buf + off, 0, NLMSG_SPACE(plen));
    memcpy(buf + off, &h, sizeof h);
    return off + NLMSG_SPACE(plen);
}

static void test_netwatch_parse(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t n = 0;
    n = put_msg(buf, n, RTM_NEWADDR, sizeof(struct ifaddrmsg) + 8);
    n = put_msg(buf, n, RTM_NEWADDR, sizeof(struct ifaddrmsg) + 3); /* padded */
    n = put_msg(buf, n, RTM_DELADDR, sizeof(struct ifaddrmsg));
    n = put_msg(buf, n, RTM_NEWLINK, 16); /* counted as read, neither added nor removed */
    unsigned added = 0, removed = 0;
    assert_int_equal(actr_netwatch_parse(buf, n, &added, &removed), 4);
    assert_int_equal(added, 2);
    assert_int_equal(removed, 1);
    /* NLMSG_DONE ends the batch. */
    size_t m = put_msg(buf, 0, NLMSG_DONE, 4);
    m = put_msg(buf, m, RTM_NEWADDR, 8);
    added = removed = 0;
    assert_int_equal(actr_netwatch_parse(buf, m, &added, &removed), 0);
    assert_int_equal(added, 0);
    /* Malformed: a length past the end, a length below the header, a truncated header. */
    struct nlmsghdr h = {.nlmsg_len = 4096, .nlmsg_type = RTM_NEWADDR};
    memcpy(buf, &h, sizeof h);
    assert_int_equal(actr_netwatch_parse(buf, 64, &added, &removed), 0);
    h.nlmsg_len = 4;
    memcpy(buf, &h, sizeof h);
    assert_int_equal(actr_netwatch_parse(buf, 64, &added, &removed), 0);
    assert_int_equal(actr_netwatch_parse(buf, sizeof h - 1, &added, &removed), 0);
    /* Unaligned input is fine (the header is copied out). */
    uint8_t odd[256];
    size_t k = put_msg(buf, 0, RTM_DELADDR, 8);
    memcpy(odd + 1, buf, k);
    assert_int_equal(actr_netwatch_parse(odd + 1, k, &added, &removed), 1);
    assert_int_equal(removed, 1);
    assert_int_equal(added, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_mode_and_addresses),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_unknown_key_warns),
        cmocka_unit_test(test_fold_precedence),
        cmocka_unit_test(test_netwatch_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
