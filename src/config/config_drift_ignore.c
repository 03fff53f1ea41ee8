/*
 * config_drift_ignore.c: drconsole.yml's drift_ignore, the drift findings a
 * team has looked at and accepts. Each entry is {key, reason}: the reason
 * is required, so an accepted difference always says why.
 */
#include "drconsole/config/config_table.h"

#include <stdlib.h>
#include <string.h>

#include "drconsole/config/yaml_doc.h"

void
config_drift_ignore_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_drift_ignore; i++) {
		free(cfg->drift_ignore[i].key);
		free(cfg->drift_ignore[i].reason);
	}
	free(cfg->drift_ignore);
	cfg->drift_ignore = NULL;
	cfg->n_drift_ignore = 0;
}

bool
config_drift_ignore_set(struct config *cfg, const struct ynode *n, const char *file,
			struct diag_list *dl)
{
	bool ok = true;

	config_drift_ignore_free(cfg);
	if (n->type != YN_SEQ) {
		ynode_expect(dl, file, n, "drift_ignore", "a list of {key, reason}");
		return false;
	}
	cfg->drift_ignore = xcalloc(n->n + 1, sizeof *cfg->drift_ignore);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *e = n->items[i];
		const char *key = ynode_str(ynode_get(e, "key"));
		const char *reason = ynode_str(ynode_get(e, "reason"));
		struct config_drift_ignore *di;

		if (e->type != YN_MAP) {
			ynode_expect(dl, file, e, "drift_ignore entry", "a mapping {key, reason}");
			ok = false;
			continue;
		}
		for (size_t k = 0; k < e->n; k++) {
			const struct ynode *kn = e->pairs[k].key;

			if (strcmp(kn->value, "key") != 0 && strcmp(kn->value, "reason") != 0) {
				diag_error(dl, file, kn->line, kn->col, "drift_ignore: unknown field '%s' "
					   "(known: key, reason)", kn->value);
				ok = false;
			} else if (ynode_str(e->pairs[k].value) == NULL ||
				   *ynode_str(e->pairs[k].value) == '\0') {
				ynode_expect(dl, file, e->pairs[k].value, kn->value, "a non-empty string");
				ok = false;
			}
		}
		if (key == NULL || reason == NULL) {
			if (ynode_get(e, key == NULL ? "key" : "reason") == NULL) {
				diag_error(dl, file, e->line, e->col, "drift_ignore entry without %s: "
					   "each entry needs the finding's key and the reason it is accepted",
					   key == NULL ? "key" : "reason");
				ok = false;
			}
			continue;
		}
		di = &cfg->drift_ignore[cfg->n_drift_ignore++];
		di->key = xstrdup(key);
		di->reason = xstrdup(reason);
		di->line = e->line;
		di->col = e->col;
	}
	return ok;
}
