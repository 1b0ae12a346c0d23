#include "pd_pick.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Finds the choice whose id, then a space, starts arg (ids may hold spaces:
 * the longest match wins). Returns it with *ret_value after the space, or NULL. */
static const struct proto_choice *find_choice(const struct proto_dialog *d, const char *arg,
					      const char **ret_value)
{
	const struct proto_choice *best = NULL;
	size_t n = strlen(arg);
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_str id = d->choices[i].id;
		if (id.len < n && !memcmp(arg, id.ptr, id.len) && arg[id.len] == ' ' &&
		    (!best || id.len > best->id.len))
			best = &d->choices[i];
	}
	if (best)
		*ret_value = arg + best->id.len + 1;
	return best;
}

/* Returns the matching option id (or "true"/"false" for a check box), or a
 * zero-length string when value is not allowed. */
static struct proto_str choice_value(const struct proto_dialog *d, const struct proto_choice *ch,
				     const char *value)
{
	static const char *const booleans[] = {"true", "false"};
	struct proto_str none = {"", 0};
	size_t n = strlen(value);
	if (ch->n_options == 0) {
		for (unsigned i = 0; i < 2; i++)
			if (!strcmp(value, booleans[i]))
				return proto_str_from(booleans[i]);
		return none;
	}
	for (unsigned k = ch->first; k < (unsigned)ch->first + ch->n_options; k++)
		if (d->options[k].id.len == n && !memcmp(d->options[k].id.ptr, value, n))
			return d->options[k].id;
	return none;
}

static int parse_filter(const char *arg, const struct proto_dialog *d, struct pd_pick *p)
{
	unsigned v = 0;
	if (!*arg || strlen(arg) > 3)
		return -EINVAL;
	for (const char *c = arg; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*c - '0');
	}
	if (v >= d->n_filters)
		return -EINVAL;
	p->current_filter = (uint8_t)v;
	return 0;
}

static int parse_choice(const char *arg, const struct proto_dialog *d, struct pd_pick *p)
{
	const char *value = NULL;
	const struct proto_choice *ch = find_choice(d, arg, &value);
	if (!ch)
		return -EINVAL;
	struct proto_str v = choice_value(d, ch, value);
	if (v.len == 0)
		return -EINVAL;
	for (unsigned i = 0; i < p->n_choices; i++)
		if (p->choices[i].id.ptr == ch->id.ptr) {
			p->choices[i].value = v;
			return 0;
		}
	p->choices[p->n_choices++] = (struct proto_choice_value){ch->id, v};
	return 0;
}

static void default_choices(const struct proto_dialog *d, struct pd_pick *p)
{
	for (unsigned i = 0; i < d->n_choices; i++) {
		const struct proto_choice *ch = &d->choices[i];
		bool given = false;
		for (unsigned k = 0; k < p->n_choices; k++)
			given |= p->choices[k].id.ptr == ch->id.ptr;
		if (!given && ch->initial.len)
			p->choices[p->n_choices++] =
			    (struct proto_choice_value){ch->id, ch->initial};
	}
}

static unsigned max_paths(uint16_t type, const struct proto_dialog *d)
{
	if (type == PROTO_FILE_OPEN && (d->flags & PROTO_DIALOG_MULTIPLE))
		return PROTO_MAX_DOCS;
	return 1;
}

int pd_pick_parse(char *buf, size_t len, uint16_t type, const struct proto_dialog *d,
		  struct pd_pick *ret, const char **ret_why)
{
	memset(ret, 0, sizeof(*ret));
	ret->current_filter = PROTO_NO_FILTER;
	if (memchr(buf, '\0', len)) {
		*ret_why = "NUL byte in the chooser's output";
		return -EINVAL;
	}
	buf[len] = '\0';
	for (char *line = buf, *next; line < buf + len; line = next) {
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : buf + len;
		if (nl)
			*nl = '\0';
		size_t n = strlen(line);
		if (n == 0)
			continue;
		if (line[0] == '/') {
			if (n >= 4096) {
				*ret_why = "path too long in the chooser's output";
				return -EINVAL;
			}
			if (ret->n_paths >= max_paths(type, d)) {
				*ret_why = "more paths than the dialog allows";
				return -EINVAL;
			}
			ret->paths[ret->n_paths++] = line;
		} else if (!strncmp(line, "filter ", 7)) {
			if (parse_filter(line + 7, d, ret) < 0) {
				*ret_why = "bad filter line in the chooser's output";
				return -EINVAL;
			}
		} else if (!strncmp(line, "choice ", 7)) {
			if (parse_choice(line + 7, d, ret) < 0) {
				*ret_why = "bad choice line in the chooser's output";
				return -EINVAL;
			}
		} else {
			*ret_why = "unexpected line in the chooser's output";
			return -EINVAL;
		}
	}
	if (ret->n_paths == 0)
		return -ECANCELED;
	default_choices(d, ret);
	return 0;
}

int pd_zenity_lines(char *buf, size_t *len, const char **ret_why)
{
	static const char sep[] = PD_ZENITY_SEPARATOR;
	const size_t sl = sizeof(sep) - 1;
	size_t n = *len, o = 0;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n;) {
		const char *end = memmem(buf + i, n - i, sep, sl);
		size_t seg = end ? (size_t)(end - (buf + i)) : n - i;
		if (memchr(buf + i, '\n', seg)) {
			*ret_why = "a picked path holds a newline";
			return -EINVAL;
		}
		if (o > 0)
			buf[o++] = '\n';
		memmove(buf + o, buf + i, seg);
		o += seg;
		i += seg + (end ? sl : 0);
	}
	*len = o;
	return 0;
}
