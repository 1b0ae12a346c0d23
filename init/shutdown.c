/* The end of the shutdown sequence: sync, unmount, sync, reboot(2). */
#include "init.h"

#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

void shutdown_finish(struct init *in)
{
	log_info("shutdown: syncing and unmounting");
	/* A bound socket keeps /run busy. */
	initctl_server_close(in);
	sync();
	mounts_unmount_all(in);
	/* In a VM the root may be a real filesystem: leave it clean. The test
	 * namespace shares the machine's root, which must not be touched. */
	if (in->vm && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0 && errno != EBUSY)
		log_debug("shutdown: cannot remount / read-only: %s", strerror(errno));
	sync();
	if (in->app_exited)
		log_info("shutdown: done (app-exit status=%d); %s", in->app_status,
			 in->reboot_cmd == RB_AUTOBOOT ? "rebooting" : "powering off");
	else
		log_info("shutdown: done; %s",
			 in->reboot_cmd == RB_AUTOBOOT ? "rebooting" : "powering off");
	reboot(in->reboot_cmd);
	/* Only reached when reboot(2) failed: try to stop the machine another way. */
	log_err("shutdown: reboot(2) failed: %s; halting", strerror(errno));
	reboot(RB_POWER_OFF);
	reboot(RB_HALT_SYSTEM);
	for (;;)
		pause();
}
