/*
 * audit.c: append-only JSON lines, one write + fsync per record. Uses the
 * journal's line writer (a failed write leaves no fragment); kept separate
 * because it spans runs and is what a post-incident review reads. Opened
 * with O_NOFOLLOW and mode 0600: a symlink planted at audit.log is refused,
 * never followed.
 */
#include "drconsole/runbook/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drconsole/runbook/journal.h"
#include "drconsole/util/state_dir.h"
#include "drconsole/util/util.h"

struct audit {
	int fd;
	char *path;
};

char *
audit_whoami(void)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw != NULL ? pw->pw_name : "?";
	const char *sudo = getenv("SUDO_USER");

	if (sudo != NULL && *sudo != '\0' && strcmp(sudo, name) != 0)
		return xasprintf("%s (sudo from %s)", name, sudo);
	return xstrdup(name);
}

struct audit *
audit_open(const char *state_dir, char **err)
{
	struct audit *a;
	struct stat st;
	char *path;
	int fd;

	if (mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("mkdir(%s): %s", state_dir, strerror(errno));
		return NULL;
	}
	/* shared setup: audit.USER.log, one per operator, readable by the team */
	path = state_dir_user_file(state_dir, "audit", "log");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = xasprintf("open(%s): %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err = xasprintf("open(%s): not a regular file", path);
		close(fd);
		free(path);
		return NULL;
	}
	if (state_dir_shared(state_dir) && st.st_uid == geteuid() && (st.st_mode & 0777) != 0640)
		(void)fchmod(fd, 0640);
	a = xcalloc(1, sizeof *a);
	a->fd = fd;
	a->path = path;
	return a;
}

int
audit_write(struct audit *a, json_t *ev, char **err)
{
	char stamp[32], *who = audit_whoami();
	const char *ssh_client = getenv("SSH_CLIENT");
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(ev, "time", json_string(stamp));
	json_object_set_new(ev, "user", json_string(who));
	json_object_set_new(ev, "ssh_client", ssh_client != NULL ?
			    json_string(ssh_client) : json_null());
	free(who);
	return journal_write_json(a->fd, ev, 0, a->path, err);
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	close(a->fd);
	free(a->path);
	free(a);
}
