/*
 * app.h: what every command that works on the two sites needs first: the
 * configuration (search order, read-only pin) and both site models, with
 * every diagnostic collected. One place, so `status`, `check`, `lint`,
 * `drift` and the console load things the same way.
 */
#ifndef DRCONSOLE_APP_H
#define DRCONSOLE_APP_H

#include "drconsole/cli/cli.h"
#include "drconsole/config/config.h"
#include "drconsole/config/site.h"

struct app {
	struct config cfg;
	bool have_cfg;
	struct site *sites[2];	/* indexed by enum site_role */
	struct diag_list dl;
	enum run_mode mode;	/* the effective mode: RUN_READ_ONLY when pinned or asked for, else the option's */
	char *read_only_reason;	/* config_read_only_reason(); NULL unless RUN_READ_ONLY */
	bool drill;		/* --drill: the failover state of drills (failover_state.h) */
};

/* 0 when the config loaded (sites may still have errors: see dl). */
int app_load(struct app *app, const struct cli_options *opts);
/*
 * Is the configured state directory safe to use (state_dir.h)? Prints the
 * reason to stderr when it is not: the commands that read or write runs
 * refuse then (exit 2).
 */
bool app_state_dir_ok(const struct app *app);
/*
 * For the commands that only read runs (runs, watch): app_load, then
 * app_state_dir_ok; on false the reasons are on stderr and app is freed.
 */
bool app_load_state(struct app *app, const struct cli_options *opts);
/*
 * In read-only mode: run_mode_refusal's one text for what ("a failover
 * cannot be rolled back") on stderr, and true: the command exits 2.
 */
bool app_refused_read_only(const struct app *app, const char *what);
/* The same for lint: a pin file's problems are errors, not warnings. */
int app_load_strict(struct app *app, const struct cli_options *opts);
void app_free(struct app *app);

#endif
