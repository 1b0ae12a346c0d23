#include "pd_policy.h"

#include <string.h>

static void refill(struct pd_policy *p, uint64_t now)
{
	uint64_t full = (uint64_t)p->cfg.burst * p->cfg.interval_ms;
	if (now > p->last_ms) {
		uint64_t gained = now - p->last_ms;
		p->credit_ms = gained >= full - p->credit_ms ? full : p->credit_ms + gained;
	}
	p->last_ms = now > p->last_ms ? now : p->last_ms;
}

void pd_policy_init(struct pd_policy *p, const struct pd_policy_config *cfg, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	if (p->cfg.burst < 1)
		p->cfg.burst = 1;
	if (p->cfg.interval_ms < 1)
		p->cfg.interval_ms = 1;
	if (p->cfg.cancel_limit < 1)
		p->cfg.cancel_limit = 1;
	if (p->cfg.cooldown_max_ms < p->cfg.cooldown_ms)
		p->cfg.cooldown_max_ms = p->cfg.cooldown_ms;
	p->credit_ms = (uint64_t)p->cfg.burst * p->cfg.interval_ms;
	p->last_ms = now;
}

enum pd_verdict pd_policy_admit(struct pd_policy *p, uint64_t now)
{
	refill(p, now);
	if (p->open)
		return PD_DENY_OPEN;
	if (now < p->cooldown_until)
		return PD_DENY_COOLDOWN;
	if (p->credit_ms < p->cfg.interval_ms)
		return PD_DENY_RATE;
	p->credit_ms -= p->cfg.interval_ms;
	p->open = true;
	return PD_ALLOW;
}

void pd_policy_end(struct pd_policy *p, uint64_t now, enum pd_outcome outcome)
{
	refill(p, now);
	p->open = false;
	if (outcome == PD_PICKED) {
		p->cancels = 0;
		p->strikes = 0;
		return;
	}
	if (outcome != PD_CANCELLED || ++p->cancels < p->cfg.cancel_limit)
		return;
	uint64_t cool = p->cfg.cooldown_ms;
	for (unsigned i = 0; i < p->strikes && cool < p->cfg.cooldown_max_ms; i++)
		cool *= 2;
	if (cool > p->cfg.cooldown_max_ms)
		cool = p->cfg.cooldown_max_ms;
	p->cooldown_until = now + cool;
	p->cancels = 0;
	p->strikes++;
}

const char *pd_verdict_text(enum pd_verdict v)
{
	switch (v) {
	case PD_ALLOW:
		return "allowed";
	case PD_DENY_OPEN:
		return "a dialog is already open";
	case PD_DENY_RATE:
		return "too many dialogs; try later";
	case PD_DENY_COOLDOWN:
		return "dialogs paused after repeated cancels; try later";
	}
	return "refused";
}
