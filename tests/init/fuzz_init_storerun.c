/* Fuzz target: a store's runtime manifest (and, if it parses, the loader
 * command built from it), and /proc/net/unix text for the readiness check. */
#include "config.h"
#include "storerun.h"
#include "wayland_plan.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg c;
	static struct storerun rts[CFG_MAX_STORES];
	static struct util_words cmd, out;
	char err[256];
	if (size > STORERUN_MANIFEST_MAX)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	cfg_init(&c);
	c.n_stores = 1;
	strcpy(c.stores[0].name, "s");
	strcpy(c.stores[0].path, "/run/store/s");
	if (storerun_parse(text, &rts[0], err, sizeof(err)) == 0) {
		util_words_init(&cmd);
		util_words_add(&cmd, "/run/store/s/usr/bin/prog");
		util_words_add(&cmd, "--arg");
		util_words_init(&out);
		storerun_command(&c, rts, &cmd, &out, err, sizeof(err));
	}
	wayland_socket_listening(text, "/run/appvm/wayland/relay.sock");
	free(text);
	return 0;
}
