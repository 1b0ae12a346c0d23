/* The small portals GTK and GIO call once GTK_USE_PORTAL=1 sends them to
 * org.freedesktop.portal.Desktop, answered so that apps neither hang nor go
 * "offline": Settings (nothing set), NetworkMonitor (the network is there),
 * ProxyResolver (no proxy), Trash (a clear failure). Plus the standard
 * Properties (each interface's version) and Introspectable. */
#include "portal.h"

#include "log.h"

#include <string.h>

#define FILE_CHOOSER	  "org.freedesktop.portal.FileChooser"
#define SETTINGS	  "org.freedesktop.portal.Settings"
#define NETWORK		  "org.freedesktop.portal.NetworkMonitor"
#define PROXY		  "org.freedesktop.portal.ProxyResolver"
#define TRASH		  "org.freedesktop.portal.Trash"
#define ERR_NOT_FOUND	  "org.freedesktop.portal.Error.NotFound"
#define CONNECTIVITY_FULL 4u

static const struct {
	const char *iface;
	dbus_uint32_t version;
} versions[] = {
    {FILE_CHOOSER, 3}, {SETTINGS, 2}, {NETWORK, 3}, {PROXY, 1}, {TRASH, 1},
};

static const char introspection[] = DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
    "<node>\n"
    " <interface name='org.freedesktop.DBus.Introspectable'>\n"
    "  <method name='Introspect'><arg type='s' direction='out'/></method>\n"
    " </interface>\n"
    " <interface name='org.freedesktop.DBus.Properties'>\n"
    "  <method name='Get'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='v' direction='out'/></method>\n"
    "  <method name='GetAll'><arg type='s' direction='in'/>"
    "<arg type='a{sv}' direction='out'/></method>\n"
    "  <method name='Set'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='v' direction='in'/></method>\n"
    " </interface>\n"
    " <interface name='" FILE_CHOOSER "'>\n"
    "  <method name='OpenFile'><arg type='s' name='parent_window' direction='in'/>"
    "<arg type='s' name='title' direction='in'/><arg type='a{sv}' name='options' direction='in'/>"
    "<arg type='o' name='handle' direction='out'/></method>\n"
    "  <method name='SaveFile'><arg type='s' name='parent_window' direction='in'/>"
    "<arg type='s' name='title' direction='in'/><arg type='a{sv}' name='options' direction='in'/>"
    "<arg type='o' name='handle' direction='out'/></method>\n"
    "  <method name='SaveFiles'><arg type='s' name='parent_window' direction='in'/>"
    "<arg type='s' name='title' direction='in'/><arg type='a{sv}' name='options' direction='in'/>"
    "<arg type='o' name='handle' direction='out'/></method>\n"
    "  <property name='version' type='u' access='read'/>\n"
    " </interface>\n"
    " <interface name='" SETTINGS "'>\n"
    "  <method name='ReadAll'><arg type='as' name='namespaces' direction='in'/>"
    "<arg type='a{sa{sv}}' name='value' direction='out'/></method>\n"
    "  <method name='Read'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='v' direction='out'/></method>\n"
    "  <method name='ReadOne'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='v' direction='out'/></method>\n"
    "  <signal name='SettingChanged'><arg type='s'/><arg type='s'/><arg type='v'/></signal>\n"
    "  <property name='version' type='u' access='read'/>\n"
    " </interface>\n"
    " <interface name='" NETWORK "'>\n"
    "  <method name='GetAvailable'><arg type='b' direction='out'/></method>\n"
    "  <method name='GetMetered'><arg type='b' direction='out'/></method>\n"
    "  <method name='GetConnectivity'><arg type='u' direction='out'/></method>\n"
    "  <method name='GetStatus'><arg type='a{sv}' direction='out'/></method>\n"
    "  <method name='CanReach'><arg type='s' direction='in'/><arg type='u' direction='in'/>"
    "<arg type='b' direction='out'/></method>\n"
    "  <signal name='changed'/>\n"
    "  <property name='version' type='u' access='read'/>\n"
    " </interface>\n"
    " <interface name='" PROXY "'>\n"
    "  <method name='Lookup'><arg type='s' name='uri' direction='in'/>"
    "<arg type='as' name='proxies' direction='out'/></method>\n"
    "  <property name='version' type='u' access='read'/>\n"
    " </interface>\n"
    " <interface name='" TRASH "'>\n"
    "  <method name='TrashFile'><arg type='h' name='fd' direction='in'/>"
    "<arg type='u' name='result' direction='out'/></method>\n"
    "  <property name='version' type='u' access='read'/>\n"
    " </interface>\n"
    "</node>\n";

