/*
 * drills.h: when each kind of run was last proven, from the journals under
 * STATE_DIR/runs (history.h). A drill counts once it completed (its
 * run_end outcome is "completed"); a restore is verified once a run of the
 * restore or backup-verification model completed, live or drill. The
 * model of a run is the "model" of its run_start, or for older journals
 * the model of the runbook copy the journal keeps. Reads local files only.
 */
#ifndef DRCONSOLE_DRILLS_H
#define DRCONSOLE_DRILLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum drill_model {
	DRILL_FAILOVER,		/* runbook model "replicated" */
	DRILL_RESTORE,		/* "restore" */
	DRILL_FAILBACK,		/* "failback" */
	DRILL_VERIFY,		/* "verify": backup verification */
	DRILL_MODEL_COUNT,
};

struct drill_history {
	long long last_drill_ms[DRILL_MODEL_COUNT];	/* run_end time, 0 never */
	long long last_verified_restore_ms;		/* 0 never */
};

/* "failover", "restore", "fail-back", "backup verification" */
const char *drill_model_title(enum drill_model m);
/* Metric label: "failover", "restore", "failback", "verify" */
const char *drill_model_label(enum drill_model m);
/* The drill model of a runbook model name ("replicated", ...); -1 unknown. */
int drill_model_of(const char *runbook_model);

void drill_history_read(const char *state_dir, struct drill_history *out);

/*
 * Drill cadence (objectives.drill_every): a model is due when it has no
 * completed drill, or its last one ended every_ms or longer before now.
 * Only the models of configured runbooks are judged (a bit 1u << model per
 * model in models); every_ms 0 means no cadence, nothing is due.
 */
bool drill_is_due(const struct drill_history *h, enum drill_model m, long long now_ms,
		  long long every_ms);
/* The models (bits) of the runbooks at paths, read from their model: keys. */
unsigned drill_models_of_runbooks(char *const *paths, size_t n);
/* The same from model names (NULL entries skipped). */
unsigned drill_models_of_names(char *const *models, size_t n);
/*
 * For the console header, the due models first: "restore drill DUE (never),
 * failover drill DUE (last 120 days ago), fail-back drill 12 days ago" (""
 * when models is 0). Returns how many models are due.
 */
size_t drill_cadence_text(const struct drill_history *h, unsigned models, long long now_ms,
			  long long every_ms, char *buf, size_t len);
/*
 * For check: one line per due model, "restore drill due: never drilled
 * (every 90d)" or "failover drill due: last 120 days ago (every 90d)",
 * written to fp with prefix. Returns how many.
 */
size_t drill_due_lines(const struct drill_history *h, unsigned models, long long now_ms,
		       long long every_ms, const char *prefix, FILE *fp);

#endif
