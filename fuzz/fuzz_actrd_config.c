/*
 * Fuzz target: actrd.toml (server/net/config.c). Input: a TOML document applied over the
 * defaults; what parses must also pass or fail the cross checks without crashing.
 */
#include <stdint.h>
#include <string.h>

#include "net/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static actrd_net_config_t cfg; /* large: keep it off the stack */
    actrd_net_config_init(&cfg);
    actr_error_t err;
    if (actrd_net_config_apply_toml(&cfg, (const char *)data, size, "fuzz.toml", &err) == 0) {
        (void)actrd_net_config_check(&cfg, &err);
        actrd_sig_config_t sig;
        actrd_net_config_sig(&cfg, &sig);
    }
    return 0;
}
