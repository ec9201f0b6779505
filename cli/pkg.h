/*
 * pkg.h - the `actr pkg` command group: keygen and sign (pkg.c), pack (pkg_pack.c), verify and
 * inspect (pkg_verify.c), and what they share.
 */
#ifndef ACTR_CLI_PKG_H
#define ACTR_CLI_PKG_H

#include "actr/crypto.h"
#include "cli.h"

extern const cli_command_t cli_pkg_keygen_cmd;
extern const cli_command_t cli_pkg_sign_cmd;
extern const cli_command_t cli_pkg_pack_cmd;
extern const cli_command_t cli_pkg_verify_cmd;
extern const cli_command_t cli_pkg_inspect_cmd;

/*
 * Loads the signing key named by --key, or ~/.actr/dev-key.json (the reference's default) when
 * it is absent, and fills key_id. Returns 0, or an exit code after printing the reason.
 */
int pkg_load_signing_key(const cli_args_t *args, actr_signing_key_t **key,
                         char key_id[ACTR_MFR_KEY_ID_SIZE]);

/*
 * The package file of verify/inspect: the single positional argument or --package, not both.
 * Returns 0, or CLI_EXIT_USAGE after printing the problem.
 */
int pkg_package_arg(const cli_args_t *args, const char **path);

#endif /* ACTR_CLI_PKG_H */
