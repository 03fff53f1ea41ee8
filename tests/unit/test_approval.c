/* Unit tests: four eyes (approval.c): who may approve, what an approval binds, expiry, once only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "drconsole/runbook/approval.h"
#include "drconsole/util/util.h"

#define T0 1700000000000LL
#define MIN (60 * 1000LL)

struct fx {
	char dir[64];
	char *adir;
	struct approval_request rq;
	uid_t other;		/* the second operator's uid */
	uid_t operator;		/* the run's operator */
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/drconsole-approval-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->adir = approval_dir(f->dir);
	assert_int_equal(mkdir(f->adir, 0700), 0);
	/* as root the files are given to another uid; otherwise the operator is someone else */
	f->other = geteuid() == 0 ? 4242 : geteuid();
	f->operator = geteuid() == 0 ? 4343 : geteuid() + 1;
	f->rq.run_id = xstrdup("20261204T010203Z-failover");
	f->rq.step_id = xstrdup("promote");
	f->rq.title = xstrdup("Promote the standby");
	f->rq.command = xstrdup("pg_ctlcluster 16 main promote");
	f->rq.hosts = xstrdup("pgstandby0 (127.5.1.3)");
	f->rq.estimate = xstrdup("postgres 2s behind");
	f->rq.mode = xstrdup("drill");
	f->rq.operator_user = xstrdup("alice");
	f->rq.operator_uid = (long)f->operator;
	approval_request_init(&f->rq, T0, 15 * MIN);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	approval_request_clear(&f->rq);
	free(f->adir);
	free(f);
	return 0;
}

/* An approval file as an approver's process writes it, owned by uid. */
static char *
plant(struct fx *f, const char *name, const char *run, const char *step, const char *nonce,
      const char *sha, long long approved, uid_t uid, mode_t mode)
{
	char *path = xasprintf("%s/%s", f->adir, name);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "run", run, "step", step, "nonce", nonce,
			      "command_sha256", sha, "user", "written-name", "approved",
			      (json_int_t)approved);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(json_dumpf(o, fp, JSON_COMPACT), 0);
	fclose(fp);
	json_decref(o);
	assert_int_equal(chmod(path, mode), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(path, uid, (gid_t)-1), 0);
	return path;
}

static char *
plant_good(struct fx *f, uid_t uid)
{
	char *name = xasprintf("%s.%s.%ld.approval", f->rq.run_id, f->rq.nonce, (long)uid);
	char *path = plant(f, name, f->rq.run_id, f->rq.step_id, f->rq.nonce, f->rq.cmd_sha256,
			   T0 + MIN, uid, 0640);

	free(name);
	return path;
}

static void
test_second_operator_accepted(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path = plant_good(f, f->other);

	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + 2 * MIN, &g, &why), 0);
	assert_int_equal(g.uid, (long)f->other);
	/* the name comes from the uid, never from the file */
	assert_string_not_equal(g.user, "written-name");
	assert_int_equal(g.approved_ms, T0 + MIN);
	approval_grant_clear(&g);
	free(path);
}

static void
test_same_uid_refused(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path;

	/* the operator's own file: the run's operator is the file's owner */
	path = plant_good(f, f->other);
	assert_int_equal(approval_check_file(path, &f->rq, f->other, T0 + 2 * MIN, &g, &why), -1);
	assert_non_null(strstr(why, "operator's own user"));
	free(why);
	free(path);
}

static void
test_root_refused(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path;

	if (geteuid() != 0)
		skip();
	path = plant_good(f, 0);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + 2 * MIN, &g, &why), -1);
	assert_non_null(strstr(why, "root"));
	free(why);
	free(path);
}

static void
test_other_step_run_nonce_command_refused(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path;
	char other_sha[DIGEST_SHA256_HEX_LEN + 1];

	path = plant(f, "a.approval", f->rq.run_id, "fence", f->rq.nonce, f->rq.cmd_sha256, T0, f->other, 0640);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "not for step promote"));
	free(why);
	free(path);
	path = plant(f, "b.approval", "20261204T000000Z-other", "promote", f->rq.nonce, f->rq.cmd_sha256,
		     T0, f->other, 0640);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "20261204T000000Z-other"));
	free(why);
	free(path);
	path = plant(f, "c.approval", f->rq.run_id, "promote", "00000000000000000000000000000000",
		     f->rq.cmd_sha256, T0, f->other, 0640);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "earlier request"));
	free(why);
	free(path);
	digest_sha256_hex("pg_ctlcluster 16 main stop", 26, other_sha);
	path = plant(f, "d.approval", f->rq.run_id, "promote", f->rq.nonce, other_sha, T0, f->other, 0640);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "another command"));
	free(why);
	free(path);
}

static void
test_expired_refused(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path = plant_good(f, f->other);

	/* seen by the run after the deadline */
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + 15 * MIN + 1, &g, &why), -1);
	assert_non_null(strstr(why, "expired"));
	free(why);
	free(path);
	/* written after the deadline */
	path = plant(f, "late.approval", f->rq.run_id, f->rq.step_id, f->rq.nonce, f->rq.cmd_sha256,
		     T0 + 16 * MIN, f->other, 0640);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + 14 * MIN, &g, &why), -1);
	assert_non_null(strstr(why, "expired"));
	free(why);
	free(path);
}

static void
test_file_tricks_refused(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path = plant_good(f, f->other), *sym = xasprintf("%s/l.approval", f->adir);
	char *hard = xasprintf("%s/h.approval", f->adir);

	assert_int_equal(symlink(path, sym), 0);
	assert_int_equal(approval_check_file(sym, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	free(why);
	assert_int_equal(link(path, hard), 0);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "links"));
	free(why);
	unlink(hard);
	assert_int_equal(chmod(path, 0660), 0);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "writable"));
	free(why);
	free(hard);
	free(sym);
	free(path);
}

