/* app.c: configuration and site models for the commands. */
#include "drconsole/app.h"

#include <string.h>

void
app_free(struct app *app)
{
	for (int i = 0; i < 2; i++)
		site_free(app->sites[i]);
	if (app->have_cfg)
		config_free(&app->cfg);
	diag_list_free(&app->dl);
	memset(app, 0, sizeof *app);
}

int
app_load(struct app *app, const struct cli_options *opts)
{
	struct config_sources src;

	memset(app, 0, sizeof *app);
	config_sources_from_env(&src, opts->config_path);
	if (config_load(&src, &app->cfg, &app->dl) != 0) {
		app->have_cfg = app->cfg.path != NULL;
		return -1;
	}
	app->have_cfg = true;
	app->sites[SITE_PRIMARY] = site_load(&app->cfg, SITE_PRIMARY, &app->dl);
	app->sites[SITE_SECONDARY] = site_load(&app->cfg, SITE_SECONDARY, &app->dl);
	site_link(app->sites[SITE_PRIMARY], app->sites[SITE_SECONDARY]);
	if (app->cfg.read_only_pinned) {
		app->read_only = true;
		app->read_only_reason = "read-only is pinned by /etc/drconsole/config.yml";
	} else if (app->cfg.read_only) {
		app->read_only = true;
		app->read_only_reason = "read_only: true in the configuration";
	} else if (opts->read_only) {
		app->read_only = true;
		app->read_only_reason = "started with --read-only";
	}
	return 0;
}
