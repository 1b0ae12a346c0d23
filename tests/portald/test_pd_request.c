/* What choosers are told: zenity's argv (filters, MIME types through the
 * globs database, the current filter first, safe names), a command's
 * environment and JSON document. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pd_pick.h"
#include "pd_request.h"
#include "proto_samples.h"

static const char db[] = "# comment:image/png:*.nope\n"
			 "50:image/png:*.png\n"
			 "50:image/jpeg:*.jpg\n"
			 "50:image/jpeg:*.jpeg\n"
			 "50:image/jpeg:*.jpg\n"
			 "40:image/x-odd:*.with space\n"
			 "40:image/x-pipe:*.a|b\n"
			 "60:application/pdf:*.pdf:cs\n"
			 "10:text/plain:*.txt\n"
			 "broken line without colons\n"
			 "10:imagefoo/bar:*.zz";

static struct pd_strv collect(const char *mime, unsigned max)
{
	struct pd_strv out = {0};
	int r = pd_mime_globs(db, strlen(db), proto_str_from(mime), &out, max);
	assert_true(r >= 0);
	assert_int_equal((unsigned)r, out.n);
	return out;
}

static void test_mime_globs(void **state)
{
	(void)state;
	struct pd_strv s = collect("image/jpeg", 64);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0], "*.jpg");
	assert_string_equal(s.v[1], "*.jpeg");
	pd_strv_free(&s);
	s = collect("image/*", 64);
	assert_int_equal(s.n, 3); /* png, jpg, jpeg; not the unusable ones, not imagefoo */
	pd_strv_free(&s);
	s = collect("image/*", 2);
	assert_int_equal(s.n, 2);
	pd_strv_free(&s);
	s = collect("application/pdf", 64);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "*.pdf");
	pd_strv_free(&s);
	s = collect("image/png", 64);
	assert_int_equal(s.n, 1); /* the comment line does not count */
	pd_strv_free(&s);
	s = collect("audio/ogg", 64);
	assert_int_equal(s.n, 0);
	pd_strv_free(&s);
}

static bool has(const struct pd_strv *s, const char *want)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], want))
			return true;
	return false;
}

static void test_zenity_open(void **state)
{
	(void)state;
	static struct proto_msg m;
	struct pd_chooser_req r;
	struct pd_strv a;
	proto_sample("file_open_request", &m);
	m.u.dialog.current_filter = 1;
	m.u.dialog.filters[0].name = proto_str_from("Im|ages");
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_int_equal(pd_zenity_argv(&r, db, strlen(db), &a), 0);
	assert_string_equal(a.v[0], "zenity");
	assert_null(a.v[a.n]);
	assert_true(has(&a, "--file-selection"));
	assert_true(has(&a, "--title=[mail] Open image"));
	assert_true(has(&a, "--multiple"));
	assert_true(has(&a, "--separator=" PD_ZENITY_SEPARATOR));
	assert_false(has(&a, "--save"));
	/* The current filter first (zenity selects the first), then the others. */
	unsigned first = 0;
	while (first < a.n && strncmp(a.v[first], "--file-filter=", 14))
		first++;
	assert_true(first + 1 < a.n);
	assert_string_equal(a.v[first], "--file-filter=All files | *");
	assert_string_equal(a.v[first + 1], "--file-filter=Im/ages | *.png *.jpg");
	pd_strv_free(&a);
	/* Without the database, MIME patterns give nothing: that filter shows all. */
	m.u.dialog.patterns[1].pattern = proto_str_from("*.j pg");
	assert_int_equal(pd_zenity_argv(&r, NULL, 0, &a), 0);
	assert_true(has(&a, "--file-filter=Im/ages | *"));
	pd_strv_free(&a);
}

static void test_zenity_save_modes(void **state)
{
	(void)state;
	static struct proto_msg m;
	struct pd_chooser_req r;
	struct pd_strv a;
	proto_sample("file_save_request", &m);
	m.u.dialog.current_name = proto_str_from(".bash_login");
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_int_equal(r.mode, PD_MODE_SAVE);
	assert_int_equal(pd_zenity_argv(&r, db, strlen(db), &a), 0);
	assert_true(has(&a, "--save"));
	assert_true(has(&a, "--confirm-overwrite"));
	assert_true(has(&a, "--filename=_bash_login"));
	assert_true(has(&a, "--file-filter=PDF | *.pdf"));
	assert_false(has(&a, "--multiple"));
	pd_strv_free(&a);
	proto_sample("file_save_many_request", &m);
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_int_equal(pd_zenity_argv(&r, db, strlen(db), &a), 0);
	assert_true(has(&a, "--directory"));
	assert_true(has(&a, "--title=[mail] Export"));
	assert_false(has(&a, "--save"));
	pd_strv_free(&a);
	/* A title-less dialog gets the host's words. */
	m.u.dialog.title = proto_str_from("");
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_string_equal(r.title, "[mail] Save Files");
}

