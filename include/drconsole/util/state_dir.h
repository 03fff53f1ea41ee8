/*
 * state_dir.h: may drconsole keep its journals, audit log and log file in
 * this directory? Someone who can write there can plant a journal that a
 * resume trusts, or a symlink where the log goes. A directory that does not
 * exist yet is fine (it is created 0700). One that exists must be a
 * directory owned by this user (or root) that neither its group nor others
 * can write, except the documented shared setup: a setgid directory
 * writable by its group and not by others (mode 2770), the group being one
 * of this user's, for a team of operators sharing runs.
 */
#ifndef DRCONSOLE_STATE_DIR_H
#define DRCONSOLE_STATE_DIR_H

#include <stdbool.h>

/* 0 when dir is safe to use; -1 with *why (the path, its mode, how to fix it; caller frees). */
int state_dir_check(const char *dir, char **why);

/* Is dir the shared setup (an existing setgid directory)? */
bool state_dir_shared(const char *dir);

/*
 * A file of this user's in dir: "DIR/BASE.EXT", or in the shared setup
 * "DIR/BASE.USER.EXT" (USER the effective user's name, else "uidN"), so
 * each operator appends to a file of their own that the group can read.
 * Caller frees.
 */
char *state_dir_user_file(const char *dir, const char *base, const char *ext);

#endif
