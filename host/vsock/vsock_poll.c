#include "vsock_poll.h"

void vsock_poll_init(struct vsock_poll *p, uint32_t max_us)
{
	p->max_us = max_us > VSOCK_POLL_MAX_US ? VSOCK_POLL_MAX_US : max_us;
	p->us = 0;
	p->off_until_us = 0;
	p->backoff_us = 0;
	p->stalls = p->stalls_again = p->backoff_total_us = 0;
	p->await_guest = p->await_host = false;
	p->misses = 0;
}

void vsock_poll_adjust(struct vsock_poll *p, uint64_t waited_us)
{
	if (p->max_us == 0 || waited_us <= p->us)
		return; /* off, or the window caught the work: keep it */
	if (waited_us > p->max_us) {
		/* Polling as long would cost more than the wake-up it saves. */
		p->us /= VSOCK_POLL_SHRINK;
		if (p->us < VSOCK_POLL_START_US)
			p->us = 0;
		return;
	}
	/* The work came after the window but within the bound: poll longer. */
	uint64_t grown = p->us == 0 ? VSOCK_POLL_START_US : (uint64_t)p->us * VSOCK_POLL_GROW;
	p->us = grown > p->max_us ? p->max_us : (uint32_t)grown;
}

void vsock_poll_pass(struct vsock_poll *p, uint64_t waited_us, bool to_host, bool to_guest)
{
	bool answer = (p->await_guest && to_host) || (p->await_host && to_guest);
	if (answer) {
		p->misses = 0;
		vsock_poll_adjust(p, waited_us);
	} else if (p->misses < VSOCK_POLL_MISSES) {
		p->misses++;
	} else {
		vsock_poll_adjust(p, UINT64_MAX);
	}
	if (to_host || to_guest) {
		p->await_guest = to_guest;
		p->await_host = to_host;
	}
}

uint32_t vsock_poll_window(const struct vsock_poll *p, uint64_t now_us)
{
	return now_us < p->off_until_us ? 0 : p->us;
}

bool vsock_poll_stalled(struct vsock_poll *p, uint64_t pass_us, uint64_t now_us)
{
	if (pass_us <= VSOCK_POLL_STALL_US)
		return false;
	p->us = 0;
	p->stalls++;
	/* A stall soon after the last back-off: the host stays busy. */
	bool again = p->backoff_us > 0 && now_us >= p->off_until_us &&
		     now_us - p->off_until_us <= VSOCK_POLL_QUIET_US;
	if (!again)
		p->backoff_us = VSOCK_POLL_BACKOFF_MIN_US;
	else {
		p->stalls_again++;
		p->backoff_us = p->backoff_us > VSOCK_POLL_BACKOFF_MAX_US / VSOCK_POLL_BACKOFF_GROW
				    ? VSOCK_POLL_BACKOFF_MAX_US
				    : p->backoff_us * VSOCK_POLL_BACKOFF_GROW;
	}
	p->backoff_total_us += p->backoff_us;
	p->off_until_us = now_us > UINT64_MAX - p->backoff_us ? UINT64_MAX : now_us + p->backoff_us;
	return true;
}
