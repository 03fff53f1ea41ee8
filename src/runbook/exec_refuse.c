/*
 * exec_refuse.c: the executor of a read-only run. It runs nothing: every
 * request fails before any connection or process, with the reason. The run
 * driver refuses a read-only run at its gate; this is the second wall, so a
 * path that reaches an executor anyway still cannot execute.
 */
#include <stdlib.h>
#include <string.h>

#include "drconsole/runbook/executor.h"
#include "drconsole/runbook/run_mode.h"
#include "drconsole/util/util.h"

static int
refuse_run(struct executor *ex, const struct exec_request *req, struct exec_result *result)
{
	char *what = xasprintf("no command runs on %s", req->host != NULL ? req->host : "?");

	memset(result, 0, sizeof *result);
	result->exit_status = -1;
	result->error = run_mode_refusal(ex->impl, what);
	free(what);
	return -1;
}

static void
refuse_free(struct executor *ex)
{
	free(ex->impl);
	free(ex);
}

struct executor *
executor_refusing_create(const char *reason)
{
	struct executor *ex = xcalloc(1, sizeof *ex);

	ex->name = run_mode_name(RUN_READ_ONLY);
	ex->run = refuse_run;
	ex->free = refuse_free;
	ex->impl = reason != NULL ? xstrdup(reason) : NULL;
	return ex;
}
