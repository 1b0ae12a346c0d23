#include "ctl_args.h"
#include "ctl_clip.h"
#include "proto_wire.h"
#include "vm_name.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ctl_command command;
	uint32_t default_ms;
} commands[] = {
    {"ping", CTL_CMD_PING, 10000},
    {"status", CTL_CMD_STATUS, 10000},
    {"shutdown", CTL_CMD_SHUTDOWN, 30000},
    {"reboot", CTL_CMD_REBOOT, 30000},
    {"wait-ready", CTL_CMD_WAIT_READY, 60000},
    {"clipboard copy", CTL_CMD_CLIPBOARD_COPY, 10000},
    {"clipboard paste", CTL_CMD_CLIPBOARD_PASTE, 10000},
};

bool ctl_command_is_clipboard(enum ctl_command c)
{
	return c == CTL_CMD_CLIPBOARD_COPY || c == CTL_CMD_CLIPBOARD_PASTE;
}

const char *ctl_command_name(enum ctl_command c)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].command == c)
			return commands[i].name;
	return "";
}

uint32_t ctl_command_default_timeout(enum ctl_command c)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].command == c)
			return commands[i].default_ms;
	return 10000;
}

int ctl_timeout_parse(const char *s, uint32_t *ret_ms)
{
	uint64_t whole = 0, frac = 0;
	size_t i = 0, nwhole = 0, nfrac = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++, nwhole++) {
		if (nwhole >= 6)
			return -EINVAL;
		whole = whole * 10 + (uint64_t)(s[i] - '0');
	}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++, nfrac++) {
			if (nfrac >= 3)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(s[i] - '0');
		}
		if (nfrac == 0)
			return -EINVAL;
	}
	if (s[i] != '\0' || nwhole == 0)
		return -EINVAL;
	for (; nfrac < 3; nfrac++)
		frac *= 10;
	uint64_t ms = whole * 1000 + frac;
	if (ms == 0 || ms > CTL_TIMEOUT_MAX_MS)
		return -EINVAL;
	*ret_ms = (uint32_t)ms;
	return 0;
}

