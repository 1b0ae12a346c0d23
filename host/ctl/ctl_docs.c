#include "ctl_docs.h"

#include "cleanup.h"
#include "clock.h"
#include "ctl_args.h"
#include "ctl_error.h"
#include "ctl_target.h"
#include "ctl_text.h"
#include "ctl_output.h"
#include "ctl_transport.h"
#include "ctl_vmdir.h"
#include "io.h"
#include "pd_ctlproto.h"
#include "text_escape.h"
#include "vm_name.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define DOCS_TIMEOUT_MS 10000u
#define REPLY_MAX	(16u << 20)

struct docs_args {
	const char *target_string;
	struct ctl_target target;
	const char *vm_name; /* vm:NAME, or the focused VM once resolved */
	bool focused;
	struct pd_ctl_req req;
	const char *sub; /* "list", "revoke", "revoke-all" */
	uint32_t timeout_ms;
	bool json, quiet;
};

/* Positional arguments, options skipped as ctl_args.c skips them. */
static int positionals(int argc, char *const *argv, const char **pos, int max)
{
	int n = 0;
	bool done = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!done && a[0] == '-' && a[1]) {
			if (!strcmp(a, "--"))
				done = true;
			else if (!strcmp(a, "--timeout") && i + 1 < argc)
				i++;
			continue;
		}
		if (n < max)
			pos[n] = a;
		n++;
	}
	return n;
}

bool ctl_docs_wanted(int argc, char *const *argv)
{
	const char *pos[2] = {NULL, NULL};
	return positionals(argc, argv, pos, 2) >= 2 && !strcmp(pos[1], "docs");
}

static int parse(int argc, char *const *argv, struct docs_args *a, char *buf, unsigned size,
		 const char **why)
{
	const char *pos[5] = {NULL};
	memset(a, 0, sizeof(*a));
	a->timeout_ms = DOCS_TIMEOUT_MS;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			a->json = true;
		else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			a->quiet = true;
		else if (!strcmp(argv[i], "--timeout") || !strncmp(argv[i], "--timeout=", 10)) {
			const char *v =
			    argv[i][9] == '=' ? argv[i] + 10 : (i + 1 < argc ? argv[++i] : "");
			if (ctl_timeout_parse(v, &a->timeout_ms) < 0) {
				*why =
				    "--timeout needs seconds (more than 0, at most 86400, up to 3 "
				    "decimals)";
				return -EINVAL;
			}
		} else if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--")) {
			snprintf(buf, size,
				 "docs: unknown option '%.64s' (it takes --json, --timeout and "
				 "--quiet; document ids are hexadecimal)",
				 argv[i]);
			*why = buf;
			return -EINVAL;
		}
	}
	int n = positionals(argc, argv, pos, 5);
	a->target_string = pos[0];
	if (ctl_target_parse_named(pos[0], &a->target, &a->vm_name, &a->focused, buf, size, why) <
	    0)
		return -EINVAL;
	if (!a->vm_name && !a->focused && a->target.transport == CTL_TRANSPORT_VSOCK) {
		*why = "docs needs a hybrid: or unix: target (the portal daemon's socket is "
		       "PATH.portal.ctl)";
		return -EINVAL;
	}
	a->sub = n >= 3 ? pos[2] : "";
	if (!strcmp(a->sub, "list") && n == 3) {
		a->req.cmd = PD_CTL_LIST;
	} else if (!strcmp(a->sub, "revoke-all") && n == 3) {
		a->req.cmd = PD_CTL_REVOKE_ALL;
	} else if (!strcmp(a->sub, "revoke") && n == 4) {
		a->req.cmd = PD_CTL_REVOKE;
		if (pd_ctl_parse_id(pos[3], &a->req.id) < 0) {
			*why = "revoke needs a document id: 1 to 16 hexadecimal digits";
			return -EINVAL;
		}
	} else {
		*why = "usage: TARGET docs list | docs revoke ID | docs revoke-all";
		return -EINVAL;
	}
	return 0;
}

