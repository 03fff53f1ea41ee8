/*
 * run_mode.c: names and views of enum run_mode (run_mode.h).
 */
#include "drconsole/runbook/run_mode.h"

#include <stddef.h>

#include "drconsole/util/util.h"

static const struct {
	const char *name, *word, *label;
} modes[] = {
	[RUN_LIVE] = { "live", "LIVE", "" },
	[RUN_DRILL] = { "drill", "DRILL", "[DRILL] " },
	[RUN_DRY] = { "dry-run", "DRY-RUN", "[DRY-RUN] " },
	[RUN_READ_ONLY] = { "read-only", "READ-ONLY", "" },
};

#define N_MODES (sizeof modes / sizeof modes[0])

static enum run_mode
known(enum run_mode m)
{
	return (unsigned)m < N_MODES ? m : RUN_LIVE;
}

const char *
run_mode_name(enum run_mode m)
{
	return modes[known(m)].name;
}

const char *
run_mode_word(enum run_mode m)
{
	return modes[known(m)].word;
}

const char *
run_mode_label(enum run_mode m)
{
	return modes[known(m)].label;
}

int
run_mode_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < N_MODES; i++)
		if (str_eq(name, modes[i].name))
			return (int)i;
	return -1;
}

bool
run_mode_executes(enum run_mode m)
{
	return m == RUN_LIVE || m == RUN_DRILL;
}

char *
run_mode_refusal(const char *reason, const char *what)
{
	return xasprintf("read-only mode (%s): refused; %s",
			 reason != NULL ? reason : "no reason given", what);
}
