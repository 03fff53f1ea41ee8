/* Unit tests: durations and drconsole.yml (option table, errors, search order, read-only pin). */
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

#include "drconsole/config/config.h"
#include "drconsole/config/config_table.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/util.h"

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/drconsole-cfg-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
write_file(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, rel);
	char *dir = xstrdup(path);
	FILE *fp;

	*strrchr(dir, '/') = '\0';
	for (char *p = dir + strlen(tmpdir) + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	mkdir(dir, 0700);
	free(dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
sources(struct config_sources *src, const char *explicit_path)
{
	memset(src, 0, sizeof *src);
	src->explicit_path = explicit_path;
	src->cwd = tmpdir;
	src->home = "/home/op";
	src->system_path = NULL;
}

static const char good[] =
	"objectives: { rpo: 15m, rto: 2h }\n"
	"sites:\n"
	"  primary: { env_dir: envs/production, control: control }\n"
	"  secondary: { env_dir: /srv/envs/backup-production }\n"
	"ssh: { user: ansible, identity_file: ~/.ssh/dr_ed25519, connect_timeout: 1500ms }\n"
	"postgres: { user: drconsole_monitor, sslmode: verify-full, port: 5433 }\n"
	"s3: { path_style: yes, access_key_env: LAB_KEY }\n"
	"runbooks: [runbooks/failover.yml]\n"
	"refresh: 1m\n";

static void
test_duration(void **state)
{
	long long ms;
	const char *why;
	char buf[32];

	(void)state;
	assert_true(duration_parse("90s", &ms, &why) && ms == 90000);
	assert_true(duration_parse("1h30m", &ms, &why) && ms == 5400000);
	assert_true(duration_parse("500ms", &ms, &why) && ms == 500);
	assert_true(duration_parse("2d", &ms, &why) && ms == 172800000);
	assert_true(duration_parse("45", &ms, &why) && ms == 45000);
	assert_false(duration_parse("-5s", &ms, &why));
	assert_non_null(strstr(why, "negative"));
	assert_false(duration_parse("5x", &ms, &why));
	assert_false(duration_parse("", &ms, &why));
	assert_false(duration_parse("h", &ms, &why));
	assert_false(duration_parse("99999999999999999999s", &ms, &why));
	assert_string_equal(duration_format(42000, buf, sizeof buf), "42s");
	assert_string_equal(duration_format(6 * 3600000LL + 12 * 60000, buf, sizeof buf), "6h12m");
	assert_string_equal(duration_format(3 * 86400000LL + 4 * 3600000LL, buf, sizeof buf), "3d4h");
	assert_string_equal(duration_format(850, buf, sizeof buf), "850ms");
	assert_string_equal(duration_format(900000, buf, sizeof buf), "15m");
}

static void
test_good_config(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config_sources src;
	struct config cfg;
	char *path = write_file("drconsole.yml", good), *want;

	(void)state;
	sources(&src, path);
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_int_equal(dl.n, 0);
	assert_int_equal(cfg.rpo_ms, 900000);
	assert_int_equal(cfg.rto_ms, 7200000);
	want = xasprintf("%s/envs/production", tmpdir);
	assert_string_equal(cfg.sites[0].env_dir, want);	/* relative to the file */
	free(want);
	assert_string_equal(cfg.sites[1].env_dir, "/srv/envs/backup-production");
	assert_string_equal(cfg.sites[1].control, "control");	/* default */
	assert_string_equal(cfg.ssh.identity_file, "/home/op/.ssh/dr_ed25519");
	assert_int_equal(cfg.ssh.connect_timeout_ms, 1500);
	assert_true(cfg.ssh.agent);
	assert_string_equal(cfg.pg.sslmode, "verify-full");
	assert_int_equal(cfg.pg.port, 5433);
	assert_string_equal(cfg.pg.dbname, "postgres");
	assert_true(cfg.s3.path_style);
	assert_string_equal(cfg.s3.access_key_env, "LAB_KEY");
	assert_string_equal(cfg.s3.secret_key_env, "AWS_SECRET_ACCESS_KEY");
	assert_int_equal(cfg.n_runbooks, 1);
	assert_int_equal(cfg.refresh_ms, 60000);
	assert_string_equal(cfg.state_dir, "/home/op/.local/state/drconsole");
	assert_string_equal(cfg.log, "/home/op/.local/state/drconsole/drconsole.log");
	assert_false(cfg.read_only);
	config_free(&cfg);
	free(path);
	diag_list_free(&dl);
}

static void
test_errors_have_positions(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "objectives: { rpo: 15m, rto: 2h }\nsites: {primary: {env_dir: a}, secondary: {env_dir: b}}\nssh:\n  usr: x\n",
		  "bad.yml:4:3: error: unknown option 'ssh.usr' (known in ssh: user, identity_file, known_hosts, agent, connect_timeout, command_timeout, keepalive)" },
		{ "objectives: { rpo: 15 minutes, rto: 2h }\n",
		  "bad.yml:1:20: error: objectives.rpo: bad duration '15 minutes': unknown unit (use ms, s, m, h, d or w)" },
		{ "objectives: { rpo: 15m, rto: 2h }\nrefresh: 0s\n",
		  "bad.yml:2:10: error: refresh: 0s is out of range (1s to 1h)" },
		{ "objectives: { rpo: 15m, rto: 2h }\npostgres:\n  password: hunter2\n",
		  "bad.yml:3:3: error: 'postgres.password': credentials are never taken from this file." },
		{ "objectives: { rpo: 15m, rto: 2h }\nssh: { agent: maybe }\n",
		  "bad.yml:2:15: error: ssh.agent: expected true or false, found a string" },
		{ "objectives: { rpo: 15m, rto: 2h }\npostgres: { sslmode: strict }\n",
		  "bad.yml:2:22: error: postgres.sslmode: 'strict' is not one of disable, allow, prefer, require, verify-ca, verify-full" },
		{ "objectives: { rpo: 15m, rto: 2h }\ns3: { secret_key_env: 'abc/def' }\n",
		  "bad.yml:2:23: error: s3.secret_key_env: 'abc/def' is not an environment variable name" },
		{ "objectives: { rpo: 15m, rto: 2h }\npostgres: { port: 70000 }\n",
		  "bad.yml:2:19: error: postgres.port: 70000 is out of range (1 to 65535)" },
		{ "objectives: { rto: 2h }\n",
		  "bad.yml:1:1: error: missing required option objectives.rpo" },
		{ "sites: [a, b]\n", "bad.yml:1:8: error: sites: expected a mapping, found a list" },
		{ "objectives:\n\trpo: 1m\n", "bad.yml:2:1: error: tab character: YAML indentation must use spaces" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct config_sources src;
		struct config cfg;
		char *path = write_file("bad.yml", cases[i].text), *msg;
		char *want = xasprintf("%s/%s", tmpdir, cases[i].want);

		sources(&src, path);
		assert_int_equal(config_load(&src, &cfg, &dl), -1);
		assert_true(dl.errors >= 1);
		msg = diag_format(&dl.items[0]);
		if (strncmp(msg, want, strlen(want)) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, msg, want);
		free(msg);
		free(want);
		free(path);
		config_free(&cfg);
		diag_list_free(&dl);
	}
}

static void
test_search_order_and_pin(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config_sources src;
	struct config cfg;
	char *cwd_file = write_file("drconsole.yml", good);
	char *xdg_file = write_file("xdg/drconsole/config.yml", good);
	char *env_file = write_file("env.yml", good);
	char *sys_file = write_file("etc/config.yml", "read_only: true\n");
	char *xdg = xasprintf("%s/xdg", tmpdir);

	(void)state;
	/* ./drconsole.yml wins over XDG and the system file */
	sources(&src, NULL);
	src.xdg_config_home = xdg;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_string_equal(cfg.path, cwd_file);
	assert_false(cfg.read_only_pinned);
	config_free(&cfg);
	/* $DRCONSOLE_CONFIG wins over ./drconsole.yml; -c over both */
	src.env_config = env_file;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_string_equal(cfg.path, env_file);
	config_free(&cfg);
	src.explicit_path = xdg_file;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_string_equal(cfg.path, xdg_file);
	config_free(&cfg);
	/* the system file pins read-only whatever file was chosen */
	src.system_path = sys_file;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_true(cfg.read_only);
	assert_true(cfg.read_only_pinned);
	assert_string_equal(cfg.pinned_by, sys_file);
	config_free(&cfg);
	/* a broken system file pins too (fail closed), with a warning */
	free(write_file("etc/config.yml", "read_only: [\n"));
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_true(cfg.read_only_pinned);
	assert_int_equal(dl.warnings, 1);
	config_free(&cfg);
	/* a missing -c file is an error naming it */
	src.explicit_path = "/nonexistent/drconsole.yml";
	assert_int_equal(config_load(&src, &cfg, &dl), -1);
	assert_non_null(strstr(dl.items[dl.n - 1].message, "No such file"));
	config_free(&cfg);
	free(cwd_file);
	free(xdg_file);
	free(env_file);
	free(sys_file);
	free(xdg);
	diag_list_free(&dl);
}

/* Only a literal boolean false (or no read_only) in a pin file leaves the mode alone. */
static void
test_pin_fails_closed(void **state)
{
	static const struct {
		const char *text;
		bool pins;
		unsigned line, col;	/* of the diagnostic, 0: none */
	} cases[] = {
		{ "read_only: false\n", false, 0, 0 },
		{ "read_only: no\n", false, 0, 0 },
		{ "refresh: 5s\n", false, 0, 0 },
		{ "", false, 0, 0 },
		{ "read_only: true\n", true, 0, 0 },
		{ "read_only: \"true\"\n", true, 1, 12 },
		{ "read_only: 'false'\n", true, 1, 12 },
		{ "read_only: 1\n", true, 1, 12 },
		{ "read_only: 0\n", true, 1, 12 },
		{ "read_only: [true]\n", true, 1, 12 },
		{ "read_only: {a: b}\n", true, 1, 12 },
		{ "read_only:\n", true, 1, 11 },
		{ "refresh: 5s\nread_only: !!int 0\n", true, 2, 12 },
		{ "- read_only: false\n", true, 1, 1 },
	};
	char *main_file = write_file("main.yml", good), *reason;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *sys_file = write_file("pin/config.yml", cases[i].text);
		struct diag_list dl = DIAG_LIST_INIT, strict = DIAG_LIST_INIT;
		struct config_sources src;
		struct config cfg;

		sources(&src, main_file);
		src.system_path = sys_file;
		assert_int_equal(config_load(&src, &cfg, &dl), 0);
		if (cfg.read_only_pinned != cases[i].pins)
			fail_msg("case %zu (%s): pinned %d", i, cases[i].text, cfg.read_only_pinned);
		assert_int_equal(cfg.read_only, cases[i].pins);
		reason = config_read_only_reason(&cfg, false);
		if (cases[i].pins) {
			assert_non_null(reason);
			assert_non_null(strstr(reason, sys_file));
		} else {
			assert_null(reason);
		}
		free(reason);
		if (cases[i].line != 0) {
			/* a warning with its position; lint (strict) makes it an error */
			assert_int_equal(dl.errors, 0);
			assert_int_equal(dl.warnings, 1);
			assert_int_equal(dl.items[0].line, cases[i].line);
			assert_int_equal(dl.items[0].col, cases[i].col);
			assert_non_null(strstr(dl.items[0].message, "pinned"));
			config_free(&cfg);
			src.strict_pin = true;
			assert_int_equal(config_load(&src, &cfg, &strict), 0);
			assert_true(cfg.read_only_pinned);
			assert_int_equal(strict.errors, 1);
			assert_int_equal(strict.items[0].line, cases[i].line);
		} else {
			assert_int_equal(dl.n, 0);
		}
		config_free(&cfg);
		diag_list_free(&dl);
		diag_list_free(&strict);
		free(sys_file);
	}
	free(main_file);
}

