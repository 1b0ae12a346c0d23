#include "policy.h"

#include "ports.h"
#include "proto.h"

#include <string.h>

/* Whatever init lists fits the status record. */
_Static_assert(INITCTL_MAX_STORES <= PROTO_MAX_STORES,
	       "init lists more stores than STATUS carries");
_Static_assert(INITCTL_STORE_NAME_MAX <= PROTO_NAME_MAX, "store names too long for STATUS");
_Static_assert(INITCTL_PATH_MAX <= PROTO_PATH_MAX, "store paths too long for STATUS");

bool agent_cid_allowed(uint32_t cid)
{
	return cid == APPVM_HOST_CID;
}

static const struct initctl_service *find_app(const struct initctl_status *init)
{
	for (size_t i = 0; i < init->n_services && i < INITCTL_MAX_SERVICES; i++)
		if (strcmp(init->services[i].name, "app") == 0)
			return &init->services[i];
	return NULL;
}

uint8_t agent_app_state(const struct initctl_status *init)
{
	const struct initctl_service *app = init ? find_app(init) : NULL;
	if (!app)
		return PROTO_APP_UNKNOWN;
	switch (app->state) {
	case INITCTL_STATE_STOPPED:
		/* Stopped before it ever ran is "starting"; stopped after an exit,
		 * or by the shutdown, is "exited". */
		return init->app_exited || init->shutting_down ? PROTO_APP_EXITED
							       : PROTO_APP_STARTING;
	case INITCTL_STATE_RUNNING:
		return PROTO_APP_RUNNING;
	case INITCTL_STATE_BACKOFF:
		return PROTO_APP_RESTARTING;
	case INITCTL_STATE_FAILED:
		return PROTO_APP_FAILED;
	case INITCTL_STATE_EXITED:
		return PROTO_APP_EXITED;
	case INITCTL_STATE_DISABLED:
		break;
	}
	return PROTO_APP_UNKNOWN;
}

void agent_exit_from_initctl(const struct initctl_status *init, uint8_t *ret_how,
			     int32_t *ret_value)
{
	*ret_how = PROTO_EXIT_NONE;
	*ret_value = 0;
	if (!init || !init->app_exited)
		return;
	uint8_t how = init->app_signal != 0 ? PROTO_EXIT_SIGNAL : PROTO_EXIT_CODE;
	int32_t value = init->app_signal != 0 ? init->app_signal : init->app_status;
	/* What APP_EXIT cannot carry, neither it nor STATUS reports. */
	if (proto_exit_check(how, value, 0) == NULL) {
		*ret_how = how;
		*ret_value = value;
	}
}

uint16_t agent_stores_from_initctl(const struct initctl_status *init, struct proto_store *stores,
				   uint16_t max)
{
	uint16_t n = 0;
	for (size_t i = 0; i < init->n_stores && i < INITCTL_MAX_STORES && n < max; i++) {
		const struct initctl_store *s = &init->stores[i];
		stores[n].name = proto_str_from(s->name);
		stores[n].mount_point = proto_str_from(s->path);
		stores[n].writable = s->writable;
		n++;
	}
	return n;
}

void agent_status_from_initctl(const struct initctl_status *init, struct proto_status *ret)
{
	ret->app_state = agent_app_state(init);
	agent_exit_from_initctl(init, &ret->app_exit_how, &ret->app_exit_value);
	ret->n_stores = init ? agent_stores_from_initctl(init, ret->stores, PROTO_MAX_STORES) : 0;
}

void agent_exit_key_from_initctl(const struct initctl_status *init, struct agent_exit_key *ret)
{
	memset(ret, 0, sizeof(*ret));
	agent_exit_from_initctl(init, &ret->how, &ret->value);
	if (ret->how == PROTO_EXIT_NONE)
		return;
	const struct initctl_service *app = find_app(init);
	ret->restarts = app ? app->restarts : 0;
}

bool agent_exit_is_new(const struct agent_exit_key *last, const struct agent_exit_key *now)
{
	if (now->how == PROTO_EXIT_NONE)
		return false;
	return last->how != now->how || last->value != now->value ||
	       last->restarts != now->restarts;
}
