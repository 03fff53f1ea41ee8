/* state_dir.c: the state directory's owner and mode (see state_dir.h). */
#include "drconsole/util/state_dir.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drconsole/util/util.h"

static bool
in_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (getegid() == gid)
		return true;
	n = getgroups((int)ARRAY_LEN(groups), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

int
state_dir_check(const char *dir, char **why)
{
	struct stat st;
	unsigned mode;
	bool shared;

	*why = NULL;
	if (dir == NULL || *dir == '\0')
		return 0;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		*why = xasprintf("state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	mode = (unsigned)st.st_mode & 07777;
	if (!S_ISDIR(st.st_mode)) {
		*why = xasprintf("state directory %s is not a directory", dir);
		return -1;
	}
	if (mode & S_IWOTH) {
		*why = xasprintf("state directory %s is writable by others (mode %04o): anyone could "
				 "plant journals or logs there; make it private (chmod 700 %s)",
				 dir, mode, dir);
		return -1;
	}
	shared = (mode & S_ISGID) && (mode & S_IWGRP) && in_group(st.st_gid);
	if ((mode & S_IWGRP) && !shared) {
		*why = xasprintf("state directory %s is writable by its group (mode %04o): make it "
				 "private (chmod 700 %s), or set it up to be shared by a group of "
				 "operators you belong to (chgrp GROUP; chmod 2770)", dir, mode, dir);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0 && !shared) {
		*why = xasprintf("state directory %s belongs to uid %ld, not to this user (uid %ld): "
				 "use a directory of your own (state_dir)", dir, (long)st.st_uid,
				 (long)geteuid());
		return -1;
	}
	return 0;
}

bool
state_dir_shared(const char *dir)
{
	struct stat st;

	return dir != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_ISGID);
}

char *
state_dir_user_file(const char *dir, const char *base, const char *ext)
{
	struct passwd *pw;
	char *name, *path;

	if (!state_dir_shared(dir))
		return xasprintf("%s/%s.%s", dir, base, ext);
	pw = getpwuid(geteuid());
	name = pw != NULL && pw->pw_name[0] != '\0' ? xstrdup(pw->pw_name)
						     : xasprintf("uid%ld", (long)geteuid());
	for (char *c = name; *c != '\0'; c++)	/* a file name, whatever the user database says */
		if (*c == '/' || (unsigned char)*c < 0x20)
			*c = '_';
	path = xasprintf("%s/%s.%s.%s", dir, base, name, ext);
	free(name);
	return path;
}