/* $DRCONSOLE_PIN_CONFIG adds a pin file; it never replaces or lifts the system file's pin. */
static void
test_extra_pin_file(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config_sources src;
	struct config cfg;
	char *main_file = write_file("main2.yml", good);
	char *sys_file = write_file("pin2/system.yml", "read_only: true\n");
	char *extra = write_file("pin2/extra.yml", "read_only: false\n");
	char *reason, *want;

	(void)state;
	sources(&src, main_file);
	src.system_path = sys_file;
	src.pin_path = extra;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_true(cfg.read_only_pinned);
	assert_string_equal(cfg.pinned_by, sys_file);
	config_free(&cfg);
	src.system_path = NULL;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_false(cfg.read_only_pinned);
	config_free(&cfg);
	free(write_file("pin2/extra.yml", "read_only: yes\n"));
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_true(cfg.read_only_pinned);
	reason = config_read_only_reason(&cfg, true);
	want = xasprintf("pinned by %s (read_only: true)", extra);
	assert_string_equal(reason, want);
	free(want);
	free(reason);
	config_free(&cfg);
	/* a directory in the way is not "no file": it pins, with the reason */
	src.pin_path = tmpdir;
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_true(cfg.read_only_pinned);
	reason = config_read_only_reason(&cfg, false);
	assert_non_null(strstr(reason, "cannot read it"));
	free(reason);
	config_free(&cfg);
	/* a file that does not exist pins nothing; the reason of the other settings */
	src.pin_path = "/nonexistent/drconsole/config.yml";
	assert_int_equal(config_load(&src, &cfg, &dl), 0);
	assert_false(cfg.read_only_pinned);
	assert_null(config_read_only_reason(&cfg, false));
	reason = config_read_only_reason(&cfg, true);
	assert_string_equal(reason, "started with --read-only");
	free(reason);
	cfg.read_only = true;
	reason = config_read_only_reason(&cfg, true);
	want = xasprintf("read_only: true in %s", main_file);
	assert_string_equal(reason, want);
	free(want);
	free(reason);
	config_free(&cfg);
	diag_list_free(&dl);
	free(main_file);
	free(sys_file);
	free(extra);
}

/* docs/drconsole.example.yml loads cleanly and names every option of the table. */
static void
test_example_documents_every_option(void **state)
{
	struct diag_list dl = DIAG_LIST_INIT;
	struct config_sources src;
	struct config cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = fopen("docs/drconsole.example.yml", "r");

	(void)state;
	assert_non_null(fp);
	assert_true(getdelim(&text, &len, '\0', fp) > 0);
	fclose(fp);
	sources(&src, NULL);
	assert_int_equal(config_load_file("docs/drconsole.example.yml", &src, &cfg, &dl), 0);
	assert_int_equal(dl.n, 0);
	assert_int_equal(cfg.rpo_ms, 15 * 60 * 1000);
	for (size_t o = 0; config_options[o].path != NULL; o++) {
		const char *leaf = strrchr(config_options[o].path, '.');
		char *key = xasprintf("%s:", leaf != NULL ? leaf + 1 : config_options[o].path);

		if (strstr(text, key) == NULL)
			fail_msg("option %s is not in docs/drconsole.example.yml", config_options[o].path);
		free(key);
	}
	config_free(&cfg);
	diag_list_free(&dl);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test_setup_teardown(test_good_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_have_positions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_order_and_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extra_pin_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_example_documents_every_option, setup, teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
