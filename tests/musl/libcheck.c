/*
 * appvm-musl-libcheck: proves that the libraries scripts/musl-deps builds
 * link statically with musl and work, before the guest programs that need
 * them exist. Built only in the musl tree; run on the host by
 * tests/musl/libcheck-test.sh.
 *
 *   appvm-musl-libcheck inih
 *       parses an INI text with Debian's libinih.a
 *   appvm-musl-libcheck wayland
 *       libwayland-client on one end of a socketpair, the other end written
 *       here at the wire level: a wl_registry.global event and the answer to
 *       wl_display_roundtrip() are dispatched to listeners (through libffi)
 *   appvm-musl-libcheck dbus ADDRESS
 *       libdbus-1 connects to a real dbus-daemon, registers, and prints the
 *       bus id (org.freedesktop.DBus.GetId)
 *   appvm-musl-libcheck fuse MOUNTPOINT
 *       libfuse3 serves a read-only filesystem with one file, "hello", until
 *       it is unmounted
 *
 * Prints what it found on stdout; exit status 0 on success, 1 on failure,
 * 2 on bad usage.
 */
#define FUSE_USE_VERSION 31

#include <dbus/dbus.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wayland-client.h>

static int on_ini_value(void *user, const char *section, const char *name, const char *value)
{
	int *found = user;

	if (strcmp(section, "vm") == 0 && strcmp(name, "name") == 0 && strcmp(value, "musl") == 0)
		*found = 1;
	return 1;
}

static int check_inih(void)
{
	int found = 0;

	if (ini_parse_string("[vm]\nname = musl\n", on_ini_value, &found) != 0 || !found) {
		fprintf(stderr, "libcheck: inih did not parse [vm] name = musl\n");
		return 1;
	}
	printf("inih: ok\n");
	return 0;
}

/* Wire format: object id, then (size << 16 | opcode), then the arguments;
 * a string is its length with the NUL, then the bytes padded to 4. */
static size_t put_u32(uint32_t *msg, size_t n, uint32_t v)
{
	msg[n] = v;
	return n + 1;
}

static size_t put_string(uint32_t *msg, size_t n, const char *s)
{
	size_t len = strlen(s) + 1;

	n = put_u32(msg, n, (uint32_t)len);
	memset(&msg[n], 0, (len + 3) / 4 * 4);
	memcpy(&msg[n], s, len);
	return n + (len + 3) / 4;
}

static int send_event(int fd, uint32_t *msg, size_t words, uint16_t opcode)
{
	msg[1] = (uint32_t)(words * 4) << 16 | opcode;
	return write(fd, msg, words * 4) == (ssize_t)(words * 4) ? 0 : -1;
}

struct seen {
	char interface[64];
	uint32_t version;
};

static void on_global(void *data, struct wl_registry *registry, uint32_t name,
		      const char *interface, uint32_t version)
{
	struct seen *seen = data;

	(void)registry;
	(void)name;
	snprintf(seen->interface, sizeof(seen->interface), "%s", interface);
	seen->version = version;
}

static void on_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	(void)data;
	(void)registry;
	(void)name;
}

static const struct wl_registry_listener registry_listener = {on_global, on_global_remove};

static int check_wayland(void)
{
	/* Object ids the client allocates: the registry is 2, the roundtrip's
	 * callback 3. */
	uint32_t msg[32];
	struct seen seen = {"", 0};
	struct wl_display *display;
	struct wl_registry *registry;
	int sv[2], ret = 1;
	size_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("libcheck: socketpair");
		return 1;
	}
	display = wl_display_connect_to_fd(sv[0]);
	if (!display) {
		fprintf(stderr, "libcheck: wl_display_connect_to_fd failed\n");
		close(sv[0]);
		close(sv[1]);
		return 1;
	}
	registry = wl_display_get_registry(display);
	wl_registry_add_listener(registry, &registry_listener, &seen);
	/* wl_registry.global(7, "wl_seat", 7); wl_callback.done(0);
	 * wl_display.delete_id(3). */
	n = put_u32(msg, 0, 2);
	n = put_u32(msg, n, 0);
	n = put_u32(msg, n, 7);
	n = put_string(msg, n, "wl_seat");
	n = put_u32(msg, n, 7);
	if (send_event(sv[1], msg, n, 0) < 0)
		goto out;
	n = put_u32(msg, 0, 3);
	n = put_u32(msg, n, 0);
	n = put_u32(msg, n, 0);
	if (send_event(sv[1], msg, n, 0) < 0)
		goto out;
	n = put_u32(msg, 0, 1);
	n = put_u32(msg, n, 0);
	n = put_u32(msg, n, 3);
	if (send_event(sv[1], msg, n, 1) < 0)
		goto out;
	if (wl_display_roundtrip(display) < 0) {
		fprintf(stderr, "libcheck: wl_display_roundtrip failed: %s\n", strerror(errno));
		goto out;
	}
	if (strcmp(seen.interface, "wl_seat") != 0 || seen.version != 7) {
		fprintf(stderr, "libcheck: the registry listener saw '%s' version %u\n",
			seen.interface, seen.version);
		goto out;
	}
	printf("wayland: global %s version %u\n", seen.interface, seen.version);
	ret = 0;
