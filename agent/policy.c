#include "policy.h"

#include "ports.h"
#include "proto.h"

#include <string.h>

bool agent_cid_allowed(uint32_t cid)
{
	return cid == APPVM_HOST_CID;
}

unsigned agent_backoff_next(unsigned current_ms)
{
	if (current_ms == 0)
		return AGENT_BACKOFF_START_MS;
	if (current_ms >= AGENT_BACKOFF_MAX_MS / 2)
		return AGENT_BACKOFF_MAX_MS;
	return current_ms * 2;
}

static const struct ctl_service *find_app(const struct ctl_status *st)
{
	for (size_t i = 0; i < st->n_services && i < CTL_MAX_SERVICES; i++)
		if (strcmp(st->services[i].name, "app") == 0)
			return &st->services[i];
	return NULL;
}

void agent_app_from_ctl(const struct ctl_status *st, struct agent_app *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct ctl_service *app = find_app(st);
	if (app) {
		switch (app->state) {
		case CTL_STATE_STOPPED:
			/* Stopped before it ever ran is "starting"; stopped after an
			 * exit, or by the shutdown, is "exited". */
			ret->state = st->app_exited || st->shutting_down ? PROTO_APP_EXITED
									 : PROTO_APP_STARTING;
			break;
		case CTL_STATE_RUNNING:
			ret->state = PROTO_APP_RUNNING;
			break;
		case CTL_STATE_BACKOFF:
			ret->state = PROTO_APP_RESTARTING;
			break;
		case CTL_STATE_FAILED:
			ret->state = PROTO_APP_FAILED;
			break;
		case CTL_STATE_EXITED:
			ret->state = PROTO_APP_EXITED;
			break;
		case CTL_STATE_DISABLED:
			ret->state = PROTO_APP_UNKNOWN;
			break;
		}
	}
	if (st->app_exited) {
		if (st->app_signal > 0) {
			ret->exit_how = PROTO_EXIT_SIGNAL;
			ret->exit_value = st->app_signal;
		} else {
			ret->exit_how = PROTO_EXIT_CODE;
			ret->exit_value = st->app_status;
		}
	}
}

void agent_exit_key_from_ctl(const struct ctl_status *st, struct agent_exit_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->exited = st->app_exited;
	if (!st->app_exited)
		return;
	ret->status = st->app_status;
	ret->signal = st->app_signal;
	const struct ctl_service *app = find_app(st);
	ret->restarts = app ? app->restarts : 0;
}

bool agent_exit_is_new(const struct agent_exit_key *last, const struct agent_exit_key *now)
{
	if (!now->exited)
		return false;
	return !last->exited || last->status != now->status || last->signal != now->signal ||
	       last->restarts != now->restarts;
}
