#include "ctl_cli.h"
#include "ctl_args.h"
#include "ctl_client.h"
#include "ctl_docs.h"
#include "ctl_clip_run.h"
#include "ctl_vmdir.h"
#include "vm_name.h"
#include "ctl_event.h"
#include "ctl_output.h"
#include "clock.h"

#include <errno.h>
#include <string.h>

void ctl_cli_usage(FILE *f)
{
	fputs("Usage: appvmctl [options] TARGET COMMAND\n"
	      "\n"
	      "Drives an appvm guest through its agent.\n"
	      "\n"
	      "Targets:\n"
	      "  vsock:CID[:PORT]     AF_VSOCK to guest CID (qemu with vhost-vsock)\n"
	      "  hybrid:PATH[:PORT]   hybrid vsock Unix socket of cloud-hypervisor,\n"
	      "                       Firecracker or appvm-vsock\n"
	      "  unix:PATH            Unix socket of an agent run with --listen-unix\n"
	      "  vm:NAME              the VM NAME of the VM directory\n"
	      "                       ($APPVM_VM_DIR, else $XDG_RUNTIME_DIR/appvm/vm)\n"
	      "  focused              the VM whose window has the keyboard focus\n"
	      "  PORT defaults to 1024, the agent port.\n"
	      "\n"
	      "Commands:\n"
	      "  ping                 check that the agent answers (default timeout 10 s)\n"
	      "  status               show the guest's state (10 s)\n"
	      "  shutdown             power the guest off cleanly; returns once the guest\n"
	      "                       has acknowledged and closed the connection (30 s)\n"
	      "  reboot               reboot the guest, likewise (30 s)\n"
	      "  wait-ready           wait until the guest announces READY or its agent\n"
	      "                       answers a ping (60 s)\n"
	      "  docs list            documents the VM was granted, from its portal daemon\n"
	      "  docs revoke ID       revoke one (the guest loses it at once)\n"
	      "  docs revoke-all      revoke them all (not for vsock: targets; 10 s)\n"
	      "  clipboard copy       the VM's clipboard to the host clipboard (10 s)\n"
	      "  clipboard paste      the host clipboard to the VM's clipboard (10 s)\n"
	      "\n"
	      "Options:\n"
	      "  --timeout S          overall deadline in seconds (decimals allowed); for\n"
	      "                       shutdown and reboot also the guest's deadline\n"
	      "  --event-socket PATH  wait-ready: listen for READY on PATH (unix targets;\n"
	      "                       hybrid targets listen on PATH_1025 by default)\n"
	      "  --type MIME          clipboard: move this type instead of text\n"
	      "  --max-size SIZE      clipboard: refuse content over SIZE bytes (K, M:\n"
	      "                       KiB, MiB; at most 16M; default 64K or the config)\n"
	      "  --single-use         clipboard paste: clear the host clipboard after it\n"
	      "  --keep-controls      clipboard copy: keep the VM's text byte for byte\n"
	      "                       (default: terminal controls and bidi overrides\n"
	      "                       are removed)\n"
	      "  --config PATH        clipboard policy (default\n"
	      "                       $XDG_CONFIG_HOME/appvm/clipboard.conf)\n"
	      "  --json               print one JSON object instead of text\n"
	      "  -q, --quiet          print nothing on success\n"
	      "  -h, --help           show this text\n"
	      "  --version            show the version\n"
	      "\n"
	      "Exit status: 0 success, 1 local failure, 2 usage error or bad target,\n"
	      "3 VM not running, 4 agent not listening, 5 timeout, 6 protocol error\n"
	      "(the guest misbehaved), 7 the guest answered with an error, 8 clipboard\n"
	      "content over the size cap, 9 copy rate limited, 10 no such VM or no\n"
	      "focused VM, 11 nothing to copy or paste.\n"
	      "See docs/appvmctl.md and docs/clipboard.md.\n",
	      f);
}

