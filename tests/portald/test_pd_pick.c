/* Chooser answers: paths, the filter, choices, defaults, and every way an
 * answer can break the rules. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_pick.h"
#include "proto_samples.h"

static char buf[PD_PICK_OUTPUT_MAX + 1];

static int parse(const char *text, size_t len, const char *sample, struct pd_pick *p,
		 const char **why)
{
	static struct proto_msg m;
	assert_int_equal(proto_sample(sample, &m), 0);
	memcpy(buf, text, len);
	*why = NULL;
	return pd_pick_parse(buf, len, m.type, &m.u.dialog, p, why);
}

static int parse_s(const char *text, const char *sample, struct pd_pick *p)
{
	const char *why;
	int r = parse(text, strlen(text), sample, p, &why);
	if (r == -EINVAL)
		assert_non_null(why);
	return r;
}

static bool choice_is(const struct pd_pick *p, const char *id, const char *value)
{
	for (unsigned i = 0; i < p->n_choices; i++)
		if (p->choices[i].id.len == strlen(id) &&
		    !memcmp(p->choices[i].id.ptr, id, strlen(id)))
			return p->choices[i].value.len == strlen(value) &&
			       !memcmp(p->choices[i].value.ptr, value, strlen(value));
	return false;
}

static void test_open(void **state)
{
	(void)state;
	struct pd_pick p;
	/* file_open_request: MULTIPLE, filters Images and All files, check box ro (false). */
	assert_int_equal(parse_s("/home/u/cat.png\n", "file_open_request", &p), 0);
	assert_int_equal(p.n_paths, 1);
	assert_string_equal(p.paths[0], "/home/u/cat.png");
	assert_int_equal(p.current_filter, PROTO_NO_FILTER);
	assert_true(choice_is(&p, "ro", "false")); /* the initial value */
	assert_int_equal(parse_s("filter 1\n\n/a b/c\nchoice ro true\n/d", "file_open_request", &p),
			 0);
	assert_int_equal(p.n_paths, 2);
	assert_string_equal(p.paths[0], "/a b/c");
	assert_string_equal(p.paths[1], "/d");
	assert_int_equal(p.current_filter, 1);
	assert_int_equal(p.n_choices, 1);
	assert_true(choice_is(&p, "ro", "true"));
	/* The last word wins when a choice comes twice. */
	assert_int_equal(parse_s("choice ro true\nchoice ro false\n/x\n", "file_open_request", &p),
			 0);
	assert_int_equal(p.n_choices, 1);
	assert_true(choice_is(&p, "ro", "false"));
}

static void test_cancel(void **state)
{
	(void)state;
	struct pd_pick p;
	assert_int_equal(parse_s("", "file_open_request", &p), -ECANCELED);
	assert_int_equal(parse_s("\n\n", "file_open_request", &p), -ECANCELED);
	assert_int_equal(parse_s("filter 0\nchoice ro true\n", "file_open_request", &p),
			 -ECANCELED);
}

