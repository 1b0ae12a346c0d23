/* Dialogs through the real daemon and the command chooser: answers,
 * filters and choices, cancels by the user and by the guest, a connection
 * going away, one dialog at a time, the rate limit under a flood, the
 * cooldown after cancels, and choosers that misbehave. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_harness.h"
#include "proto_samples.h"

static struct pdh h;

static int start_generous(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "1000", "--dialog-interval", "1ms",
					    "--cancel-limit", "1000", NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	return 0;
}

/* Forgets the last chooser's pid, so the next wait is for a new one. */
static void forget_pid(void)
{
	unlink(pdh_path(&h, "../pid"));
}

static bool chooser_running(void *arg)
{
	(void)arg;
	pid_t pid = pdh_chooser_pid(&h);
	return pid > 0 && kill(pid, 0) == 0;
}

static bool chooser_gone(void *arg)
{
	(void)arg;
	pid_t pid = pdh_chooser_pid(&h);
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

static void test_filters_and_choices(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char ans[1024];
	pdh_open(&h, &c);
	snprintf(ans, sizeof(ans), "%s\n", h.home);
	snprintf(ans, sizeof(ans), "choice ro true\nfilter 1\n%s/a.png\n", h.home);
	FILE *f = fopen(pdh_path(&h, "a.png"), "w");
	fclose(f);
	proto_sample("file_open_request", &m);
	m.id = 0;
	pdh_answer(&h, ans, 0, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.current_filter, 1);
	assert_int_equal(r.u.result.n_choices, 1);
	assert_memory_equal(r.u.result.choices[0].value.ptr, "true", 4);
	assert_int_equal(r.u.result.n_docs, 1);
	/* The chooser saw the filters and the choice. */
	const char *json = pdh_file(&h, "request.json");
	assert_non_null(strstr(json, "\"multiple\":true"));
	assert_non_null(strstr(json, "{\"kind\":\"mime\",\"pattern\":\"image/png\"}"));
	assert_non_null(strstr(json, "\"initial\":\"false\""));
	/* A chooser that says nothing of choices: the initial values come back. */
	snprintf(ans, sizeof(ans), "%s/a.png\n", h.home);
	proto_sample("file_open_request", &m);
	m.id = 0;
	pdh_answer(&h, ans, 0, false);
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.current_filter, PROTO_NO_FILTER);
	assert_memory_equal(r.u.result.choices[0].value.ptr, "false", 5);
	pdh_close(&c);
}

static void test_cancels(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	pdh_open(&h, &c);
	/* The user cancels: non-zero exit, or nothing picked. */
	pdh_answer(&h, "", 1, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	pdh_answer(&h, "", 0, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	/* The guest cancels (Request.Close): the dialog's reply first, then the cancel's. */
	pdh_answer(&h, "", 0, true);
	pdh_open_req(&m, 0, "Open");
	forget_pid();
	pdh_send(&c, &m);
	assert_true(pdh_wait_for(chooser_running, NULL, 10000));
	/* Meanwhile one dialog at a time: another is refused at once. */
	struct proto_msg m2;
	pdh_open_req(&m2, 0, "Another");
	assert_int_equal(pdh_call(&c, &m2, &r), PROTO_ERR_BUSY);
	/* Cancelling something that is not open. */
	struct proto_msg cancel;
	memset(&cancel, 0, sizeof(cancel));
	cancel.type = PROTO_FILE_CANCEL;
	cancel.u.request_id = m2.id;
	assert_int_equal(pdh_call(&c, &cancel, &r), PROTO_ERR_NOT_FOUND);
	memset(&cancel, 0, sizeof(cancel));
	cancel.type = PROTO_FILE_CANCEL;
	cancel.u.request_id = m.id;
	pdh_send(&c, &cancel);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.type, PROTO_ERROR);
	assert_int_equal(r.id, m.id);
	assert_int_equal(r.u.error.code, PROTO_ERR_CANCELLED);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.type, PROTO_FILE_CANCEL);
	assert_int_equal(r.id, cancel.id);
	assert_true(pdh_wait_for(chooser_gone, NULL, 10000));
	/* The dialog slot frees once the chooser is gone. */
	pdh_answer(&h, "", 1, false);
	for (int i = 0; i < 200; i++) {
		pdh_open_req(&m, 0, "Open");
		if (pdh_call(&c, &m, &r) != PROTO_ERR_BUSY)
			break;
		usleep(10000);
	}
	assert_int_equal(r.u.error.code, PROTO_ERR_CANCELLED);
	/* A connection that goes away takes its dialog with it. */
	pdh_answer(&h, "", 0, true);
	pdh_open_req(&m, 0, "Open");
	forget_pid();
	pdh_send(&c, &m);
	assert_true(pdh_wait_for(chooser_running, NULL, 10000));
	pdh_close(&c);
	assert_true(pdh_wait_for(chooser_gone, NULL, 10000));
	pdh_open(&h, &c);
	pdh_answer(&h, "", 1, false);
	for (int i = 0; i < 200; i++) {
		pdh_open_req(&m, 0, "Open");
		if (pdh_call(&c, &m, &r) != PROTO_ERR_BUSY)
			break;
		usleep(10000);
	}
	assert_int_equal(r.u.error.code, PROTO_ERR_CANCELLED);
	pdh_close(&c);
}