static void send_reply(struct portal *p, DBusMessage *reply)
{
	if (reply) {
		bus_send(p, reply);
		dbus_message_unref(reply);
	}
}

/* A reply carrying one basic value. */
static void reply_basic(struct portal *p, DBusMessage *call, int type, const void *value)
{
	if (dbus_message_get_no_reply(call))
		return;
	DBusMessage *r = dbus_message_new_method_return(call);
	if (r && !dbus_message_append_args(r, type, value, DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		r = NULL;
	}
	send_reply(p, r);
}

static bool append_entry(DBusMessageIter *dict, const char *key, int type, const void *value)
{
	DBusMessageIter e, v;
	char sig[2] = {(char)type, '\0'};
	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e) &&
	       dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key) &&
	       dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v) &&
	       dbus_message_iter_append_basic(&v, type, value) &&
	       dbus_message_iter_close_container(&e, &v) &&
	       dbus_message_iter_close_container(dict, &e);
}

/* A reply of one dictionary built by fill (which may be NULL: empty). */
static void reply_dict(struct portal *p, DBusMessage *call, const char *sig,
		       bool (*fill)(DBusMessageIter *dict, const void *arg), const void *arg)
{
	if (dbus_message_get_no_reply(call))
		return;
	DBusMessage *r = dbus_message_new_method_return(call);
	DBusMessageIter it, dict;
	if (!r)
		return;
	dbus_message_iter_init_append(r, &it);
	if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, sig, &dict) ||
	    (fill && !fill(&dict, arg)) || !dbus_message_iter_close_container(&it, &dict)) {
		dbus_message_unref(r);
		return;
	}
	send_reply(p, r);
}

static bool fill_version(DBusMessageIter *dict, const void *arg)
{
	return append_entry(dict, "version", DBUS_TYPE_UINT32, arg);
}

static bool fill_status(DBusMessageIter *dict, const void *arg)
{
	dbus_bool_t yes = TRUE, no = FALSE;
	dbus_uint32_t full = CONNECTIVITY_FULL;
	(void)arg;
	return append_entry(dict, "available", DBUS_TYPE_BOOLEAN, &yes) &&
	       append_entry(dict, "metered", DBUS_TYPE_BOOLEAN, &no) &&
	       append_entry(dict, "connectivity", DBUS_TYPE_UINT32, &full);
}

static const dbus_uint32_t *version_of(const char *iface)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(versions[i].iface, iface) == 0)
			return &versions[i].version;
	return NULL;
}

static bool properties(struct portal *p, DBusMessage *msg)
{
	const char *iface = NULL, *prop = NULL;
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_PROPERTIES, "GetAll")) {
		if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface,
					   DBUS_TYPE_INVALID)) {
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (s)");
			return true;
		}
		const dbus_uint32_t *v = version_of(iface);
		if (!v)
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "no interface %s", iface);
		else
			reply_dict(p, msg, "{sv}", fill_version, v);
		return true;
	}
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_PROPERTIES, "Get")) {
		if (!dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING,
					   &prop, DBUS_TYPE_INVALID)) {
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (ss)");
			return true;
		}
		const dbus_uint32_t *v = version_of(iface);
		if (!v || strcmp(prop, "version") != 0) {
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "no property %s.%s", iface,
					prop);
			return true;
		}
		DBusMessage *r = dbus_message_new_method_return(msg);
		DBusMessageIter it, var;
		if (r) {
			dbus_message_iter_init_append(r, &it);
			if (!dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "u", &var) ||
			    !dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT32, v) ||
			    !dbus_message_iter_close_container(&it, &var)) {
				dbus_message_unref(r);
				r = NULL;
			}
		}
		send_reply(p, r);
		return true;
	}
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_PROPERTIES, "Set")) {
		bus_reply_error(p, msg, DBUS_ERROR_PROPERTY_READ_ONLY, "properties are read-only");
		return true;
	}
	return false;
}

