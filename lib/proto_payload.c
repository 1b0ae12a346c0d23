/* Payload layouts of every v1 message, one reader and one writer per type,
 * in the order of the tables in docs/protocol.md; the file chooser and
 * document records are in proto_dialog.c. */
#include "proto_payload.h"

const char *proto_exit_check(uint8_t how, int32_t value, int none_ok)
{
	switch (how) {
	case PROTO_EXIT_NONE:
		if (!none_ok)
			return "bad exit kind";
		return value == 0 ? NULL : "exit value without exit";
	case PROTO_EXIT_CODE:
		return value >= 0 && value <= (int32_t)PROTO_EXIT_STATUS_MAX
			   ? NULL
			   : "exit status out of range";
	case PROTO_EXIT_SIGNAL:
		return value >= 1 && value <= (int32_t)PROTO_EXIT_SIGNAL_MAX
			   ? NULL
			   : "signal out of range";
	default:
		return "bad exit kind";
	}
}

static void read_status(struct rcur *c, struct proto_status *s)
{
	s->vm_name = rd_str(c, STR_NAME, "bad vm name");
	s->agent_version = rd_str(c, STR_NAME, "bad agent version");
	s->protocol_version = rd_u16(c);
	rd_zero16(c);
	s->uptime_ms = rd_u64(c);
	s->mem_total_kib = rd_u64(c);
	s->mem_available_kib = rd_u64(c);
	for (int i = 0; i < 3; i++)
		s->load_milli[i] = rd_u32(c);
	s->app_state = rd_u8(c);
	s->app_exit_how = rd_u8(c);
	rd_zero16(c);
	s->app_exit_value = (int32_t)rd_u32(c);
	uint16_t untrusted_n = rd_u16(c);
	if (untrusted_n > PROTO_MAX_STORES)
		rd_fail(c, "too many stores");
	else
		s->n_stores = untrusted_n;
	for (unsigned i = 0; i < s->n_stores && !c->err; i++) {
		s->stores[i].name = rd_str(c, STR_NAME, "bad store name");
		s->stores[i].mount_point = rd_str(c, STR_PATH, "bad store mount point");
		s->stores[i].writable = rd_u8(c);
	}
	untrusted_n = rd_u16(c);
	if (untrusted_n > PROTO_MAX_ADDRS)
		rd_fail(c, "too many addresses");
	else if (!c->err)
		s->n_addrs = untrusted_n;
	for (unsigned i = 0; i < s->n_addrs && !c->err; i++) {
		struct proto_addr *a = &s->addrs[i];
		a->ifname = rd_str(c, STR_IFNAME, "bad interface name");
		a->family = rd_u8(c);
		a->prefix = rd_u8(c);
		if (a->family != 4 && a->family != 6)
			rd_fail(c, "bad address family");
		rd_bytes(c, a->addr, a->family == 4 ? 4 : 16);
	}
}

static void write_status(struct wcur *c, const struct proto_status *s)
{
	wr_str(c, STR_NAME, s->vm_name);
	wr_str(c, STR_NAME, s->agent_version);
	wr_u16(c, s->protocol_version);
	wr_u16(c, 0);
	wr_u64(c, s->uptime_ms);
	wr_u64(c, s->mem_total_kib);
	wr_u64(c, s->mem_available_kib);
	for (int i = 0; i < 3; i++)
		wr_u32(c, s->load_milli[i]);
	wr_u8(c, s->app_state);
	wr_u8(c, s->app_exit_how);
	wr_u16(c, 0);
	wr_u32(c, (uint32_t)s->app_exit_value);
	wr_u16(c, s->n_stores);
	for (unsigned i = 0; i < s->n_stores; i++) {
		wr_str(c, STR_NAME, s->stores[i].name);
		wr_str(c, STR_PATH, s->stores[i].mount_point);
		wr_u8(c, s->stores[i].writable);
	}
	wr_u16(c, s->n_addrs);
	for (unsigned i = 0; i < s->n_addrs; i++) {
		const struct proto_addr *a = &s->addrs[i];
		wr_str(c, STR_IFNAME, a->ifname);
		wr_u8(c, a->family);
		wr_u8(c, a->prefix);
		wr_bytes(c, a->addr, a->family == 4 ? 4 : 16);
	}
}

