/* The arguments of FileChooser.OpenFile, SaveFile and SaveFiles, as an app
 * sends them on the bus, turned into the protocol's dialog request. Pure
 * code: libdbus is used only to walk a message already in memory.
 *
 * Everything an app sends is untrusted: types are checked key by key, text
 * is cleaned up to the protocol's string classes (portal_sanitize), lists
 * are cut to the protocol's caps, and whatever the host would refuse
 * (patterns with '/', MIME types it does not accept) is left out. Arguments
 * the portal specification calls invalid are refused with the error the
 * reference portal gives (docs/portal.md, "D-Bus surface"). */
#ifndef APPVM_PORTAL_OPTIONS_H
#define APPVM_PORTAL_OPTIONS_H

#include "names.h"
#include "proto.h"

#include <dbus/dbus.h>
#include <stdbool.h>

#define PORTAL_ERROR_INVALID_ARGUMENT "org.freedesktop.portal.Error.InvalidArgument"
#define PORTAL_ERROR_FAILED	      "org.freedesktop.portal.Error.Failed"
#define PORTAL_ERROR_NOT_FOUND	      "org.freedesktop.portal.Error.NotFound"

/* Room for every string of one dialog, each cut to its class (with NULs). */
#define PORTAL_ARENA_SIZE (96u * 1024)

/* filter_src value of a filter made from the current_filter option alone. */
#define PORTAL_FILTER_FROM_CURRENT 0xffu

struct portal_dialog_req {
	uint16_t type; /* PROTO_FILE_OPEN, PROTO_FILE_SAVE or PROTO_FILE_SAVE_MANY */
	char token[PORTAL_TOKEN_MAX + 1];      /* handle_token, or "" */
	struct proto_dialog d;		       /* strings point into arena */
	uint8_t filter_src[PROTO_MAX_FILTERS]; /* the app's index of each filter in d */
	size_t arena_used;
	char arena[PORTAL_ARENA_SIZE];
};

/* Parses the (s parent_window, s title, a{sv} options) of a FileChooser call
 * for the dialog type. Returns 0, or -EINVAL with *ret_error set to the
 * D-Bus error name to answer (DBUS_ERROR_INVALID_ARGS for a wrong signature,
 * PORTAL_ERROR_INVALID_ARGUMENT for a bad option) and err holding the
 * message. Unknown option keys are ignored. */
int portal_parse_dialog(DBusMessage *msg, uint16_t type, struct portal_dialog_req *ret,
			const char **ret_error, char *err, size_t errlen);

/* Leaves choices, then filters, out from the end until the request's
 * payload fits the protocol's cap. Returns 0, or -E2BIG when even the bare
 * dialog does not fit (it always does: its strings are capped). */
int portal_dialog_fit(struct portal_dialog_req *r);

/* Finds, in the same call, the app's filter that filter_src names (or its
 * current_filter option) and appends a copy of it (sa(us)) to out. Returns 0,
 * or -ENOENT. */
int portal_copy_app_filter(DBusMessage *msg, uint8_t filter_src, DBusMessageIter *out);

/* Appends a copy of the value at src (any type) to dst. Returns 0 or -ENOMEM. */
int portal_copy_value(DBusMessageIter *src, DBusMessageIter *dst);

#endif
