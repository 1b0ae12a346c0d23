/* Fuzz target: the control socket decoders (request and reply). The first
 * byte picks which one, so one corpus covers both sides. */
#include "control_proto.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *p = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] & 1) {
		struct ctl_status st;
		if (ctl_reply_decode(p, len, &st) == 0 && st.n_services > CTL_MAX_SERVICES)
			__builtin_trap();
	} else {
		enum ctl_cmd cmd;
		uint32_t deadline_ms;
		if (ctl_request_decode(p, len, &cmd, &deadline_ms) == 0 &&
		    deadline_ms > CTL_DEADLINE_MAX)
			__builtin_trap();
	}
	return 0;
}
