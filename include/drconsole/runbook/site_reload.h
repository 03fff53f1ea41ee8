/*
 * site_reload.h: a site model that follows its env dir during a run. A step
 * may edit the env dir (a fail-back moves hosts between inventory groups);
 * the next step must see the edit without a resume. A stamp of the env dir
 * (every regular file's name, size, mtime and inode) tells when to re-read.
 */
#ifndef DRCONSOLE_SITE_RELOAD_H
#define DRCONSOLE_SITE_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "drconsole/config/config.h"
#include "drconsole/util/diag.h"
#include "drconsole/config/site.h"

/* A stamp of dir's files (not recursive); 0 when dir cannot be read. */
uint64_t site_env_stamp(const char *dir);

/*
 * Re-read the site of role when its env dir's stamp differs from *stamp
 * (updated). Returns a new site (the caller frees it and stops using the
 * old one) or NULL: unchanged, or the new contents do not load cleanly
 * (*err says why; the old model stays in use).
 */
struct site *site_reload_if_changed(const struct config *cfg, enum site_role role,
				    const struct site *cur, uint64_t *stamp, char **err);

#endif