static void test_bad_answers(void **state)
{
	(void)state;
	struct pd_pick p;
	const char *bad[] = {
	    "relative/path\n",	    "~/x\n",
	    "filter 2\n/x\n",	    "filter -1\n/x\n",
	    "filter\n/x\n",	    "filter 1000\n/x\n",
	    "filter x\n/x\n",	    "choice ro maybe\n/x",
	    "choice nope true\n/x", "choice ro\n/x\n",
	    "choicero true\n/x\n",  " /x\n",
	    "FILTER 0\n/x\n",	    "/x\r\nfoo\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (parse_s(bad[i], "file_open_request", &p) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	const char *why;
	assert_int_equal(parse("/a\0b\n", 5, "file_open_request", &p, &why), -EINVAL);
	assert_string_equal(why, "NUL byte in the chooser's output");
}

static void test_path_lengths_and_counts(void **state)
{
	(void)state;
	struct pd_pick p;
	static char text[PD_PICK_OUTPUT_MAX];
	/* A path of 4096 bytes cannot be a path (PATH_MAX counts the NUL). */
	memset(text, 'p', 4097);
	text[0] = '/';
	text[4096] = '\n';
	text[4097] = '\0';
	assert_int_equal(parse_s(text, "file_open_request", &p), -EINVAL);
	text[4095] = '\n';
	text[4096] = '\0';
	assert_int_equal(parse_s(text, "file_open_request", &p), 0);
	assert_int_equal(strlen(p.paths[0]), 4095);
	/* 64 paths with MULTIPLE, not 65. */
	size_t o = 0;
	for (int i = 0; i < 65; i++)
		o += (size_t)sprintf(text + o, "/f%d\n", i);
	assert_int_equal(parse_s(text, "file_open_request", &p), -EINVAL);
	text[o - 5] = '\0'; /* drop "/f64\n" */
	assert_int_equal(parse_s(text, "file_open_request", &p), 0);
	assert_int_equal(p.n_paths, 64);
	/* Without MULTIPLE, one. */
	assert_int_equal(parse_s("/a\n/b\n", "file_open_mime_wildcard", &p), -EINVAL);
	assert_int_equal(parse_s("/a\n", "file_open_mime_wildcard", &p), 0);
	/* Save: one; save-many: one folder. */
	assert_int_equal(parse_s("/a\n/b\n", "file_save_request", &p), -EINVAL);
	assert_int_equal(parse_s("/dir\n/other\n", "file_save_many_request", &p), -EINVAL);
	assert_int_equal(parse_s("/dir\n", "file_save_many_request", &p), 0);
}

static void test_enum_choices(void **state)
{
	(void)state;
	struct pd_pick p;
	/* file_save_request: choice encoding {utf8, latin1}, initially utf8. */
	assert_int_equal(parse_s("/r.pdf\n", "file_save_request", &p), 0);
	assert_true(choice_is(&p, "encoding", "utf8"));
	assert_int_equal(parse_s("choice encoding latin1\n/r.pdf\n", "file_save_request", &p), 0);
	assert_true(choice_is(&p, "encoding", "latin1"));
	assert_int_equal(parse_s("choice encoding utf16\n/r.pdf\n", "file_save_request", &p),
			 -EINVAL);
	assert_int_equal(parse_s("choice encoding true\n/r.pdf\n", "file_save_request", &p),
			 -EINVAL);
}

static void test_ids_with_spaces(void **state)
{
	(void)state;
	static struct proto_msg m;
	struct pd_pick p;
	const char *why;
	proto_sample("file_save_request", &m);
	struct proto_dialog *d = &m.u.dialog;
	d->n_choices = 2;
	d->choices[0] = (struct proto_choice){proto_str_from("my choice"), proto_str_from("L"), 0,
					      2, proto_str_from("")};
	d->options[0] = (struct proto_option){proto_str_from("a b"), proto_str_from("A B")};
	d->options[1] = (struct proto_option){proto_str_from("c"), proto_str_from("C")};
	d->choices[1] = (struct proto_choice){proto_str_from("my"), proto_str_from("M"), 2, 0,
					      proto_str_from("")};
	strcpy(buf, "choice my choice a b\nchoice my true\n/x\n");
	assert_int_equal(pd_pick_parse(buf, strlen(buf), m.type, d, &p, &why), 0);
	assert_true(choice_is(&p, "my choice", "a b"));
	assert_true(choice_is(&p, "my", "true"));
	/* No initial value: nothing is made up for it. */
	strcpy(buf, "/x\n");
	assert_int_equal(pd_pick_parse(buf, strlen(buf), m.type, d, &p, &why), 0);
	assert_int_equal(p.n_choices, 0);
}

/* zenity prints the picked paths joined by its separator, then a newline.
 * A name may hold a newline, so a path with "\n/" in it must not read as
 * two paths (the second one a host file the user never picked); "//"
 * never occurs in the normalised paths zenity prints. */
static void test_zenity_lines(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
	    {"/home/u/a.txt\n", "/home/u/a.txt"},
	    {"/home/u/a.txt" PD_ZENITY_SEPARATOR "/home/u/b c.txt\n",
	     "/home/u/a.txt\n/home/u/b c.txt"},
	    {"/" PD_ZENITY_SEPARATOR "/x\n", "/\n/x"},
	    {"/home/u/a.txt", "/home/u/a.txt"},
	    {"\n", ""},
	    {"", ""},
	    {"/home/u/shared/evil\n/home/u/.ssh/id_rsa\n", NULL},
	    {"/home/u/a.txt" PD_ZENITY_SEPARATOR "/home/u/x\n/etc/passwd\n", NULL},
	    {"/home/u/x\n" PD_ZENITY_SEPARATOR "/b\n", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[256];
		size_t len = strlen(cases[i].in);
		const char *why = NULL;
		memcpy(out, cases[i].in, len + 1);
		int r = pd_zenity_lines(out, &len, &why);
		if (!cases[i].out) {
			assert_int_equal(r, -EINVAL);
			assert_non_null(why);
			continue;
		}
		assert_int_equal(r, 0);
		if (len != strlen(cases[i].out) || memcmp(out, cases[i].out, len) != 0)
			fail_msg("case %zu: \"%.*s\"", i, (int)len, out);
	}
	/* What it gives is what pd_pick_parse takes: two paths, not three. */
	static struct proto_msg m;
	struct pd_pick p;
	const char *why = NULL;
	char two[128] = "/h/a" PD_ZENITY_SEPARATOR "/h/b\n";
	size_t len = strlen(two);
	proto_sample("file_open_request", &m);
	assert_int_equal(pd_zenity_lines(two, &len, &why), 0);
	assert_int_equal(pd_pick_parse(two, len, PROTO_FILE_OPEN, &m.u.dialog, &p, &why), 0);
	assert_int_equal(p.n_paths, 2);
	assert_string_equal(p.paths[1], "/h/b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open),	 cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_bad_answers),	 cmocka_unit_test(test_path_lengths_and_counts),
	    cmocka_unit_test(test_enum_choices), cmocka_unit_test(test_ids_with_spaces),
	    cmocka_unit_test(test_zenity_lines),
	};
	return cmocka_run_group_tests_name("pd_pick", tests, NULL, NULL);
}
