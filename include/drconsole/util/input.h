/*
 * input.h: the one reader of local input files (drconsole.yml, env dir
 * files, inventories, known_hosts, runbooks, themes, journals). A FIFO, a
 * device or a directory is refused without blocking, and each kind of file
 * has a size cap checked before anything is parsed, so a planted path can
 * neither hang drconsole nor exhaust the machine.
 */
#ifndef DRCONSOLE_INPUT_H
#define DRCONSOLE_INPUT_H

#include <stddef.h>

enum input_kind {
	INPUT_CONFIG,		/* drconsole.yml and the system config */
	INPUT_ENV_YAML,		/* meta.yml, public.yml, postgresql.yml, ... */
	INPUT_INVENTORY,	/* inventory.ini */
	INPUT_RUNBOOK,
	INPUT_THEME,
	INPUT_OTHER,		/* known_hosts, journals, anything else */
	INPUT_KIND_COUNT,
};

/* The cap of a kind in bytes, and what the kind is called in messages. */
size_t input_max_bytes(enum input_kind kind);
const char *input_kind_name(enum input_kind kind);

/*
 * Read path into a NUL-terminated buffer (*len_out its length, which may
 * include NUL bytes). The file is opened with O_NONBLOCK|O_CLOEXEC, must be
 * a regular file (symlinks followed) of at most input_max_bytes(kind), and
 * at most that many bytes plus one are read. NULL on failure with errno
 * set (EINVAL for a file that is not regular, EFBIG for one over the cap)
 * and, when err is not NULL, *err saying why without the path, e.g. "a FIFO
 * (named pipe), not a regular file" (caller frees).
 */
char *input_read(const char *path, enum input_kind kind, size_t *len_out, char **err);

#endif
