/* Fuzz target for what appvm-portald builds from a guest's dialog request
 * and reads back from a chooser: the decoded dialog goes through the title,
 * zenity's argv, a command's environment and JSON, and the chooser's answer
 * (the rest of the input) through pd_pick_parse, also as zenity's answer
 * through pd_zenity_lines first; host file names through
 * the display-name and variant functions.
 *
 * Input: byte 0 picks the request type (FILE_OPEN, FILE_SAVE,
 * FILE_SAVE_MANY), bytes 1-2 the payload length L (little-endian), then L
 * payload bytes, then the chooser's output.
 *
 * Byte 0 of 3 (mod 4) instead runs the rest as a program against the
 * tables of folder grants (pd_folder.c): nodes added, looked for, given
 * back and taken by connections, file documents opened and closed, and the
 * guest's ENTRY_* requests decoded and checked, folders moved to another
 * depth through either of two folder grants, one inside the other (the
 * depths the nodes of both take), with the counts and the limit checked
 * after every step. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pd_folder.h"
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

#define MAX_FILES 16

struct folder_run {
	struct pd_grants t;
	struct pd_grant *g, *g2, *files[MAX_FILES]; /* g2: a folder granted inside g's */
	unsigned n_files, n_nodes;
	int next_fd;
	uint8_t given[256]; /* descriptors handed out and not yet back */
};

static void give_back(struct folder_run *fr, int fd)
{
	if (fd < 1000 || fd >= 1256 || !fr->given[fd - 1000])
		abort(); /* never handed out, or twice */
	fr->given[fd - 1000] = 0;
	fr->n_nodes--;
}

/* One guest request of the program: decoded like the daemon does, then
 * checked against the folder (any rejection is fine; a crash is not). */
static void entry_request(struct folder_run *fr, const uint8_t *p, size_t n)
{
	static const uint16_t types[] = {PROTO_ENTRY_LOOKUP,  PROTO_ENTRY_STAT,	 PROTO_ENTRY_FORGET,
					 PROTO_ENTRY_READDIR, PROTO_ENTRY_OPEN,	 PROTO_ENTRY_MKDIR,
					 PROTO_ENTRY_UNLINK,  PROTO_ENTRY_RENAME};
	static const enum pd_entry_op ops[] = {PD_E_LOOKUP, PD_E_STAT,	PD_E_FORGET, PD_E_READDIR,
					       PD_E_OPEN,   PD_E_MKDIR, PD_E_UNLINK, PD_E_RENAME};
	if (n < 1)
		return;
	unsigned k = p[0] % 8;
	struct proto_header h = {.type = types[k], .id = 1, .length = (uint32_t)(n - 1)};
	struct proto_msg m;
	const char *why = NULL;
	if (h.length > proto_max_payload(h.type, 0) || proto_decode(&h, p + 1, &m, &why) != 0)
		return;
	if (types[k] != PROTO_ENTRY_STAT && types[k] != PROTO_ENTRY_FORGET &&
	    types[k] != PROTO_ENTRY_READDIR && types[k] != PROTO_ENTRY_RENAME &&
	    !proto_entry_name_ok(m.u.entry_name.name.ptr, m.u.entry_name.name.len))
		abort(); /* the codec let a bad name through */
	uint32_t code = pd_entry_check(fr->g, ops[k], &why);
	if (code && !why)
		abort();
	unsigned depth;
	(void)pd_folder_dirfd(fr->g, m.u.entry_node.node, 1, &depth);
}

/* Every node of both grants and their folders' depths, in order. */
static unsigned depths(const struct folder_run *fr, unsigned out[2 + 256])
{
	unsigned n = 0;
	const struct pd_grant *gs[2] = {fr->g, fr->g2};
	for (unsigned k = 0; k < 2; k++) {
		out[n++] = gs[k]->base;
		for (unsigned i = 0; i < gs[k]->folder->n; i++)
			out[n++] = gs[k]->folder->v[i].depth;
	}
	return n;
}

/* Moved shallower from depth `at`: the nodes it may carry (both grants,
 * their folders too) are exactly those at `at` or deeper, with the levels
 * up to it (at least 1) as their cost; those picked by p[4..19] follow as do_rename
 * has them, the others keep their depths. */
static void folder_move_up(struct folder_run *fr, const uint8_t *p, unsigned at, unsigned to)
{
	unsigned before[2 + 256], after[2 + 256], want = 0;
	uint64_t cost, cost_want = 0;
	struct pd_held *held;
	unsigned n = depths(fr, before);
	for (unsigned i = 0; i < n; i++)
		if (before[i] >= at) {
			want++;
			cost_want += before[i] > at ? before[i] - at : 1;
		}
	int k = pd_folders_held(&fr->t, at, &held, &cost);
	if (k < 0)
		return;
	if ((unsigned)k != want || cost != cost_want)
		abort();
	for (int i = 0; i < k; i++) {
		if (*held[i].depth < at)
			abort();
		if (p[4 + i % 16] & 1)
			*held[i].depth = *held[i].depth - at + to + 1;
	}
	free(held);
	if (depths(fr, after) != n)
		abort();
	for (unsigned i = 0; i < n; i++)
		if (before[i] >= at ? (after[i] != before[i] && after[i] != before[i] - at + to + 1)
				    : after[i] != before[i])
			abort();
}