/* Sends the request and reads the whole answer (the daemon closes after it). */
static int exchange(const struct docs_args *a, char **ret, size_t *ret_len, struct ctl_error *err)
{
	char path[CTL_PATH_SIZE + 16];
	uint64_t deadline = clock_now_ms() + a->timeout_ms;
	if (a->target.transport == CTL_TRANSPORT_VSOCK) {
		ctl_error_set(err,
			      "docs needs a hybrid: or unix: target, and VM %s has a vsock: one",
			      a->vm_name);
		return -EINVAL;
	}
	if (snprintf(path, sizeof(path), "%s.portal.ctl", a->target.path) >= CTL_PATH_SIZE) {
		ctl_error_set(err, "%s.portal.ctl does not fit a socket address", a->target.path);
		return -EINVAL;
	}
	_cleanup_close_ int fd = ctl_unix_connect(path, deadline, err);
	if (fd < 0) {
		if (fd == -EHOSTDOWN)
			ctl_error_set(err, "the portal daemon does not listen on %s", path);
		return fd;
	}
	char line[PD_CTL_REQUEST_MAX];
	FILE *f = fmemopen(line, sizeof(line), "w");
	if (!f)
		return -errno;
	pd_ctl_format_request(f, &a->req);
	long len = ftell(f);
	fclose(f);
	int r = io_write_full_until(fd, line, (size_t)len, deadline);
	if (r < 0) {
		ctl_error_set(err, "cannot send to the portal daemon: %s", strerror(-r));
		return r;
	}
	_cleanup_free_ char *buf = malloc(REPLY_MAX + 1);
	size_t got = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		r = io_wait(fd, POLLIN, clock_remaining_ms(deadline));
		if (r < 0) {
			ctl_error_set(err, "no answer from the portal daemon before the deadline");
			return r;
		}
		ssize_t n = io_read_some(fd, buf + got, REPLY_MAX - got);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			ctl_error_set(err, "reading from the portal daemon: %s", strerror((int)-n));
			return (int)n;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == REPLY_MAX) {
			ctl_error_set(err, "the portal daemon's answer is too long");
			return -EPROTO;
		}
	}
	buf[got] = '\0';
	*ret = steal_pointer(&buf);
	*ret_len = got;
	return 0;
}

static void print_doc_json(FILE *out, const struct pd_ctl_doc *d, bool first)
{
	fprintf(out, "%s{\"id\":\"%016llx\",\"access\":\"%s\",\"staged_bytes\":", first ? "" : ",",
		(unsigned long long)d->id,
		d->perms == (PROTO_PERM_READ | PROTO_PERM_WRITE) ? "rw"
		: d->perms == PROTO_PERM_WRITE			 ? "wo"
								 : "ro");
	if (d->staged)
		fprintf(out, "%llu", (unsigned long long)d->staged_bytes);
	else
		fputs("null", out);
	fprintf(out, ",\"age_s\":%llu,\"path\":", (unsigned long long)d->age_s);
	ctl_json_string(out, d->path, d->path_len);
	fputc('}', out);
}

static void print_doc_human(FILE *out, const struct pd_ctl_doc *d)
{
	char staged[24] = "-";
	if (d->staged)
		snprintf(staged, sizeof(staged), "%llu", (unsigned long long)d->staged_bytes);
	fprintf(out, "%016llx  %-6s  %-10s  %6llus  ", (unsigned long long)d->id,
		d->perms == (PROTO_PERM_READ | PROTO_PERM_WRITE) ? "rw"
		: d->perms == PROTO_PERM_WRITE			 ? "wo"
								 : "ro",
		staged, (unsigned long long)d->age_s);
	text_escape_write(out, d->path, d->path_len);
	fputc('\n', out);
}

