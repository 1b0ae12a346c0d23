#include "ctl_clip_run.h"

#include "cleanup.h"
#include "clip_mime.h"
#include "clock.h"
#include "ctl_clip_text.h"
#include "ctl_hostclip.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX 65536

static int config_path(const struct ctl_args *a, char *buf, size_t size)
{
	if (a->clip_config)
		return snprintf(buf, size, "%s", a->clip_config) < (int)size ? 0 : -ENAMETOOLONG;
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/appvm/clipboard.conf", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.config/appvm/clipboard.conf", home);
	else
		return -ENOENT;
	return n < (int)size ? 0 : -ENAMETOOLONG;
}

int ctl_clip_load_policy(const struct ctl_args *a, const char *vm, struct ctl_clip_policy *ret,
			 struct ctl_error *err)
{
	char path[4096];
	ctl_clip_policy_default(ret);
	if (config_path(a, path, sizeof(path)) == 0) {
		_cleanup_free_ char *text = malloc(CONFIG_MAX);
		if (!text) {
			ctl_error_set(err, "out of memory");
			return -ENOMEM;
		}
		ssize_t n = io_read_file(path, text, CONFIG_MAX);
		/* The user's file is optional; one named on the command line is not. */
		if (n < 0 && (n != -ENOENT || a->clip_config)) {
			ctl_error_set(err, "cannot read %s: %s", path,
				      n == -EFBIG ? "too big" : strerror((int)-n));
			return -EINVAL;
		}
		char why[128];
		if (n >= 0 && ctl_clip_policy_parse(text, vm, ret, why, sizeof(why)) < 0) {
			ctl_error_set(err, "%s:%s", path, why);
			return -EINVAL;
		}
	}
	if (a->clip_max_size)
		ret->max_size = a->clip_max_size;
	if (a->clip_single_use)
		ret->single_use = true;
	if (a->clip_keep_controls)
		ret->keep_controls = true;
	return 0;
}

/* The copy rate limit: one stamp file per VM with the time of the last
 * copy (CLOCK_MONOTONIC, ms), under a lock so that copies started together
 * are counted one after the other. A copy that never asked the guest for
 * its clipboard (the VM is not running, the connect or the HELLO
 * handshake failed) gives its turn back: rate_undo(). */
struct rate_stamp {
	char path[4200];
	uint64_t prev, mine; /* mine: 0 when nothing was written */
};

/* Opens and locks the stamp file, waiting for another copy that holds it
 * for a moment. Returns the descriptor or -EIO with err. */
static int stamp_lock(const char *path, uint64_t deadline, struct ctl_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ctl_error_set(err, "copy rate limit: cannot open %s: %s", path, strerror(errno));
		return -EIO;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK || clock_remaining_ms(deadline) == 0) {
			ctl_error_set(err, "copy rate limit: cannot lock %s", path);
			close(fd);
			return -EIO;
		}
		poll(NULL, 0, 10); /* another copy holds it for a moment */
	}
	return fd;
}

static uint64_t stamp_read(int fd)
{
	char text[32] = "";
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	return strtoull(text, NULL, 10);
}

/* Writes t (0: empties the file). Returns 0 or -errno. */
static int stamp_write(int fd, uint64_t t)
{
	char text[32];
	int len = t ? snprintf(text, sizeof(text), "%" PRIu64 "\n", t) : 0;
	if (ftruncate(fd, 0) < 0 || (len && pwrite(fd, text, (size_t)len, 0) != len))
		return -errno;
	return 0;
}

static int rate_check(const char *vm, const char *target_string, uint32_t interval_ms,
		      uint64_t deadline, struct rate_stamp *st, struct ctl_error *err)
{
	st->mine = 0;
	if (interval_ms == 0)
		return 0;
	const char *run = getenv("XDG_RUNTIME_DIR");
	if (!run || run[0] != '/') {
		ctl_error_set(err, "XDG_RUNTIME_DIR is not set: the copy rate limit has nowhere "
				   "to keep its time (or set min-interval = 0)");
		return -EIO;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/appvm", run);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/appvm/clipboard", run);
	mkdir(dir, 0700);
	if (vm) {
		snprintf(st->path, sizeof(st->path), "%s/copy-vm-%s", dir, vm);
	} else {
		/* A target has any characters: its FNV-1a hash names the file. */
		uint64_t h = 0xcbf29ce484222325ull;
		for (const char *p = target_string; *p; p++)
			h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
		snprintf(st->path, sizeof(st->path), "%s/copy-target-%016" PRIx64, dir, h);
	}
	_cleanup_close_ int fd = stamp_lock(st->path, deadline, err);
	if (fd < 0)
		return fd;
	uint64_t last = stamp_read(fd), now = clock_now_ms();
	if (last && now >= last && now - last < interval_ms) {
		ctl_error_set(err,
			      "copies from %s are limited to one every %u ms (min-interval); "
			      "the last was %" PRIu64 " ms ago",
			      vm ? vm : "this VM", interval_ms, now - last);
		return -EBUSY;
	}
	int w = stamp_write(fd, now);
	if (w < 0) {
		ctl_error_set(err, "copy rate limit: cannot write %s: %s", st->path, strerror(-w));
		return -EIO;
	}
	st->prev = last;
	st->mine = now;
	return 0;
}

/* Puts the previous stamp back, unless another copy has written its own
 * since. Best effort: at worst the limit holds for one interval. */
static void rate_undo(const struct rate_stamp *st, uint64_t deadline)
{
	if (st->mine == 0)
		return;
	struct ctl_error ignored = {0};
	_cleanup_close_ int fd = stamp_lock(st->path, deadline, &ignored);
	if (fd >= 0 && stamp_read(fd) == st->mine)
		(void)stamp_write(fd, st->prev);
}

