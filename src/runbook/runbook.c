/*
 * runbook.c: the runbook data model. Loading from YAML lives in
 * runbook_load.c; this file holds what needs no parser.
 */
#include "drconsole/runbook/runbook.h"

#include <stdlib.h>
#include <string.h>

const char *
rb_model_name(enum rb_model m)
{
	switch (m) {
	case RB_MODEL_REPLICATED:
		return "replicated";
	case RB_MODEL_RESTORE:
		return "restore";
	case RB_MODEL_FAILBACK:
		return "failback";
	case RB_MODEL_VERIFY:
		return "verify";
	}
	return "replicated";
}

const char *
runbook_var(const struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->n_vars; i++)
		if (strcmp(rb->vars[i].name, name) == 0)
			return rb->vars[i].value;
	return NULL;
}

int
runbook_step_index(const struct runbook *rb, const char *id)
{
	for (size_t i = 0; i < rb->n_steps; i++)
		if (strcmp(rb->steps[i].id, id) == 0)
			return (int)i;
	return -1;
}

void
runbook_free(struct runbook *rb)
{
	if (rb == NULL)
		return;
	for (size_t i = 0; i < rb->n_steps; i++) {
		struct rb_step *s = &rb->steps[i];

		free(s->id);
		free(s->title);
		free(s->on_target);
		free(s->become);
		free(s->run);
		free(s->stdin_tmpl);
		free(s->check_probe);
		free(s->check_command);
		free(s->expect_output);
		free(s->manual);
		free(s->when);
		free(s->verify_command);
		free(s->verify_sql);
		free(s->check_store);
		free(s->verify_expect_output);
		free(s->undone_by);
		if (s->kind_data_free != NULL)
			s->kind_data_free(s->kind_data);
	}
	for (size_t i = 0; i < rb->n_vars; i++) {
		free(rb->vars[i].name);
		free(rb->vars[i].value);
	}
	free(rb->vars);
	free(rb->steps);
	free(rb->path);
	free(rb->name);
	free(rb->description);
	free(rb);
}
