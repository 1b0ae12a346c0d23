/* appvmctl's clipboard, the parts without a compositor: what the host takes
 * of a VM's CLIPBOARD_GET replies (every hostile case: a total over the cap
 * or that changes, bytes past what was asked or left, no progress), how a
 * paste is cut, text that is not UTF-8, the policy file, the VM directory
 * (vm:NAME, focused), exit codes and output. The command line is in
 * test_ctl_pure.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_args.h"
#include "ctl_clip.h"
#include "ctl_error.h"
#include "ctl_output.h"
#include "ctl_vmdir.h"

static uint8_t data[PROTO_CHUNK + 1];

static struct proto_clipboard_data reply(uint32_t total, uint32_t len)
{
	struct proto_clipboard_data d = {.total = total};
	d.data.ptr = data;
	d.data.len = len;
	return d;
}

/* Pulls total bytes in replies of the sizes given (0-terminated), expecting
 * the last one to give want. */
static int pull_run(uint32_t cap, uint32_t total, const uint32_t *lens, struct ctl_error *err)
{
	struct ctl_clip_pull p;
	ctl_clip_pull_init(&p, cap);
	int r = 0;
	for (; *lens != UINT32_MAX; lens++) {
		struct proto_clipboard_data d = reply(total, *lens);
		r = ctl_clip_pull_take(&p, &d, err);
		if (r != 0)
			break;
	}
	ctl_clip_pull_free(&p);
	return r;
}

#define END UINT32_MAX

static void test_pull_good(void **state)
{
	(void)state;
	struct ctl_clip_pull p;
	struct ctl_error err;
	uint32_t off, max;
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);

	/* 70000 bytes: asks 32768 at 0, 32768 at 32768, then the 4464 left. */
	ctl_clip_pull_init(&p, 100000);
	ctl_clip_pull_next(&p, &off, &max);
	assert_int_equal(off, 0);
	assert_int_equal(max, PROTO_CHUNK);
	struct proto_clipboard_data d = reply(70000, 32768);
	assert_int_equal(ctl_clip_pull_take(&p, &d, &err), 0);
	assert_non_null(p.buf);
	ctl_clip_pull_next(&p, &off, &max);
	assert_int_equal(off, 32768);
	assert_int_equal(max, 32768);
	assert_int_equal(ctl_clip_pull_take(&p, &d, &err), 0);
	ctl_clip_pull_next(&p, &off, &max);
	assert_int_equal(off, 65536);
	assert_int_equal(max, 70000 - 65536);
	d = reply(70000, 70000 - 65536);
	assert_int_equal(ctl_clip_pull_take(&p, &d, &err), 1);
	assert_int_equal(p.got, 70000);
	assert_memory_equal(p.buf + 32768, data, 32768);
	ctl_clip_pull_free(&p);

	/* Less than a chunk: all of it at once. */
	static const uint32_t small[] = {999, END};
	assert_int_equal(pull_run(1 << 20, 999, small, &err), 1);
	/* Empty: one reply, nothing allocated. */
	ctl_clip_pull_init(&p, 10);
	d = reply(0, 0);
	assert_int_equal(ctl_clip_pull_take(&p, &d, &err), 1);
	assert_null(p.buf);
	ctl_clip_pull_free(&p);
	/* Exactly at the cap. */
	static const uint32_t at_cap[] = {32768, 32768, END};
	assert_int_equal(pull_run(65536, 65536, at_cap, &err), 1);
}

