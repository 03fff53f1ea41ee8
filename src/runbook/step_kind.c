/*
 * step_kind.c: the table of step kinds (step_kind.h), made from RB_KINDS
 * (runbook.h): one row per kind, each kind in its own step_<name>.c.
 */
#include "drconsole/runbook/step_kind.h"

#include <string.h>

#define STEP_KIND_ROW_(e, name) [e] = &step_kind_##name,
const struct step_kind *const step_kinds[RB_N_KINDS] = {
	RB_KINDS(STEP_KIND_ROW_)
};
#undef STEP_KIND_ROW_

const struct step_kind *
step_kind_of(const struct rb_step *st)
{
	return (unsigned)st->kind < RB_N_KINDS ? step_kinds[st->kind] : step_kinds[0];
}

const struct step_kind *
step_kind_find(const char *name, enum rb_kind *kind)
{
	for (int k = 0; k < RB_N_KINDS; k++) {
		if (strcmp(step_kinds[k]->name, name) == 0) {
			if (kind != NULL)
				*kind = (enum rb_kind)k;
			return step_kinds[k];
		}
	}
	return NULL;
}

const char *
rb_kind_name(enum rb_kind k)
{
	return (unsigned)k < RB_N_KINDS ? step_kinds[k]->name : "run";
}
