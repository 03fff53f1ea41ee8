/*
 * ssh_sftp.c: listing a directory and reading a small file over SFTP on a
 * leased session (backup directories, s3_backup_status.txt).
 *
 * DESIGN: an SFTP channel is opened for each call and shut down at its end,
 * so nothing SFTP-related outlives the call and the kept session stays a
 * plain session. Every libssh2 call is non-blocking and waits in poll()
 * against the caller's deadline; on a timeout or transport error the
 * socket is shut down first (nothing more goes out), then the SFTP handle
 * and the session are freed and the lease is marked broken.
 */
#include "drconsole/ssh/ssh.h"

#include <libssh2_sftp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "drconsole/util/strbuf.h"
#include "drconsole/util/util.h"
#include "ssh_priv.h"

void
ssh_dirents_free(struct ssh_dirent *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}

static const char *
sftp_error(LIBSSH2_SFTP *sftp, LIBSSH2_SESSION *session)
{
	static const char *const names[] = {
		"OK", "EOF", "no such file", "permission denied", "failure", "bad message",
		"no connection", "connection lost", "operation unsupported",
	};
	char *msg = NULL;

	if (sftp != NULL && libssh2_session_last_errno(session) == LIBSSH2_ERROR_SFTP_PROTOCOL) {
		unsigned long code = libssh2_sftp_last_error(sftp);

		return code < ARRAY_LEN(names) ? names[code] : "SFTP error";
	}
	libssh2_session_last_error(session, &msg, NULL, 0);
	return msg != NULL && *msg != '\0' ? msg : "unknown libssh2 error";
}

/* Tear the connection down after a failure with an SFTP channel open. */
static void
sftp_abandon(struct ssh_conn *c, LIBSSH2_SFTP **sftp)
{
	if (c->sock >= 0)
		shutdown(c->sock, SHUT_RDWR);	/* nothing more goes out */
	if (*sftp != NULL)
		libssh2_sftp_shutdown(*sftp);	/* frees the handle; its close fails at once */
	*sftp = NULL;
	ssh_conn_close(c);
	c->broken = true;
}

static LIBSSH2_SFTP *
sftp_open(struct ssh_conn *c, long long deadline, char **err)
{
	LIBSSH2_SFTP *sftp;

	if (c->session == NULL) {
		*err = xasprintf("sftp %s: no session", c->key);
		return NULL;
	}
	while ((sftp = libssh2_sftp_init(c->session)) == NULL) {
		if (libssh2_session_last_errno(c->session) != LIBSSH2_ERROR_EAGAIN ||
		    ssh_wait_socket(c, deadline, 0) <= 0) {
			*err = xasprintf("sftp init on %s:%d: %s", c->address, c->port,
					 libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_EAGAIN
					 ? "no answer before the deadline" : sftp_error(NULL, c->session));
			c->broken = true;
			return NULL;
		}
	}
	return sftp;
}