static int run_command(const struct ctl_args *a, struct ctl_client *c, uint64_t deadline,
		       struct ctl_result *res, struct ctl_error *err, struct ctl_ready *ready,
		       struct proto_status *status, struct ctl_clip_result *clip)
{
	if (ctl_command_is_clipboard(a->command)) {
		res->clip = clip;
		return a->command == CTL_CMD_CLIPBOARD_COPY
			   ? ctl_clip_copy(a, &a->target, a->vm_name, c, deadline, clip, err)
			   : ctl_clip_paste(a, &a->target, a->vm_name, c, deadline, clip, err);
	}
	if (a->command == CTL_CMD_WAIT_READY) {
		char path[CTL_PATH_SIZE];
		if (ctl_event_path(&a->target, a->event_socket, path, sizeof(path)) < 0) {
			ctl_error_set(err, "event socket path does not fit a socket address");
			return -EINVAL;
		}
		res->ready = ready;
		return ctl_wait_ready(&a->target, path, deadline, ready, err);
	}
	int r = ctl_client_open(c, &a->target, deadline, err);
	if (r < 0)
		return r;
	res->protocol_version = c->session.version;
	res->untrusted_software = c->untrusted_software;
	res->untrusted_software_len = c->untrusted_software_len;

	struct proto_msg req, reply;
	memset(&req, 0, sizeof(req));
	switch (a->command) {
	case CTL_CMD_PING: {
		req.type = PROTO_PING;
		/* Any value will do that a guest cannot derive from the id. */
		req.u.ping_nonce = clock_now_us() * 0x9e3779b97f4a7c15ull;
		uint64_t t0 = clock_now_us();
		r = ctl_client_call(c, &req, &reply, deadline, err);
		res->rtt_us = clock_now_us() - t0;
		return r;
	}
	case CTL_CMD_STATUS:
		req.type = PROTO_STATUS;
		r = ctl_client_call(c, &req, &reply, deadline, err);
		if (r == 0) {
			/* The strings still point into c's frame buffer, which
			 * lives until the caller frees c. */
			*status = reply.u.status;
			res->status = status;
		}
		return r;
	case CTL_CMD_SHUTDOWN:
	case CTL_CMD_REBOOT:
		req.type = a->command == CTL_CMD_SHUTDOWN ? PROTO_SHUTDOWN : PROTO_REBOOT;
		req.u.deadline_ms = a->timeout_ms;
		r = ctl_client_call(c, &req, &reply, deadline, err);
		if (r < 0)
			return r;
		r = ctl_client_wait_close(c, deadline, err);
		if (r == -ETIMEDOUT)
			ctl_error_set(err,
				      "%s acknowledged, but the guest was still connected at "
				      "the deadline",
				      ctl_command_name(a->command));
		return r;
	default:
		return -EINVAL;
	}
}

int ctl_cli_run(int argc, char *const *argv, FILE *out, FILE *errf)
{
	struct ctl_args a;
	char buf[160];
	const char *why = NULL;
	if (ctl_docs_wanted(argc, argv))
		return ctl_docs_run(argc, argv, out, errf);
	if (ctl_args_parse(argc, argv, &a, buf, sizeof(buf), &why) < 0) {
		int json = 0;
		for (int i = 1; i < argc; i++)
			json |= strcmp(argv[i], "--json") == 0;
		if (json)
			ctl_print_usage_error_json(out, why);
		ctl_print_usage_error(errf, why);
		return CTL_EXIT_USAGE;
	}
	if (a.help) {
		ctl_cli_usage(out);
		return CTL_EXIT_OK;
	}
	if (a.version) {
		fputs("appvmctl " APPVM_VERSION "\n", out);
		return CTL_EXIT_OK;
	}

	uint64_t start = clock_now_ms();
	uint64_t deadline = start + a.timeout_ms;
	struct ctl_client c;
	ctl_client_init(&c, -1);
	struct ctl_error err;
	ctl_error_clear(&err);
	struct ctl_ready ready;
	struct proto_status status;
	struct ctl_clip_result clip;
	memset(&clip, 0, sizeof(clip));
	char vm[VM_NAME_MAX + 1];
	struct ctl_result res = {.command = a.command, .target = a.target_string, .err = &err};
	if (a.vm_name || a.focused)
		res.ret = ctl_vmdir_resolve(a.vm_name, a.focused, vm, sizeof(vm), &a.vm_name,
					    &a.target, &err);
	res.vm = a.vm_name;
	if (res.ret == 0)
		res.ret = run_command(&a, &c, deadline, &res, &err, &ready, &status, &clip);
	res.elapsed_ms = clock_now_ms() - start;
	if (a.json)
		ctl_print_json(out, &res);
	if (!a.json || res.ret < 0)
		ctl_print_human(a.json ? NULL : out, errf, &res, a.quiet || a.json);
	ctl_client_free(&c);
	return ctl_exit_code(res.ret);
}