/* ENTRY_RENAME through g (p[1] & 4: g2) of a folder from depth p[38] (+ 256
 * with p[36] & 2) to depth p[2] (+ 256 with p[36] odd): the walk's levels;
 * deeper: walked folders (unique inodes from p[4..19], levels from
 * p[20..35]), and every node of both grants on one of them, or a grant's
 * folder, takes its new depth, the others keep theirs; shallower: the
 * nodes it may carry (folder_move_up). */
static void folder_move(struct folder_run *fr, const uint8_t *p)
{
	struct pd_fdir v[16];
	unsigned n = 0, levels, before[2 + 256], after[2 + 256];
	const char *why = NULL;
	const struct pd_grant *by = p[1] & 4 ? fr->g2 : fr->g;
	unsigned to = p[2] + (p[36] & 1u) * 256u, from = p[38] + (p[36] & 2u) * 128u;
	unsigned limit = by->limit;
	if (pd_folder_move_levels(by->limit, from, to, &levels, &why)) {
		if (!why || to < limit)
			abort();
		return;
	}
	if (to >= limit || levels > PD_MAX_DEPTH)
		abort();
	/* Deeper: every level that may fit (at most PD_MAX_DEPTH); else none. */
	unsigned room = limit - to - 1;
	if (levels != (to > from ? (room < PD_MAX_DEPTH ? room : PD_MAX_DEPTH) : 0))
		abort();
	if (to < from) {
		folder_move_up(fr, p, from + 1, to);
		return;
	}
	for (unsigned i = 0; i < (p[3] & 15u); i++) {
		uint64_t ino = p[4 + i] & 15u;
		bool seen = false;
		for (unsigned j = 0; j < n; j++)
			seen |= v[j].ino == ino;
		if (!seen)
			v[n++] = (struct pd_fdir){1, ino, p[20 + i] % (levels + 1)};
	}
	unsigned m = depths(fr, before);
	pd_folders_moved(&fr->t, v, n, to + 1);
	if (depths(fr, after) != m)
		abort();
	const struct pd_grant *gs[2] = {fr->g, fr->g2};
	for (unsigned k = 0, at = 0; k < 2; k++) {
		uint64_t ids[1 + 256][2];
		unsigned c = 0;
		ids[c][0] = gs[k]->dir_dev;
		ids[c++][1] = gs[k]->dir_ino;
		for (unsigned i = 0; i < gs[k]->folder->n; i++, c++) {
			ids[c][0] = gs[k]->folder->v[i].dev;
			ids[c][1] = gs[k]->folder->v[i].ino;
		}
		for (unsigned i = 0; i < c; i++, at++) {
			unsigned want = before[at];
			for (unsigned j = 0; j < n; j++)
				if (ids[i][0] == v[j].dev && ids[i][1] == v[j].ino)
					want = to + 1 + v[j].level;
			/* What moved lands within the limit of the grant it
			 * moved through. */
			if (after[at] != want || (want != before[at] && want > limit))
				abort();
		}
	}
	if (pd_folder_walk_code(-(int)(p[37] % 140), &why) && !why)
		abort();
}

static void folder_step(struct folder_run *fr, const uint8_t *p, size_t n)
{
	const char *why = NULL;
	unsigned conn = (p[1] & 3) + 1, depth;
	struct pd_grant *g = p[1] & 4 ? fr->g2 : fr->g;
	uint64_t id;
	switch (p[0] % 8) {
	case 0: { /* a folder looked up: the same one again, or a new node */
		struct pd_fnode *nd = pd_folder_find(g->folder, conn, 1, p[2] & 15);
		if (nd) {
			nd->refs++;
		} else if (!pd_folder_room(&fr->t, g, p[3], &why) && fr->next_fd < 1256) {
			if (pd_folder_add(&fr->t, g->folder, fr->next_fd, 1, p[2] & 15, conn, p[3],
					  &id) == 0) {
				fr->given[fr->next_fd++ - 1000] = 1;
				fr->n_nodes++;
			}
		}
		break;
	}
	case 1: { /* ENTRY_FORGET */
		int fd = pd_folder_forget(&fr->t, g->folder, p[2], conn, p[3]);
		if (fd >= 0)
			give_back(fr, fd);
		break;
	}
	case 2: /* a connection ends */
		for (int fd; (fd = pd_folder_take(&fr->t, fr->g->folder, conn)) >= 0;)
			give_back(fr, fd);
		for (int fd; (fd = pd_folder_take(&fr->t, fr->g2->folder, conn)) >= 0;)
			give_back(fr, fd);
		for (struct pd_grant *f; (f = pd_grants_next_file(&fr->t, fr->g->id, conn));) {
			free(pd_grants_take(&fr->t, f->id));
			fr->n_files--;
		}
		break;
	case 3: { /* a node's descriptor, as requests look it up */
		int fd = pd_folder_dirfd(g, p[2], conn, &depth);
		if (fd >= 0 && fd != g->dirfd && (fd < 1000 || !fr->given[fd - 1000]))
			abort();
		break;
	}
	case 4: { /* ENTRY_OPEN: a file document */
		struct pd_grant *f = calloc(1, sizeof(*f));
		if (!f)
			return;
		f->parent = fr->g->id;
		f->conn = conn;
		f->dirfd = f->fd = f->stage.fd = -1;
		if (pd_grants_add(&fr->t, f) == 0)
			fr->n_files++;
		else
			free(f);
		break;
	}
	case 5: /* DOC_CLOSE of a file document */
		for (unsigned i = 0; i < fr->t.n; i++)
			if (fr->t.v[i]->parent && fr->t.v[i]->conn == conn) {
				free(pd_grants_take(&fr->t, fr->t.v[i]->id));
				fr->n_files--;
				break;
			}
		break;
	case 7:
		folder_move(fr, p);
		break;
	default:
		entry_request(fr, p + 2, n - 2);
		break;
	}
	if (fr->t.handles != fr->n_nodes + fr->n_files || fr->t.handles > fr->t.lim.max_handles)
		abort();
}

