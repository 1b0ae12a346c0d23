/* Gathers what the status record reports from the running system: /proc
 * files, the clock, the hostname and getifaddrs(). The parsing is in
 * status.c; this file only reads. */
#ifndef APPVM_AGENT_SYSINFO_H
#define APPVM_AGENT_SYSINFO_H

#include "policy.h"
#include "proto.h"

#include <ifaddrs.h>

struct agent_sysinfo {
	struct proto_status st; /* strings point into ifa */
	struct ifaddrs *ifa;
};

/* Returns the milliseconds since boot (CLOCK_BOOTTIME, else /proc/uptime),
 * or 0 when neither can be read. */
uint64_t agent_uptime_ms(void);

/* Returns the VM name to report: `name` when given, else the hostname when it
 * is a valid NAME, else "". The result stays valid until the next call. */
const char *agent_vm_name(const char *name);

/* Fills si->st from the system: the VM name, versions, uptime, memory, load
 * and addresses. What comes from init (the app, the stores) is left zero
 * for agent_status_from_initctl(). Parts that cannot be read are left zero
 * (and logged at debug level). Release with agent_sysinfo_free(). */
void agent_sysinfo_gather(struct agent_sysinfo *si, const char *vm_name);

/* Frees what agent_sysinfo_gather() took. */
void agent_sysinfo_free(struct agent_sysinfo *si);

#endif