static void test_choosers_that_misbehave(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char ans[1024];
	pdh_open(&h, &c);
	const char *answers[] = {"relative/path\n", "/no/such/file\n", "garbage line\n",
				 "filter 7\n/x\n"};
	for (size_t i = 0; i < sizeof(answers) / sizeof(*answers); i++) {
		pdh_answer(&h, answers[i], 0, false);
		pdh_open_req(&m, 0, "Open");
		if (pdh_call(&c, &m, &r) != PROTO_ERR_INTERNAL)
			fail_msg("answer %zu: code %u", i, r.u.error.code);
	}
	/* A folder where a file was asked for. */
	snprintf(ans, sizeof(ans), "%s\n", h.home);
	pdh_answer(&h, ans, 0, false);
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	/* Megabytes of output: cut off, refused, the daemon fine. */
	pdh_answer(&h, "", 0, false);
	FILE *f = fopen(pdh_path(&h, "../answer"), "w");
	for (int i = 0; i < 100000; i++)
		fprintf(f, "/%0100d\n", i);
	fclose(f);
	pdh_open_req(&m, PROTO_DIALOG_MULTIPLE, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	/* Killed by a signal. */
	pdh_answer(&h, "", 0, true);
	pdh_open_req(&m, 0, "Open");
	forget_pid();
	pdh_send(&c, &m);
	assert_true(pdh_wait_for(chooser_running, NULL, 10000));
	kill(pdh_chooser_pid(&h), SIGKILL);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.id, m.id);
	assert_int_equal(r.u.error.code, PROTO_ERR_INTERNAL);
	/* Folder grants are for later. */
	pdh_open_req(&m, PROTO_DIALOG_DIRECTORY, "Pick a folder");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_UNSUPPORTED);
	pdh_close(&c);
}

static int start_strict(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "2", "--dialog-interval", "60s",
					    "--cancel-limit", "1000", NULL});
	return 0;
}

static void test_rate_limit_under_flood(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	pdh_open(&h, &c);
	pdh_answer(&h, "", 1, false);
	pdh_open_req(&m, 0, "one");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	pdh_open_req(&m, 0, "two");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	/* 1000 dialog requests at once: each answered BUSY, none shown. */
	uint64_t cpu0 = pdh_cpu_ticks(&h);
	for (int i = 0; i < 1000; i++) {
		pdh_open_req(&m, 0, "flood");
		pdh_send(&c, &m);
	}
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(pdh_recv(&c, &r, 10000), 0);
		assert_int_equal(r.type, PROTO_ERROR);
		assert_int_equal(r.u.error.code, PROTO_ERR_BUSY);
	}
	assert_int_equal(pdh_chooser_calls(&h), 2);
	/* Cheap to refuse: well under a second of CPU for the lot. */
	assert_true(pdh_cpu_ticks(&h) - cpu0 < 100);
	pdh_close(&c);
}

static int start_cooldown(void **state)
{
	(void)state;
	pdh_start(&h, (const char *const[]){"--dialog-burst", "100", "--dialog-interval", "1ms",
					    "--cancel-limit", "2", "--cooldown", "60s", NULL});
	return 0;
}

static void test_cooldown_after_cancels(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	pdh_open(&h, &c);
	pdh_answer(&h, "", 1, false);
	for (int i = 0; i < 2; i++) {
		pdh_open_req(&m, 0, "nag");
		assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	}
	pdh_open_req(&m, 0, "nag");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_BUSY);
	assert_non_null(
	    memmem(r.u.error.message.ptr, r.u.error.message.len, "repeated cancels", 16));
	assert_int_equal(pdh_chooser_calls(&h), 2);
	pdh_close(&c);
}

