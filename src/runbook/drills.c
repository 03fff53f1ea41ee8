/*
 * drills.c: the last completed drill per runbook model and the last
 * verified restore, from the journals. Only completed runs are read in
 * full (their run_end time and model), so a long history of failed or
 * dry runs costs one listing.
 */
#include "drconsole/runbook/drills.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/history.h"
#include "drconsole/runbook/journal.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/runbook/runbook.h"
#include "drconsole/util/duration.h"
#include "drconsole/util/util.h"
#include "drconsole/config/yaml_doc.h"

static const struct {
	const char *runbook_model;
	const char *label;
	const char *title;
} model_names[DRILL_MODEL_COUNT] = {
	[DRILL_FAILOVER] = { "replicated", "failover", "failover" },
	[DRILL_RESTORE] = { "restore", "restore", "restore" },
	[DRILL_FAILBACK] = { "failback", "failback", "fail-back" },
	[DRILL_VERIFY] = { "verify", "verify", "backup verification" },
};

const char *
drill_model_title(enum drill_model m)
{
	return (unsigned)m < DRILL_MODEL_COUNT ? model_names[m].title : "?";
}

const char *
drill_model_label(enum drill_model m)
{
	return (unsigned)m < DRILL_MODEL_COUNT ? model_names[m].label : "?";
}

int
drill_model_of(const char *runbook_model)
{
	for (int m = 0; m < DRILL_MODEL_COUNT; m++)
		if (str_eq(runbook_model, model_names[m].runbook_model))
			return m;
	return -1;
}

/* The model and end time of a completed run; -1 when the model is unknown. */
static int
run_model(const struct run_info *ri, long long *ended_ms)
{
	struct journal_read jr;
	char *err = NULL;
	int model = -1;

	*ended_ms = 0;
	if (journal_read(ri->path, &jr, &err) != 0) {
		free(err);
		return -1;
	}
	for (size_t i = 0; i < jr.n; i++) {
		const char *ev = json_string_value(json_object_get(jr.events[i], "event"));

		if (str_eq(ev, "run_start") && model < 0)
			model = drill_model_of(json_string_value(json_object_get(jr.events[i], "model")));
		else if (str_eq(ev, "run_end"))
			*ended_ms = (long long)json_integer_value(json_object_get(jr.events[i], "t"));
	}
	if (model < 0) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct runbook *rb = history_runbook(&jr, &dl, NULL);

		if (rb != NULL)
			model = drill_model_of(rb_model_name(rb->model));
		runbook_free(rb);
		diag_list_free(&dl);
	}
	journal_read_free(&jr);
	return model;
}

void
drill_history_read(const char *state_dir, struct drill_history *out)
{
	size_t n;
	struct run_info *runs = history_list(state_dir, &n);

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const struct run_info *ri = &runs[i];
		int mode = run_mode_parse(ri->mode);
		long long end;
		int m;

		if (!str_eq(ri->outcome, "completed") || mode < 0 || !run_mode_executes((enum run_mode)mode))
			continue;
		if ((m = run_model(ri, &end)) < 0 || end <= 0)
			continue;
		if (mode == RUN_DRILL && end > out->last_drill_ms[m])
			out->last_drill_ms[m] = end;
		if ((m == DRILL_RESTORE || m == DRILL_VERIFY) && end > out->last_verified_restore_ms)
			out->last_verified_restore_ms = end;
	}
	history_free(runs, n);
}

#define DAY_MS (24LL * 3600 * 1000)

bool
drill_is_due(const struct drill_history *h, enum drill_model m, long long now_ms, long long every_ms)
{
	if (every_ms <= 0 || (unsigned)m >= DRILL_MODEL_COUNT)
		return false;
	return h->last_drill_ms[m] <= 0 || now_ms - h->last_drill_ms[m] >= every_ms;
}

unsigned
drill_models_of_runbooks(char *const *paths, size_t n)
{
	unsigned models = 0;

	for (size_t i = 0; i < n; i++) {
		struct diag_list dl = DIAG_LIST_INIT;
		struct ydoc *doc = ydoc_load_input(paths[i], INPUT_RUNBOOK, &dl);
		int m = doc != NULL ? drill_model_of(ynode_str(ynode_get(doc->root, "model"))) : -1;

		if (m >= 0 && dl.errors == 0)
			models |= 1u << m;
		ydoc_free(doc);
		diag_list_free(&dl);
	}
	return models;
}

unsigned
drill_models_of_names(char *const *names, size_t n)
{
	unsigned models = 0;

	for (size_t i = 0; names != NULL && i < n; i++) {
		int m = drill_model_of(names[i]);

		if (m >= 0)
			models |= 1u << m;
	}
	return models;
}

/* "12 days ago", "today", "never" */
static void
ago(const struct drill_history *h, int m, long long now_ms, char *buf, size_t len)
{
	long long days;

	if (h->last_drill_ms[m] <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	days = (now_ms - h->last_drill_ms[m]) / DAY_MS;
	if (days <= 0)
		snprintf(buf, len, "today");
	else
		snprintf(buf, len, "%lld day%s ago", days, days == 1 ? "" : "s");
}

size_t
drill_cadence_text(const struct drill_history *h, unsigned models, long long now_ms,
		   long long every_ms, char *buf, size_t len)
{
	size_t due = 0, off = 0;
	char when[32];

	buf[0] = '\0';
	/* the due models first: a narrow header cuts the end */
	for (int pass = 0; pass < 2; pass++)
		for (int m = 0; m < DRILL_MODEL_COUNT; m++) {
			bool is_due = drill_is_due(h, m, now_ms, every_ms);

			if (!(models & (1u << m)) || is_due != (pass == 0))
				continue;
			ago(h, m, now_ms, when, sizeof when);
			if (is_due)
				due++;
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
						!is_due ? "%s%s drill %s" : h->last_drill_ms[m] > 0 ?
						"%s%s drill DUE (last %s)" : "%s%s drill DUE (%s)",
						off == 0 ? "" : ", ", drill_model_title(m), when);
			if (off >= len)
				return due;
		}
	return due;
}

size_t
drill_due_lines(const struct drill_history *h, unsigned models, long long now_ms,
		long long every_ms, const char *prefix, FILE *fp)
{
	size_t due = 0;
	char every[32], when[32];

	duration_format(every_ms, every, sizeof every);
	for (int m = 0; m < DRILL_MODEL_COUNT; m++) {
		if (!(models & (1u << m)) || !drill_is_due(h, m, now_ms, every_ms))
			continue;
		ago(h, m, now_ms, when, sizeof when);
		if (h->last_drill_ms[m] <= 0)
			fprintf(fp, "%s%s drill due: never drilled (every %s)\n", prefix,
				drill_model_title(m), every);
		else
			fprintf(fp, "%s%s drill due: last %s (every %s)\n", prefix, drill_model_title(m),
				when, every);
		due++;
	}
	return due;
}
