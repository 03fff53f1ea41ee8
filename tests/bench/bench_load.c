/*
 * bench_load.c: time to load a configuration and both env dirs (inventory,
 * every YAML file, known_hosts, the site models), averaged over N runs.
 * usage: bench_load CONFIG [N]
 */
#include <stdio.h>
#include <stdlib.h>

#include "drconsole/config/config.h"
#include "drconsole/config/site.h"
#include "drconsole/util/util.h"

int
main(int argc, char **argv)
{
	struct config_sources src;
	int n = argc > 2 ? atoi(argv[2]) : 200;
	long long start, total;
	size_t hosts = 0, groups = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_load CONFIG [N]\n");
		return 2;
	}
	config_sources_from_env(&src, argv[1]);
	src.system_path = NULL;
	start = time_mono_ms();
	for (int i = 0; i < n; i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct config cfg;
		struct site *s[2];

		if (config_load(&src, &cfg, &dl) != 0) {
			diag_print(&dl, stderr);
			return 1;
		}
		s[0] = site_load(&cfg, SITE_PRIMARY, &dl);
		s[1] = site_load(&cfg, SITE_SECONDARY, &dl);
		site_link(s[0], s[1]);
		if (s[0] == NULL || s[1] == NULL || dl.errors > 0) {
			diag_print(&dl, stderr);
			return 1;
		}
		if (i == 0) {
			hosts = s[0]->inv->n_hosts + s[1]->inv->n_hosts;
			groups = s[0]->inv->n_groups + s[1]->inv->n_groups;
		}
		site_free(s[0]);
		site_free(s[1]);
		config_free(&cfg);
		diag_list_free(&dl);
	}
	total = time_mono_ms() - start;
	printf("load of config + env pair (%zu hosts, %zu groups): %.2f ms mean over %d runs\n",
	       hosts, groups, (double)total / n, n);
	return 0;
}