void proto_read_payload(struct rcur *c, struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_HELLO:
		if (reply) {
			m->u.hello.version = rd_u16(c);
			rd_zero16(c);
		} else {
			m->u.hello.min_version = rd_u16(c);
			m->u.hello.max_version = rd_u16(c);
		}
		m->u.hello.caps = rd_u32(c);
		m->u.hello.software = rd_str(c, STR_NAME, "bad software name");
		break;
	case PROTO_ERROR:
		m->u.error.code = rd_u32(c);
		m->u.error.message = rd_str(c, STR_TEXT, "bad error message");
		break;
	case PROTO_PING:
		m->u.ping_nonce = rd_u64(c);
		break;
	case PROTO_STATUS:
		if (reply)
			read_status(c, &m->u.status);
		break;
	case PROTO_SHUTDOWN:
	case PROTO_REBOOT:
		if (!reply)
			m->u.deadline_ms = rd_u32(c);
		break;
	case PROTO_READY:
		m->u.ready.uptime_ms = rd_u64(c);
		m->u.ready.vm_name = rd_str(c, STR_NAME, "bad vm name");
		break;
	case PROTO_APP_EXIT:
		m->u.app_exit.how = rd_u8(c);
		if (rd_u8(c) != 0)
			rd_fail(c, "reserved field not zero");
		rd_zero16(c);
		m->u.app_exit.value = (int32_t)rd_u32(c);
		break;
	case PROTO_CLIPBOARD_GET:
		if (reply) {
			m->u.clipboard_data.total = rd_u32(c);
			m->u.clipboard_data.data = rd_blob(c, 0, PROTO_CHUNK, "bad clipboard data");
		} else {
			m->u.clipboard_get.offset = rd_u32(c);
			m->u.clipboard_get.max_length = rd_u32(c);
			m->u.clipboard_get.mime = rd_str(c, STR_MIME, "bad MIME type");
		}
		break;
	case PROTO_CLIPBOARD_SET:
		if (!reply) {
			m->u.clipboard_set.total = rd_u32(c);
			m->u.clipboard_set.offset = rd_u32(c);
			m->u.clipboard_set.mime = rd_str(c, STR_MIME, "bad MIME type");
			m->u.clipboard_set.data = rd_blob(c, 0, PROTO_CHUNK, "bad clipboard data");
		}
		break;
	case PROTO_FILE_OPEN:
	case PROTO_FILE_SAVE:
	case PROTO_FILE_SAVE_MANY:
		if (reply)
			proto_read_result(c, &m->u.result);
		else
			proto_read_dialog(c, &m->u.dialog, m->type);
		break;
	case PROTO_FILE_CANCEL:
		if (!reply)
			m->u.request_id = rd_u32(c);
		break;
	case PROTO_DOC_GRANT:
		if (!reply)
			proto_read_doc(c, &m->u.doc);
		break;
	case PROTO_DOC_REVOKE:
	case PROTO_DOC_CLOSE:
	case PROTO_DOC_ABORT:
		if (!reply)
			m->u.doc_id = rd_u64(c);
		break;
	case PROTO_DOC_STAT:
	case PROTO_DOC_COMMIT:
		if (reply)
			proto_read_stat(c, &m->u.stat);
		else
			m->u.doc_id = rd_u64(c);
		break;
	case PROTO_DOC_BEGIN:
		if (reply) {
			proto_read_stat(c, &m->u.stat);
		} else {
			m->u.doc_begin.doc_id = rd_u64(c);
			m->u.doc_begin.flags = rd_u32(c);
		}
		break;
	case PROTO_DOC_TRUNCATE:
		if (!reply) {
			m->u.doc_truncate.doc_id = rd_u64(c);
			m->u.doc_truncate.size = rd_u64(c);
		}
		break;
	case PROTO_DOC_READ:
		if (reply) {
			m->u.data = rd_blob(c, 0, PROTO_CHUNK, "bad document data");
		} else {
			m->u.doc_read.doc_id = rd_u64(c);
			m->u.doc_read.offset = rd_u64(c);
			m->u.doc_read.length = rd_u32(c);
			m->u.doc_read.flags = rd_u32(c);
		}
		break;
	case PROTO_DOC_WRITE:
		if (reply) {
			m->u.written = rd_u32(c);
		} else {
			m->u.doc_write.doc_id = rd_u64(c);
			m->u.doc_write.offset = rd_u64(c);
			m->u.doc_write.data = rd_blob(c, 1, PROTO_CHUNK, "bad document data");
		}
		break;
	default:
		proto_read_entry_op(c, m, reply);
		break;
	}
}

