#include "sysinfo.h"

#include "handler.h"
#include "io.h"
#include "log.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t agent_uptime_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
		return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	char text[128];
	uint64_t ms;
	if (io_read_file("/proc/uptime", text, sizeof(text)) > 0 &&
	    agent_parse_uptime(text, &ms) == 0)
		return ms;
	return 0;
}

const char *agent_vm_name(const char *name)
{
	static char host[HOST_NAME_MAX + 1];
	if (name)
		return name;
	if (gethostname(host, sizeof(host)) < 0)
		return "";
	host[sizeof(host) - 1] = '\0';
	return agent_name_ok(host, strlen(host)) ? host : "";
}

void agent_sysinfo_gather(struct agent_sysinfo *si, const char *vm_name)
{
	struct proto_status *st = &si->st;
	char text[512];

	memset(si, 0, sizeof(*si));
	st->vm_name = proto_str_from(vm_name);
	st->agent_version = proto_str_from(AGENT_SOFTWARE);
	st->protocol_version = PROTO_VERSION_MAX;
	st->uptime_ms = agent_uptime_ms();

	/* meminfo is longer than text; the two fields come first. */
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = io_read_some(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		if (agent_parse_meminfo(text, &st->mem_total_kib, &st->mem_available_kib) < 0)
			log_debug("cannot parse /proc/meminfo");
	}
	if (io_read_file("/proc/loadavg", text, sizeof(text)) <= 0 ||
	    agent_parse_loadavg(text, st->load_milli) < 0)
		log_debug("cannot read /proc/loadavg");

	if (getifaddrs(&si->ifa) < 0) {
		si->ifa = NULL;
		log_debug("getifaddrs: %s", strerror(errno));
	}
	for (struct ifaddrs *i = si->ifa; i && st->n_addrs < PROTO_MAX_ADDRS; i = i->ifa_next)
		if (agent_addr_from_ifaddr(i->ifa_name, i->ifa_flags, i->ifa_addr, i->ifa_netmask,
					   &st->addrs[st->n_addrs]))
			st->n_addrs++;
}

void agent_sysinfo_free(struct agent_sysinfo *si)
{
	if (si->ifa)
		freeifaddrs(si->ifa);
	si->ifa = NULL;
}