out:
	wl_registry_destroy(registry);
	wl_display_disconnect(display);
	close(sv[1]);
	return ret;
}

static int check_dbus(const char *address)
{
	DBusError err;
	DBusConnection *conn;
	DBusMessage *call, *reply = NULL;
	const char *id = NULL;
	int ret = 1;

	dbus_error_init(&err);
	conn = dbus_connection_open_private(address, &err);
	if (!conn || !dbus_bus_register(conn, &err)) {
		fprintf(stderr, "libcheck: dbus connection to %s: %s\n", address, err.message);
		goto out;
	}
	call = dbus_message_new_method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "GetId");
	if (call) {
		reply = dbus_connection_send_with_reply_and_block(conn, call, 10000, &err);
		dbus_message_unref(call);
	}
	if (!reply ||
	    !dbus_message_get_args(reply, &err, DBUS_TYPE_STRING, &id, DBUS_TYPE_INVALID)) {
		fprintf(stderr, "libcheck: GetId: %s\n", err.message ? err.message : "no reply");
		goto out;
	}
	printf("dbus: unique name %s, bus id %s\n", dbus_bus_get_unique_name(conn), id);
	ret = 0;
out:
	if (reply)
		dbus_message_unref(reply);
	if (conn) {
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
	}
	dbus_error_free(&err);
	return ret;
}

static const char hello_text[] = "hello from libfuse3 built with musl\n";

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else if (strcmp(path, "/hello") == 0) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(hello_text) - 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "hello", NULL, 0, 0);
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/hello") != 0)
		return -ENOENT;
	return (fi->flags & O_ACCMODE) == O_RDONLY ? 0 : -EACCES;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = sizeof(hello_text) - 1;

	(void)fi;
	if (strcmp(path, "/hello") != 0)
		return -ENOENT;
	if (off < 0 || (size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, hello_text + off, size);
	return (int)size;
}

static const struct fuse_operations fs_ops = {
    .getattr = fs_getattr,
    .readdir = fs_readdir,
    .open = fs_open,
    .read = fs_read,
};

static int check_fuse(const char *mountpoint)
{
	char *argv[] = {"appvm-musl-libcheck", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse *fuse;
	int ret = 1;

	fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
	if (!fuse) {
		fprintf(stderr, "libcheck: fuse_new failed\n");
		return 1;
	}
	if (fuse_mount(fuse, mountpoint) != 0) {
		fprintf(stderr, "libcheck: fuse_mount %s failed\n", mountpoint);
		goto out;
	}
	printf("fuse: mounted %s\n", mountpoint);
	fflush(stdout);
	/* Returns when the filesystem is unmounted. */
	ret = fuse_loop(fuse) == 0 ? 0 : 1;
	fuse_unmount(fuse);
	printf("fuse: unmounted\n");
out:
	fuse_destroy(fuse);
	fuse_opt_free_args(&args);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "inih") == 0)
		return check_inih();
	if (argc == 2 && strcmp(argv[1], "wayland") == 0)
		return check_wayland();
	if (argc == 3 && strcmp(argv[1], "dbus") == 0)
		return check_dbus(argv[2]);
	if (argc == 3 && strcmp(argv[1], "fuse") == 0)
		return check_fuse(argv[2]);
	fprintf(stderr, "usage: appvm-musl-libcheck inih|wayland|dbus ADDRESS|fuse MOUNTPOINT\n");
	return 2;
}
