#include "ctl_clip.h"

#include "clip_mime.h"
#include "parse.h"
#include "utf8.h"
#include "vm_name.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctl_clip_pull_init(struct ctl_clip_pull *p, uint32_t cap)
{
	memset(p, 0, sizeof(*p));
	p->cap = cap;
}

void ctl_clip_pull_free(struct ctl_clip_pull *p)
{
	free(p->buf);
	p->buf = NULL;
}

void ctl_clip_pull_next(const struct ctl_clip_pull *p, uint32_t *ret_offset,
			uint32_t *ret_max_length)
{
	*ret_offset = p->got;
	uint32_t left = p->started ? p->total - p->got : PROTO_CHUNK;
	*ret_max_length = left < PROTO_CHUNK ? left : PROTO_CHUNK;
	if (*ret_max_length == 0)
		*ret_max_length = 1; /* not asked: the pull is complete */
}

int ctl_clip_pull_take(struct ctl_clip_pull *p, const struct proto_clipboard_data *untrusted,
		       struct ctl_error *err)
{
	uint32_t offset, max;
	ctl_clip_pull_next(p, &offset, &max);
	uint32_t untrusted_total = untrusted->total;
	uint32_t untrusted_len = untrusted->data.len;
	if (!p->started) {
		/* The cap is checked before a byte is kept. */
		if (untrusted_total > p->cap) {
			ctl_error_set(err,
				      "the VM's clipboard holds %u bytes, over the limit of %u for "
				      "this VM (max-size); the host clipboard is unchanged",
				      untrusted_total, p->cap);
			return -EFBIG;
		}
		p->total = untrusted_total;
		p->started = true;
		if (p->total > 0) {
			p->buf = malloc(p->total);
			if (!p->buf) {
				ctl_error_set(err, "out of memory for %u bytes", p->total);
				return -ENOMEM;
			}
		}
	} else if (untrusted_total != p->total) {
		ctl_error_set(
		    err,
		    "guest changed the clipboard's size in the middle of the transfer: %u "
		    "bytes, then %u",
		    p->total, untrusted_total);
		return -EPROTO;
	}
	/* Exactly what was asked for, or what is left when that is less: a
	 * guest cannot stretch a copy into one round trip per byte. */
	uint32_t left = p->total - p->got;
	if (untrusted_len == 0 && left > 0) {
		ctl_error_set(err, "guest sent no clipboard bytes at offset %u of %u", offset,
			      p->total);
		return -EPROTO;
	}
	if (untrusted_len != (left < max ? left : max)) {
		ctl_error_set(
		    err,
		    "guest sent %u clipboard bytes at offset %u; %u were asked for and %u "
		    "are left of %u",
		    untrusted_len, offset, max, left, p->total);
		return -EPROTO;
	}
	if (untrusted_len)
		memcpy(p->buf + p->got, untrusted->data.ptr, untrusted_len);
	p->got += untrusted_len;
	return p->got == p->total ? 1 : 0;
}

uint32_t ctl_clip_push_len(uint32_t total, uint32_t sent)
{
	uint32_t left = sent < total ? total - sent : 0;
	return left < PROTO_CHUNK ? left : PROTO_CHUNK;
}

bool ctl_clip_text_ok(const char *mime, const uint8_t *data, uint32_t len, struct ctl_error *err)
{
	if (!clip_mime_is_text(mime) || utf8_valid(data, len))
		return true;
	size_t good = 0;
	while (good < len) {
		uint32_t cp;
		size_t n = utf8_decode(data + good, len - good, &cp);
		if (n == 0)
			break;
		good += n;
	}
	ctl_error_set(err, "the VM's text is not valid UTF-8 (byte %zu of %u)", good, len);
	return false;
}

void ctl_clip_policy_default(struct ctl_clip_policy *p)
{
	p->max_size = CTL_CLIP_DEFAULT_MAX;
	p->single_use = false;
	p->min_interval_ms = CTL_CLIP_DEFAULT_INTERVAL_MS;
	p->keep_controls = false;
}

