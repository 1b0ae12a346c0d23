/* appvmctl's output: one human-readable form and one JSON form per command
 * (docs/appvmctl.md has the JSON schema). Every string that came from the
 * guest goes through lib/text_escape.h (terminal) or ctl_text.h (JSON). Pure code apart from the
 * FILEs. */
#ifndef APPVM_CTL_OUTPUT_H
#define APPVM_CTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_args.h"
#include "ctl_clip_run.h"
#include "ctl_error.h"
#include "ctl_event.h"
#include "proto.h"

struct ctl_result {
	enum ctl_command command;
	const char *target; /* as the user wrote it */
	int ret;	    /* 0 or an error as in ctl_error.h */
	const struct ctl_error *err;
	uint64_t elapsed_ms;
	/* After a HELLO exchange. */
	uint16_t protocol_version;
	uint16_t untrusted_software_len;
	const char *untrusted_software;
	uint64_t rtt_us;		    /* ping */
	const struct proto_status *status;  /* status */
	const struct ctl_ready *ready;	    /* wait-ready */
	const char *vm;			    /* the VM's name, for vm:NAME and focused */
	const struct ctl_clip_result *clip; /* clipboard copy, paste */
};

/* Writes the result for people: success to out (nothing when quiet), an
 * error as "appvmctl: TARGET: message" lines to errf. */
void ctl_print_human(FILE *out, FILE *errf, const struct ctl_result *r, bool quiet);

/* Writes the result as one JSON object on one line to out. */
void ctl_print_json(FILE *out, const struct ctl_result *r);

/* Writes a usage error for people ("appvmctl: WHY" and a hint) to errf. */
void ctl_print_usage_error(FILE *errf, const char *why);

/* Writes a usage error as JSON to out. */
void ctl_print_usage_error_json(FILE *out, const char *why);

/* Returns the app state's name ("running"); "unknown" for values out of range. */
const char *ctl_app_state_name(uint8_t state);

#endif
