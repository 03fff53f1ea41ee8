/*
 * failover_commit.c: commit an open failover (failover_commit.h): check the
 * mode and the state, take the run lock on the secondary's control host
 * (over its own SSH session, as a run does), append the commit to the
 * failover's journal (fsync'd), audit it, release the lock.
 */
#include "drconsole/runbook/failover_commit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drconsole/runbook/audit.h"
#include "drconsole/runbook/executor.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/lock.h"
#include "drconsole/runbook/notify.h"
#include "drconsole/runbook/run_vars.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/util/state_dir.h"
#include "drconsole/util/util.h"

int
failover_open_for(const struct config *cfg, bool drill, const char *run,
		  struct failover_state *st, char **why)
{
	const char *kind = drill ? "drill failover" : "failover";

	failover_state_read(cfg->state_dir, drill, st);
	if (st->phase == FAILOVER_NONE) {
		*why = xasprintf("no open %s: no completed %s run since the last fail-back%s", kind,
				 drill ? "drill failover" : "live failover",
				 drill ? "" : " (drills count with --drill only)");
	} else if (run != NULL && !str_eq(run, st->run)) {
		*why = xasprintf("%s is not the open %s (that is %s, %s)", run, kind, st->run,
				 failover_phase_name(st->phase));
	} else if (st->phase == FAILOVER_COMMITTED) {
		*why = xasprintf("%s %s is already committed (by %s): the fail-back runbook is the way "
				 "back", kind, st->run, st->by != NULL ? st->by : "?");
	} else if (st->phase == FAILOVER_ROLLED_BACK) {
		*why = xasprintf("%s %s was rolled back (run %s)", kind, st->run,
				 st->rollback_run != NULL ? st->rollback_run : "?");
	} else {
		return 0;
	}
	failover_state_clear(st);
	return 1;
}

/* The lock's place: the secondary's control host, as the run driver takes it. */
static int
lock_where(const struct failover_commit_params *p, struct run_target **t, size_t *n,
	   struct exec_request *where, char **err)
{
	*n = run_resolve_targets(p->cfg, p->sites[SITE_SECONDARY], NULL, t, err);
	if (*n == 0)
		return -1;
	memset(where, 0, sizeof *where);
	where->host = (*t)[0].host;
	where->address = (*t)[0].address;
	where->port = (*t)[0].port;
	where->user = (*t)[0].user;
	where->timeout_ms = 30000;
	return 0;
}

static void
ssh_opts(const struct failover_commit_params *p, struct ssh_options *o)
{
	const struct site *s = p->sites[SITE_SECONDARY];

	memset(o, 0, sizeof *o);
	o->user = p->cfg->ssh.user != NULL ? p->cfg->ssh.user : s != NULL ? s->remote_user : NULL;
	o->identity_file = p->cfg->ssh.identity_file;
	o->agent = p->cfg->ssh.agent;
	o->env_known_hosts = s != NULL ? s->known_hosts_path : NULL;
	o->user_known_hosts = p->cfg->ssh.known_hosts;
	o->connect_timeout_ms = p->cfg->ssh.connect_timeout_ms;
	o->keepalive_ms = p->cfg->ssh.keepalive_ms;
}

/* Append the commit to the failover's journal and the audit log. */
static int
journal_commit(const struct failover_commit_params *p, const struct failover_state *st,
	       const char *user, char **msg)
{
	char *err = NULL;
	struct journal *j = NULL;
	struct audit *a;

	if (access(st->journal, W_OK) != 0 && errno == EACCES) {
		/* a teammate's failover (shared setup): a note beside its journal */
		if (journal_write_commit_note(st->journal, failover_commit_event(st->run, user),
					      &err) != 0) {
			*msg = xasprintf("%s", err != NULL ? err : "?");
			free(err);
			return 1;
		}
	} else if ((j = journal_open(st->journal, &err)) == NULL ||
		   journal_append(j, failover_commit_event(st->run, user), &err) != 0) {
		*msg = xasprintf("journal %s: %s", st->journal, err != NULL ? err : "?");
		free(err);
		journal_close(j);
		return 1;
	}
	journal_close(j);
	if ((a = audit_open(p->cfg->state_dir, &err)) == NULL ||
	    audit_write(a, json_pack("{s:s,s:s,s:s}", "event", "failover_commit", "run", st->run,
				     "mode", p->drill ? "drill" : "live"), &err) != 0) {
		/* the journal holds the commit: say so, but it stands */
		*msg = xasprintf("committed, but the audit log: %s", err != NULL ? err : "?");
		free(err);
		audit_close(a);
		return 0;
	}
	audit_close(a);
	return 0;
}

