/* What a chooser answered. Every chooser (a configured command, zenity, the
 * host's portal) writes the same lines on its standard output:
 *
 *   /absolute/path        a picked file (or, for save-many, the folder)
 *   filter N              the filter the user had selected (an index)
 *   choice ID VALUE       the value of one of the dialog's choices
 *
 * Empty lines are ignored; anything else is an error. Pure code. */
#ifndef APPVM_PD_PICK_H
#define APPVM_PD_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* The most output a chooser may give: 64 paths of PATH_MAX and the rest. */
#define PD_PICK_OUTPUT_MAX (PROTO_MAX_DOCS * 4096u + 16384u)

struct pd_pick {
	unsigned n_paths;
	const char *paths[PROTO_MAX_DOCS]; /* NUL-terminated, inside the parsed buffer */
	uint8_t current_filter;		   /* PROTO_NO_FILTER when not given */
	uint8_t n_choices;
	struct proto_choice_value choices[PROTO_MAX_CHOICES]; /* ids point into the dialog */
};

/* Parses a chooser's output buf[0..len) (changed in place: lines become
 * NUL-terminated; buf has room for len + 1 bytes) for a dialog of request type `type` (FILE_OPEN,
 * FILE_SAVE, FILE_SAVE_MANY). Choices the chooser left out get the dialog's initial values (when
 * they have one). Returns 0 with *ret filled, -ECANCELED when no path was given (the user
 * cancelled), or -EINVAL with *ret_why set when the output breaks the rules: a relative path, a
 * path over 4095 bytes, more paths than the dialog allows (several without MULTIPLE; one folder for
 * save-many), a filter index out of range, an unknown choice or value, a
 * line of another kind. */
int pd_pick_parse(char *buf, size_t len, uint16_t type, const struct proto_dialog *d,
		  struct pd_pick *ret, const char **ret_why);

/* The separator zenity is given for the paths of a multiple pick: "//"
 * never occurs in the absolute, normalised paths it prints, where a
 * newline may (a file name can hold one). */
#define PD_ZENITY_SEPARATOR "//\n"

/* Turns zenity's answer (paths joined by PD_ZENITY_SEPARATOR, then a
 * newline) into one path a line for pd_pick_parse, in place (never
 * longer). Returns 0 with *len updated, or -EINVAL with *ret_why set when a
 * path holds a newline: read as lines, "/a\n/etc/passwd" would be two
 * paths, the second one a host file the user never picked. */
int pd_zenity_lines(char *buf, size_t *len, const char **ret_why);

#endif
