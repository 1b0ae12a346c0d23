/* Fuzz target: vm.conf text through inih, the key table and the checks, and
 * the app's view planned from what passed them. */
#include "appview.h"
#include "config.h"
#include "config_load.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg c;
	char err[512];
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cfg_init(&c);
	static struct appview v;
	if (cfg_parse_string(&c, text, "fuzz", err, sizeof(err)) == 0 &&
	    cfg_check(&c, err, sizeof(err)) == 0)
		appview_plan(&c, size % 2, &v, err, sizeof(err));
	free(text);
	return 0;
}
