/* appvmctl's command line. Pure code. */
#ifndef APPVM_CTL_ARGS_H
#define APPVM_CTL_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl_target.h"

enum ctl_command {
	CTL_CMD_NONE,
	CTL_CMD_PING,
	CTL_CMD_STATUS,
	CTL_CMD_SHUTDOWN,
	CTL_CMD_REBOOT,
	CTL_CMD_WAIT_READY,
	CTL_CMD_CLIPBOARD_COPY,	 /* "clipboard copy": the VM's clipboard to the host's */
	CTL_CMD_CLIPBOARD_PASTE, /* "clipboard paste": the host's clipboard to the VM's */
};

/* Longest --timeout: one day, so timeout x 1000 fits SHUTDOWN's deadline_ms. */
#define CTL_TIMEOUT_MAX_MS (86400u * 1000u)

struct ctl_args {
	enum ctl_command command;
	const char *target_string;
	/* Filled by the parser for vsock:, hybrid: and unix: targets; for
	 * vm:NAME and focused, by resolving them in the VM directory. */
	struct ctl_target target;
	const char *vm_name; /* vm:NAME: NAME */
	bool focused;	     /* the target "focused" */
	uint32_t timeout_ms; /* the command's default unless --timeout was given */
	bool json, quiet, help, version;
	const char *event_socket; /* NULL unless --event-socket was given */
	/* Clipboard commands: NULL / 0 / false unless given. */
	const char *clip_type;	 /* --type MIME */
	uint32_t clip_max_size;	 /* --max-size */
	bool clip_single_use;	 /* --single-use */
	const char *clip_config; /* --config PATH */
	bool clip_keep_controls; /* --keep-controls */
};

/* Parses argv (argv[0] is the program). Options may come before, between or
 * after the target and the command. Returns 0, or -EINVAL with a message of
 * a few words in *ret_why (a static string or ret_buf). */
int ctl_args_parse(int argc, char *const *argv, struct ctl_args *ret, char *ret_buf,
		   unsigned buf_size, const char **ret_why);

/* Parses a target string of the command line: vsock:, hybrid: and unix:
 * targets into *ret; vm:NAME sets *ret_vm_name to NAME and focused sets
 * *ret_focused, leaving *ret to ctl_vmdir_resolve(). Returns 0, or -EINVAL
 * with a message in *ret_why (a static string or ret_buf). */
int ctl_target_parse_named(const char *s, struct ctl_target *ret, const char **ret_vm_name,
			   bool *ret_focused, char *ret_buf, unsigned buf_size,
			   const char **ret_why);

/* Parses seconds ("30", "0.5", "1.25"; at most 3 decimals, more than 0, at
 * most a day) into milliseconds. Returns 0 or -EINVAL. */
int ctl_timeout_parse(const char *s, uint32_t *ret_ms);

/* Returns true for the clipboard commands. */
bool ctl_command_is_clipboard(enum ctl_command c);

/* Returns the command's name ("wait-ready", "clipboard copy"), "" for CTL_CMD_NONE. */
const char *ctl_command_name(enum ctl_command c);

/* Returns the command's default timeout in milliseconds. */
uint32_t ctl_command_default_timeout(enum ctl_command c);

#endif