void proto_write_payload(struct wcur *c, const struct proto_msg *m, bool reply)
{
	switch (m->type) {
	case PROTO_HELLO:
		if (reply) {
			wr_u16(c, m->u.hello.version);
			wr_u16(c, 0);
		} else {
			wr_u16(c, m->u.hello.min_version);
			wr_u16(c, m->u.hello.max_version);
		}
		wr_u32(c, m->u.hello.caps);
		wr_str(c, STR_NAME, m->u.hello.software);
		break;
	case PROTO_ERROR:
		wr_u32(c, m->u.error.code);
		wr_str(c, STR_TEXT, m->u.error.message);
		break;
	case PROTO_PING:
		wr_u64(c, m->u.ping_nonce);
		break;
	case PROTO_STATUS:
		if (reply)
			write_status(c, &m->u.status);
		break;
	case PROTO_SHUTDOWN:
	case PROTO_REBOOT:
		if (!reply)
			wr_u32(c, m->u.deadline_ms);
		break;
	case PROTO_READY:
		wr_u64(c, m->u.ready.uptime_ms);
		wr_str(c, STR_NAME, m->u.ready.vm_name);
		break;
	case PROTO_APP_EXIT:
		wr_u8(c, m->u.app_exit.how);
		wr_u8(c, 0);
		wr_u16(c, 0);
		wr_u32(c, (uint32_t)m->u.app_exit.value);
		break;
	case PROTO_CLIPBOARD_GET:
		if (reply) {
			wr_u32(c, m->u.clipboard_data.total);
			wr_blob(c, 0, PROTO_CHUNK, m->u.clipboard_data.data);
		} else {
			wr_u32(c, m->u.clipboard_get.offset);
			wr_u32(c, m->u.clipboard_get.max_length);
			wr_str(c, STR_MIME, m->u.clipboard_get.mime);
		}
		break;
	case PROTO_CLIPBOARD_SET:
		if (!reply) {
			wr_u32(c, m->u.clipboard_set.total);
			wr_u32(c, m->u.clipboard_set.offset);
			wr_str(c, STR_MIME, m->u.clipboard_set.mime);
			wr_blob(c, 0, PROTO_CHUNK, m->u.clipboard_set.data);
		}
		break;
	case PROTO_FILE_OPEN:
	case PROTO_FILE_SAVE:
	case PROTO_FILE_SAVE_MANY:
		if (reply)
			proto_write_result(c, &m->u.result);
		else
			proto_write_dialog(c, &m->u.dialog, m->type);
		break;
	case PROTO_FILE_CANCEL:
		if (!reply)
			wr_u32(c, m->u.request_id);
		break;
	case PROTO_DOC_GRANT:
		if (!reply)
			proto_write_doc(c, &m->u.doc);
		break;
	case PROTO_DOC_REVOKE:
	case PROTO_DOC_CLOSE:
	case PROTO_DOC_ABORT:
		if (!reply)
			wr_u64(c, m->u.doc_id);
		break;
	case PROTO_DOC_STAT:
	case PROTO_DOC_COMMIT:
		if (reply)
			proto_write_stat(c, &m->u.stat);
		else
			wr_u64(c, m->u.doc_id);
		break;
	case PROTO_DOC_BEGIN:
		if (reply) {
			proto_write_stat(c, &m->u.stat);
		} else {
			wr_u64(c, m->u.doc_begin.doc_id);
			wr_u32(c, m->u.doc_begin.flags);
		}
		break;
	case PROTO_DOC_TRUNCATE:
		if (!reply) {
			wr_u64(c, m->u.doc_truncate.doc_id);
			wr_u64(c, m->u.doc_truncate.size);
		}
		break;
	case PROTO_DOC_READ:
		if (reply) {
			wr_blob(c, 0, PROTO_CHUNK, m->u.data);
		} else {
			wr_u64(c, m->u.doc_read.doc_id);
			wr_u64(c, m->u.doc_read.offset);
			wr_u32(c, m->u.doc_read.length);
			wr_u32(c, m->u.doc_read.flags);
		}
		break;
	case PROTO_DOC_WRITE:
		if (reply) {
			wr_u32(c, m->u.written);
		} else {
			wr_u64(c, m->u.doc_write.doc_id);
			wr_u64(c, m->u.doc_write.offset);
			wr_blob(c, 1, PROTO_CHUNK, m->u.doc_write.data);
		}
		break;
	default:
		proto_write_entry_op(c, m, reply);
		break;
	}
}
