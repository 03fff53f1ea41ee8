/* Unit tests: CouchDB database info, replication listings (CouchDB and pouchdb-server), endpoint URLs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/probe/probe_couch.h"

#define FIX "tests/fixtures/couch/"

static char *prod_nodes[] = { "10.202.40.5", "10.202.40.6", "10.202.40.7" };
static char *bk_nodes[] = { "10.212.40.5" };
static char *lab_p[] = { "127.0.20.30" };
static char *lab_s[] = { "127.0.30.30" };

static char *
slurp(const char *path, size_t *len)
{
	char *body = file_read_all(path, len);

	assert_non_null(body);
	return body;
}

static void
test_couch_db_info(void **state)
{
	struct couch_db_info i;
	char err[128];
	size_t len;
	char *b;

	(void)state;
	b = slurp(FIX "pouchdb-4.2-db.json", &len);
	assert_int_equal(couch_db_info_parse(b, len, &i, err, sizeof err), 0);
	assert_true(i.doc_count == 6);
	assert_true(i.seq_number == 6);
	assert_string_equal(i.update_seq, "6");
	free(b);
	b = slurp(FIX "couchdb-3-db.json", &len);
	assert_int_equal(couch_db_info_parse(b, len, &i, err, sizeof err), 0);
	assert_true(i.doc_count == 1820);
	assert_true(i.doc_del_count == 12);
	assert_true(i.seq_number == 1832);
	assert_true(strncmp(i.update_seq, "1832-g1AAAA", 11) == 0);
	free(b);
	b = slurp(FIX "pouchdb-4.2-scheduler-docs-404.json", &len);
	assert_int_equal(couch_db_info_parse(b, len, &i, err, sizeof err), -1);
	free(b);
	assert_int_equal(couch_db_info_parse("nope", 4, &i, err, sizeof err), -1);
	assert_non_null(strstr(err, "not JSON"));
}

static void
test_couch_url_split(void **state)
{
	char clean[256], host[64], db[64];

	(void)state;
	assert_true(couch_url_split("http://drconsole:s3cret@10.212.40.5:15984/commcarehq/", clean,
				    sizeof clean, host, sizeof host, db, sizeof db));
	assert_string_equal(clean, "http://10.212.40.5:15984/commcarehq");
	assert_null(strstr(clean, "s3cret"));
	assert_string_equal(host, "10.212.40.5");
	assert_string_equal(db, "commcarehq");
	assert_true(couch_url_split("https://[::1]:6984/a%2Fb?x=1", clean, sizeof clean, host,
				    sizeof host, db, sizeof db));
	assert_string_equal(host, "[::1]");
	assert_string_equal(db, "a/b");
	assert_true(couch_url_split("http://user:p@ss@h:1/db", clean, sizeof clean, host,
				    sizeof host, db, sizeof db));
	assert_string_equal(host, "h");
	assert_string_equal(clean, "http://h:1/db");
	/* an unencoded '/' in the password does not leak it as the host */
	assert_true(couch_url_split("http://u:pa/ss@10.1.2.3:5984/commcarehq", clean, sizeof clean,
				    host, sizeof host, db, sizeof db));
	assert_string_equal(clean, "http://10.1.2.3:5984/commcarehq");
	assert_string_equal(host, "10.1.2.3");
	assert_false(couch_url_split("http://host:5984/", clean, sizeof clean, host, sizeof host,
				     db, sizeof db));
	assert_false(couch_url_split("commcarehq", clean, sizeof clean, host, sizeof host, db,
				     sizeof db));
	assert_false(couch_url_split(NULL, clean, sizeof clean, host, sizeof host, db, sizeof db));
}