/* zenity, faked: it prints the picked paths (the file "picks" beside it,
 * NUL-separated) joined by the separator it was given, then a newline, as
 * the real one does. The daemon finds it on PATH and needs a display. */
static char fake_dir[600];

static const char fake_zenity[] =
    "#!/usr/bin/python3\n"
    "import os, sys\n"
    "sep = '\\n'\n"
    "for a in sys.argv[1:]:\n"
    "    if a.startswith('--separator='):\n"
    "        sep = a[len('--separator='):]\n"
    "with open(os.path.join(os.path.dirname(sys.argv[0]), 'picks'), 'rb') as f:\n"
    "    picks = f.read().split(b'\\0')\n"
    "sys.stdout.buffer.write(sep.encode().join(picks) + b'\\n')\n";

static int start_zenity(void **state)
{
	(void)state;
	const char *base = getenv("APPVM_TEST_WORK");
	char path[2048];
	snprintf(fake_dir, sizeof(fake_dir), "%s/z.XXXXXX", base ? base : "/var/tmp");
	assert_non_null(mkdtemp(fake_dir));
	snprintf(path, sizeof(path), "%s/zenity", fake_dir);
	pdh_write(path, fake_zenity, 0755);
	snprintf(path, sizeof(path), "%s:%s", fake_dir,
		 getenv("PATH") ? getenv("PATH") : "/usr/bin");
	setenv("PATH", path, 1);
	setenv("DISPLAY", ":appvm-test-none", 1);
	pdh_start(&h, (const char *const[]){"--chooser", "zenity", "--dialog-burst", "1000",
					    "--dialog-interval", "1ms", NULL});
	return 0;
}

static void zenity_picks(const char *const *paths)
{
	char file[700];
	snprintf(file, sizeof(file), "%s/picks", fake_dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	for (int i = 0; paths[i]; i++) {
		if (i)
			fputc('\0', f);
		fputs(paths[i], f);
	}
	assert_int_equal(fclose(f), 0);
}

/* A name may hold a newline: a guest with a writable folder makes
 * "evil\n" there, with folders below it spelling a host path, and asks
 * for several files. The user picks the file at the end of that chain;
 * read a line at a time, zenity's answer would be two paths, the second
 * one a host file the user never picked. */
static void test_zenity_newline_in_a_path(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char a[700], b[700], secret[700], trick[1500];
	snprintf(a, sizeof(a), "%s/a.txt", h.home);
	snprintf(b, sizeof(b), "%s/b.txt", h.home);
	snprintf(secret, sizeof(secret), "%s/secret", h.work);
	pdh_write(a, "a", 0644);
	pdh_write(b, "b", 0644);
	pdh_write(secret, "host secret", 0600);
	pdh_write(pdh_path(&h, "evil"), "", 0644);
	pdh_open(&h, &c);
	/* Several files: both granted. */
	zenity_picks((const char *const[]){a, b, NULL});
	pdh_open_req(&m, PROTO_DIALOG_MULTIPLE, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 2);
	/* One path holding "\n/": refused, nothing granted. */
	snprintf(trick, sizeof(trick), "%s/evil\n%s", h.home, secret);
	zenity_picks((const char *const[]){trick, NULL});
	pdh_open_req(&m, PROTO_DIALOG_MULTIPLE, "Open");
	uint32_t code = pdh_call(&c, &m, &r);
	if (code == 0)
		fail_msg("granted %u documents, the last %.*s", r.u.result.n_docs,
			 (int)r.u.result.docs[r.u.result.n_docs - 1].name.len,
			 r.u.result.docs[r.u.result.n_docs - 1].name.ptr);
	assert_int_equal(code, PROTO_ERR_INTERNAL);
	/* Nor among several. */
	zenity_picks((const char *const[]){a, trick, NULL});
	pdh_open_req(&m, PROTO_DIALOG_MULTIPLE, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	pdh_close(&c);
}

static int stop_zenity(void **state)
{
	char cmd[700];
	stop(state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_filters_and_choices, start_generous, stop),
	    cmocka_unit_test_setup_teardown(test_cancels, start_generous, stop),
	    cmocka_unit_test_setup_teardown(test_choosers_that_misbehave, start_generous, stop),
	    cmocka_unit_test_setup_teardown(test_rate_limit_under_flood, start_strict, stop),
	    cmocka_unit_test_setup_teardown(test_cooldown_after_cancels, start_cooldown, stop),
	    cmocka_unit_test_setup_teardown(test_zenity_newline_in_a_path, start_zenity,
					    stop_zenity),
	};
	return cmocka_run_group_tests_name("portald_dialogs", tests, NULL, NULL);
}
