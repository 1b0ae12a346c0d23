/* The one dialog a VM may have open: admitted by the policy, shown by the
 * chooser process, answered with grants for what the user picked, closed
 * early by FILE_CANCEL or by its connection going away. */
#include "portald.h"

#include "clock.h"

#include "log.h"
#include "pd_docio.h"
#include "pd_pick.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static unsigned grants_needed(const struct proto_msg *m)
{
	return m->type == PROTO_FILE_SAVE_MANY ? m->u.dialog.n_names : 1;
}

static void dialog_clear(struct pd_daemon *d)
{
	struct pd_dialog *dl = &d->dialog;
	pd_chooser_free(d, &dl->ch);
	free(dl->payload);
	free(dl->msg);
	memset(dl, 0, sizeof(*dl));
	dl->ch.out_fd = -1;
}

void pd_dialog_request(struct pd_daemon *d, struct pd_conn *c, const struct proto_header *h,
		       const uint8_t *payload, const struct proto_msg *m)
{
	struct pd_dialog *dl = &d->dialog;
	if (m->type == PROTO_FILE_OPEN && (m->u.dialog.flags & PROTO_DIALOG_DIRECTORY) &&
	    !(c->fc.sess.peer_caps & PROTO_CAP_FOLDERS)) {
		/* A guest that does not know folder documents could not use them. */
		pd_conn_error(d, c, m->id, PROTO_ERR_UNSUPPORTED,
			      "folders need the FOLDERS capability");
		return;
	}
	if (pd_grants_room(&d->grants) < grants_needed(m)) {
		pd_conn_error(d, c, m->id, PROTO_ERR_LIMIT, "too many documents granted already");
		return;
	}
	enum pd_verdict v = pd_policy_admit(&d->policy, clock_now_ms());
	if (v != PD_ALLOW) {
		pd_conn_error(d, c, m->id, PROTO_ERR_BUSY, pd_verdict_text(v));
		return;
	}
	/* The request outlives the frame buffer: keep a copy and decode it again. */
	dl->payload = malloc(h->length ? h->length : 1);
	dl->msg = malloc(sizeof(*dl->msg));
	if (!dl->payload || !dl->msg) {
		pd_policy_end(&d->policy, clock_now_ms(), PD_FAILED);
		dialog_clear(d);
		pd_conn_error(d, c, m->id, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	memcpy(dl->payload, payload, h->length);
	if (proto_decode(h, dl->payload, dl->msg, NULL) < 0)
		abort(); /* decoded once already: cannot fail */
	struct pd_chooser_req req;
	pd_chooser_req_init(&req, m->type, d->opt.name, &dl->msg->u.dialog);
	int r = pd_chooser_start(d, &dl->ch, &req);
	if (r < 0) {
		log_err("cannot start the chooser: %s", strerror(-r));
		pd_policy_end(&d->policy, clock_now_ms(), PD_FAILED);
		dialog_clear(d);
		pd_conn_error(d, c, m->id, PROTO_ERR_INTERNAL, "the host cannot show a dialog");
		return;
	}
	dl->active = true;
	dl->conn = c;
	dl->request_id = m->id;
	dl->type = m->type;
	log_info("dialog \"%s\" (%s) for guest request %u", req.title, pd_mode_name(req.mode),
		 m->id);
}

static uint32_t perms_for(const struct pd_daemon *d, uint16_t type, bool folder)
{
	bool writable = folder ? d->opt.folder_writable : d->opt.open_writable;
	if (type != PROTO_FILE_OPEN || writable)
		return PROTO_PERM_READ | PROTO_PERM_WRITE;
	return PROTO_PERM_READ;
}

/* Makes the grants for what was picked. Returns 0 with ret[0..*ret_n), or
 * an error code for the guest with *ret_why. */
static uint32_t make_grants(struct pd_daemon *d, const struct pd_pick *p, struct pd_grant **ret,
			    unsigned *ret_n, const char **ret_why)
{
	const struct proto_dialog *dlg = &d->dialog.msg->u.dialog;
	uint16_t type = d->dialog.type;
	uint64_t now = clock_now_ms();
	unsigned n = type == PROTO_FILE_SAVE_MANY ? dlg->n_names : p->n_paths;
	if (pd_grants_room(&d->grants) < n) {
		*ret_why = "too many documents granted already";
		return PROTO_ERR_LIMIT;
	}
	if (type == PROTO_FILE_SAVE_MANY) {
		char safe[PROTO_MAX_DOCS][PROTO_FILENAME_MAX + 1];
		const char *names[PROTO_MAX_DOCS];
		for (unsigned i = 0; i < n; i++) {
			pd_safe_name(safe[i], dlg->names[i]);
			names[i] = safe[i];
		}
		if (pd_docio_grant_batch(p->paths[0], names, n, now, ret, ret_why) < 0)
			return PROTO_ERR_INTERNAL;
		*ret_n = n;
		return 0;
	}
	enum pd_mode mode = type == PROTO_FILE_SAVE ? PD_MODE_SAVE : PD_MODE_OPEN;
	bool folder = type == PROTO_FILE_OPEN && (dlg->flags & PROTO_DIALOG_DIRECTORY);
	for (unsigned i = 0; i < n; i++) {
		uint32_t perms = perms_for(d, type, folder);
		int r = folder
			    ? pd_docio_grant_folder(p->paths[i], perms, now, &ret[i], ret_why)
			    : pd_docio_grant_path(p->paths[i], mode, perms, now, &ret[i], ret_why);
		if (r < 0) {
			while (i > 0)
				pd_docio_free(ret[--i]);
			return PROTO_ERR_INTERNAL;
		}
	}
	*ret_n = n;
	return 0;
}

static void answer(struct pd_daemon *d, const struct pd_pick *p)
{
	struct pd_dialog *dl = &d->dialog;
	struct pd_grant *g[PROTO_MAX_DOCS];
	unsigned n = 0;
	const char *why = NULL;
	uint32_t code = make_grants(d, p, g, &n, &why);
	if (code) {
		log_warn("dialog for request %u: %s", dl->request_id, why);
		pd_conn_error(d, dl->conn, dl->request_id, code, why);
		return;
	}
	struct proto_msg r;
	memset(&r, 0, sizeof(r));
	r.type = dl->type;
	r.flags = PROTO_FLAG_REPLY;
	r.id = dl->request_id;
	r.u.result.current_filter = p->current_filter;
	r.u.result.n_choices = p->n_choices;
	memcpy(r.u.result.choices, p->choices, sizeof(p->choices));
	r.u.result.n_docs = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		pd_docs_add(d, g[i]); /* room was checked: cannot fail */
		struct proto_doc *doc = &r.u.result.docs[i];
		struct proto_doc_stat st;
		const char *ignored;
		doc->id = g[i]->id;
		doc->perms = g[i]->perms;
		doc->name = proto_str_from(g[i]->display);
		doc->size = pd_docio_stat(g[i], &st, &ignored) == 0 ? st.size : 0;
	}
	pd_conn_send(d, dl->conn, &r);
}

/* The chooser is done: work out what it means and answer the guest. */
static void finish(struct pd_daemon *d)
{
	struct pd_dialog *dl = &d->dialog;
	struct pd_chooser *ch = &dl->ch;
	enum pd_outcome outcome = PD_CANCELLED;
	struct pd_pick pick;
	const char *why = "the chooser failed";
	int r = -ECANCELED;
	if (WIFSIGNALED(ch->status) && !ch->kill_at) {
		outcome = PD_FAILED;
		r = -EIO;
	} else if (WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == 0 && !ch->overflow) {
		size_t len = ch->len;
		/* zenity's paths are joined by its separator, not lines. */
		r = ch->buf && d->opt.chooser == PD_CHOOSER_ZENITY
			? pd_zenity_lines(ch->buf, &len, &why)
			: 0;
		if (r == 0)
			r = ch->buf ? pd_pick_parse(ch->buf, len, dl->type, &dl->msg->u.dialog,
						    &pick, &why)
				    : -ECANCELED;
		outcome = r == 0 ? PD_PICKED : r == -ECANCELED ? PD_CANCELLED : PD_FAILED;
	} else if (ch->overflow || (d->opt.chooser == PD_CHOOSER_PORTAL && WIFEXITED(ch->status) &&
				    WEXITSTATUS(ch->status) == 2)) {
		/* Ours says 2 when the host portal failed (not the user's cancel). */
		outcome = PD_FAILED;
		r = -EIO;
	}
	if (dl->conn && !dl->answered) {
		if (r == 0) {
			answer(d, &pick);
		} else if (r == -ECANCELED) {
			log_info("dialog for request %u: cancelled", dl->request_id);
			pd_conn_error(d, dl->conn, dl->request_id, PROTO_ERR_CANCELLED,
				      "cancelled by the user");
		} else {
			log_warn("dialog for request %u: %s", dl->request_id, why);
			pd_conn_error(d, dl->conn, dl->request_id, PROTO_ERR_INTERNAL, why);
		}
		pd_conn_settle(d, dl->conn);
	}
	pd_policy_end(&d->policy, clock_now_ms(), outcome);
	dialog_clear(d);
}

void pd_dialog_on_chooser(struct pd_daemon *d)
{
	if (!d->dialog.active)
		return;
	if (pd_chooser_pump(d, &d->dialog.ch))
		finish(d);
}

void pd_dialog_cancel(struct pd_daemon *d, struct pd_conn *c, const struct proto_msg *m)
{
	struct pd_dialog *dl = &d->dialog;
	if (!dl->active || dl->answered || dl->conn != c || dl->request_id != m->u.request_id) {
		pd_conn_error(d, c, m->id, PROTO_ERR_NOT_FOUND, "no open dialog for that request");
		return;
	}
	log_info("dialog for request %u: closed by the guest", dl->request_id);
	pd_chooser_close(&dl->ch, clock_now_ms());
	pd_conn_error(d, c, dl->request_id, PROTO_ERR_CANCELLED, "cancelled by the guest");
	dl->answered = true;
	struct proto_msg r;
	pd_reply_init(&r, m);
	pd_conn_send(d, c, &r);
}

void pd_dialog_conn_gone(struct pd_daemon *d, struct pd_conn *c)
{
	struct pd_dialog *dl = &d->dialog;
	if (!dl->active || dl->conn != c)
		return;
	dl->conn = NULL;
	dl->answered = true;
	pd_chooser_close(&dl->ch, clock_now_ms());
}

void pd_dialog_tick(struct pd_daemon *d, uint64_t now, uint64_t *next)
{
	struct pd_chooser *ch = &d->dialog.ch;
	if (!d->dialog.active || !ch->kill_at || ch->reaped)
		return;
	if (now >= ch->kill_at) {
		kill(-ch->pid, SIGKILL);
		ch->kill_at = UINT64_MAX; /* sent; wait for SIGCHLD */
	} else if (ch->kill_at < *next) {
		*next = ch->kill_at;
	}
}

void pd_dialog_stop(struct pd_daemon *d)
{
	struct pd_dialog *dl = &d->dialog;
	if (!dl->active)
		return;
	if (!dl->ch.reaped && dl->ch.pid > 0) {
		kill(-dl->ch.pid, SIGKILL);
		waitpid(dl->ch.pid, NULL, 0);
	}
	dialog_clear(d);
}