static int refusals;

static void
count_refused(void *ud, const char *path, const char *why)
{
	(void)ud;
	(void)path;
	(void)why;
	refusals++;
}

static void
test_consumed_once(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *why = NULL, *path = plant_good(f, f->other);

	refusals = 0;
	assert_int_equal(approval_poll(f->dir, &f->rq, f->operator, T0 + MIN, &g, count_refused, NULL), 1);
	assert_true(f->rq.consumed);
	assert_int_equal(g.uid, (long)f->other);
	approval_grant_clear(&g);
	/* the same file, or another one, cannot approve the request again */
	assert_int_equal(approval_poll(f->dir, &f->rq, f->operator, T0 + MIN, &g, count_refused, NULL), 0);
	assert_int_equal(approval_check_file(path, &f->rq, f->operator, T0 + MIN, &g, &why), -1);
	assert_non_null(strstr(why, "already approved"));
	free(why);
	/* a new request for the same step (asked again) has a new nonce: the old file is history */
	approval_request_init(&f->rq, T0 + 2 * MIN, 15 * MIN);
	refusals = 0;
	assert_int_equal(approval_poll(f->dir, &f->rq, f->operator, T0 + 3 * MIN, &g, count_refused, NULL), 0);
	assert_int_equal(refusals, 0);
	free(path);
}

static void
test_poll_reports_refusal_once(void **state)
{
	struct fx *f = *state;
	struct approval_grant g;
	char *path = plant_good(f, f->operator);

	refusals = 0;
	assert_int_equal(approval_poll(f->dir, &f->rq, f->operator, T0 + MIN, &g, count_refused, NULL), 0);
	assert_int_equal(approval_poll(f->dir, &f->rq, f->operator, T0 + MIN, &g, count_refused, NULL), 0);
	assert_int_equal(refusals, 1);
	assert_false(f->rq.consumed);
	free(path);
}

static void
test_grant_write_refusals(void **state)
{
	struct fx *f = *state;
	char *err = NULL, *path = NULL;
	long saved = f->rq.operator_uid;

	assert_int_equal(approval_grant_write(f->dir, &f->rq, true, T0, &path, &err), -1);
	assert_non_null(strstr(err, "read-only"));
	free(err);
	f->rq.operator_uid = (long)geteuid();
	assert_int_equal(approval_grant_write(f->dir, &f->rq, false, T0, &path, &err), -1);
	assert_non_null(strstr(err, "are the operator"));
	free(err);
	f->rq.operator_uid = saved;
	assert_int_equal(approval_grant_write(f->dir, &f->rq, false, T0 + 16 * MIN, &path, &err), -1);
	assert_non_null(strstr(err, geteuid() == 0 ? "root" : "expired"));
	free(err);
	assert_null(path);
}

static void
test_request_round_trip(void **state)
{
	struct fx *f = *state;
	struct approval_request back;
	char *err = NULL, *path;
	size_t n;
	char **ids;

	f->rq.operator_uid = (long)geteuid();
	assert_int_equal(approval_request_publish(f->dir, &f->rq, &err), 0);
	assert_int_equal(approval_request_load(f->dir, f->rq.run_id, &back, &err), 0);
	assert_string_equal(back.command, f->rq.command);
	assert_string_equal(back.cmd_sha256, f->rq.cmd_sha256);
	assert_string_equal(back.nonce, f->rq.nonce);
	assert_string_equal(back.estimate, "postgres 2s behind");
	assert_int_equal(back.expires_ms, T0 + 15 * MIN);
	approval_request_clear(&back);
	ids = approval_pending(f->dir, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], f->rq.run_id);
	str_array_free(ids, n);
	/* a request file not owned by the operator it names is not believed */
	if (geteuid() == 0) {
		path = xasprintf("%s/%s.request", f->adir, f->rq.run_id);
		assert_int_equal(chown(path, 4242, (gid_t)-1), 0);
		assert_int_equal(approval_request_load(f->dir, f->rq.run_id, &back, &err), -1);
		assert_non_null(strstr(err, "not by the run's operator"));
		free(err);
		free(path);
	}
	approval_request_withdraw(f->dir, f->rq.run_id);
	assert_int_equal(approval_request_load(f->dir, f->rq.run_id, &back, &err), -1);
	assert_non_null(strstr(err, "no step waiting"));
	free(err);
}

static void
test_report_names_both(void **state)
{
	struct journal_read jr = { 0 };
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:I,s:I}", "event", "approval", "step",
			       "promote", "command", "pg_ctlcluster 16 main promote", "operator", "alice",
			       "operator_uid", 1001, "approver", "bob", "approver_uid", 1002,
			       "requested", (json_int_t)T0, "approved", (json_int_t)(T0 + MIN));
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	jr.events = &ev;
	jr.n = 1;
	approval_report_write(fp, &jr);
	fclose(fp);
	assert_non_null(strstr(buf, "requested by alice (uid 1001) at 2023-11-14 22:13:20Z, approved by "
				    "bob (uid 1002) at 2023-11-14 22:14:20Z; command approved: "
				    "`pg_ctlcluster 16 main promote`"));
	free(buf);
	json_decref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_operator_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_uid_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_step_run_nonce_command_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_tricks_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consumed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_reports_refusal_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_write_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_round_trip, setup, teardown),
		cmocka_unit_test(test_report_names_both),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