/* Returns the option's value: "--opt=value" or the next argument. */
static const char *option_value(int argc, char *const *argv, int *i, const char *opt)
{
	size_t n = strlen(opt);
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int is_option(const char *arg, const char *opt)
{
	size_t n = strlen(opt);
	return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int ctl_target_parse_named(const char *s, struct ctl_target *ret, const char **ret_vm_name,
			   bool *ret_focused, char *ret_buf, unsigned buf_size,
			   const char **ret_why)
{
	const char *why = NULL;
	*ret_vm_name = NULL;
	*ret_focused = false;
	if (strcmp(s, "focused") == 0) {
		*ret_focused = true;
	} else if (strncmp(s, "vm:", 3) == 0) {
		*ret_vm_name = s + 3;
		if (!vm_name_ok(s + 3)) {
			*ret_why = "bad target: vm:NAME wants 1-64 of A-Z a-z 0-9 . _ - (not "
				   "starting with '.' or '-')";
			return -EINVAL;
		}
	} else if (strncmp(s, "vsock:", 6) && strncmp(s, "hybrid:", 7) && strncmp(s, "unix:", 5)) {
		snprintf(ret_buf, buf_size,
			 "bad target '%.64s': want vsock:CID[:PORT], hybrid:PATH[:PORT], "
			 "unix:PATH, vm:NAME or focused",
			 s);
		*ret_why = ret_buf;
		return -EINVAL;
	} else if (ctl_target_parse(s, ret, &why) < 0) {
		snprintf(ret_buf, buf_size, "bad target '%.64s': %s", s, why);
		*ret_why = ret_buf;
		return -EINVAL;
	}
	return 0;
}

int ctl_args_parse(int argc, char *const *argv, struct ctl_args *ret, char *ret_buf,
		   unsigned buf_size, const char **ret_why)
{
	struct ctl_args a;
	memset(&a, 0, sizeof(a));
	bool timeout_set = false, options_done = false, clip_option = false;
	const char *command = NULL, *subcommand = NULL;
	*ret_why = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			if (strcmp(arg, "--") == 0) {
				options_done = true;
			} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
				a.help = true;
			} else if (strcmp(arg, "--version") == 0) {
				a.version = true;
			} else if (strcmp(arg, "--json") == 0) {
				a.json = true;
			} else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
				a.quiet = true;
			} else if (is_option(arg, "--timeout")) {
				const char *v = option_value(argc, argv, &i, "--timeout");
				if (!v || ctl_timeout_parse(v, &a.timeout_ms) < 0) {
					snprintf(ret_buf, buf_size,
						 "--timeout needs seconds (more than 0, at most "
						 "86400, up to 3 decimals)%s%.64s%s",
						 v ? ", not '" : "", v ? v : "", v ? "'" : "");
					*ret_why = ret_buf;
					return -EINVAL;
				}
				timeout_set = true;
			} else if (is_option(arg, "--event-socket")) {
				a.event_socket = option_value(argc, argv, &i, "--event-socket");
				if (!a.event_socket || !a.event_socket[0]) {
					*ret_why = "--event-socket needs a path";
					return -EINVAL;
				}
			} else if (is_option(arg, "--type")) {
				a.clip_type = option_value(argc, argv, &i, "--type");
				if (!a.clip_type ||
				    !str_class_ok(STR_MIME, a.clip_type, strlen(a.clip_type))) {
					*ret_why = "--type needs a MIME type (e.g. image/png)";
					return -EINVAL;
				}
				clip_option = true;
			} else if (is_option(arg, "--max-size")) {
				const char *v = option_value(argc, argv, &i, "--max-size");
				if (!v || ctl_clip_size_parse(v, &a.clip_max_size) < 0) {
					snprintf(ret_buf, buf_size,
						 "--max-size needs 1 to 16M bytes (e.g. 65536, "
						 "64K, 1M)%s%.64s%s",
						 v ? ", not '" : "", v ? v : "", v ? "'" : "");
					*ret_why = ret_buf;
					return -EINVAL;
				}
				clip_option = true;
			} else if (strcmp(arg, "--single-use") == 0) {
				a.clip_single_use = true;
				clip_option = true;
			} else if (strcmp(arg, "--keep-controls") == 0) {
				a.clip_keep_controls = true;
				clip_option = true;
			} else if (is_option(arg, "--config")) {
				a.clip_config = option_value(argc, argv, &i, "--config");
				if (!a.clip_config || !a.clip_config[0]) {
					*ret_why = "--config needs a path";
					return -EINVAL;
				}
				clip_option = true;
			} else {
				snprintf(ret_buf, buf_size, "unknown option '%.64s'", arg);
				*ret_why = ret_buf;
				return -EINVAL;
			}
			continue;
		}
		if (!a.target_string) {
			a.target_string = arg;
		} else if (!command) {
			command = arg;
		} else if (!subcommand && strcmp(command, "clipboard") == 0) {
			subcommand = arg;
		} else {
			snprintf(ret_buf, buf_size, "unexpected argument '%.64s'", arg);
			*ret_why = ret_buf;
			return -EINVAL;
		}
	}
	if (a.help || a.version) {
		*ret = a;
		return 0;
	}
	if (!a.target_string) {
		*ret_why = "missing target and command";
		return -EINVAL;
	}
	if (ctl_target_parse_named(a.target_string, &a.target, &a.vm_name, &a.focused, ret_buf,
				   buf_size, ret_why) < 0)
		return -EINVAL;
	if (!command) {
		*ret_why = "missing command";
		return -EINVAL;
	}
	if (strcmp(command, "clipboard") == 0) {
		if (!subcommand) {
			*ret_why = "clipboard needs copy or paste";
			return -EINVAL;
		}
		if (strcmp(subcommand, "copy") == 0) {
			a.command = CTL_CMD_CLIPBOARD_COPY;
		} else if (strcmp(subcommand, "paste") == 0) {
			a.command = CTL_CMD_CLIPBOARD_PASTE;
		} else {
			snprintf(ret_buf, buf_size,
				 "clipboard: unknown action '%.64s' (copy or paste)", subcommand);
			*ret_why = ret_buf;
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (a.command == CTL_CMD_NONE && strcmp(command, commands[i].name) == 0 &&
		    !strchr(command, ' '))
			a.command = commands[i].command;
	if (a.command == CTL_CMD_NONE) {
		snprintf(ret_buf, buf_size, "unknown command '%.64s'", command);
		*ret_why = ret_buf;
		return -EINVAL;
	}
	if (clip_option && !ctl_command_is_clipboard(a.command)) {
		*ret_why = "--type, --max-size, --single-use, --keep-controls and --config are for "
			   "clipboard commands";
		return -EINVAL;
	}
	if (a.clip_single_use && a.command != CTL_CMD_CLIPBOARD_PASTE) {
		*ret_why = "--single-use is for clipboard paste";
		return -EINVAL;
	}
	if (a.clip_keep_controls && a.command != CTL_CMD_CLIPBOARD_COPY) {
		*ret_why = "--keep-controls is for clipboard copy";
		return -EINVAL;
	}
	if (!timeout_set)
		a.timeout_ms = ctl_command_default_timeout(a.command);
	if (a.event_socket && a.command != CTL_CMD_WAIT_READY) {
		*ret_why = "--event-socket is for wait-ready only";
		return -EINVAL;
	}
	if (a.event_socket && !a.vm_name && !a.focused &&
	    a.target.transport == CTL_TRANSPORT_VSOCK) {
		*ret_why = "--event-socket does not apply to vsock targets";
		return -EINVAL;
	}
	*ret = a;
	return 0;
}