static void folder_program(const uint8_t *p, size_t n)
{
	static struct folder_run fr;
	const uint64_t key[4] = {1, 2, 3, 4};
	struct pd_limits lim = {.max_grants = 4, .max_handles = 1 + (n ? p[0] % 40 : 0)};
	memset(&fr, 0, sizeof(fr));
	fr.next_fd = 1000;
	if (pd_grants_init(&fr.t, &lim, key) < 0)
		return;
	fr.g = calloc(1, sizeof(*fr.g));
	if (!fr.g || pd_folder_new(fr.g) < 0 || pd_grants_add(&fr.t, fr.g) < 0)
		abort();
	fr.g->perms |= n > 1 && (p[1] & 1) ? PROTO_PERM_WRITE : 0;
	fr.g->dirfd = 100;
	/* g's folder at p[1] >> 4 below /, g2's 0-7 below it (dev 1, inode 15). */
	pd_folder_place(fr.g, n > 1 ? p[1] >> 4 : 0);
	fr.g2 = calloc(1, sizeof(*fr.g2));
	if (!fr.g2 || pd_folder_new(fr.g2) < 0 || pd_grants_add(&fr.t, fr.g2) < 0)
		abort();
	fr.g2->perms |= n > 1 && (p[1] & 2) ? PROTO_PERM_WRITE : 0;
	fr.g2->dirfd = 101;
	pd_folder_place(fr.g2, fr.g->base + (n > 1 ? (p[1] >> 1) & 7u : 1u));
	fr.g2->dir_dev = 1;
	fr.g2->dir_ino = 15;
	/* Whatever moves, a grant's limit stays where it was granted. */
	const unsigned limits[2] = {fr.g->limit, fr.g2->limit};
	/* Steps: a u16 length, then that many bytes (at least 4 are read). */
	for (size_t at = 2; at + 2 <= n;) {
		size_t len = (size_t)(p[at] | p[at + 1] << 8);
		at += 2;
		if (len > n - at)
			len = n - at;
		if (len > 700)
			len = 700;
		static uint8_t step[704];
		memset(step, 0, sizeof(step));
		memcpy(step, p + at, len);
		folder_step(&fr, step, len < 4 ? 4 : len);
		if (fr.g->limit != limits[0] || fr.g2->limit != limits[1])
			abort();
		at += len;
	}
	for (int fd; (fd = pd_folder_take(&fr.t, fr.g->folder, 0)) >= 0;)
		give_back(&fr, fd);
	for (int fd; (fd = pd_folder_take(&fr.t, fr.g2->folder, 0)) >= 0;)
		give_back(&fr, fd);
	if (fr.n_nodes != 0)
		abort();
	pd_grants_free(&fr.t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {PROTO_FILE_OPEN, PROTO_FILE_SAVE, PROTO_FILE_SAVE_MANY};
	if (size >= 1 && data[0] % 4 == 3) {
		folder_program(data + 1, size - 1);
		return 0;
	}
	if (size < 3)
		return 0;
	uint16_t type = types[data[0] % 4];
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
	/* The same answer as zenity's: paths joined by its separator, one a
	 * line afterwards, never longer, none holding a newline it did not
	 * refuse. */
	size_t zlen = rest_len;
	memcpy(out, rest, rest_len);
	why = NULL;
	ret = pd_zenity_lines(out, &zlen, &why);
	if (ret == 0 && zlen > rest_len)
		abort();
	if (ret < 0 && !why)
		abort();
	if (ret == 0 && pd_pick_parse(out, zlen, type, &m.u.dialog, &p, &why) == 0) {
		check_pick(&p, &m.u.dialog, type);
		for (unsigned i = 0; i < p.n_paths; i++)
			if (strstr(p.paths[i], PD_ZENITY_SEPARATOR))
				abort();
	}
	return 0;
}
