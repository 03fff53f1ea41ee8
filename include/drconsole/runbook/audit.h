/*
 * audit.h: the audit log, STATE_DIR/audit.log, JSON lines appended and
 * fsync'd: who (user, SSH_CLIENT), when, run, step, host, command, exit
 * status, duration and confirmations. Commands are logged as rendered;
 * secrets never appear in them (they travel on stdin). The file is created
 * 0600 and never opened through a symlink; a record that cannot be written
 * stops the run (run.h), as a journal write does.
 */
#ifndef DRCONSOLE_AUDIT_H
#define DRCONSOLE_AUDIT_H

#include <jansson.h>

struct audit;

struct audit *audit_open(const char *state_dir, char **err);
/* Adds time, user and ssh_client to ev, appends it; steals ev. 0 on success. */
int audit_write(struct audit *a, json_t *ev, char **err);
void audit_close(struct audit *a);
/* The operator's identity: login name, plus "(sudo from X)" when relevant. */
char *audit_whoami(void);

#endif