int
failover_commit(const struct failover_commit_params *p, char **msg)
{
	struct failover_state st;
	struct run_target *t = NULL;
	size_t n = 0;
	struct exec_request where;
	struct ssh_options o;
	struct ssh_pool *pool = NULL;
	struct executor *ex = NULL;
	struct run_lock lk;
	struct lock_info li;
	char *user, *why = NULL, *path, *lock_id, *holder, *jmsg = NULL;
	int rc;

	*msg = NULL;
	if (p->read_only) {
		*msg = run_mode_refusal(p->read_only_reason, "a failover cannot be committed");
		return 2;
	}
	if (state_dir_check(p->cfg->state_dir, &why) != 0) {
		*msg = xasprintf("commit refused: %s", why);
		free(why);
		return 2;
	}
	if (failover_open_for(p->cfg, p->drill, p->run, &st, &why) != 0) {
		*msg = xasprintf("nothing to commit: %s", why);
		free(why);
		return 1;
	}
	if (lock_where(p, &t, &n, &where, &why) != 0) {
		*msg = xasprintf("commit refused: run lock: %s", why);
		free(why);
		failover_state_clear(&st);
		return 1;
	}
	user = p->user != NULL ? xstrdup(p->user) : audit_whoami();
	ssh_opts(p, &o);
	pool = ssh_pool_create(&o);
	ex = executor_ssh_create(pool);
	path = lock_path(p->cfg->lock_dir != NULL ? p->cfg->lock_dir : "/var/tmp",
			 p->sites[SITE_SECONDARY]->deploy_env != NULL ?
			 p->sites[SITE_SECONDARY]->deploy_env : p->sites[SITE_SECONDARY]->env_name);
	lock_id = xasprintf("commit-%s", st.run);
	lock_init(&lk, ex, &where, path, lock_id);
	holder = lock_holder_line(user);
	lock_acquire(&lk, holder, &li);
	if (li.state == LOCK_ACQUIRED) {
		rc = journal_commit(p, &st, user, &jmsg);
		if (!lock_release(&lk))
			fprintf(stderr, "drconsole: run lock %s on %s: could not release it (remove it by "
				"hand)\n", path, where.host);
		if (rc == 0) {
			/* the lock released first: a slow receiver holds nobody up */
			notify_failover_commit(p->cfg, st.run, p->drill, user, time_wall_ms());
			*msg = xasprintf("%sfailover %s committed by %s; the fail-back runbook is the way "
					 "back%s%s", p->drill ? "drill " : "", st.run, user,
					 jmsg != NULL ? "; " : "", jmsg != NULL ? jmsg : "");
		} else {
			*msg = xasprintf("commit failed: %s", jmsg);
		}
	} else if (li.state == LOCK_HELD) {
		*msg = xasprintf("commit refused: the run lock %s on %s is held by %s: a run is in "
				 "progress", path, where.host, li.holder != NULL ? li.holder : "?");
		rc = 1;
	} else {
		*msg = xasprintf("commit refused: cannot take the run lock %s on %s: %s", path, where.host,
				 li.error != NULL ? li.error : "?");
		rc = 1;
	}
	lock_info_clear(&li);
	lock_fini(&lk);
	ex->free(ex);
	ssh_pool_free(pool);
	free(jmsg);
	free(holder);
	free(lock_id);
	free(path);
	free(user);
	run_targets_free(t, n);
	failover_state_clear(&st);
	return rc;
}
