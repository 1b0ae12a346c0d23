/* The one place where init calls the net/ library (net/net.h). */
#include "init.h"
#include "net.h"

#include <errno.h>
#include <stdio.h>

int netsetup_configure(struct init *in, char *err, size_t errlen)
{
	const struct cfg *c = in->cfg;
	char msg[512];

	if (c->n_net == 0)
		return 0;
	in->net = net_config_new();
	if (!in->net) {
		snprintf(err, errlen, "[net]: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_net; i++) {
		int r = net_config_set(in->net, c->net[i].key, c->net[i].value, msg, sizeof(msg));
		if (r < 0) {
			/* The library's message names the key and value already. */
			snprintf(err, errlen, "%s: %s", c->net[i].origin, msg);
			return r;
		}
	}
	int r = net_config_check(in->net, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errlen, "[net]: %s", msg);
		return r;
	}
	return 0;
}

int netsetup_hostname(struct init *in, char *err, size_t errlen)
{
	char msg[512];
	const char *host = in->cfg->vm.hostname[0] ? in->cfg->vm.hostname : in->cfg->vm.name;

	if (host[0]) {
		int r = net_set_hostname(host, msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, errlen, "hostname %s: %s", host, msg);
			return r;
		}
	}
	return 0;
}

int netsetup_apply(struct init *in, char *err, size_t errlen)
{
	char msg[512];
	if (!in->net)
		return 0;
	int r = net_apply(in->net, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errlen, "network: %s", msg);
		return r;
	}
	return 0;
}

void netsetup_free(struct init *in)
{
	net_config_free(in->net);
	in->net = NULL;
}
