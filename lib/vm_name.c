#include "vm_name.h"

#include <stdio.h>
#include <string.h>

bool vm_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > VM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

size_t vm_name_tag(char *buf, size_t size, const char *name)
{
	bool letter = false;
	for (const char *c = name; *c && !letter; c++)
		letter = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
	int n = snprintf(buf, size, "%s[%s] ", letter ? "" : "\xe2\x80\x8e", name);
	if (n < 0)
		n = 0;
	return size == 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