int ctl_clip_size_parse(const char *s, uint32_t *ret)
{
	char num[16];
	size_t n = strspn(s, "0123456789");
	const char *unit = s + n;
	unsigned long mult;
	if (strcmp(unit, "") == 0)
		mult = 1;
	else if (strcmp(unit, "K") == 0 || strcmp(unit, "KiB") == 0)
		mult = 1024;
	else if (strcmp(unit, "M") == 0 || strcmp(unit, "MiB") == 0)
		mult = 1024 * 1024;
	else
		return -EINVAL;
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	unsigned long v;
	if (parse_uint(num, PROTO_CLIPBOARD_MAX / mult, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (uint32_t)(v * mult);
	return 0;
}

int ctl_focus_parse(const char *text)
{
	if (strcmp(text, "1\n") == 0)
		return 1;
	if (strcmp(text, "0\n") == 0)
		return 0;
	return -EINVAL;
}

/* Strips blanks at both ends, in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

enum policy_key { KEY_MAX_SIZE, KEY_SINGLE_USE, KEY_MIN_INTERVAL, KEY_KEEP_CONTROLS, KEYS };

/* Parses yes or no into *ret. Returns 0 or -EINVAL. */
static int yes_no(const char *v, bool *ret)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return -EINVAL;
	*ret = strcmp(v, "yes") == 0;
	return 0;
}

/* Sets one key. Returns which (enum policy_key), or -EINVAL with *why. */
static int set_key(struct ctl_clip_policy *p, const char *key, const char *v, const char **why)
{
	unsigned long ms;
	if (strcmp(key, "max-size") == 0) {
		if (ctl_clip_size_parse(v, &p->max_size) == 0)
			return KEY_MAX_SIZE;
		*why = "max-size wants 1 to 16M bytes (e.g. 65536, 64K, 1M)";
	} else if (strcmp(key, "single-use") == 0) {
		if (yes_no(v, &p->single_use) == 0)
			return KEY_SINGLE_USE;
		*why = "single-use wants yes or no";
	} else if (strcmp(key, "keep-controls") == 0) {
		if (yes_no(v, &p->keep_controls) == 0)
			return KEY_KEEP_CONTROLS;
		*why = "keep-controls wants yes or no";
	} else if (strcmp(key, "min-interval") == 0) {
		if (parse_duration_ms(v, CTL_CLIP_INTERVAL_MAX_MS, &ms) == 0) {
			p->min_interval_ms = (uint32_t)ms;
			return KEY_MIN_INTERVAL;
		}
		*why = "min-interval wants a duration up to 3600s (e.g. 500ms, 2s, 0)";
	} else {
		*why = "unknown key (max-size, single-use, min-interval, keep-controls)";
	}
	return -EINVAL;
}

int ctl_clip_policy_parse(const char *text, const char *vm, struct ctl_clip_policy *p, char *err,
			  size_t errlen)
{
	/* Keys in [default] apply to every VM, those in [vm NAME] to NAME
	 * only, whatever the order of the sections. */
	struct ctl_clip_policy dflt = *p, mine = *p;
	bool mine_set[KEYS] = {false};
	enum { NONE, DEFAULT, THIS_VM, OTHER_VM } section = NONE;
	unsigned line_no = 0;
	const char *s = text;
	while (*s) {
		char line[512];
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		const char *why = NULL;
		line_no++;
		if (len >= sizeof(line)) {
			why = "line too long";
			goto bad;
		}
		memcpy(line, s, len);
		line[len] = '\0';
		s += len + (nl ? 1 : 0);
		/* As in vm.conf: a blank, then ';' starts a comment after a value. */
		for (char *c = line; *c; c++)
			if (*c == ';' && c > line && (c[-1] == ' ' || c[-1] == '\t')) {
				*c = '\0';
				break;
			}
		char *l = trim(line);
		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			size_t n = strlen(l);
			if (l[n - 1] != ']') {
				why = "a section is [default] or [vm NAME]";
				goto bad;
			}
			l[n - 1] = '\0';
			char *name = trim(l + 1);
			if (strcmp(name, "default") == 0) {
				section = DEFAULT;
			} else if (strncmp(name, "vm ", 3) == 0 && vm_name_ok(trim(name + 3))) {
				section =
				    vm && strcmp(trim(name + 3), vm) == 0 ? THIS_VM : OTHER_VM;
			} else {
				why = "a section is [default] or [vm NAME]";
				goto bad;
			}
			continue;
		}
		char *eq = strchr(l, '=');
		if (!eq) {
			why = "expected key = value";
			goto bad;
		}
		*eq = '\0';
		char *key = trim(l), *value = trim(eq + 1);
		if (section == NONE) {
			why = "a key before any [section]";
			goto bad;
		}
		/* Every section is checked, the VM's own or not. */
		struct ctl_clip_policy scratch = dflt;
		struct ctl_clip_policy *target = section == DEFAULT   ? &dflt
						 : section == THIS_VM ? &mine
								      : &scratch;
		int k = set_key(target, key, value, &why);
		if (k < 0)
			goto bad;
		if (section == THIS_VM)
			mine_set[k] = true;
		continue;
	bad:
		snprintf(err, errlen, "%u: %s", line_no, why);
		return -EINVAL;
	}
	*p = dflt;
	if (mine_set[KEY_MAX_SIZE])
		p->max_size = mine.max_size;
	if (mine_set[KEY_SINGLE_USE])
		p->single_use = mine.single_use;
	if (mine_set[KEY_MIN_INTERVAL])
		p->min_interval_ms = mine.min_interval_ms;
	if (mine_set[KEY_KEEP_CONTROLS])
		p->keep_controls = mine.keep_controls;
	return 0;
}
