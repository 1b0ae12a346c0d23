/* The host portal chooser: appvm-portald asks a FileChooser on a private
 * session bus (a real dbus-daemon; the portal itself is fake_portal.py,
 * which records every call and answers as scripted). Checks what the
 * daemon sends (title, filters, choices, names; never a guest path), how
 * it reads the Response (URIs, choices, the filter), cancels both ways, and
 * portal failures. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pd_harness.h"
#include "proto_samples.h"

extern char **environ;

static struct pdh h;
static char bus_dir[256];
static pid_t bus_pid, portal_pid;

static const char *in_bus_dir(const char *name)
{
	static char p[2][400];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", bus_dir, name);
	return p[k];
}

static void write_text(const char *path, const char *text)
{
	pdh_write(path, text, 0644);
}

static const char *read_text(const char *path)
{
	const char *text = pdh_read(path);
	return text ? text : "";
}

static bool exists(void *arg)
{
	struct stat sb;
	return stat(arg, &sb) == 0;
}

static pid_t spawn(const char *const *argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

static int start(void **state)
{
	(void)state;
	const char *base = getenv("APPVM_TEST_WORK");
	snprintf(bus_dir, sizeof(bus_dir), "%s/bus.XXXXXX", base ? base : "/var/tmp");
	if (strlen(bus_dir) > 70)
		snprintf(bus_dir, sizeof(bus_dir), "/var/tmp/pdbus.XXXXXX");
	mkdir(base ? base : "/var/tmp", 0755);
	assert_non_null(mkdtemp(bus_dir));
	char conf[1024], addr[400];
	snprintf(conf, sizeof(conf),
		 "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
		 "1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		 "<busconfig><type>session</type><listen>unix:path=%s</listen>"
		 "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\"/>"
		 "<allow receive_sender=\"*\"/>"
		 "<allow own=\"*\"/></policy></busconfig>\n",
		 in_bus_dir("bus"));
	write_text(in_bus_dir("bus.conf"), conf);
	char conf_arg[400];
	snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", in_bus_dir("bus.conf"));
	bus_pid = spawn((const char *const[]){"/usr/bin/dbus-daemon", conf_arg, "--nofork", NULL},
			in_bus_dir("bus.log"));
	assert_true(pdh_wait_for(exists, (void *)in_bus_dir("bus"), 10000));
	snprintf(addr, sizeof(addr), "unix:path=%s", in_bus_dir("bus"));
	setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1);
	write_text(in_bus_dir("scenario.json"), "{\"hold\": true}");
	portal_pid =
	    spawn((const char *const[]){"/usr/bin/python3", getenv("FAKE_PORTAL"), bus_dir, NULL},
		  in_bus_dir("portal.log"));
	if (!pdh_wait_for(exists, (void *)in_bus_dir("ready"), 20000))
		fail_msg("the fake portal did not start: %s", read_text(in_bus_dir("portal.log")));
	pdh_start(&h,
		  (const char *const[]){"--chooser", "portal", "--dialog-burst", "100",
					"--dialog-interval", "1ms", "--cancel-limit", "100", NULL});
	return 0;
}

static int stop(void **state)
{
	(void)state;
	pdh_stop(&h);
	kill(portal_pid, SIGTERM);
	waitpid(portal_pid, NULL, 0);
	kill(bus_pid, SIGTERM);
	waitpid(bus_pid, NULL, 0);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bus_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The last call the portal saw (a JSON line). */
static const char *last_call(void)
{
	const char *all = read_text(in_bus_dir("calls.jsonl"));
	const char *end = all + strlen(all);
	if (end > all && end[-1] == '\n')
		end--;
	const char *start = end;
	while (start > all && start[-1] != '\n')
		start--;
	static char line[1 << 16];
	snprintf(line, sizeof(line), "%.*s", (int)(end - start), start);
	return line;
}

static void expect_in(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not in %s", needle, hay);
}

/* Button labels are the host dialog's own: a guest's accept_label could
 * put "Cancel" on the button that grants the file. */
static void expect_no_label(const char *call)
{
	if (strstr(call, "accept_label"))
		fail_msg("the guest's accept_label reached the host dialog: %s", call);
}

/* Makes the file `name` in the home folder, has the portal pick it (its
 * URI ends with uri_name) with the other results given, connects and fills
 * m with the sample open request. */
static void open_picking(struct pdh_conn *c, struct proto_msg *m, const char *name,
			 const char *uri_name, const char *results)
{
	char sc[2048];
	write_text(pdh_path(&h, name), "png!");
	snprintf(sc, sizeof(sc), "{\"response\": 0, \"uris\": [\"file://%s/%s\"], %s}", h.home,
		 uri_name, results);
	write_text(in_bus_dir("scenario.json"), sc);
	pdh_open(&h, c);
	proto_sample("file_open_request", m);
	m->id = 0;
}