static void test_pull_hostile(void **state)
{
	(void)state;
	struct ctl_error err;
	static const struct {
		const char *name;
		uint32_t cap;
		uint32_t totals[3];
		uint32_t lens[3];
		int want;
		const char *msg;
	} cases[] = {
	    {"total over the cap by one",
	     65536,
	     {65537},
	     {32768},
	     -EFBIG,
	     "holds 65537 bytes, over the limit of 65536"},
	    {"16 MiB with the default cap",
	     CTL_CLIP_DEFAULT_MAX,
	     {PROTO_CLIPBOARD_MAX},
	     {1},
	     -EFBIG,
	     "over the limit of 65536"},
	    {"4 GiB total", PROTO_CLIPBOARD_MAX, {UINT32_MAX}, {0}, -EFBIG, "4294967295 bytes"},
	    {"total grows",
	     1000000,
	     {70000, 70001},
	     {32768, 32768},
	     -EPROTO,
	     "changed the clipboard's size in the middle of the transfer: 70000 bytes, then 70001"},
	    {"total shrinks", 1000000, {70000, 1}, {32768, 1}, -EPROTO, "70000 bytes, then 1"},
	    {"more than asked",
	     1000000,
	     {70000},
	     {32769},
	     -EPROTO,
	     "sent 32769 clipboard bytes at offset 0; 32768 were asked"},
	    {"more than left (overlaps the end)",
	     1000000,
	     {40000, 40000},
	     {32768, 7233},
	     -EPROTO,
	     "sent 7233 clipboard bytes at offset 32768"},
	    {"more than the total in one", 1000000, {10}, {11}, -EPROTO, "10 are left of 10"},
	    {"no progress", 1000000, {100}, {0}, -EPROTO, "sent no clipboard bytes at offset 0"},
	    {"fewer than asked",
	     1000000,
	     {70000},
	     {32767},
	     -EPROTO,
	     "sent 32767 clipboard bytes at offset 0; 32768 were asked for and 70000 are left"},
	    {"fewer than left",
	     1000000,
	     {40000, 40000},
	     {32768, 7231},
	     -EPROTO,
	     "sent 7231 clipboard bytes at offset 32768; 7232 were asked for and 7232 are left"},
	    {"one byte of a small clipboard", 1000000, {10}, {1}, -EPROTO, "10 are left of 10"},
	    {"no progress later",
	     1000000,
	     {40000, 40000},
	     {32768, 0},
	     -EPROTO,
	     "no clipboard bytes at offset 32768"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_clip_pull p;
		int r = 0;
		ctl_error_clear(&err);
		ctl_clip_pull_init(&p, cases[i].cap);
		for (int k = 0; k < 3 && r == 0; k++) {
			if (!cases[i].totals[k] && k > 0)
				break;
			struct proto_clipboard_data d = reply(cases[i].totals[k], cases[i].lens[k]);
			r = ctl_clip_pull_take(&p, &d, &err);
		}
		if (r != cases[i].want)
			fail_msg("%s: %d", cases[i].name, r);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("%s: \"%s\"", cases[i].name, err.msg);
		/* Over the cap: not a byte was allocated. */
		if (r == -EFBIG)
			assert_null(p.buf);
		ctl_clip_pull_free(&p);
	}
}

static void test_push_and_text(void **state)
{
	(void)state;
	assert_int_equal(ctl_clip_push_len(100000, 0), 32768);
	assert_int_equal(ctl_clip_push_len(100000, 98304), 1696);
	assert_int_equal(ctl_clip_push_len(100000, 100000), 0);
	assert_int_equal(ctl_clip_push_len(5, 9), 0);
	struct ctl_error err;
	ctl_error_clear(&err);
	const uint8_t good[] = "h\xc3\xa9llo \xe2\x80\xae\x00 nul and bidi are text too";
	assert_true(ctl_clip_text_ok("text/plain;charset=utf-8", good, sizeof(good), &err));
	const uint8_t bad[] = "abc\xff\xfe";
	assert_false(ctl_clip_text_ok("text/plain;charset=utf-8", bad, 5, &err));
	assert_string_equal(err.msg, "the VM's text is not valid UTF-8 (byte 3 of 5)");
	const uint8_t overlong[] = "\xc0\xaf";
	assert_false(ctl_clip_text_ok("UTF8_STRING", overlong, 2, &err));
	/* Other types are bytes. */
	assert_true(ctl_clip_text_ok("image/png", bad, 5, &err));
	assert_true(ctl_clip_text_ok("text/html", bad, 5, &err));
}

static void test_sizes_names_focus(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint32_t v;
	} ok[] = {{"1", 1},	   {"65536", 65536},  {"64K", 65536},	   {"64KiB", 65536},
		  {"1M", 1 << 20}, {"16M", 16 << 20}, {"16MiB", 16 << 20}, {"16777216", 16777216}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint32_t v = 0;
		if (ctl_clip_size_parse(ok[i].s, &v) < 0 || v != ok[i].v)
			fail_msg("%s: %u", ok[i].s, v);
	}
	static const char *const bad[] = {"0",	"",	"16777217", "17M", "16385K", "1G",  "1k",
					  "-1", "1.5M", "M",	    " 1",  "1 ",     "64Kb"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t v;
		if (ctl_clip_size_parse(bad[i], &v) == 0)
			fail_msg("size '%s' accepted", bad[i]);
	}
	assert_int_equal(ctl_focus_parse("1\n"), 1);
	assert_int_equal(ctl_focus_parse("0\n"), 0);
	assert_int_equal(ctl_focus_parse("1"), -EINVAL);
	assert_int_equal(ctl_focus_parse("11\n"), -EINVAL);
	assert_int_equal(ctl_focus_parse(""), -EINVAL);
}

