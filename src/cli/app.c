/* app.c: configuration and site models for the commands. */
#include "drconsole/cli/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drconsole/util/state_dir.h"

void
app_free(struct app *app)
{
	for (int i = 0; i < 2; i++)
		site_free(app->sites[i]);
	if (app->have_cfg)
		config_free(&app->cfg);
	diag_list_free(&app->dl);
	free(app->read_only_reason);
	memset(app, 0, sizeof *app);
}

bool
app_state_dir_ok(const struct app *app)
{
	char *why = NULL;

	if (state_dir_check(app->cfg.state_dir, &why) == 0)
		return true;
	fprintf(stderr, "drconsole: %s\n", why);
	free(why);
	return false;
}

bool
app_load_state(struct app *app, const struct cli_options *opts)
{
	if (app_load(app, opts) != 0) {
		diag_print(&app->dl, stderr);
		app_free(app);
		return false;
	}
	if (!app_state_dir_ok(app)) {
		app_free(app);
		return false;
	}
	return true;
}

bool
app_refused_read_only(const struct app *app, const char *what)
{
	char *refusal;

	if (app->mode != RUN_READ_ONLY)
		return false;
	refusal = run_mode_refusal(app->read_only_reason, what);
	fprintf(stderr, "drconsole: %s\n", refusal);
	free(refusal);
	return true;
}

static int
load(struct app *app, const struct cli_options *opts, bool strict)
{
	struct config_sources src;

	memset(app, 0, sizeof *app);
	config_sources_from_env(&src, opts->config_path);
	src.strict_pin = strict;
	if (config_load(&src, &app->cfg, &app->dl) != 0) {
		app->have_cfg = app->cfg.path != NULL;
		return -1;
	}
	app->have_cfg = true;
	app->sites[SITE_PRIMARY] = site_load(&app->cfg, SITE_PRIMARY, &app->dl);
	app->sites[SITE_SECONDARY] = site_load(&app->cfg, SITE_SECONDARY, &app->dl);
	site_link(app->sites[SITE_PRIMARY], app->sites[SITE_SECONDARY]);
	app->read_only_reason = config_read_only_reason(&app->cfg, opts->mode == RUN_READ_ONLY);
	app->mode = app->read_only_reason != NULL ? RUN_READ_ONLY : opts->mode;
	app->drill = opts->mode == RUN_DRILL;
	return 0;
}

int
app_load(struct app *app, const struct cli_options *opts)
{
	return load(app, opts, false);
}

int
app_load_strict(struct app *app, const struct cli_options *opts)
{
	return load(app, opts, true);
}
