/* init_stamp: appends the CLOCK_MONOTONIC time (ns) to FILE and exits with
 * STATUS (default 0). The benchmark's "application". */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc < 2)
		return 2;
	FILE *f = fopen(argv[1], "a");
	if (!f)
		return 2;
	fprintf(f, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	fclose(f);
	return argc > 2 ? atoi(argv[2]) : 0;
}
