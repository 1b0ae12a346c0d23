#include "ctl_target.h"
#include "ports.h"
#include "vsock_addr.h"

#include <errno.h>
#include <string.h>

static int fail(const char **ret_why, const char *why)
{
	if (ret_why)
		*ret_why = why;
	return -EINVAL;
}

static int copy_path(struct ctl_target *t, const char *p, size_t len, const char **ret_why)
{
	if (len == 0)
		return fail(ret_why, "empty socket path");
	if (len >= sizeof(t->path))
		return fail(ret_why, "socket path longer than 107 bytes");
	memcpy(t->path, p, len);
	t->path[len] = '\0';
	return 0;
}

static int parse_vsock(const char *rest, struct ctl_target *t, const char **ret_why)
{
	char cid[16];
	const char *colon = strchr(rest, ':');
	size_t cid_len = colon ? (size_t)(colon - rest) : strlen(rest);
	if (cid_len == 0)
		return fail(ret_why, "missing CID");
	if (cid_len >= sizeof(cid))
		return fail(ret_why, "CID is not a number from " VSOCK_GUEST_CID_RANGE);
	memcpy(cid, rest, cid_len);
	cid[cid_len] = '\0';
	if (vsock_guest_cid_parse(cid, &t->cid) < 0)
		return fail(ret_why, "CID is not a number from " VSOCK_GUEST_CID_RANGE);
	if (colon && vsock_port_parse(colon + 1, &t->port) < 0)
		return fail(ret_why, "port is not a number from " VSOCK_PORT_RANGE);
	return 0;
}

static int parse_hybrid(const char *rest, struct ctl_target *t, const char **ret_why)
{
	size_t len = strlen(rest);
	/* A trailing ":digits" is the port; any other colon belongs to the path. */
	const char *colon = strrchr(rest, ':');
	if (colon) {
		const char *digits = colon + 1;
		size_t nd = strspn(digits, "0123456789");
		if (digits[0] == '\0')
			return fail(ret_why, "empty port after ':'");
		if (digits[nd] == '\0') {
			if (vsock_port_parse(digits, &t->port) < 0)
				return fail(ret_why, "port is not a number from " VSOCK_PORT_RANGE);
			len = (size_t)(colon - rest);
		}
	}
	return copy_path(t, rest, len, ret_why);
}

int ctl_target_parse(const char *s, struct ctl_target *ret, const char **ret_why)
{
	struct ctl_target t;
	memset(&t, 0, sizeof(t));
	t.port = APPVM_AGENT_PORT;
	int r;
	if (strncmp(s, "vsock:", 6) == 0) {
		t.transport = CTL_TRANSPORT_VSOCK;
		r = parse_vsock(s + 6, &t, ret_why);
	} else if (strncmp(s, "hybrid:", 7) == 0) {
		t.transport = CTL_TRANSPORT_HYBRID;
		r = parse_hybrid(s + 7, &t, ret_why);
	} else if (strncmp(s, "unix:", 5) == 0) {
		t.transport = CTL_TRANSPORT_UNIX;
		r = copy_path(&t, s + 5, strlen(s + 5), ret_why);
	} else {
		return fail(ret_why, "target must start with vsock:, hybrid: or unix:");
	}
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

const char *ctl_transport_name(enum ctl_transport t)
{
	switch (t) {
	case CTL_TRANSPORT_VSOCK:
		return "vsock";
	case CTL_TRANSPORT_HYBRID:
		return "hybrid";
	case CTL_TRANSPORT_UNIX:
		return "unix";
	}
	return "?";
}
