#include "ctl_clip_text.h"

#include "utf8.h"

#include <string.h>

const struct ctl_clip_text_range ctl_clip_text_ranges[] = {
    {0x00, 0x08},     /* NUL .. BS */
    {0x0b, 0x0c},     /* VT, FF */
    {0x0e, 0x1f},     /* SO .. US, ESC among them */
    {0x7f, 0x9f},     /* DEL, the C1 controls (CSI U+009B, OSC U+009D, ...) */
    {0x202a, 0x202e}, /* LRE, RLE, PDF, LRO, RLO */
    {0x2066, 0x2069}, /* LRI, RLI, FSI, PDI */
};
const size_t ctl_clip_text_n_ranges =
    sizeof(ctl_clip_text_ranges) / sizeof(ctl_clip_text_ranges[0]);

bool ctl_clip_text_removed(uint32_t cp)
{
	for (size_t i = 0; i < ctl_clip_text_n_ranges; i++)
		if (cp >= ctl_clip_text_ranges[i].first && cp <= ctl_clip_text_ranges[i].last)
			return true;
	return false;
}

uint32_t ctl_clip_text_strip(uint8_t *text, uint32_t len, uint32_t *ret_len)
{
	uint32_t in = 0, out = 0, removed = 0;
	while (in < len) {
		uint32_t cp;
		size_t n = utf8_decode(text + in, len - in, &cp);
		if (n == 0) {
			text[out++] = text[in++];
			continue;
		}
		if (ctl_clip_text_removed(cp)) {
			removed++;
		} else {
			memmove(text + out, text + in, n);
			out += (uint32_t)n;
		}
		in += (uint32_t)n;
	}
	*ret_len = out;
	return removed;
}
