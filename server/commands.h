/*
 * commands.h - actrd's subcommands. main.c only dispatches; each group lives in its own file:
 * server/state/admin*.c (init, realm, mfr, signing-key: the state side) and serve.c (serving: the network side).
 * Each returns the process exit code.
 */
#ifndef ACTRD_COMMANDS_H
#define ACTRD_COMMANDS_H

int actrd_cmd_init(int argc, char **argv);  /* actrd init --data-dir DIR [--json] ...     */
int actrd_cmd_realm(int argc, char **argv); /* actrd realm create|list|secret-rotate|... */
int actrd_cmd_mfr(int argc, char **argv);   /* actrd mfr add|list|revoke|publish ...        */
int actrd_cmd_signing_key(int argc, char **argv); /* actrd signing-key rotate|list           */
int actrd_cmd_serve(int argc, char **argv); /* actrd [serve] --data-dir DIR --listen H:P    */

#endif /* ACTRD_COMMANDS_H */