static void test_policy(void **state)
{
	(void)state;
	struct ctl_clip_policy p;
	char err[128];
	ctl_clip_policy_default(&p);
	assert_int_equal(p.max_size, 65536);
	assert_false(p.single_use);
	assert_int_equal(p.min_interval_ms, 500);
	assert_false(p.keep_controls);

	static const char conf[] = "# appvm clipboard\n"
				   "[vm mail]\n"
				   "max-size = 1M\n"
				   "\n"
				   "[default]\n"
				   "  max-size=128K  \n"
				   "single-use = yes\n"
				   "; defaults after the VM's own\n"
				   "min-interval = 2s\n"
				   "[vm work]\n"
				   "single-use = no\n"
				   "min-interval = 0\n"
				   "keep-controls = yes\n";
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse(conf, "mail", &p, err, sizeof(err)), 0);
	assert_int_equal(p.max_size, 1 << 20);
	assert_true(p.single_use);
	assert_int_equal(p.min_interval_ms, 2000);
	assert_false(p.keep_controls);
	/* keep-controls in [default], and a VM's own no over it. */
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse("[vm mail]\nkeep-controls = no\n[default]\n"
					       "keep-controls = yes\n",
					       "mail", &p, err, sizeof(err)),
			 0);
	assert_false(p.keep_controls);
	assert_int_equal(
	    ctl_clip_policy_parse("[default]\nkeep-controls = yes\n", "web", &p, err, sizeof(err)),
	    0);
	assert_true(p.keep_controls);
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse(conf, "work", &p, err, sizeof(err)), 0);
	assert_int_equal(p.max_size, 128 << 10);
	assert_false(p.single_use);
	assert_int_equal(p.min_interval_ms, 0);
	assert_true(p.keep_controls);
	/* Unnamed targets and other VMs get the defaults. */
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse(conf, NULL, &p, err, sizeof(err)), 0);
	assert_int_equal(p.max_size, 128 << 10);
	assert_int_equal(p.min_interval_ms, 2000);
	/* Comments after a value or a section, as in clipboard.md's example. */
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse("[default]\nmax-size = 64K        ; bytes\n"
					       "single-use = yes\t; a tab before it\n"
					       "[vm dev] ; a terminal VM\nkeep-controls = yes ;\n",
					       "dev", &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.max_size, 64 << 10);
	assert_true(p.single_use);
	assert_true(p.keep_controls);
	ctl_clip_policy_default(&p);
	assert_int_equal(ctl_clip_policy_parse("", "x", &p, err, sizeof(err)), 0);
	assert_int_equal(p.max_size, 65536);

	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"max-size = 1M\n", "1: a key before any [section]"},
	    {"[default]\nmax-size = 17M\n", "2: max-size wants"},
	    /* ';' is a comment only after a blank. */
	    {"[default]\nmax-size = 64K;no\n", "2: max-size wants"},
	    {"[default]\nsingle-use = true\n", "2: single-use wants yes or no"},
	    {"[default]\nkeep-controls = 1\n", "2: keep-controls wants yes or no"},
	    {"[default]\nmin-interval = 1h\n", "2: min-interval wants"},
	    {"[default]\ncolour = red\n", "2: unknown key"},
	    {"[default]\n\n\nmax-size\n", "4: expected key = value"},
	    {"[vm]\n", "1: a section is"},
	    {"[vm bad/name]\n", "1: a section is"},
	    {"[default\n", "1: a section is"},
	    {"[host]\n", "1: a section is"},
	    /* Errors in another VM's section count too. */
	    {"[vm other]\nmax-size = 0\n", "2: max-size wants"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctl_clip_policy_default(&p);
		if (ctl_clip_policy_parse(bad[i].text, "mail", &p, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].text);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("\"%s\" for %s", err, bad[i].text);
	}
	char longline[700];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(ctl_clip_policy_parse(longline, "mail", &p, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "1: line too long");
}

