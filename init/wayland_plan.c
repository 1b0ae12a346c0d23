#include "wayland_plan.h"

#include "ports.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Appends cmdline's words, through its store's loader when it has one. */
static int add_command(const struct cfg *c, const struct storerun *rts, struct util_words *out,
		       const char *cmdline, char *err, size_t errlen)
{
	struct util_words cmd;
	util_words_init(&cmd);
	int r = util_words_split(&cmd, cmdline);
	if (r < 0)
		return r;
	return storerun_command(c, rts, &cmd, out, err, errlen);
}

static int add_words(struct util_words *w, const char *const *words)
{
	for (; *words; words++) {
		int r = util_words_add(w, *words);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan(const struct cfg *c, const struct storerun *rts, struct wayland_plan *p, char *err,
		size_t errlen)
{
	int r;

	util_copy(p->relay_socket, sizeof(p->relay_socket), WAYLAND_RELAY_SOCKET);
	util_copy(p->data_control, sizeof(p->data_control),
		  c->wayland.data_control[0] ? c->wayland.data_control : WAYLAND_DATA_CONTROL);
	if (c->wayland.target[0])
		util_copy(p->target, sizeof(p->target), c->wayland.target);
	else
		snprintf(p->target, sizeof(p->target), "vsock:%u:%u", APPVM_HOST_CID,
			 APPVM_WAYLAND_PORT);
	util_copy(p->display, sizeof(p->display),
		  p->filter ? WAYLAND_WAYPIPE_SOCKET : p->app_socket);

	/* The relay: waypipe server connects to it once per client. */
	if ((r = add_command(c, rts, &p->relay, c->wayland.relay, err, errlen)) < 0)
		return r;
	const char *relay_args[] = {"--listen", p->relay_socket, "--target", p->target, NULL};
	if ((r = add_words(&p->relay, relay_args)) < 0)
		return r;

	/* waypipe server: --no-gpu, as a VM has none; its display is the
	 * apps' socket, or the filter's upstream. */
	if ((r = add_command(c, rts, &p->waypipe, c->wayland.waypipe, err, errlen)) < 0)
		return r;
	const char *wp_args[] = {
	    "--no-gpu", "--socket", p->relay_socket, "--display", p->display, "server", "--", NULL};
	if ((r = add_words(&p->waypipe, wp_args)) < 0)
		return r;
	/* Its command: waypipe server exits with it. */
	if (p->filter) {
		if ((r = add_command(c, rts, &p->waypipe, c->wayland.filter, err, errlen)) < 0)
			return r;
		const char *f_args[] = {"guest",    "--listen",	      p->app_socket,   "--upstream",
					p->display, "--data-control", p->data_control, NULL};
		if ((r = add_words(&p->waypipe, f_args)) < 0 ||
		    (r = util_words_split(&p->waypipe, c->wayland.filter_args)) < 0)
			return r;
	} else {
		if ((r = add_command(c, rts, &p->waypipe, c->wayland.relay, err, errlen)) < 0 ||
		    (r = util_words_add(&p->waypipe, "--hold")) < 0)
			return r;
	}
	return 0;
}

int wayland_plan(const struct cfg *c, const char *runtime_dir, const struct storerun *rts,
		 struct wayland_plan *ret, char *err, size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	util_words_init(&ret->relay);
	util_words_init(&ret->waypipe);
	int n = snprintf(ret->app_socket, sizeof(ret->app_socket), "%s/%s", runtime_dir,
			 c->wayland.socket);
	if (n < 0 || (size_t)n >= sizeof(ret->app_socket)) {
		snprintf(err, errlen, "wayland: the apps' socket path is too long: %s/%s",
			 runtime_dir, c->wayland.socket);
		return -EINVAL;
	}
	ret->transport = c->wayland.waypipe[0] != '\0';
	ret->filter = ret->transport && c->wayland.filter[0] != '\0';
	if (!ret->transport)
		return 0;
	char why[CFG_VALUE_MAX] = "";
	int r = plan(c, rts, ret, why, sizeof(why));
	if (r == -E2BIG)
		snprintf(err, errlen,
			 "wayland: the command lines are too long (at most %d words, %d bytes)",
			 UTIL_WORDS_MAX, UTIL_WORDS_BUF);
	else if (r < 0)
		snprintf(err, errlen, "wayland: %s", why[0] ? why : "bad command line");
	return r;
}

/* The kernel lists the address as it was bound: a program that changed
 * directory and bound "wayland-0" (waypipe does) shows a relative path. */
static bool same_socket(const char *listed, size_t len, const char *path, size_t plen)
{
	if (len == plen && memcmp(listed, path, len) == 0)
		return true;
	return len > 0 && listed[0] != '/' && listed[0] != '@' && len < plen &&
	       path[plen - len - 1] == '/' && memcmp(path + plen - len, listed, len) == 0;
}

bool wayland_socket_listening(const char *text, const char *path)
{
	/* "Num RefCount Protocol Flags Type St Inode Path": Flags 00010000 is
	 * __SO_ACCEPTCON (listening), Type 0001 SOCK_STREAM. The path is the
	 * rest of the line after the seventh field. */
	size_t plen = strlen(path);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		unsigned long flags = 0, type = 0;
		int off = 0;
		if (sscanf(p, "%*s %*s %*s %lx %lx %*s %*s %n", &flags, &type, &off) == 2 &&
		    off > 0 && p + off <= end && (flags & 0x10000) && type == 1 &&
		    same_socket(p + off, (size_t)(end - (p + off)), path, plen))
			return true;
		p = nl ? nl + 1 : end;
	}
	return false;
}
