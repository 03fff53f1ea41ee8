/*
 * site_reload.c: re-read a site's env dir when its files change (see
 * site_reload.h). The stamp is an FNV-1a hash over the sorted directory
 * entries, so the order readdir returns them in does not matter.
 */
#include "drconsole/runbook/site_reload.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drconsole/util/util.h"

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

uint64_t
site_env_stamp(const char *dir)
{
	DIR *d = dir != NULL ? opendir(dir) : NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	uint64_t h = 14695981039346656037ULL;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			long long v[4] = { (long long)st.st_size, (long long)st.st_mtim.tv_sec,
					   (long long)st.st_mtim.tv_nsec, (long long)st.st_ino };

			h = fnv(h, names[i], strlen(names[i]) + 1);
			h = fnv(h, v, sizeof v);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return h == 0 ? 1 : h;
}

struct site *
site_reload_if_changed(const struct config *cfg, enum site_role role, const struct site *cur,
		       uint64_t *stamp, char **err)
{
	const char *dir = cur != NULL ? cur->env_dir : cfg->sites[role].env_dir;
	uint64_t now = site_env_stamp(dir);
	struct diag_list dl = DIAG_LIST_INIT;
	struct site *s;

	*err = NULL;
	if (now == *stamp)
		return NULL;
	*stamp = now;
	s = site_load(cfg, role, &dl);
	if (s == NULL || dl.errors > 0) {
		char *first = NULL;

		for (size_t i = 0; i < dl.n && first == NULL; i++)
			if (dl.items[i].severity == DIAG_ERROR)
				first = diag_format(&dl.items[i]);
		*err = xasprintf("%s changed but does not load cleanly (%s): still using the model "
				 "read before", dir != NULL ? dir : "?", first != NULL ? first : "no site");
		free(first);
		site_free(s);
		s = NULL;
	}
	diag_list_free(&dl);
	return s;
}