static void test_command_env(void **state)
{
	(void)state;
	static struct proto_msg m;
	struct pd_chooser_req r;
	struct pd_strv e;
	char *base[] = {"PATH=/bin", "APPVM_CHOOSER_MODE=forged", "HOME=/h", NULL};
	proto_sample("file_save_request", &m);
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_int_equal(pd_command_env(&r, base, &e), 0);
	assert_true(has(&e, "PATH=/bin"));
	assert_true(has(&e, "HOME=/h"));
	assert_false(has(&e, "APPVM_CHOOSER_MODE=forged"));
	assert_true(has(&e, "APPVM_CHOOSER_MODE=save"));
	assert_true(has(&e, "APPVM_VM_NAME=mail"));
	assert_true(has(&e, "APPVM_CHOOSER_TITLE=[mail] Save report"));
	assert_true(has(&e, "APPVM_CHOOSER_MULTIPLE=0"));
	assert_true(has(&e, "APPVM_CHOOSER_NAME=report.pdf"));
	assert_null(e.v[e.n]);
	pd_strv_free(&e);
}

/* Folders: zenity's folder mode, several when asked; the file filters of
 * the guest's dialog would hide every folder, so none are passed. */
static void test_open_folder(void **state)
{
	(void)state;
	static struct proto_msg m;
	struct pd_chooser_req r;
	struct pd_strv a, e;
	proto_sample("file_open_request", &m);
	m.u.dialog.flags |= PROTO_DIALOG_DIRECTORY;
	m.u.dialog.title = proto_str_from("");
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_int_equal(r.mode, PD_MODE_OPEN_FOLDER);
	assert_string_equal(pd_mode_name(r.mode), "open-folder");
	assert_string_equal(r.title, "[mail] Open Folder");
	assert_true(pd_request_multiple(&r));
	assert_int_equal(pd_zenity_argv(&r, db, strlen(db), &a), 0);
	assert_true(has(&a, "--directory"));
	assert_true(has(&a, "--multiple"));
	assert_false(has(&a, "--save"));
	for (unsigned i = 0; i < a.n; i++)
		assert_true(strncmp(a.v[i], "--file-filter", 13) != 0);
	pd_strv_free(&a);
	assert_int_equal(pd_command_env(&r, NULL, &e), 0);
	assert_true(has(&e, "APPVM_CHOOSER_MODE=open-folder"));
	assert_true(has(&e, "APPVM_CHOOSER_MULTIPLE=1"));
	pd_strv_free(&e);
	m.u.dialog.flags &= ~PROTO_DIALOG_MULTIPLE;
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	assert_false(pd_request_multiple(&r));
	assert_int_equal(pd_zenity_argv(&r, db, strlen(db), &a), 0);
	assert_true(has(&a, "--directory"));
	assert_false(has(&a, "--multiple"));
	pd_strv_free(&a);
}

static char *json_of(const char *sample, void (*tweak)(struct proto_msg *))
{
	static struct proto_msg m;
	struct pd_chooser_req r;
	char *buf = NULL;
	size_t len = 0;
	proto_sample(sample, &m);
	if (tweak)
		tweak(&m);
	pd_chooser_req_init(&r, m.type, "mail", &m.u.dialog);
	FILE *f = open_memstream(&buf, &len);
	pd_request_json(f, &r);
	fclose(f);
	return buf;
}

static void quote_title(struct proto_msg *m)
{
	m->u.dialog.title = proto_str_from("say \"hi\" \\ now");
}

static void test_json(void **state)
{
	(void)state;
	char *j = json_of("file_open_request", NULL);
	assert_string_equal(
	    j, "{\"vm\":\"mail\",\"mode\":\"open\",\"title\":\"[mail] Open image\","
	       "\"guest_title\":\"Open image\",\"accept_label\":\"Open\",\"multiple\":true,"
	       "\"modal\":true,\"filters\":[{\"name\":\"Images\",\"patterns\":[{\"kind\":\"mime\","
	       "\"pattern\":\"image/png\"},{\"kind\":\"glob\",\"pattern\":\"*.jpg\"}]},{\"name\":"
	       "\"All files\",\"patterns\":[{\"kind\":\"glob\",\"pattern\":\"*\"}]}],"
	       "\"current_filter\":0,\"choices\":[{\"id\":\"ro\",\"label\":\"Open read-only\","
	       "\"options\":[],\"initial\":\"false\"}],\"current_name\":null,\"names\":[]}\n");
	free(j);
	j = json_of("file_save_many_request", NULL);
	assert_non_null(strstr(j, "\"mode\":\"save-many\""));
	assert_non_null(strstr(j, "\"names\":[\"a.txt\",\"b.txt\"]"));
	assert_non_null(strstr(j, "\"current_filter\":null"));
	free(j);
	j = json_of("file_save_request", quote_title);
	/* The shown title has the backslash escaped once, JSON escapes it again. */
	assert_non_null(strstr(j, "\"title\":\"[mail] say \\\"hi\\\" \\\\\\\\ now\""));
	assert_non_null(strstr(j, "\"guest_title\":\"say \\\"hi\\\" \\\\ now\""));
	assert_non_null(strstr(j, "\"options\":[{\"id\":\"utf8\",\"label\":\"UTF-8\"},"
				  "{\"id\":\"latin1\",\"label\":\"Latin-1\"}]"));
	assert_non_null(strstr(j, "\"current_name\":\"report.pdf\""));
	free(j);
	j = json_of("file_open_folder_request", NULL);
	assert_non_null(strstr(j, "\"mode\":\"open-folder\""));
	assert_non_null(strstr(j, "\"multiple\":false"));
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mime_globs),	      cmocka_unit_test(test_zenity_open),
	    cmocka_unit_test(test_zenity_save_modes), cmocka_unit_test(test_command_env),
	    cmocka_unit_test(test_open_folder),	      cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests_name("pd_request", tests, NULL, NULL);
}
