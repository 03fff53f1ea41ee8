/*
 * ssh_init.c: libssh2_init, once per process, before the first session
 * (ssh_pool.c) or the first knownhost check (ssh_hostkey.c).
 */
#include "ssh_priv.h"

#include <pthread.h>

#include "drconsole/util/log.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void
do_global_init(void)
{
	init_rc = libssh2_init(0);
	if (init_rc != 0)
		log_msg(LOG_ERROR, "libssh2_init: failed (%d)", init_rc);
}

void
ssh_global_init(void)
{
	pthread_once(&init_once, do_global_init);
}
