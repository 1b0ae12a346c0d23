/* vm_color_client: a Wayland test client that shows one window of a known
 * size filled with one colour (xdg-shell + wl_shm), so a screenshot of the
 * host compositor can count its pixels exactly. It asks for a fixed size
 * (min = max), which makes sway float it instead of tiling it.
 *
 * Usage: vm_color_client [--width W] [--height H] [--color RRGGBB]
 *                        [--app-id ID] [--title TITLE]
 * Prints "vm_color_client: shown WxH #RRGGBB" once the compositor has
 * displayed the first frame, then runs until killed or until the display
 * goes away (exit 1). */
#include "xdg-shell-client-protocol.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

struct app {
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_surface *surface;
	struct wl_buffer *buffer;
	int width, height;
	uint32_t color;
	bool configured, shown;
};

static void die(const char *what)
{
	fprintf(stderr, "vm_color_client: %s\n", what);
	exit(1);
}

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}

static const struct xdg_wm_base_listener wm_listener = {.ping = wm_ping};

static void global(void *data, struct wl_registry *reg, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct app *a = data;
	(void)version;
	if (strcmp(iface, wl_compositor_interface.name) == 0)
		a->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 4);
	else if (strcmp(iface, wl_shm_interface.name) == 0)
		a->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, xdg_wm_base_interface.name) == 0) {
		a->wm_base = wl_registry_bind(reg, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(a->wm_base, &wm_listener, a);
	}
}

static void global_remove(void *data, struct wl_registry *reg, uint32_t name)
{
	(void)data;
	(void)reg;
	(void)name;
}

static const struct wl_registry_listener reg_listener = {.global = global,
							 .global_remove = global_remove};

/* One buffer of the whole window in the colour, from a memfd. */
static struct wl_buffer *make_buffer(struct app *a)
{
	int stride = a->width * 4;
	size_t size = (size_t)stride * (size_t)a->height;
	int fd = memfd_create("vm_color_client", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		die("cannot create the shared memory");
	uint32_t *px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (px == MAP_FAILED)
		die("cannot map the shared memory");
	for (size_t i = 0; i < size / 4; i++)
		px[i] = 0xff000000u | a->color;
	munmap(px, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(a->shm, fd, (int32_t)size);
	struct wl_buffer *b =
	    wl_shm_pool_create_buffer(pool, 0, a->width, a->height, stride, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return b;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct app *a = data;
	(void)time;
	wl_callback_destroy(cb);
	if (!a->shown) {
		a->shown = true;
		printf("vm_color_client: shown %dx%d #%06x\n", a->width, a->height,
		       (unsigned)a->color);
		fflush(stdout);
	}
}

static const struct wl_callback_listener frame_listener = {.done = frame_done};

static void surface_configure(void *data, struct xdg_surface *xs, uint32_t serial)
{
	struct app *a = data;
	xdg_surface_ack_configure(xs, serial);
	if (!a->buffer)
		a->buffer = make_buffer(a);
	if (!a->configured) {
		struct wl_callback *cb = wl_surface_frame(a->surface);
		wl_callback_add_listener(cb, &frame_listener, a);
		a->configured = true;
	}
	/* Whatever size the compositor suggests, the window keeps its own. */
	wl_surface_attach(a->surface, a->buffer, 0, 0);
	wl_surface_damage(a->surface, 0, 0, a->width, a->height);
	wl_surface_commit(a->surface);
}

static const struct xdg_surface_listener surface_listener = {.configure = surface_configure};

static void toplevel_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			       struct wl_array *states)
{
	(void)data;
	(void)t;
	(void)w;
	(void)h;
	(void)states;
}

static void toplevel_close(void *data, struct xdg_toplevel *t)
{
	(void)data;
	(void)t;
	exit(0);
}

static const struct xdg_toplevel_listener toplevel_listener = {.configure = toplevel_configure,
							       .close = toplevel_close};

static int number(const char *opt, const char *v, int max)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < 1 || n > max) {
		fprintf(stderr, "vm_color_client: %s wants 1 to %d, not '%s'\n", opt, max, v);
		exit(2);
	}
	return (int)n;
}

int main(int argc, char **argv)
{
	struct app a = {.width = 160, .height = 120, .color = 0xd2691e};
	const char *app_id = "appvm-color", *title = "appvm colour test";
	/* Options come in pairs: an option and its value. */
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("Usage: vm_color_client [--width W] [--height H] [--color RRGGBB] "
			     "[--app-id ID] [--title TITLE]");
			return 0;
		}
		if (!v) {
			fprintf(stderr, "vm_color_client: %s needs a value\n", argv[i]);
			return 2;
		}
		if (strcmp(argv[i], "--width") == 0) {
			a.width = number("--width", v, 4096);
		} else if (strcmp(argv[i], "--height") == 0) {
			a.height = number("--height", v, 4096);
		} else if (strcmp(argv[i], "--color") == 0) {
			char *end;
			unsigned long c = strtoul(v, &end, 16);
			if (strlen(v) != 6 || *end) {
				fprintf(stderr, "vm_color_client: --color wants RRGGBB, not '%s'\n",
					v);
				return 2;
			}
			a.color = (uint32_t)c;
		} else if (strcmp(argv[i], "--app-id") == 0) {
			app_id = v;
		} else if (strcmp(argv[i], "--title") == 0) {
			title = v;
		} else {
			fprintf(stderr, "vm_color_client: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}

	struct wl_display *d = wl_display_connect(NULL);
	if (!d)
		die("cannot connect to the Wayland display");
	struct wl_registry *reg = wl_display_get_registry(d);
	wl_registry_add_listener(reg, &reg_listener, &a);
	if (wl_display_roundtrip(d) < 0)
		die("the display went away");
	if (!a.compositor || !a.shm || !a.wm_base)
		die("the compositor lacks wl_compositor, wl_shm or xdg_wm_base");

	a.surface = wl_compositor_create_surface(a.compositor);
	struct xdg_surface *xs = xdg_wm_base_get_xdg_surface(a.wm_base, a.surface);
	xdg_surface_add_listener(xs, &surface_listener, &a);
	struct xdg_toplevel *top = xdg_surface_get_toplevel(xs);
	xdg_toplevel_add_listener(top, &toplevel_listener, &a);
	xdg_toplevel_set_app_id(top, app_id);
	xdg_toplevel_set_title(top, title);
	xdg_toplevel_set_min_size(top, a.width, a.height);
	xdg_toplevel_set_max_size(top, a.width, a.height);
	wl_surface_commit(a.surface);

	while (wl_display_dispatch(d) >= 0)
		;
	die("the display went away");
}
