/* wlf-client: a small Wayland client for the filter's integration tests and
 * benchmark.
 *
 *   wlf-client window [--color RRGGBB] [--size WxH] [--title T] [--app-id A]
 *                     [--animate | --roundtrip] [--seconds S] [--once] [--fullscreen]
 *       An xdg-shell window filled with one colour (wl_shm). Prints
 *       "first-frame-ms N" once the compositor has shown the first frame
 *       (wp_presentation's presented event, else the frame callback),
 *       counted from the start of main. With
 *       --animate it redraws on every frame callback, alternating the colour
 *       with its inverse, and prints "fps N" after S seconds. Without
 *       --seconds it runs until killed; with --once it exits after the first
 *       frame. --roundtrip draws the next frame as soon as a wl_display.sync
 *       round trip returns, not paced by the output, and prints "fps N".
 *       --fullscreen asks for fullscreen before the first commit. With
 *       --stall, on SIGUSR1 (once it has drawn and has the keyboard focus)
 *       it stops reading its events and asks for more (wl_display.sync)
 *       until the display takes no more requests for 2 s, prints "stalled
 *       N" (N requests) and waits to be killed: a peer that stops reading.
 *   wlf-client globals
 *       Prints "name interface version" for every global.
 *   wlf-client bind NAME INTERFACE VERSION
 *       Binds a global by name, as a client guessing names would, and waits
 *       for the answer: exit 0 when the bind went through, 3 with
 *       "protocol-error ..." on stdout when the display sent an error. */
#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

struct buffer {
	struct wl_buffer *wl;
	uint32_t *pixels;
	bool busy;
};

struct app {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wp_presentation *presentation;
	struct wl_keyboard *keyboard;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct buffer buffers[2];
	int width, height;
	uint32_t color;
	bool configured, animate, closed, once, roundtrip, fullscreen, stall, focused;
	unsigned frames_done, drawn;
	double start_ms, first_frame_ms, frame_done_ms;
	bool globals_only, window;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "wlf-client: %s\n", what);
	exit(1);
}

static void kbd_keymap(void *data, struct wl_keyboard *k, uint32_t format, int32_t fd,
		       uint32_t size)
{
	(void)data;
	(void)k;
	(void)format;
	(void)size;
	close(fd);
}

static void kbd_enter(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s,
		      struct wl_array *keys)
{
	((struct app *)data)->focused = true;
	(void)k;
	(void)serial;
	(void)s;
	(void)keys;
}

static void kbd_leave(void *data, struct wl_keyboard *k, uint32_t serial, struct wl_surface *s)
{
	(void)data;
	(void)k;
	(void)serial;
	(void)s;
}

static void kbd_key(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t time, uint32_t key,
		    uint32_t state)
{
	(void)data;
	(void)k;
	(void)serial;
	(void)time;
	(void)key;
	(void)state;
}

static void kbd_modifiers(void *data, struct wl_keyboard *k, uint32_t serial, uint32_t dep,
			  uint32_t lat, uint32_t lock, uint32_t group)
{
	(void)data;
	(void)k;
	(void)serial;
	(void)dep;
	(void)lat;
	(void)lock;
	(void)group;
}

static const struct wl_keyboard_listener kbd_listener = {
    .keymap = kbd_keymap,
    .enter = kbd_enter,
    .leave = kbd_leave,
    .key = kbd_key,
    .modifiers = kbd_modifiers,
};

/* A window takes keyboard focus like any app: with a wl_keyboard. */
static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct app *a = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && !a->keyboard) {
		a->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(a->keyboard, &kbd_listener, a);
	}
}

static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
	(void)data;
	(void)seat;
	(void)name;
}