static void test_open(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	open_picking(&c, &m, "a b.png", "a%20b.png",
		     "\"choices\": [[\"ro\", \"true\"]], \"current_filter\": [\"All files\", [[0, "
		     "\"*\"]]]");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	assert_int_equal(r.u.result.docs[0].name.len, 7);
	assert_memory_equal(r.u.result.docs[0].name.ptr, "a b.png", 7);
	assert_int_equal(r.u.result.docs[0].size, 4);
	assert_int_equal(r.u.result.current_filter, 1);
	assert_int_equal(r.u.result.n_choices, 1);
	assert_memory_equal(r.u.result.choices[0].value.ptr, "true", 4);
	const char *call = last_call();
	expect_in(call, "\"method\": \"OpenFile\"");
	expect_in(call, "\"title\": \"[testvm] Open image\"");
	expect_in(call, "\"parent\": \"\"");
	expect_in(call, "\"multiple\": true");
	expect_in(call, "\"modal\": true");
	expect_no_label(call);
	expect_in(call, "\"filters\": [[\"Images\", [[1, \"image/png\"], [0, \"*.jpg\"]]], "
			"[\"All files\", [[0, \"*\"]]]]");
	expect_in(call, "\"current_filter\": [\"Images\", [[1, \"image/png\"], [0, \"*.jpg\"]]]");
	expect_in(call, "\"choices\": [[\"ro\", \"Open read-only\", [], \"false\"]]");
	expect_in(call, "\"handle_token\": \"appvm");
	pdh_close(&c);
}

/* Labels the dialog shows as its own (filter names, choice and option
 * labels) arrive escaped, as the title: characters that show as nothing
 * pass the protocol's LABEL check. The filter the portal answers is one of
 * the escaped names, and maps back to its index. */
static void test_labels_escaped(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	open_picking(&c, &m, "l.png", "l.png",
		     "\"current_filter\": [\"Im\\\\u{200b}ages\", [[0, \"*.png\"]]]");
	m.u.dialog.filters[0].name = proto_str_from("Im\xe2\x80\x8b"
						    "ages");
	m.u.dialog.filters[1].name = proto_str_from("Images");
	m.u.dialog.choices[0].label = proto_str_from("\xe3\x85\xa4");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.current_filter, 0);
	const char *call = last_call();
	expect_in(call, "\"filters\": [[\"Im\\\\u{200b}ages\", ");
	expect_in(call, "[\"Images\", [[0, \"*\"]]]]");
	expect_in(call, "\"choices\": [[\"ro\", \"\\\\u{3164}\", [], \"false\"]]");
	if (strstr(call, "\\u200b") || strstr(call, "\\u3164"))
		fail_msg("an invisible character reached the host dialog: %s", call);
	pdh_close(&c);
}

static void test_save_and_save_many(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char sc[2048];
	pdh_open(&h, &c);
	snprintf(sc, sizeof(sc), "{\"response\": 0, \"uris\": [\"file://%s/new.txt\"]}", h.home);
	write_text(in_bus_dir("scenario.json"), sc);
	pdh_save_req(&m, "Save", ".bash_login");
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.docs[0].perms, PROTO_PERM_READ | PROTO_PERM_WRITE);
	const char *call = last_call();
	expect_in(call, "\"method\": \"SaveFile\"");
	expect_in(call, "\"current_name\": \"_bash_login\"");
	/* SaveFiles: the folder of the answer, the names granted by the daemon. */
	snprintf(sc, sizeof(sc),
		 "{\"response\": 0, \"uris\": [\"file://%s/a.txt\", \"file://%s/b.txt\"]}", h.home,
		 h.home);
	write_text(in_bus_dir("scenario.json"), sc);
	proto_sample("file_save_many_request", &m);
	m.id = 0;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 2);
	assert_memory_equal(r.u.result.docs[1].name.ptr, "b.txt", 5);
	call = last_call();
	expect_in(call, "\"method\": \"SaveFiles\"");
	expect_in(call, "\"files\": [\"a.txt\", \"b.txt\"]");
	expect_no_label(call);
	pdh_close(&c);
}

/* A folder dialog: OpenFile with directory, without the guest's file
 * filters (they would hide every folder); the answer is a folder grant. */
static void test_open_folder(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char sc[2048], dir[700];
	snprintf(dir, sizeof(dir), "%s/pics", h.home);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(sc, sizeof(sc), "{\"response\": 0, \"uris\": [\"file://%s\"]}", dir);
	write_text(in_bus_dir("scenario.json"), sc);
	pdh_open_caps(&h, &c, PROTO_CAP_FILE_CHOOSER | PROTO_CAP_DOCUMENTS | PROTO_CAP_FOLDERS);
	proto_sample("file_open_request", &m);
	m.id = 0;
	m.u.dialog.flags = PROTO_DIALOG_DIRECTORY;
	assert_int_equal(pdh_call(&c, &m, &r), 0);
	assert_int_equal(r.u.result.n_docs, 1);
	assert_int_equal(r.u.result.docs[0].perms, PROTO_PERM_READ | PROTO_DOC_FOLDER);
	assert_memory_equal(r.u.result.docs[0].name.ptr, "pics", 4);
	const char *call = last_call();
	expect_in(call, "\"method\": \"OpenFile\"");
	expect_in(call, "\"directory\": true");
	expect_in(call, "\"multiple\": false");
	if (strstr(call, "\"filters\""))
		fail_msg("file filters in a folder dialog: %s", call);
	/* A file where a folder was asked for cannot be granted. */
	write_text(pdh_path(&h, "not-a-folder"), "x");
	snprintf(sc, sizeof(sc), "{\"response\": 0, \"uris\": [\"file://%s/not-a-folder\"]}",
		 h.home);
	write_text(in_bus_dir("scenario.json"), sc);
	m.id = 0;
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	pdh_close(&c);
}

