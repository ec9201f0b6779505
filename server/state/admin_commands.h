/*
 * admin_commands.h - admin commands of the state side beyond those in commands.h (to be moved
 * there by main.c's owner): `actrd signing-key rotate|list`.
 */
#ifndef ACTRD_STATE_ADMIN_COMMANDS_H
#define ACTRD_STATE_ADMIN_COMMANDS_H

int actrd_cmd_signing_key(int argc, char **argv); /* actrd signing-key rotate|list ...      */

#endif /* ACTRD_STATE_ADMIN_COMMANDS_H */