static void
test_couch_scheduler_docs(void **state)
{
	struct couch_rep_match m = { "commcarehq", "commcarehq", prod_nodes, 3, bk_nodes, 1 };
	struct couch_rep r;
	char err[128];
	size_t len;
	char *b;

	(void)state;
	b = slurp(FIX "couchdb-3-scheduler-docs.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_SCHEDULER, &m, &r, err, sizeof err), 1);
	assert_string_equal(r.id, "commcarehq-to-backup");
	assert_string_equal(r.state, "running");
	assert_true(r.has_pending);
	assert_true(r.changes_pending == 15);
	assert_string_equal(r.target, "http://10.212.40.5:15984/commcarehq");
	assert_string_equal(r.last_updated, "2026-08-21T05:01:37Z");
	/* a different database on the same servers does not match */
	m.source_db = m.target_db = "synclogs";
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_SCHEDULER, &m, &r, err, sizeof err), 0);
	free(b);
	m.source_db = m.target_db = "commcarehq";
	b = slurp(FIX "couchdb-3-scheduler-docs-crashing.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_SCHEDULER, &m, &r, err, sizeof err), 1);
	assert_string_equal(r.state, "crashing");
	assert_false(r.has_pending);
	assert_non_null(strstr(r.reason, "db_not_found"));
	free(b);
	/* pouchdb-server: no scheduler, the 404 body is not a listing */
	b = slurp(FIX "pouchdb-4.2-scheduler-docs-404.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_SCHEDULER, &m, &r, err, sizeof err), -1);
	free(b);
}

static void
test_couch_active_tasks(void **state)
{
	struct couch_rep_match m = { "commcarehq", "commcarehq", prod_nodes, 3, bk_nodes, 1 };
	struct couch_rep r;
	char err[128];
	size_t len;
	char *b;

	(void)state;
	b = slurp(FIX "couchdb-2-active-tasks.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_ACTIVE_TASKS, &m, &r, err, sizeof err), 1);
	assert_string_equal(r.state, "active");
	assert_true(r.changes_pending == 3);
	assert_true(r.continuous_known && r.continuous);
	assert_string_equal(r.source, "http://10.202.40.5:15984/commcarehq");
	assert_string_equal(r.last_updated, "2026-08-21T20:02:10Z");
	free(b);
	b = slurp(FIX "pouchdb-4.2-active-tasks.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_ACTIVE_TASKS, &m, &r, err, sizeof err), 0);
	free(b);
}

static void
test_couch_replicator_docs(void **state)
{
	struct couch_rep_match m = { "commcarehq", "commcarehq", lab_p, 1, lab_s, 1 };
	struct couch_rep r;
	char err[128];
	size_t len;
	char *b;

	(void)state;
	b = slurp(FIX "pouchdb-4.2-replicator-all-docs.json", &len);
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_REPLICATOR, &m, &r, err, sizeof err), 1);
	assert_string_equal(r.id, "drlab-primary-to-secondary");
	assert_string_equal(r.state, "triggered");
	assert_true(r.continuous_known && r.continuous);
	assert_false(r.has_pending);
	/* the primary's nodes of another lab do not match */
	m.source_hosts = prod_nodes;
	m.n_source_hosts = 3;
	m.target_hosts = bk_nodes;
	m.n_target_hosts = 1;
	assert_int_equal(couch_replication_find(b, len, COUCH_VIA_REPLICATOR, &m, &r, err, sizeof err), 0);
	free(b);
	{
		static const char body[] =
			"{\"rows\":[{\"doc\":{\"source\":{\"url\":\"http://u:p@127.0.20.30:15984/commcarehq\"},"
			"\"target\":\"http://10.9.9.9:1/commcarehq\",\"_replication_state\":\"error\","
			"\"_replication_state_reason\":\"unauthorized\"}}]}";

		m.source_hosts = lab_p;
		m.n_source_hosts = 1;
		assert_int_equal(couch_replication_find(body, strlen(body), COUCH_VIA_REPLICATOR, &m,
							&r, err, sizeof err), 1);
	}
	assert_string_equal(r.state, "error");
	assert_string_equal(r.reason, "unauthorized");
	assert_string_equal(r.source, "http://127.0.20.30:15984/commcarehq");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_couch_db_info),
		cmocka_unit_test(test_couch_url_split),
		cmocka_unit_test(test_couch_scheduler_docs),
		cmocka_unit_test(test_couch_active_tasks),
		cmocka_unit_test(test_couch_replicator_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
