#include "ctl_output.h"
#include "clip_mime.h"
#include "ctl_text.h"
#include "text_escape.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

const char *ctl_app_state_name(uint8_t state)
{
	static const char *const names[] = {"unknown", "starting", "running",
					    "exited",  "failed",   "restarting"};
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

static void san(FILE *f, struct proto_str s)
{
	text_escape_write(f, s.ptr, s.len);
}

static void san_c(FILE *f, const char *s)
{
	text_escape_write(f, s, strlen(s));
}

static void js(FILE *f, struct proto_str s)
{
	ctl_json_string(f, s.ptr, s.len);
}

static void js_c(FILE *f, const char *s)
{
	ctl_json_string(f, s, strlen(s));
}

static void format_addr(const struct proto_addr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static void human_app(FILE *f, const struct proto_status *s)
{
	fprintf(f, "app:       %s", ctl_app_state_name(s->app_state));
	if (s->app_exit_how == PROTO_EXIT_CODE)
		fprintf(f, " (exit status %" PRId32 ")", s->app_exit_value);
	else if (s->app_exit_how == PROTO_EXIT_SIGNAL)
		fprintf(f, " (killed by signal %" PRId32 ")", s->app_exit_value);
	fputc('\n', f);
}

static void human_status(FILE *f, const struct proto_status *s)
{
	fputs("vm:        ", f);
	san(f, s->vm_name);
	fputs("\nagent:     ", f);
	san(f, s->agent_version);
	fprintf(f, " (protocol %u)\n", s->protocol_version);
	fprintf(f, "uptime:    %" PRIu64 ".%03u s\n", s->uptime_ms / 1000,
		(unsigned)(s->uptime_ms % 1000));
	fprintf(f, "memory:    %" PRIu64 " KiB available of %" PRIu64 " KiB\n",
		s->mem_available_kib, s->mem_total_kib);
	fprintf(f, "load:      %u.%02u %u.%02u %u.%02u\n", s->load_milli[0] / 1000,
		s->load_milli[0] % 1000 / 10, s->load_milli[1] / 1000, s->load_milli[1] % 1000 / 10,
		s->load_milli[2] / 1000, s->load_milli[2] % 1000 / 10);
	human_app(f, s);
	for (unsigned i = 0; i < s->n_stores && i < PROTO_MAX_STORES; i++) {
		fputs("store:     ", f);
		san(f, s->stores[i].name);
		fputs(" on ", f);
		san(f, s->stores[i].mount_point);
		fputs(s->stores[i].writable ? " (read-write)\n" : " (read-only)\n", f);
	}
	for (unsigned i = 0; i < s->n_addrs && i < PROTO_MAX_ADDRS; i++) {
		char a[INET6_ADDRSTRLEN];
		format_addr(&s->addrs[i], a, sizeof(a));
		fputs("address:   ", f);
		san(f, s->addrs[i].ifname);
		fprintf(f, " %s/%u\n", a, s->addrs[i].prefix);
	}
}

static void human_clip(FILE *f, const struct ctl_result *r)
{
	const struct ctl_clip_result *c = r->clip;
	bool copy = r->command == CTL_CMD_CLIPBOARD_COPY;
	fprintf(f, "%s: %" PRIu32 " bytes of ", ctl_command_name(r->command), c->bytes);
	san_c(f, clip_mime_is_text(c->mime) ? "text" : c->mime);
	fputs(copy ? " from " : " from the host clipboard to ", f);
	if (r->vm) {
		fputs("VM ", f);
		san_c(f, r->vm);
	} else {
		san_c(f, r->target);
	}
	fputs(copy ? " to the host clipboard\n" : "\n", f);
	if (c->cleared)
		fputs("(single-use: the host clipboard is cleared)\n", f);
}

static void human_success(FILE *f, const struct ctl_result *r)
{
	switch (r->command) {
	case CTL_CMD_PING:
		fprintf(f, "ping: reply in %" PRIu64 ".%03u ms from ", r->rtt_us / 1000,
			(unsigned)(r->rtt_us % 1000));
		text_escape_write(f, r->untrusted_software, r->untrusted_software_len);
		fprintf(f, " (protocol %u)\n", r->protocol_version);
		break;
	case CTL_CMD_STATUS:
		human_status(f, r->status);
		break;
	case CTL_CMD_SHUTDOWN:
	case CTL_CMD_REBOOT:
		fprintf(f,
			"%s: acknowledged; the guest closed the connection after %" PRIu64
			".%03u s\n",
			ctl_command_name(r->command), r->elapsed_ms / 1000,
			(unsigned)(r->elapsed_ms % 1000));
		break;
	case CTL_CMD_WAIT_READY: {
		const struct ctl_ready *w = r->ready;
		if (w->via == CTL_READY_EVENT) {
			fputs("ready: vm ", f);
			text_escape_write(f, w->untrusted_vm_name, w->untrusted_vm_name_len);
			fprintf(f, " announced READY (guest uptime %" PRIu64 ".%03u s)",
				w->uptime_ms / 1000, (unsigned)(w->uptime_ms % 1000));
		} else {
			fputs("ready: the agent answered ping", f);
		}
		fprintf(f, " after %" PRIu64 ".%03u s\n", w->waited_ms / 1000,
			(unsigned)(w->waited_ms % 1000));
		break;
	}
	case CTL_CMD_CLIPBOARD_COPY:
	case CTL_CMD_CLIPBOARD_PASTE:
		human_clip(f, r);
		break;
	case CTL_CMD_NONE:
		break;
	}
}

void ctl_print_human(FILE *out, FILE *errf, const struct ctl_result *r, bool quiet)
{
	if (r->command == CTL_CMD_WAIT_READY && r->ready && r->ready->note[0] && !quiet) {
		fputs("appvmctl: ", errf);
		san_c(errf, r->target);
		fputs(": ", errf);
		san_c(errf, r->ready->note);
		fputc('\n', errf);
	}
	if (r->command == CTL_CMD_CLIPBOARD_COPY && r->ret == 0 && r->clip->removed_controls &&
	    !quiet) {
		uint32_t n = r->clip->removed_controls;
		fputs("appvmctl: ", errf);
		san_c(errf, r->target);
		fprintf(errf,
			": removed %" PRIu32 " control character%s from the VM's text "
			"(--keep-controls keeps them)\n",
			n, n == 1 ? "" : "s");
	}
	if (r->ret == 0) {
		if (!quiet)
			human_success(out, r);
		return;
	}
	fputs("appvmctl: ", errf);
	san_c(errf, r->target);
	fputs(": ", errf);
	san_c(errf, r->err->msg);
	fputc('\n', errf);
	if (r->err->has_guest_error) {
		fprintf(errf,
			"appvmctl: guest error %s (%u): ", proto_error_name(r->err->guest_code),
			r->err->guest_code);
		text_escape_write(errf, r->err->untrusted_guest_msg,
				  r->err->untrusted_guest_msg_len);
		fputc('\n', errf);
	}
}

static void json_status(FILE *f, const struct proto_status *s)
{
	fputs("{\"vm_name\":", f);
	js(f, s->vm_name);
	fputs(",\"agent_version\":", f);
	js(f, s->agent_version);
	fprintf(f,
		",\"protocol_version\":%u,\"uptime_ms\":%" PRIu64
		",\"memory\":{\"total_kib\":%" PRIu64 ",\"available_kib\":%" PRIu64
		"},\"load_milli\":[%u,%u,%u]",
		s->protocol_version, s->uptime_ms, s->mem_total_kib, s->mem_available_kib,
		s->load_milli[0], s->load_milli[1], s->load_milli[2]);
	fprintf(f, ",\"app\":{\"state\":\"%s\",\"exit\":", ctl_app_state_name(s->app_state));
	if (s->app_exit_how == PROTO_EXIT_CODE || s->app_exit_how == PROTO_EXIT_SIGNAL)
		fprintf(f, "{\"how\":\"%s\",\"value\":%" PRId32 "}}",
			s->app_exit_how == PROTO_EXIT_CODE ? "code" : "signal", s->app_exit_value);
	else
		fputs("null}", f);
	fputs(",\"stores\":[", f);
	for (unsigned i = 0; i < s->n_stores && i < PROTO_MAX_STORES; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		js(f, s->stores[i].name);
		fputs(",\"mount_point\":", f);
		js(f, s->stores[i].mount_point);
		fprintf(f, ",\"writable\":%s}", s->stores[i].writable ? "true" : "false");
	}
	fputs("],\"addresses\":[", f);
	for (unsigned i = 0; i < s->n_addrs && i < PROTO_MAX_ADDRS; i++) {
		char a[INET6_ADDRSTRLEN];
		format_addr(&s->addrs[i], a, sizeof(a));
		fputs(i ? ",{\"ifname\":" : "{\"ifname\":", f);
		js(f, s->addrs[i].ifname);
		fprintf(f, ",\"family\":%u,\"address\":\"%s\",\"prefix\":%u}", s->addrs[i].family,
			a, s->addrs[i].prefix);
	}
	fputs("]}", f);
}

static void json_success(FILE *f, const struct ctl_result *r)
{
	switch (r->command) {
	case CTL_CMD_PING:
		fprintf(f, ",\"rtt_us\":%" PRIu64 ",\"protocol_version\":%u,\"agent\":", r->rtt_us,
			r->protocol_version);
		ctl_json_string(f, r->untrusted_software, r->untrusted_software_len);
		break;
	case CTL_CMD_STATUS:
		fputs(",\"status\":", f);
		json_status(f, r->status);
		break;
	case CTL_CMD_SHUTDOWN:
	case CTL_CMD_REBOOT:
		fputs(",\"acknowledged\":true,\"connection_closed\":true", f);
		break;
	case CTL_CMD_WAIT_READY: {
		const struct ctl_ready *w = r->ready;
		fprintf(f, ",\"via\":\"%s\",\"waited_ms\":%" PRIu64 ",\"protocol_version\":%u",
			w->via == CTL_READY_EVENT ? "event" : "poll", w->waited_ms,
			w->protocol_version);
		fputs(",\"agent\":", f);
		ctl_json_string(f, w->untrusted_software, w->untrusted_software_len);
		if (w->via == CTL_READY_EVENT) {
			fputs(",\"vm_name\":", f);
			ctl_json_string(f, w->untrusted_vm_name, w->untrusted_vm_name_len);
			fprintf(f, ",\"uptime_ms\":%" PRIu64, w->uptime_ms);
		} else {
			fputs(",\"vm_name\":null,\"uptime_ms\":null", f);
		}
		break;
	}
	case CTL_CMD_CLIPBOARD_COPY:
	case CTL_CMD_CLIPBOARD_PASTE:
		fprintf(f, ",\"bytes\":%" PRIu32 ",\"mime\":", r->clip->bytes);
		js_c(f, r->clip->mime);
		if (r->command == CTL_CMD_CLIPBOARD_PASTE)
			fprintf(f, ",\"cleared\":%s", r->clip->cleared ? "true" : "false");
		else
			fprintf(f, ",\"removed_controls\":%" PRIu32, r->clip->removed_controls);
		break;
	case CTL_CMD_NONE:
		break;
	}
}

void ctl_print_json(FILE *out, const struct ctl_result *r)
{
	fputs("{\"command\":", out);
	js_c(out, ctl_command_name(r->command));
	fputs(",\"target\":", out);
	js_c(out, r->target);
	fprintf(out, ",\"ok\":%s,\"elapsed_ms\":%" PRIu64, r->ret == 0 ? "true" : "false",
		r->elapsed_ms);
	if (r->vm) {
		fputs(",\"vm\":", out);
		js_c(out, r->vm);
	}
	if (r->ret == 0) {
		json_success(out, r);
	} else {
		int code = ctl_exit_code(r->ret);
		fprintf(out, ",\"error\":{\"kind\":\"%s\",\"exit_code\":%d,\"message\":",
			ctl_exit_kind(code), code);
		js_c(out, r->err->msg);
		if (r->err->has_guest_error) {
			fprintf(out, ",\"guest_error\":{\"code\":%u,\"name\":\"%s\",\"message\":",
				r->err->guest_code, proto_error_name(r->err->guest_code));
			ctl_json_string(out, r->err->untrusted_guest_msg,
					r->err->untrusted_guest_msg_len);
			fputc('}', out);
		}
		fputc('}', out);
	}
	if (r->command == CTL_CMD_WAIT_READY && r->ready && r->ready->note[0]) {
		fputs(",\"note\":", out);
		js_c(out, r->ready->note);
	}
	fputs("}\n", out);
}

void ctl_print_usage_error(FILE *errf, const char *why)
{
	fputs("appvmctl: ", errf);
	san_c(errf, why);
	fputs("\nTry 'appvmctl --help'.\n", errf);
}

void ctl_print_usage_error_json(FILE *out, const char *why)
{
	fprintf(out,
		"{\"command\":null,\"target\":null,\"ok\":false,\"elapsed_ms\":0,"
		"\"error\":{\"kind\":\"usage\",\"exit_code\":%d,\"message\":",
		CTL_EXIT_USAGE);
	js_c(out, why);
	fputs("}}\n", out);
}