static bool settings(struct portal *p, DBusMessage *msg)
{
	if (dbus_message_is_method_call(msg, SETTINGS, "ReadAll")) {
		if (!dbus_message_has_signature(msg, "as"))
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (as)");
		else
			reply_dict(p, msg, "{sa{sv}}", NULL, NULL);
		return true;
	}
	if (dbus_message_is_method_call(msg, SETTINGS, "Read") ||
	    dbus_message_is_method_call(msg, SETTINGS, "ReadOne")) {
		if (!dbus_message_has_signature(msg, "ss"))
			bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (ss)");
		else
			bus_reply_error(p, msg, ERR_NOT_FOUND, "Requested setting not found");
		return true;
	}
	return false;
}

static bool network(struct portal *p, DBusMessage *msg)
{
	dbus_bool_t yes = TRUE, no = FALSE;
	dbus_uint32_t full = CONNECTIVITY_FULL;
	if (!dbus_message_has_interface(msg, NETWORK))
		return false;
	const char *m = dbus_message_get_member(msg);
	bool can_reach = strcmp(m, "CanReach") == 0;
	if (!dbus_message_has_signature(msg, can_reach ? "su" : "")) {
		bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (%s)",
				can_reach ? "su" : "");
		return true;
	}
	if (strcmp(m, "GetAvailable") == 0 || can_reach)
		reply_basic(p, msg, DBUS_TYPE_BOOLEAN, &yes);
	else if (strcmp(m, "GetMetered") == 0)
		reply_basic(p, msg, DBUS_TYPE_BOOLEAN, &no);
	else if (strcmp(m, "GetConnectivity") == 0)
		reply_basic(p, msg, DBUS_TYPE_UINT32, &full);
	else if (strcmp(m, "GetStatus") == 0)
		reply_dict(p, msg, "{sv}", fill_status, NULL);
	else
		return false;
	return true;
}

static bool proxy(struct portal *p, DBusMessage *msg)
{
	if (!dbus_message_is_method_call(msg, PROXY, "Lookup"))
		return false;
	if (!dbus_message_has_signature(msg, "s")) {
		bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (s)");
		return true;
	}
	if (dbus_message_get_no_reply(msg))
		return true;
	static const char *const direct[] = {"direct://"};
	const char *const *list = direct;
	DBusMessage *r = dbus_message_new_method_return(msg);
	if (r && !dbus_message_append_args(r, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &list, 1,
					   DBUS_TYPE_INVALID)) {
		dbus_message_unref(r);
		r = NULL;
	}
	send_reply(p, r);
	return true;
}

static bool trash(struct portal *p, DBusMessage *msg)
{
	if (!dbus_message_is_method_call(msg, TRASH, "TrashFile"))
		return false;
	if (!dbus_message_has_signature(msg, "h")) {
		bus_reply_error(p, msg, DBUS_ERROR_INVALID_ARGS, "expected (h)");
		return true;
	}
	/* No trash can in an application VM: 0 is the portal's "failed". The
	 * descriptor that came with the call is closed with the message. */
	log_info("bus: TrashFile from %s refused: no trash in this VM",
		 dbus_message_get_sender(msg));
	dbus_uint32_t failed = 0;
	reply_basic(p, msg, DBUS_TYPE_UINT32, &failed);
	return true;
}

bool services_handle(struct portal *p, DBusMessage *msg)
{
	if (dbus_message_is_method_call(msg, DBUS_INTERFACE_INTROSPECTABLE, "Introspect")) {
		const char *xml = introspection;
		reply_basic(p, msg, DBUS_TYPE_STRING, &xml);
		return true;
	}
	return properties(p, msg) || settings(p, msg) || network(p, msg) || proxy(p, msg) ||
	       trash(p, msg);
}