static void test_cancel_and_failures(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	pdh_open(&h, &c);
	write_text(in_bus_dir("scenario.json"), "{\"response\": 1}");
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_CANCELLED);
	write_text(in_bus_dir("scenario.json"), "{\"response\": 2}");
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	write_text(in_bus_dir("scenario.json"),
		   "{\"response\": 0, \"uris\": [\"https://example.com/x\"]}");
	pdh_open_req(&m, 0, "Open");
	assert_int_equal(pdh_call(&c, &m, &r), PROTO_ERR_INTERNAL);
	/* The guest closes the request: the portal hears Request.Close. */
	write_text(in_bus_dir("scenario.json"), "{\"hold\": true}");
	pdh_open_req(&m, 0, "Open and wait");
	pdh_send(&c, &m);
	for (int i = 0; i < 500 && !strstr(last_call(), "Open and wait"); i++)
		usleep(10000);
	expect_in(last_call(), "Open and wait");
	struct proto_msg cancel;
	memset(&cancel, 0, sizeof(cancel));
	cancel.type = PROTO_FILE_CANCEL;
	cancel.u.request_id = m.id;
	pdh_send(&c, &cancel);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.u.error.code, PROTO_ERR_CANCELLED);
	assert_int_equal(pdh_recv(&c, &r, 10000), 0);
	assert_int_equal(r.type, PROTO_FILE_CANCEL);
	for (int i = 0; i < 500 && !strstr(last_call(), "\"Close\""); i++)
		usleep(10000);
	expect_in(last_call(), "\"method\": \"Close\"");
	pdh_close(&c);
}

/* Another client of the host's bus sends the daemon's chooser a forged
 * Response (picking a file the user never saw) before the portal's own:
 * only the portal's is believed. */
static void test_forged_response(void **state)
{
	(void)state;
	struct pdh_conn c;
	struct proto_msg m, r;
	char sc[2048];
	write_text(pdh_path(&h, "secret.txt"), "the user's secret");
	write_text(pdh_path(&h, "picked.txt"), "ok");
	snprintf(sc, sizeof(sc),
		 "{\"response\": 0, \"delay_ms\": 300, \"uris\": [\"file://%s/picked.txt\"], "
		 "\"impostor\": [\"file://%s/secret.txt\"]}",
		 h.home, h.home);
	write_text(in_bus_dir("scenario.json"), sc);
	pdh_open(&h, &c);
	/* The previous test's dialog may still be closing (one at a time). */
	uint32_t code = PROTO_ERR_BUSY;
	for (int i = 0; i < 200 && code == PROTO_ERR_BUSY; i++) {
		if (i)
			usleep(25000);
		pdh_open_req(&m, 0, "Open");
		code = pdh_call(&c, &m, &r);
	}
	assert_int_equal(code, 0);
	assert_int_equal(r.u.result.n_docs, 1);
	if (r.u.result.docs[0].name.len != 10 ||
	    memcmp(r.u.result.docs[0].name.ptr, "picked.txt", 10) != 0)
		fail_msg("granted \"%.*s\", not the file the portal answered",
			 (int)r.u.result.docs[0].name.len, r.u.result.docs[0].name.ptr);
	pdh_close(&c);
}

/* The skip policy of tests/testlib.sh: 77 (skipped) when a prerequisite is
 * missing, a failure in CI and in scripts/test's full run. */
static int prerequisite_missing(const char *why)
{
	bool strict = getenv("CI") ||
		      (getenv("APPVM_TEST_STRICT") && !strcmp(getenv("APPVM_TEST_STRICT"), "1"));
	printf("%s: cannot run here: %s\n", strict ? "FAIL" : "SKIP", why);
	return strict ? 1 : 77;
}

int main(void)
{
	if (access("/usr/bin/dbus-daemon", X_OK) != 0)
		return prerequisite_missing("no /usr/bin/dbus-daemon (package dbus-daemon)");
	if (system("/usr/bin/python3 -c 'import gi' 2>/dev/null") != 0)
		return prerequisite_missing("no python3-gi for the fake portal");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open),
	    cmocka_unit_test(test_labels_escaped),
	    cmocka_unit_test(test_save_and_save_many),
	    cmocka_unit_test(test_open_folder),
	    cmocka_unit_test(test_cancel_and_failures),
	    cmocka_unit_test(test_forged_response),
	};
	return cmocka_run_group_tests_name("portald_dbus", tests, start, stop);
}
