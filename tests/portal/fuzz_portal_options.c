/* Fuzz target: bytes that libdbus accepts as a message go through the
 * FileChooser option parser for each of the three methods; whatever it
 * accepts must encode, and every filter it kept must come back. */
#include "options.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portal_dialog_req req;
	static uint8_t frame[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
	static const uint16_t types[] = {PROTO_FILE_OPEN, PROTO_FILE_SAVE, PROTO_FILE_SAVE_MANY};
	if (size > 1 << 20)
		return 0;
	DBusMessage *m = dbus_message_demarshal((const char *)data, (int)size, NULL);
	if (!m)
		return 0;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		const char *error;
		char err[256];
		if (portal_parse_dialog(m, types[t], &req, &error, err, sizeof(err)) < 0) {
			if (!error || !err[0])
				abort(); /* an error always says which and why */
			continue;
		}
		if (portal_dialog_fit(&req) < 0)
			abort();
		struct proto_msg msg;
		size_t len;
		memset(&msg, 0, sizeof(msg));
		msg.type = types[t];
		msg.u.dialog = req.d;
		if (proto_encode(&msg, frame, sizeof(frame), &len) < 0)
			abort(); /* the host would refuse it */
		for (uint8_t i = 0; i < req.d.n_filters; i++) {
			DBusMessage *out = dbus_message_new_signal("/x", "a.b", "c");
			DBusMessageIter it;
			dbus_message_iter_init_append(out, &it);
			if (portal_copy_app_filter(m, req.filter_src[i], &it) < 0)
				abort();
			dbus_message_unref(out);
		}
	}
	dbus_message_unref(m);
	return 0;
}