static const struct wl_seat_listener seat_listener = {seat_caps, seat_name};

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
	if (a->globals_only) {
		printf("%u %s %u\n", name, iface, version);
		return;
	}
	if (!a->window)
		return;
	if (strcmp(iface, "wl_compositor") == 0)
		a->compositor = wl_registry_bind(reg, name, &wl_compositor_interface, 1);
	else if (strcmp(iface, "wl_seat") == 0 && !a->seat) {
		a->seat = wl_registry_bind(reg, name, &wl_seat_interface, 1);
		wl_seat_add_listener(a->seat, &seat_listener, a);
	} else if (strcmp(iface, "wp_presentation") == 0) {
		a->presentation = wl_registry_bind(reg, name, &wp_presentation_interface, 1);
	} else if (strcmp(iface, "wl_shm") == 0)
		a->shm = wl_registry_bind(reg, name, &wl_shm_interface, 1);
	else if (strcmp(iface, "xdg_wm_base") == 0) {
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

static const struct wl_registry_listener reg_listener = {global, global_remove};

static void buffer_release(void *data, struct wl_buffer *b)
{
	(void)b;
	((struct buffer *)data)->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {buffer_release};

static void make_buffers(struct app *a)
{
	size_t stride = (size_t)a->width * 4, size = stride * (size_t)a->height;
	char name[64];
	snprintf(name, sizeof(name), "/wlf-client-%d", getpid());
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		die("shm_open failed");
	shm_unlink(name);
	if (ftruncate(fd, (off_t)(size * 2)) < 0)
		die("ftruncate failed");
	uint8_t *mem = mmap(NULL, size * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		die("mmap failed");
	struct wl_shm_pool *pool = wl_shm_create_pool(a->shm, fd, (int32_t)(size * 2));
	for (int i = 0; i < 2; i++) {
		struct buffer *b = &a->buffers[i];
		b->pixels = (uint32_t *)(mem + size * (size_t)i);
		b->wl =
		    wl_shm_pool_create_buffer(pool, (int32_t)(size * (size_t)i), a->width,
					      a->height, (int32_t)stride, WL_SHM_FORMAT_XRGB8888);
		wl_buffer_add_listener(b->wl, &buffer_listener, b);
	}
	wl_shm_pool_destroy(pool);
	close(fd);
}

static void draw(struct app *a);

static void first_frame(struct app *a, double at)
{
	if (a->first_frame_ms > 0)
		return;
	a->first_frame_ms = at - a->start_ms;
	printf("first-frame-ms %.1f\n", a->first_frame_ms);
	fflush(stdout);
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t time)
{
	struct app *a = data;
	(void)time;
	wl_callback_destroy(cb);
	if (a->frames_done++ == 0) {
		a->frame_done_ms = now_ms();
		if (!a->presentation)
			first_frame(a, a->frame_done_ms);
	}
	if (a->animate)
		draw(a);
}

/* With wp_presentation, the first frame counts when the compositor says it
 * was presented on the output. */
static void fb_sync_output(void *data, struct wp_presentation_feedback *fb, struct wl_output *o)
{
	(void)data;
	(void)fb;
	(void)o;
}

static void fb_presented(void *data, struct wp_presentation_feedback *fb, uint32_t tv_sec_hi,
			 uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
			 uint32_t seq_lo, uint32_t flags)
{
	(void)tv_sec_hi;
	(void)tv_sec_lo;
	(void)tv_nsec;
	(void)refresh;
	(void)seq_hi;
	(void)seq_lo;
	(void)flags;
	wp_presentation_feedback_destroy(fb);
	first_frame(data, now_ms());
}

static void fb_discarded(void *data, struct wp_presentation_feedback *fb)
{
	struct app *a = data;
	wp_presentation_feedback_destroy(fb);
	first_frame(a, a->frame_done_ms > 0 ? a->frame_done_ms : now_ms());
}

static const struct wp_presentation_feedback_listener feedback_listener = {
    .sync_output = fb_sync_output,
    .presented = fb_presented,
    .discarded = fb_discarded,
};

static const struct wl_callback_listener frame_listener = {frame_done};

static void draw(struct app *a)
{
	struct buffer *b = &a->buffers[a->drawn % 2];
	if (b->busy)
		b = &a->buffers[(a->drawn + 1) % 2];
	if (b->busy) {
		/* Both still held by the compositor: draw when one comes back. */
		while (a->buffers[0].busy && a->buffers[1].busy)
			if (wl_display_dispatch(a->display) < 0)
				die("display connection failed");
		b = a->buffers[0].busy ? &a->buffers[1] : &a->buffers[0];
	}
	uint32_t c = a->drawn % 2 && (a->animate || a->roundtrip) ? ~a->color & 0xffffff : a->color;
	for (int i = 0; i < a->width * a->height; i++)
		b->pixels[i] = c;
	if (a->drawn == 0 && a->presentation)
		wp_presentation_feedback_add_listener(
		    wp_presentation_feedback(a->presentation, a->surface), &feedback_listener, a);
	a->drawn++;
	b->busy = true;
	wl_surface_attach(a->surface, b->wl, 0, 0);
	wl_surface_damage(a->surface, 0, 0, a->width, a->height);
	if (!a->roundtrip || a->drawn == 1) {
		struct wl_callback *cb = wl_surface_frame(a->surface);
		wl_callback_add_listener(cb, &frame_listener, a);
	}
	wl_surface_commit(a->surface);
}

static void xdg_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	struct app *a = data;
	xdg_surface_ack_configure(s, serial);
	if (!a->configured) {
		a->configured = true;
		draw(a);
	} else {
		wl_surface_commit(a->surface);
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {xdg_configure};

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
	(void)t;
	((struct app *)data)->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
    .configure = toplevel_configure,
    .close = toplevel_close,
};

static volatile sig_atomic_t stall_now;

static void on_usr1(int sig)
{
	(void)sig;
	stall_now = 1;
}

/* --stall: never reads again; requests until the display stops taking them. */
static void stall(struct app *a)
{
	int fd = wl_display_get_fd(a->display);
	unsigned n = 0;
	for (;;) {
		/* 2400 bytes: within libwayland's 4 KiB buffer between flushes.
		 * Paced, so that few answers are on their way when the filter
		 * stops reading the compositor: libwayland-server 1.21 drops a
		 * client whose answers overflow its socket, and the point is a
		 * client still connected that does not read. */
		for (int i = 0; i < 200; i++, n++)
			wl_callback_destroy(wl_display_sync(a->display));
		poll(NULL, 0, 10);
		while (wl_display_flush(a->display) < 0) {
			if (errno != EAGAIN)
				die("display connection failed");
			struct pollfd p = {fd, POLLOUT, 0};
			if (poll(&p, 1, 2000) == 0) {
				printf("stalled %u\n", n);
				fflush(stdout);
				for (;;)
					pause();
			}
		}
	}
}

static int run_window(struct app *a, const char *title, const char *app_id, double seconds)
{
	if (!a->compositor || !a->shm || !a->wm_base)
		die("wl_compositor, wl_shm or xdg_wm_base missing");
	make_buffers(a);
	a->surface = wl_compositor_create_surface(a->compositor);
	a->xdg_surface = xdg_wm_base_get_xdg_surface(a->wm_base, a->surface);
	xdg_surface_add_listener(a->xdg_surface, &xdg_surface_listener, a);
	a->toplevel = xdg_surface_get_toplevel(a->xdg_surface);
	xdg_toplevel_add_listener(a->toplevel, &toplevel_listener, a);
	if (title)
		xdg_toplevel_set_title(a->toplevel, title);
	if (app_id)
		xdg_toplevel_set_app_id(a->toplevel, app_id);
	if (a->fullscreen)
		xdg_toplevel_set_fullscreen(a->toplevel, NULL);
	wl_surface_commit(a->surface);
	if (a->stall) {
		/* No SA_RESTART: the signal ends the wait in poll. */
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
	}
	double end = seconds > 0 ? now_ms() + seconds * 1e3 : 0;
	double counted_from = 0;
	unsigned counted_base = 0;
	while (!a->closed) {
		if (wl_display_flush(a->display) < 0 && errno != EAGAIN)
			die("display connection failed");
		struct pollfd p = {wl_display_get_fd(a->display), POLLIN, 0};
		int timeout = -1;
		if (end > 0) {
			double left = end - now_ms();
			if (left <= 0)
				break;
			timeout = (int)left + 1;
		}
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			die("poll failed");
		if ((p.revents & POLLIN) && wl_display_dispatch(a->display) < 0)
			die("display connection failed");
		if (a->once && a->first_frame_ms > 0)
			break;
		if (a->stall && stall_now && a->first_frame_ms > 0 && a->focused)
			stall(a);
		if (counted_from == 0 && a->frames_done > 0) {
			/* Frame rate from the first frame on, not the start-up. */
			counted_from = now_ms();
			counted_base = a->frames_done;
		}
		/* Not paced by the output: a frame, then a round trip through
		 * the whole chain, as fast as they go. */
		while (a->roundtrip && a->frames_done > 0 && now_ms() < end) {
			draw(a);
			if (wl_display_roundtrip(a->display) < 0)
				die("display connection failed");
			a->frames_done++;
		}
	}
	if ((a->animate || a->roundtrip) && counted_from > 0)
		printf("fps %.1f\n",
		       (a->frames_done - counted_base) * 1e3 / (now_ms() - counted_from));
	return 0;
}

static int run_bind(struct app *a, struct wl_registry *reg, char **argv)
{
	static const struct wl_interface any = {"", 1, 0, NULL, 0, NULL};
	struct wl_interface fake = any;
	fake.name = argv[1];
	uint32_t name = (uint32_t)strtoul(argv[0], NULL, 10);
	uint32_t version = (uint32_t)strtoul(argv[2], NULL, 10);
	struct wl_proxy *bound = wl_registry_bind(reg, name, &fake, version);
	int ok = wl_display_roundtrip(a->display) >= 0;
	wl_proxy_destroy(bound);
	if (ok) {
		printf("bound\n");
		return 0;
	}
	const struct wl_interface *iface = NULL;
	uint32_t id = 0;
	int code = wl_display_get_protocol_error(a->display, &iface, &id);
	if (wl_display_get_error(a->display) != EPROTO) {
		printf("connection-error %s\n", strerror(wl_display_get_error(a->display)));
		return 1;
	}
	printf("protocol-error %s@%u code %d\n", iface ? iface->name : "?", id, code);
	return 3;
}

static uint32_t parse_color(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);
	if (*end || strlen(s) != 6)
		die("--color wants RRGGBB");
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	struct app a = {.width = 200, .height = 100, .color = 0xff0000, .start_ms = now_ms()};
	if (argc < 2)
		die("usage: wlf-client window|globals|bind ... (see the source)");
	const char *cmd = argv[1], *title = NULL, *app_id = NULL;
	double seconds = 0;
	for (int i = 2; i < argc && strcmp(cmd, "window") == 0; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--animate") == 0 || strcmp(argv[i], "--once") == 0 ||
		    strcmp(argv[i], "--roundtrip") == 0 || strcmp(argv[i], "--fullscreen") == 0 ||
		    strcmp(argv[i], "--stall") == 0) {
			a.animate = a.animate || argv[i][2] == 'a';
			a.once = a.once || argv[i][2] == 'o';
			a.roundtrip = a.roundtrip || argv[i][2] == 'r';
			a.fullscreen = a.fullscreen || argv[i][2] == 'f';
			a.stall = a.stall || !strcmp(argv[i], "--stall");
			continue;
		}
		if (!v)
			die("option needs a value");
		if (strcmp(argv[i], "--color") == 0)
			a.color = parse_color(v);
		else if (strcmp(argv[i], "--size") == 0) {
			if (sscanf(v, "%dx%d", &a.width, &a.height) != 2 || a.width < 1 ||
			    a.height < 1 || a.width > 4096 || a.height > 4096)
				die("--size wants WxH");
		} else if (strcmp(argv[i], "--title") == 0)
			title = v;
		else if (strcmp(argv[i], "--app-id") == 0)
			app_id = v;
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(v);
		else
			die("unknown option");
		i++;
	}
	a.display = wl_display_connect(NULL);
	if (!a.display)
		die("cannot connect to the display");
	a.globals_only = strcmp(cmd, "globals") == 0;
	a.window = strcmp(cmd, "window") == 0;
	struct wl_registry *reg = wl_display_get_registry(a.display);
	wl_registry_add_listener(reg, &reg_listener, &a);
	if (wl_display_roundtrip(a.display) < 0)
		die("registry roundtrip failed");
	int r = 0;
	if (strcmp(cmd, "bind") == 0) {
		if (argc != 5)
			die("usage: wlf-client bind NAME INTERFACE VERSION");
		r = run_bind(&a, reg, argv + 2);
	} else if (strcmp(cmd, "window") == 0) {
		r = run_window(&a, title, app_id, seconds);
	} else if (!a.globals_only) {
		die("unknown command");
	}
	wl_registry_destroy(reg);
	wl_display_disconnect(a.display);
	return r;
}
