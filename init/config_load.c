#include "config_load.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

struct parse_state {
	struct cfg *cfg;
	const char *filename;
	const char *pos;       /* reader cursor */
	unsigned line;	       /* physical line last handed to inih */
	unsigned section_line; /* line of the last [section] header */
	unsigned long_line;    /* first line that did not fit inih's buffer */
	char section[CFG_NAME_MAX + 8];
	char done_sections[32][CFG_NAME_MAX + 8];
	size_t n_done;
	int ret;
	unsigned err_line;
	char *err;
	size_t errlen;
};

/* Hands inih one physical line at a time, so st->line is the line its handler
 * is called for. Leading blanks are dropped: indentation means nothing in
 * vm.conf (inih would otherwise treat it as a continuation line). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	const char *p = st->pos;
	if (*p == '\0')
		return NULL;
	st->line++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[')
		st->section_line = st->line;
	size_t len = strcspn(p, "\n");
	if (len + 2 > (size_t)num) {
		if (!st->long_line)
			st->long_line = st->line;
		len = 0; /* hand inih an empty line; the error is reported below */
	}
	memcpy(str, p, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	p += strcspn(p, "\n");
	st->pos = *p ? p + 1 : p;
	return str;
}

static void record_at(struct parse_state *st, unsigned line, int r, const char *msg)
{
	if (st->ret != 0)
		return;
	st->ret = r;
	st->err_line = line;
	snprintf(st->err, st->errlen, "%s:%u: %s", st->filename, line, msg);
}

static void record(struct parse_state *st, int r, const char *msg)
{
	record_at(st, st->line, r, msg);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	char msg[CFG_ORIGIN_MAX + 128];
	char origin[CFG_ORIGIN_MAX];

	if (strcmp(section, st->section) != 0) {
		for (size_t i = 0; i < st->n_done; i++)
			if (strcmp(st->done_sections[i], section) == 0) {
				snprintf(msg, sizeof(msg), "section [%s] given twice", section);
				record_at(st, st->section_line, -EEXIST, msg);
				return 0;
			}
		int r = cfg_section_check(section, msg, sizeof(msg));
		if (r < 0 && section[0]) {
			record_at(st, st->section_line, r, msg);
			return 0;
		}
		if (st->section[0] && st->n_done < ARRAY_LEN(st->done_sections))
			util_copy(st->done_sections[st->n_done++], sizeof(st->done_sections[0]),
				  st->section);
		util_copy(st->section, sizeof(st->section), section);
	}
	if (section[0] == '\0') {
		record(st, -EINVAL, "key outside any section (put it under [vm], [app], ...)");
		return 0;
	}
	char num[UTIL_ULONG_LEN];
	util_cat(origin, sizeof(origin), st->filename, ":", util_ulong(num, st->line), NULL);
	int r = cfg_set(st->cfg, section, name, value, 0, origin, msg, sizeof(msg));
	if (r < 0) {
		record(st, r, msg);
		return 0;
	}
	return 1;
}

int cfg_parse_string(struct cfg *c, const char *text, const char *filename, char *err,
		     size_t errlen)
{
	struct parse_state st = {
	    .cfg = c,
	    .filename = filename,
	    .pos = text,
	    .err = err,
	    .errlen = errlen,
	};
	err[0] = '\0';
	int r = ini_parse_stream(reader, &st, handler, &st);
	/* inih reports the first line it rejected; ours may be an earlier one. */
	if (st.long_line && (st.ret == 0 || st.long_line <= st.err_line)) {
		snprintf(err, errlen, "%s:%u: line too long (at most %d bytes)", filename,
			 st.long_line, INI_MAX_LINE - 2);
		return -E2BIG;
	}
	if (r > 0 && (st.ret == 0 || (unsigned)r < st.err_line)) {
		snprintf(err, errlen,
			 "%s:%d: syntax error: expected [section], key = value or a comment",
			 filename, r);
		return -EINVAL;
	}
	if (r < 0 && st.ret == 0) {
		snprintf(err, errlen, "%s: cannot parse (%d)", filename, r);
		return -ENOMEM;
	}
	return st.ret;
}

int cfg_apply_cmdline(struct cfg *c, const struct cmdline *cl, char *err, size_t errlen)
{
	for (size_t i = 0; i < cl->n; i++) {
		const char *a = cl->args[i];
		char section[CFG_NAME_MAX + 8], key[CFG_NAME_MAX], msg[CFG_ORIGIN_MAX + 128];

		if (strncmp(a, "appvm.", 6) != 0)
			continue;
		const char *name = a + 6;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if ((nlen == 6 && strncmp(name, "config", 6) == 0) ||
		    (nlen == 5 && strncmp(name, "debug", 5) == 0))
			continue;
		if (!eq) {
			snprintf(err, errlen,
				 "kernel command line: %s: expected appvm.SECTION.KEY=VALUE", a);
			return -EINVAL;
		}
		const char *dot = memchr(name, '.', nlen);
		size_t slen = dot ? (size_t)(dot - name) : 0;
		if (dot && slen == 5 && strncmp(name, "store", 5) == 0)
			dot = memchr(dot + 1, '.', (size_t)(eq - dot - 1));
		if (!dot || dot == name || dot + 1 == eq ||
		    (size_t)(dot - name) >= sizeof(section) ||
		    (size_t)(eq - dot - 1) >= sizeof(key)) {
			snprintf(err, errlen,
				 "kernel command line: %s: expected appvm.SECTION.KEY=VALUE", a);
			return -EINVAL;
		}
		memcpy(section, name, (size_t)(dot - name));
		section[dot - name] = '\0';
		if (strncmp(section, "store.", 6) == 0)
			section[5] = ' ';
		memcpy(key, dot + 1, (size_t)(eq - dot - 1));
		key[eq - dot - 1] = '\0';
		int r = cfg_set(c, section, key, eq + 1, CFG_SET_OVERRIDE, "kernel command line",
				msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, errlen, "kernel command line: %s", msg);
			return r;
		}
	}
	return 0;
}
