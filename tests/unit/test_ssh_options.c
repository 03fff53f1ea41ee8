/*
 * Unit tests: ssh_options_for_site, the one place a site's session options
 * come from (the probes' pools and a run's pools alike).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/ssh/ssh.h"

static void
test_options_from_config_and_site(void **state)
{
	struct config cfg;
	struct site s;
	struct ssh_options o;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	memset(&s, 0, sizeof s);
	cfg.ssh.identity_file = (char *)"/home/op/.ssh/id_ed25519";
	cfg.ssh.known_hosts = (char *)"/home/op/.ssh/known_hosts";
	cfg.ssh.agent = true;
	cfg.ssh.connect_timeout_ms = 7000;
	cfg.ssh.keepalive_ms = 15000;
	s.remote_user = (char *)"ansible";
	s.known_hosts_path = (char *)"/envs/production/known_hosts";
	memset(&o, 0xff, sizeof o);	/* every field is set, none left over */
	ssh_options_for_site(&cfg, &s, &o);
	assert_string_equal(o.user, "ansible");	/* no ssh.user: the site's remote user */
	assert_string_equal(o.identity_file, "/home/op/.ssh/id_ed25519");
	assert_true(o.agent);
	assert_string_equal(o.env_known_hosts, "/envs/production/known_hosts");
	assert_string_equal(o.user_known_hosts, "/home/op/.ssh/known_hosts");
	assert_int_equal(o.connect_timeout_ms, 7000);
	assert_int_equal(o.keepalive_ms, 15000);
	cfg.ssh.user = (char *)"drconsole";
	ssh_options_for_site(&cfg, &s, &o);
	assert_string_equal(o.user, "drconsole");	/* ssh.user wins */
	/* no site (a run whose site failed to load): the config's alone */
	cfg.ssh.user = NULL;
	memset(&o, 0xff, sizeof o);
	ssh_options_for_site(&cfg, NULL, &o);
	assert_null(o.user);
	assert_null(o.env_known_hosts);
	assert_string_equal(o.user_known_hosts, "/home/op/.ssh/known_hosts");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_from_config_and_site),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
