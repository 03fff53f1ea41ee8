/*
 * cmd_console.c: `drconsole [console]`: everything that can fail is done
 * here, before the terminal is taken over: the configuration and both
 * sites, the theme (a broken theme file is an error with file:line:col and
 * exit 2), the runbook names, the log file. Then ui_run owns the terminal.
 */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/cli/app.h"
#include "drconsole/runbook/history.h"
#include "drconsole/util/log.h"
#include "drconsole/config/yaml_doc.h"
#include "drconsole/ui/ui.h"
#include "drconsole/ui/ui_theme.h"
#include "drconsole/runbook/verify_status.h"

/* mkdir -p for the directory part of path. */
static void
make_parent_dirs(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			break;
		*s = '/';
	}
	free(p);
}

static struct ui_theme *
load_theme(const struct cli_options *opts, const struct app *app, int *rc)
{
	const char *name = opts->theme != NULL ? opts->theme : app->cfg.theme;
	bool explicit_choice = opts->theme != NULL || (name != NULL && strcmp(name, "default") != 0);
	struct diag_list dl = DIAG_LIST_INIT;
	struct ui_theme *t;
	char *err = NULL, *path = ui_theme_find(name, &err);

	*rc = EXIT_OK;
	if (path == NULL) {
		if (explicit_choice) {
			fprintf(stderr, "drconsole: %s\n", err);
			free(err);
			*rc = EXIT_USAGE;
			return NULL;
		}
		log_msg(LOG_INFO, "%s; using the built-in theme", err);
		free(err);
		return ui_theme_builtin();
	}
	t = ui_theme_load(path, &dl);
	if (t == NULL) {
		diag_print(&dl, stderr);
		fprintf(stderr, "drconsole: theme %s cannot be used\n", path);
		*rc = EXIT_USAGE;
	}
	diag_list_free(&dl);
	free(path);
	return t;
}

/*
 * "Name (file)" of each configured runbook, from its top-level name: (the
 * console only lists them; lint and the runbook loader validate them).
 */
static void
load_runbook_names(const struct config *cfg, struct ui_options *uo)
{
	uo->runbook_names = cfg->n_runbooks > 0 ? xcalloc(cfg->n_runbooks, sizeof *uo->runbook_names) : NULL;
	uo->runbook_models = cfg->n_runbooks > 0 ? xcalloc(cfg->n_runbooks, sizeof *uo->runbook_models) : NULL;
	for (size_t i = 0; i < cfg->n_runbooks; i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct ydoc *doc = ydoc_load_input(cfg->runbooks[i], INPUT_RUNBOOK, &dl);
		const char *base = strrchr(cfg->runbooks[i], '/');
		const char *name = doc != NULL ? ynode_str(ynode_get(doc->root, "name")) : NULL;
		const char *model = doc != NULL ? ynode_str(ynode_get(doc->root, "model")) : NULL;

		base = base != NULL ? base + 1 : cfg->runbooks[i];
		if (name != NULL && dl.errors == 0)
			uo->runbook_names[i] = xasprintf("%s (%s)", name, base);
		else
			uo->runbook_names[i] = xasprintf("%s: cannot be read (drconsole lint says why)", base);
		if (model != NULL && dl.errors == 0)
			uo->runbook_models[i] = xstrdup(model);
		ydoc_free(doc);
		diag_list_free(&dl);
	}
	uo->n_runbooks = cfg->n_runbooks;
}

static int
cmd_console_run(const struct cli_options *opts, int argc, char **argv)
{
	long long start = time_mono_ms();
	struct ui_options uo;
	struct ui_theme *theme;
	struct app app;
	char *err = NULL, *verify_text;
	const char *log_path, *nc = getenv("NO_COLOR");
	int rc;

	(void)argv;
	if (argc > 1) {
		fputs("usage: drconsole [-c FILE] [--read-only | --drill | --dry-run] [--theme NAME]\n", stderr);
		return EXIT_USAGE;
	}
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
	/*
	 * glibc gives each of the probe workers an arena of its own (up to
	 * eight per core), and RSS creeps up for many minutes as each arena
	 * reaches its own peak; the workers mostly wait on the network, so two
	 * arenas cost no contention. MALLOC_ARENA_MAX in the environment wins.
	 */
	if (getenv("MALLOC_ARENA_MAX") == NULL)
		mallopt(M_ARENA_MAX, 2);
#endif
	if (app_load(&app, opts) != 0 || app.sites[0] == NULL || app.sites[1] == NULL) {
		diag_print(&app.dl, stderr);
		fputs("drconsole: fix the errors above (drconsole lint lists them all)\n", stderr);
		app_free(&app);
		return EXIT_USAGE;
	}
	if (!app_state_dir_ok(&app)) {	/* its log and the runs live there */
		app_free(&app);
		return EXIT_USAGE;
	}
	theme = load_theme(opts, &app, &rc);
	if (theme == NULL) {
		app_free(&app);
		return rc;
	}

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("drconsole: the console needs a terminal; `drconsole status` prints one report\n", stderr);
		ui_theme_free(theme);
		app_free(&app);
		return EXIT_USAGE;
	}

	memset(&uo, 0, sizeof uo);
	uo.cfg = &app.cfg;
	uo.sites = app.sites;
	uo.diag_errors = app.dl.errors;
	uo.diag_warnings = app.dl.warnings;
	uo.theme = theme;
	uo.start_mono_ms = start;
	uo.no_color = nc != NULL && *nc != '\0';
	uo.exit_after_first_frame = getenv("DRCONSOLE_EXIT_AFTER_FIRST_FRAME") != NULL;
	uo.mode = app.mode;
	uo.read_only_reason = app.read_only_reason != NULL ? app.read_only_reason : "";
	load_runbook_names(&app.cfg, &uo);
	{
		struct report_summary sum;

		/* local journals only: the header's "last drill" */
		if (history_last_drill(app.cfg.state_dir, (double)app.cfg.rpo_ms / 1000.0,
				       (double)app.cfg.rto_ms / 1000.0, &sum, NULL) == 0) {
			uo.have_drill = true;
			uo.last_drill_rto_s = sum.rto_s;
		}
		drill_history_read(app.cfg.state_dir, &uo.drills);
		uo.drill_models = drill_models_of_names(uo.runbook_models, uo.n_runbooks);
	}
	verify_text = verify_status_header(&app.cfg, time_wall_ms());
	uo.verify_text = verify_text;

	log_path = opts->log_path != NULL ? opts->log_path : app.cfg.log;
	if (log_path != NULL) {
		make_parent_dirs(log_path);
		if (log_open(log_path, opts->verbose > 0 ? LOG_DEBUG : LOG_INFO, &err) != 0) {
			fprintf(stderr, "drconsole: log: %s (use --log FILE)\n", err);
			free(err);
			log_path = NULL;
		}
	}
	uo.log_path = log_path;
	log_quiet_stderr();

	rc = ui_run(&uo);

	log_close();
	str_array_free(uo.runbook_names, uo.n_runbooks);
	str_array_free(uo.runbook_models, uo.n_runbooks);
	free(verify_text);
	ui_theme_free(theme);
	app_free(&app);
	return rc;
}

const struct cli_command cmd_console = {
	.name = "console",
	.args = "",
	.summary = "the console: both sites, live (the default command)",
	.accepts = OPT_MODE | OPT_THEME,
	.run = cmd_console_run,
};