/* Interprets the answer and prints it. Returns 0 or an error as ctl_error.h. */
static int report(const struct docs_args *a, char *buf, FILE *out, struct ctl_error *err)
{
	char *nl = strchr(buf, '\n');
	unsigned n = 0;
	const char *word = NULL;
	if (!nl) {
		ctl_error_set(err, "the portal daemon's answer has no status line");
		return -EPROTO;
	}
	*nl = '\0';
	int r = pd_ctl_parse_status(buf, &n, &word);
	if (r == -EREMOTEIO) {
		ctl_error_set(err, "%s", !strcmp(word, "not-found") ? "no such document" : word);
		return -ENOENT;
	}
	if (r < 0) {
		ctl_error_set(err, "the portal daemon's answer is malformed");
		return -EPROTO;
	}
	if (a->req.cmd != PD_CTL_LIST) {
		if (a->json) {
			fprintf(out, ",\"revoked\":%u", n);
		} else if (!a->quiet) {
			if (a->req.cmd == PD_CTL_REVOKE)
				fprintf(out, "revoked %016llx\n", (unsigned long long)a->req.id);
			else
				fprintf(out, "revoked %u document%s\n", n, n == 1 ? "" : "s");
		}
		return 0;
	}
	struct pd_ctl_doc *docs = calloc(n ? n : 1, sizeof(*docs));
	if (!docs)
		return -ENOMEM;
	char *line = nl + 1;
	for (unsigned i = 0; i < n; i++) {
		char *end = strchr(line, '\n');
		if (!end || (*end = '\0', pd_ctl_parse_doc(line, &docs[i]) < 0)) {
			free(docs);
			ctl_error_set(err, "the portal daemon's listing is malformed");
			return -EPROTO;
		}
		line = end + 1;
	}
	if (a->json) {
		fputs(",\"documents\":[", out);
		for (unsigned i = 0; i < n; i++)
			print_doc_json(out, &docs[i], i == 0);
		fputc(']', out);
	} else if (!a->quiet) {
		if (n == 0)
			fputs("no documents granted\n", out);
		else
			fputs("ID                ACCESS  STAGED          AGE  PATH\n", out);
		for (unsigned i = 0; i < n; i++)
			print_doc_human(out, &docs[i]);
	}
	free(docs);
	return 0;
}

static int exit_code(int r)
{
	if (r == -ENOENT)
		return CTL_EXIT_FAILURE;
	return ctl_exit_code(r);
}

int ctl_docs_run(int argc, char *const *argv, FILE *out, FILE *errf)
{
	struct docs_args a;
	const char *why = NULL;
	char why_buf[192];
	bool json = false;
	for (int i = 1; i < argc; i++)
		json |= !strcmp(argv[i], "--json");
	if (parse(argc, argv, &a, why_buf, sizeof(why_buf), &why) < 0) {
		if (json)
			ctl_print_usage_error_json(out, why);
		ctl_print_usage_error(errf, why);
		return CTL_EXIT_USAGE;
	}
	uint64_t start = clock_now_ms();
	struct ctl_error err;
	ctl_error_clear(&err);
	char *buf = NULL;
	size_t len = 0;
	if (a.json) {
		fprintf(out, "{\"command\":\"docs %s\",\"target\":", a.sub);
		ctl_json_string(out, a.target_string, strlen(a.target_string));
	}
	char vm[VM_NAME_MAX + 1];
	int r = 0;
	if (a.vm_name || a.focused)
		r = ctl_vmdir_resolve(a.vm_name, a.focused, vm, sizeof(vm), &a.vm_name, &a.target,
				      &err);
	if (a.json && a.vm_name) {
		fputs(",\"vm\":", out);
		ctl_json_string(out, a.vm_name, strlen(a.vm_name));
	}
	if (r == 0)
		r = exchange(&a, &buf, &len, &err);
	if (r == 0)
		r = report(&a, buf, out, &err);
	free(buf);
	int code = exit_code(r);
	if (a.json) {
		fprintf(out, ",\"ok\":%s,\"elapsed_ms\":%llu", r == 0 ? "true" : "false",
			(unsigned long long)(clock_now_ms() - start));
		if (r < 0) {
			fprintf(out, ",\"error\":{\"kind\":\"%s\",\"exit_code\":%d,\"message\":",
				ctl_exit_kind(code), code);
			ctl_json_string(out, err.msg, strlen(err.msg));
			fputc('}', out);
		}
		fputs("}\n", out);
	}
	if (r < 0) {
		fprintf(errf, "appvmctl: %s: ", a.target_string);
		text_escape_write(errf, err.msg, strlen(err.msg));
		fputc('\n', errf);
	}
	return code;
}