/* A guest's NOT_FOUND to a clipboard request means there is nothing of
 * that type to move; its message (which types there are) is kept. */
static int not_found_is_empty(int r, const char *want, struct ctl_error *err)
{
	if (r != -EREMOTEIO || err->guest_code != PROTO_ERR_NOT_FOUND)
		return r;
	ctl_error_set(err, "the VM's clipboard has no %s: nothing to copy",
		      clip_mime_is_text(want) ? "text" : want);
	return -ENODATA;
}

/* What both commands start with: the type to move and the VM's policy. */
static int begin(const struct ctl_args *a, const char *vm, struct ctl_clip_result *res,
		 const char **ret_want, struct ctl_error *err)
{
	*ret_want = a->clip_type ? a->clip_type : CLIP_TEXT_MIME;
	return ctl_clip_load_policy(a, vm, &res->policy, err);
}

int ctl_clip_copy(const struct ctl_args *a, const struct ctl_target *target, const char *vm,
		  struct ctl_client *c, uint64_t deadline, struct ctl_clip_result *res,
		  struct ctl_error *err)
{
	const char *want;
	int r = begin(a, vm, res, &want, err);
	if (r < 0)
		return r;
	struct rate_stamp stamp;
	r = rate_check(vm, a->target_string, res->policy.min_interval_ms, deadline, &stamp, err);
	if (r < 0)
		return r;
	r = ctl_client_open(c, target, deadline, err);
	if (r < 0) {
		/* No connection, or no HELLO: the VM was not asked for its
		 * clipboard, the copy does not count. */
		rate_undo(&stamp, deadline);
		return r;
	}
	struct ctl_clip_pull pull;
	ctl_clip_pull_init(&pull, res->policy.max_size);
	for (;;) {
		struct proto_msg req, reply;
		memset(&req, 0, sizeof(req));
		req.type = PROTO_CLIPBOARD_GET;
		ctl_clip_pull_next(&pull, &req.u.clipboard_get.offset,
				   &req.u.clipboard_get.max_length);
		req.u.clipboard_get.mime = proto_str_from(want);
		r = ctl_client_call(c, &req, &reply, deadline, err);
		if (r < 0) {
			/* NOT_FOUND once the transfer runs is no empty clipboard:
			 * it stays the guest's error. */
			if (!pull.started)
				r = not_found_is_empty(r, want, err);
			break;
		}
		r = ctl_clip_pull_take(&pull, &reply.u.clipboard_data, err);
		if (r != 0)
			break;
	}
	if (r == 1 && pull.total == 0) {
		ctl_error_set(err, "the VM's clipboard is empty: nothing to copy; the host "
				   "clipboard is unchanged");
		r = -ENODATA;
	}
	if (r == 1 && !ctl_clip_text_ok(want, pull.buf, pull.total, err))
		r = -EPROTO;
	/* The cap was the VM's size; what reaches the host may be less. */
	uint32_t len = pull.total;
	if (r == 1 && clip_mime_is_text(want) && !res->policy.keep_controls) {
		res->removed_controls = ctl_clip_text_strip(pull.buf, pull.total, &len);
		if (len == 0) {
			ctl_error_set(err,
				      "the VM's text holds only control characters (%u): nothing "
				      "to copy; the host clipboard is unchanged (--keep-controls "
				      "keeps them)",
				      res->removed_controls);
			r = -ENODATA;
		}
	}
	if (r == 1) {
		/* The guest is done with: what follows is the host's business. */
		ctl_client_free(c);
		r = ctl_hostclip_write(want, pull.buf, len, deadline, err);
		res->bytes = len;
		snprintf(res->mime, sizeof(res->mime), "%s", want);
	}
	ctl_clip_pull_free(&pull);
	return r;
}

int ctl_clip_paste(const struct ctl_args *a, const struct ctl_target *target, const char *vm,
		   struct ctl_client *c, uint64_t deadline, struct ctl_clip_result *res,
		   struct ctl_error *err)
{
	const char *want;
	int r = begin(a, vm, res, &want, err);
	if (r < 0)
		return r;
	_cleanup_free_ uint8_t *data = NULL;
	uint32_t len = 0;
	r = ctl_hostclip_read(want, res->policy.max_size, deadline, &data, &len, res->mime, err);
	if (r < 0)
		return r;
	if (len == 0) {
		ctl_error_set(err, "the host clipboard's %s is empty: nothing to paste",
			      clip_mime_is_text(want) ? "text" : want);
		return -ENODATA;
	}
	r = ctl_client_open(c, target, deadline, err);
	if (r < 0)
		return r;
	uint32_t sent = 0;
	while (sent < len) {
		struct proto_msg req, reply;
		memset(&req, 0, sizeof(req));
		req.type = PROTO_CLIPBOARD_SET;
		req.u.clipboard_set.total = len;
		req.u.clipboard_set.offset = sent;
		req.u.clipboard_set.mime = proto_str_from(res->mime);
		req.u.clipboard_set.data.ptr = data + sent;
		req.u.clipboard_set.data.len = ctl_clip_push_len(len, sent);
		r = ctl_client_call(c, &req, &reply, deadline, err);
		if (r < 0)
			return r;
		sent += req.u.clipboard_set.data.len;
	}
	res->bytes = len;
	ctl_client_free(c);
	if (res->policy.single_use) {
		r = ctl_hostclip_clear(deadline, err);
		if (r < 0)
			return r;
		res->cleared = true;
	}
	return 0;
}