/* Shut the SFTP channel down, keeping the session; false (lease broken) on failure. */
static bool
sftp_close(struct ssh_conn *c, LIBSSH2_SFTP *sftp, long long deadline)
{
	int rc;

	while ((rc = libssh2_sftp_shutdown(sftp)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait_socket(c, deadline, 0) <= 0) {
			sftp_abandon(c, &sftp);
			return false;
		}
	if (rc != 0)
		c->broken = true;
	return rc == 0;
}

static LIBSSH2_SFTP_HANDLE *
open_handle(struct ssh_conn *c, LIBSSH2_SFTP *sftp, const char *path, int type,
	    long long deadline, bool *missing, char **err)
{
	LIBSSH2_SFTP_HANDLE *h;

	*missing = false;
	while ((h = libssh2_sftp_open_ex(sftp, path, (unsigned)strlen(path), LIBSSH2_FXF_READ, 0,
					 type)) == NULL) {
		int e = libssh2_session_last_errno(c->session);

		if (e == LIBSSH2_ERROR_EAGAIN && ssh_wait_socket(c, deadline, 0) > 0)
			continue;
		if (e == LIBSSH2_ERROR_SFTP_PROTOCOL &&
		    libssh2_sftp_last_error(sftp) == LIBSSH2_FX_NO_SUCH_FILE)
			*missing = true;
		*err = xasprintf("sftp open(%s:%s): %s", c->address, path,
				 e == LIBSSH2_ERROR_EAGAIN ? "no answer before the deadline"
				 : sftp_error(sftp, c->session));
		return NULL;
	}
	return h;
}

static bool
close_handle(struct ssh_conn *c, LIBSSH2_SFTP_HANDLE *h, long long deadline)
{
	int rc;

	while ((rc = libssh2_sftp_close_handle(h)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait_socket(c, deadline, 0) <= 0)
			return false;
	return rc == 0;
}

int
ssh_lease_sftp_list(struct ssh_lease *lease, const char *dir, long long deadline,
		    struct ssh_dirent **out, size_t *n, char **err)
{
	struct ssh_conn *c = lease->conn;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_SFTP_HANDLE *h;
	size_t cap = 0;
	bool missing;

	*out = NULL;
	*n = 0;
	*err = NULL;
	sftp = sftp_open(c, deadline, err);
	if (sftp == NULL)
		return -1;
	h = open_handle(c, sftp, dir, LIBSSH2_SFTP_OPENDIR, deadline, &missing, err);
	if (h == NULL) {
		if (libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_SFTP_PROTOCOL)
			sftp_close(c, sftp, deadline);
		else
			sftp_abandon(c, &sftp);
		return -1;
	}
	for (;;) {
		char name[512];
		LIBSSH2_SFTP_ATTRIBUTES attrs;
		int rc = libssh2_sftp_readdir_ex(h, name, sizeof name, NULL, 0, &attrs);
		struct ssh_dirent *d;

		if (rc == LIBSSH2_ERROR_EAGAIN) {
			if (ssh_wait_socket(c, deadline, 0) > 0)
				continue;
			*err = xasprintf("sftp readdir(%s:%s): no answer before the deadline",
					 c->address, dir);
			break;
		}
		if (rc < 0) {
			*err = xasprintf("sftp readdir(%s:%s): %s", c->address, dir,
					 sftp_error(sftp, c->session));
			break;
		}
		if (rc == 0)
			break;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		grow_array(out, &cap, *n + 1, sizeof **out);
		d = &(*out)[(*n)++];
		d->name = xstrndup(name, (size_t)rc);
		d->size = (attrs.flags & LIBSSH2_SFTP_ATTR_SIZE) ? attrs.filesize : 0;
		d->mtime = (attrs.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (long long)attrs.mtime : -1;
		d->is_dir = (attrs.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
			    LIBSSH2_SFTP_S_ISDIR(attrs.permissions);
	}
	if (*err != NULL) {
		sftp_abandon(c, &sftp);
		ssh_dirents_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (!close_handle(c, h, deadline)) {
		sftp_abandon(c, &sftp);
		return 0;	/* the listing is complete; only the session is lost */
	}
	sftp_close(c, sftp, deadline);
	return 0;
}

int
ssh_lease_sftp_read(struct ssh_lease *lease, const char *path, size_t max, long long deadline,
		    char **data, size_t *len, long long *mtime, char **err)
{
	struct ssh_conn *c = lease->conn;
	struct strbuf sb = STRBUF_INIT;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_SFTP_HANDLE *h;
	LIBSSH2_SFTP_ATTRIBUTES attrs;
	bool missing;
	int rc;

	*data = NULL;
	*len = 0;
	*mtime = -1;
	*err = NULL;
	sftp = sftp_open(c, deadline, err);
	if (sftp == NULL)
		return -1;
	h = open_handle(c, sftp, path, LIBSSH2_SFTP_OPENFILE, deadline, &missing, err);
	if (h == NULL) {
		if (libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_SFTP_PROTOCOL)
			sftp_close(c, sftp, deadline);
		else
			sftp_abandon(c, &sftp);
		if (missing) {
			free(*err);
			*err = NULL;
			return 1;
		}
		return -1;
	}
	while ((rc = libssh2_sftp_fstat_ex(h, &attrs, 0)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait_socket(c, deadline, 0) <= 0)
			break;
	if (rc == 0 && (attrs.flags & LIBSSH2_SFTP_ATTR_ACMODTIME))
		*mtime = (long long)attrs.mtime;
	while (sb.len < max) {
		char buf[4096];
		size_t want = max - sb.len < sizeof buf ? max - sb.len : sizeof buf;
		ssize_t got = libssh2_sftp_read(h, buf, want);

		if (got == LIBSSH2_ERROR_EAGAIN) {
			if (ssh_wait_socket(c, deadline, 0) > 0)
				continue;
			*err = xasprintf("sftp read(%s:%s): no answer before the deadline", c->address,
					 path);
			break;
		}
		if (got < 0) {
			*err = xasprintf("sftp read(%s:%s): %s", c->address, path,
					 sftp_error(sftp, c->session));
			break;
		}
		if (got == 0)
			break;
		strbuf_add(&sb, buf, (size_t)got);
	}
	if (*err != NULL) {
		strbuf_free(&sb);
		sftp_abandon(c, &sftp);
		return -1;
	}
	*len = sb.len;
	*data = strbuf_detach(&sb);
	if (*data == NULL)
		*data = xstrdup("");
	if (!close_handle(c, h, deadline))
		sftp_abandon(c, &sftp);
	else
		sftp_close(c, sftp, deadline);
	return 0;
}