static char dir[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_vmdir(void **state)
{
	(void)state;
	struct ctl_error err;
	struct ctl_target t;
	char name[64];
	snprintf(dir, sizeof(dir), "/var/tmp/appvm-vmdir.XXXXXX");
	assert_non_null(mkdtemp(dir));

	/* No VM has the focus yet (the directory exists but is empty). */
	assert_int_equal(ctl_vmdir_focused(dir, name, sizeof(name), &err), -ENXIO);
	assert_string_equal(err.msg, "no VM window has the keyboard focus");
	put("mail/target", "hybrid:/run/mail.vsock\n");
	put("mail/focus", "0\n");
	put("work/target", "unix:/run/work:1.sock");
	put("work/focus", "1\n");
	put("junk/focus", "yes\n");
	put(".hidden/focus", "1\n");
	assert_int_equal(ctl_vmdir_focused(dir, name, sizeof(name), &err), 0);
	assert_string_equal(name, "work");
	assert_int_equal(ctl_vmdir_target(dir, "work", &t, &err), 0);
	assert_int_equal(t.transport, CTL_TRANSPORT_UNIX);
	assert_string_equal(t.path, "/run/work:1.sock");
	assert_int_equal(ctl_vmdir_target(dir, "mail", &t, &err), 0);
	assert_int_equal(t.transport, CTL_TRANSPORT_HYBRID);
	assert_string_equal(t.path, "/run/mail.vsock");
	assert_int_equal(t.port, 1024);

	/* Two focused: a stale file somewhere; nothing is guessed. */
	put("mail/focus", "1\n");
	assert_int_equal(ctl_vmdir_focused(dir, name, sizeof(name), &err), -ENXIO);
	assert_non_null(strstr(err.msg, "2 VMs say one of their windows has the keyboard focus"));

	assert_int_equal(ctl_vmdir_target(dir, "nosuch", &t, &err), -ENXIO);
	assert_non_null(strstr(err.msg, "no VM named nosuch"));
	put("bad1/target", "focused\n");
	put("bad2/target", "vm:mail\n");
	put("bad3/target", "hybrid:/a\nhybrid:/b\n");
	put("bad4/target", "tcp:1.2.3.4\n");
	static const char *const bad[] = {"bad1", "bad2", "bad3", "bad4"};
	for (int i = 0; i < 4; i++) {
		if (ctl_vmdir_target(dir, bad[i], &t, &err) != -EINVAL)
			fail_msg("%s accepted", bad[i]);
		assert_non_null(strstr(err.msg, "holds no target"));
	}
	assert_int_equal(ctl_vmdir_target(dir, "../etc", &t, &err), -EINVAL);

	char base[256];
	setenv("APPVM_VM_DIR", dir, 1);
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), 0);
	assert_string_equal(base, dir);
	unsetenv("APPVM_VM_DIR");
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), 0);
	assert_string_equal(base, "/run/user/7/appvm/vm");
	unsetenv("XDG_RUNTIME_DIR");
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), -EINVAL);
	assert_string_equal(err.msg, "no VM directory: set XDG_RUNTIME_DIR or APPVM_VM_DIR");
	/* A relative path is refused, not passed over for the other variable. */
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	setenv("APPVM_VM_DIR", "vms", 1);
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), -EINVAL);
	assert_string_equal(err.msg, "APPVM_VM_DIR=vms is not an absolute path");
	setenv("APPVM_VM_DIR", "", 1); /* empty: unset */
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), 0);
	assert_string_equal(base, "/run/user/7/appvm/vm");
	unsetenv("APPVM_VM_DIR");
	setenv("XDG_RUNTIME_DIR", "run", 1);
	assert_int_equal(ctl_vmdir_base(base, sizeof(base), &err), -EINVAL);
	assert_string_equal(err.msg, "XDG_RUNTIME_DIR=run is not an absolute path");
	unsetenv("XDG_RUNTIME_DIR");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(ctl_exit_code(-EFBIG), 8);
	assert_int_equal(ctl_exit_code(-EBUSY), 9);
	assert_int_equal(ctl_exit_code(-ENXIO), 10);
	assert_int_equal(ctl_exit_code(-ENODATA), 11);
	assert_string_equal(ctl_exit_kind(8), "too_large");
	assert_string_equal(ctl_exit_kind(9), "rate_limited");
	assert_string_equal(ctl_exit_kind(10), "no_vm");
	assert_string_equal(ctl_exit_kind(11), "empty");
}

