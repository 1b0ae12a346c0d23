/* The guest's timer interrupts from /proc/interrupts: see timer-irqs.h. */
#include "timer-irqs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The sum of the per-CPU counts of a row "NAME: N N ... description": the
 * counts end at the first word that is not a number. */
static uint64_t row_sum(const char *row)
{
	const char *p = strchr(row, ':');
	uint64_t sum = 0;

	while (p) {
		char *end;

		p++;
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			break;
		sum += strtoull(p, &end, 10);
		p = end;
	}
	return sum;
}

int timer_irqs(uint64_t *count, FILE *copy)
{
	char line[4096];
	FILE *in = fopen("/proc/interrupts", "re");

	if (!in)
		return -errno;
	*count = 0;
	while (fgets(line, sizeof(line), in)) {
		const char *name = line + strspn(line, " ");

		if (strncmp(name, "LOC:", 4) == 0 || strncmp(name, "0:", 2) == 0)
			*count += row_sum(name);
		if (copy)
			fputs(line, copy);
	}
	int r = ferror(in) ? -EIO : 0;
	fclose(in);
	return r;
}
