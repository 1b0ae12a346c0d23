/* The ACPI power button: an input device that reports KEY_POWER. This is how
 * `ch-remote power-button` and qemu's system_powerdown ask a guest to stop. */
#include "init.h"

#include "cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BITS_PER_LONG (8 * sizeof(unsigned long))

static bool has_key_power(int fd)
{
	unsigned long bits[KEY_MAX / BITS_PER_LONG + 1];
	memset(bits, 0, sizeof(bits));
	if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof(bits)), bits) < 0)
		return false;
	return (bits[KEY_POWER / BITS_PER_LONG] >> (KEY_POWER % BITS_PER_LONG)) & 1;
}

size_t powerbtn_open(int *fds, size_t max)
{
	size_t n = 0;
	_cleanup_closedir_ DIR *d = opendir("/dev/input");
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char path[300];
		if (strncmp(e->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			continue;
		if (has_key_power(fd))
			fds[n++] = fd;
		else
			close(fd);
	}
	return n;
}

bool powerbtn_pressed(int fd)
{
	struct input_event ev[16];
	bool pressed = false;
	ssize_t n;
	while ((n = read(fd, ev, sizeof(ev))) > 0)
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = true;
	return pressed;
}