static char *output(const struct ctl_result *r, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (json)
		ctl_print_json(f, r);
	else
		ctl_print_human(f, f, r, false);
	fclose(f);
	return buf;
}

static void test_output(void **state)
{
	(void)state;
	struct ctl_clip_result clip = {.bytes = 12, .mime = "text/plain;charset=utf-8"};
	struct ctl_error err;
	ctl_error_clear(&err);
	struct ctl_result r = {.command = CTL_CMD_CLIPBOARD_COPY,
			       .target = "focused",
			       .err = &err,
			       .vm = "mail",
			       .clip = &clip};
	char *s = output(&r, 0);
	assert_string_equal(
	    s, "clipboard copy: 12 bytes of text from VM mail to the host clipboard\n");
	free(s);
	s = output(&r, 1);
	assert_non_null(
	    strstr(s, "\"command\":\"clipboard copy\",\"target\":\"focused\",\"ok\":true"));
	assert_non_null(strstr(s, "\"vm\":\"mail\""));
	assert_non_null(strstr(
	    s, "\"bytes\":12,\"mime\":\"text/plain;charset=utf-8\",\"removed_controls\":0}"));
	free(s);
	/* What was removed: one line on stderr before the usual output. */
	clip.removed_controls = 3;
	s = output(&r, 0);
	assert_string_equal(s, "appvmctl: focused: removed 3 control characters from the VM's text "
			       "(--keep-controls keeps them)\n"
			       "clipboard copy: 12 bytes of text from VM mail to the host "
			       "clipboard\n");
	free(s);
	s = output(&r, 1);
	assert_non_null(strstr(s, "\"removed_controls\":3}"));
	free(s);
	clip.removed_controls = 1;
	s = output(&r, 0);
	assert_non_null(strstr(s, "removed 1 control character from"));
	free(s);

	r.command = CTL_CMD_CLIPBOARD_PASTE;
	r.vm = NULL;
	r.target = "unix:/a";
	snprintf(clip.mime, sizeof(clip.mime), "image/png");
	clip.cleared = true;
	s = output(&r, 0);
	assert_string_equal(s, "clipboard paste: 12 bytes of image/png from the host clipboard to "
			       "unix:/a\n(single-use: the host clipboard is cleared)\n");
	free(s);
	s = output(&r, 1);
	assert_non_null(strstr(s, "\"bytes\":12,\"mime\":\"image/png\",\"cleared\":true}"));
	assert_null(strstr(s, "\"vm\""));
	free(s);

	r.ret = -EFBIG;
	ctl_error_set(&err, "the VM's clipboard holds 70000 bytes");
	s = output(&r, 1);
	assert_non_null(strstr(s, "\"kind\":\"too_large\",\"exit_code\":8"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pull_good),	  cmocka_unit_test(test_pull_hostile),
	    cmocka_unit_test(test_push_and_text), cmocka_unit_test(test_sizes_names_focus),
	    cmocka_unit_test(test_policy),	  cmocka_unit_test(test_vmdir),
	    cmocka_unit_test(test_exit_codes),	  cmocka_unit_test(test_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
