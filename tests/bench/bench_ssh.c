/*
 * bench_ssh.c: host checks over kept SSH sessions, as the console runs
 * them (probe_env + scheduler + probes_add_all): the first round connects,
 * verifies and authenticates every host; the next rounds reuse the
 * sessions. Prints wall time per round, this process's CPU per steady
 * round, and its RSS with every session kept.
 * usage: bench_ssh CONFIG [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "drconsole/config/config.h"
#include "drconsole/probe/probes.h"
#include "drconsole/config/site.h"
#include "drconsole/ssh/ssh.h"
#include "drconsole/util/util.h"

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static long
status_kb(const char *field)
{
	char *text = file_read_all("/proc/self/status", NULL), *p;
	long kb = -1;

	if (text == NULL)
		return -1;
	p = strstr(text, field);
	if (p != NULL)
		kb = strtol(p + strlen(field), NULL, 10);
	free(text);
	return kb;
}

/* Hosts up, hosts, and the mean and max latency of their last checks. */
static size_t
count_up(struct status_store *store, size_t *hosts, double *mean_ms, long long *max_ms)
{
	struct status_snapshot *snap = status_store_snapshot(store);
	size_t up = 0;
	long long sum = 0;

	*hosts = 0;
	*max_ms = 0;
	for (size_t i = 0; i < snap->n; i++)
		if (str_eq(snap->items[i]->probe, "host")) {
			(*hosts)++;
			if (str_eq(snap->items[i]->state, "up"))
				up++;
			sum += snap->items[i]->latency_ms;
			if (snap->items[i]->latency_ms > *max_ms)
				*max_ms = snap->items[i]->latency_ms;
		}
	*mean_ms = *hosts > 0 ? (double)sum / (double)*hosts : 0;
	status_snapshot_free(snap);
	return up;
}

int
main(int argc, char **argv)
{
	struct config_sources src;
	struct diag_list dl = DIAG_LIST_INIT;
	struct config cfg;
	struct site *sites[2];
	struct probe_env *env;
	struct status_store *store;
	struct scheduler *sched;
	int rounds = argc > 2 ? atoi(argv[2]) : 10;
	long long t0, first, max_ms;
	double mean_ms;
	double c0, steady_wall = 0, steady_cpu = 0;
	size_t up, hosts, kept;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_ssh CONFIG [ROUNDS]\n");
		return 2;
	}
	config_sources_from_env(&src, argv[1]);
	src.system_path = NULL;
	if (config_load(&src, &cfg, &dl) != 0) {
		diag_print(&dl, stderr);
		return 1;
	}
	sites[0] = site_load(&cfg, SITE_PRIMARY, &dl);
	sites[1] = site_load(&cfg, SITE_SECONDARY, &dl);
	if (sites[0] == NULL || sites[1] == NULL) {
		diag_print(&dl, stderr);
		return 1;
	}
	site_link(sites[0], sites[1]);
	env = probe_env_create(&cfg, sites);
	store = status_store_create(0);
	sched = scheduler_create(store, env, 32, 3600 * 1000LL);
	probes_add_all(sched, store, &cfg, sites);

	t0 = time_mono_ms();
	scheduler_run_once(sched, t0 + cfg.probe_timeout_ms + 5000);
	first = time_mono_ms() - t0;
	up = count_up(store, &hosts, &mean_ms, &max_ms);
	printf("first round (connect+verify+auth+exec): %zu/%zu hosts up in %lld ms "
	       "(per host: mean %.0f ms, max %lld ms)\n", up, hosts, first, mean_ms, max_ms);
	for (int r = 0; r < rounds; r++) {
		c0 = cpu_ms();
		t0 = time_mono_ms();
		scheduler_run_once(sched, t0 + cfg.probe_timeout_ms + 5000);
		steady_wall += (double)(time_mono_ms() - t0);
		steady_cpu += cpu_ms() - c0;
	}
	up = count_up(store, &hosts, &mean_ms, &max_ms);
	kept = ssh_pool_size(env->ssh[0]) + ssh_pool_size(env->ssh[1]);
	printf("steady round over kept sessions (mean of %d): %.1f ms wall, %.1f ms CPU "
	       "(%.0f us CPU per host check; last round per host: mean %.0f ms, max %lld ms); "
	       "%zu/%zu up, %zu sessions kept\n",
	       rounds, steady_wall / rounds, steady_cpu / rounds,
	       hosts > 0 ? steady_cpu / rounds * 1000.0 / (double)hosts : 0.0, mean_ms, max_ms,
	       up, hosts, kept);
	printf("RSS with %zu kept sessions: %ld kB (peak %ld kB; anonymous %ld kB, files %ld kB)\n", kept,
	       status_kb("VmRSS:"), status_kb("VmHWM:"), status_kb("RssAnon:"), status_kb("RssFile:"));
	scheduler_free(sched);
	probe_env_free(env);
	status_store_free(store);
	site_free(sites[0]);
	site_free(sites[1]);
	config_free(&cfg);
	diag_list_free(&dl);
	return up == hosts ? 0 : 1;
}
