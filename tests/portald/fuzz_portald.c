/* Fuzz target for what appvm-portald builds from a guest's dialog request
 * and reads back from a chooser: the decoded dialog goes through the title,
 * zenity's argv, a command's environment and JSON, and the chooser's answer
 * (the rest of the input) through pd_pick_parse; host file names through
 * the display-name and variant functions.
 *
 * Input: byte 0 picks the request type (FILE_OPEN, FILE_SAVE,
 * FILE_SAVE_MANY), bytes 1-2 the payload length L (little-endian), then L
 * payload bytes, then the chooser's output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_grants.h"
#include "pd_pick.h"
#include "pd_request.h"
#include "pd_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char db[] = "50:image/png:*.png\n50:image/jpeg:*.jpg\n40:text/plain:*.txt\n"
			 "10:application/x-a b:*.a b\n";

static void check_names(const uint8_t *p, size_t n)
{
	char name[PD_NAME_MAX + 1], out[PROTO_FILENAME_MAX + 1];
	size_t k = n > PD_NAME_MAX ? PD_NAME_MAX : n;
	memcpy(name, p, k);
	name[k] = '\0';
	size_t len = pd_display_name(out, name);
	if (len != strlen(out) || !proto_filename_ok(out, len))
		abort();
	if (pd_name_variant(name, out, 2 + (unsigned)(n % 998)) == 0 &&
	    !proto_filename_ok(name, strlen(name)))
		abort();
}

static void check_pick(const struct pd_pick *p, const struct proto_dialog *d, uint16_t type)
{
	if (p->n_paths < 1 || p->n_paths > PROTO_MAX_DOCS)
		abort();
	if (p->n_paths > 1 && !(type == PROTO_FILE_OPEN && (d->flags & PROTO_DIALOG_MULTIPLE)))
		abort();
	for (unsigned i = 0; i < p->n_paths; i++)
		if (p->paths[i][0] != '/' || strlen(p->paths[i]) >= 4096)
			abort();
	if (p->current_filter != PROTO_NO_FILTER && p->current_filter >= d->n_filters)
		abort();
	if (p->n_choices > d->n_choices)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {PROTO_FILE_OPEN, PROTO_FILE_SAVE, PROTO_FILE_SAVE_MANY};
	if (size < 3)
		return 0;
	uint16_t type = types[data[0] % 3];
	size_t len = (size_t)(data[1] | data[2] << 8);
	if (len > size - 3)
		len = size - 3;
	const uint8_t *payload = data + 3, *rest = data + 3 + len;
	size_t rest_len = size - 3 - len;
	check_names(payload, len);
	struct proto_header h = {.type = type, .id = 1, .length = (uint32_t)len};
	if (len > proto_max_payload(type, 0))
		return 0;
	static struct proto_msg m;
	if (proto_decode(&h, payload, &m, NULL) != 0)
		return 0;
	struct pd_chooser_req r;
	pd_chooser_req_init(&r, type, "fuzzvm", &m.u.dialog);
	if (strncmp(r.title, "[fuzzvm] ", 9) != 0)
		abort();
	struct pd_strv argv = {0}, env = {0};
	char *base[] = {"PATH=/bin", "APPVM_X=1", NULL};
	if (pd_zenity_argv(&r, db, sizeof(db) - 1, &argv) == 0) {
		if (strcmp(argv.v[0], "zenity") || argv.v[argv.n])
			abort();
		pd_strv_free(&argv);
	}
	if (pd_command_env(&r, base, &env) == 0)
		pd_strv_free(&env);
	FILE *f = fopen("/dev/null", "w");
	if (f) {
		pd_request_json(f, &r);
		fclose(f);
	}
	static char out[PD_PICK_OUTPUT_MAX + 1];
	if (rest_len > PD_PICK_OUTPUT_MAX)
		rest_len = PD_PICK_OUTPUT_MAX;
	memcpy(out, rest, rest_len);
	struct pd_pick p;
	const char *why = NULL;
	int ret = pd_pick_parse(out, rest_len, type, &m.u.dialog, &p, &why);
	if (ret == 0)
		check_pick(&p, &m.u.dialog, type);
	else if (ret == -22 /* EINVAL */ && !why)
		abort();
	return 0;
}
