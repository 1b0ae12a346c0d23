/* Times net_apply() in-process, for tests/net/bench/bench-net.sh: reads the
 * [net] section of CONFIG once, then ITERATIONS times runs RESET (a shell
 * command that puts the namespace back to its unconfigured state, not timed)
 * and times one net_apply(). Prints one line: "lib N median_us mean_us". */
#include "net.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int on_ini(void *user, const char *section, const char *key, const char *value)
{
	char err[256];
	if (strcmp(section, "net") != 0)
		return 1;
	if (net_config_set(user, key, value, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_net_lib: %s\n", err);
		return 0;
	}
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_net_lib CONFIG ITERATIONS RESET-COMMAND\n");
		return 2;
	}
	int n = atoi(argv[2]);
	struct net_config *c = net_config_new();
	if (!c || n <= 0 || ini_parse(argv[1], on_ini, c) != 0)
		return 2;
	double *us = calloc((size_t)n, sizeof(*us));
	if (!us)
		return 1;
	double sum = 0;
	for (int i = 0; i < n; i++) {
		if (system(argv[3]) != 0) {
			fprintf(stderr, "bench_net_lib: reset failed\n");
			return 1;
		}
		char err[512];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int r = net_apply(c, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r < 0) {
			fprintf(stderr, "bench_net_lib: %s\n", err);
			return 1;
		}
		us[i] =
		    (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		sum += us[i];
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	printf("lib %d %.1f %.1f\n", n, us[n / 2], sum / n);
	free(us);
	net_config_free(c);
	return 0;
}
