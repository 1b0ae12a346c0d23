/* appvm-bench-pd-walk: what appvm-portald's walk of a folder moved to
 * another depth costs (pd_fio_walk, as ENTRY_RENAME runs it), beside
 * glibc's nftw visiting the same folders and the rename itself. Makes a
 * tree of 10 folders of 100 folders (1010 in all) with a file in each in a
 * new directory under DIR, measures each ROUNDS times, prints the medians
 * and removes the tree. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pd_folderio.h"

static unsigned nftw_dirs;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int count_dir(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p, (void)st, (void)f;
	nftw_dirs += flag == FTW_D;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: appvm-bench-pd-walk DIR [ROUNDS]\n"
						    "Times the walk of a 1010-folder tree made in "
						    "a new directory under DIR (ROUNDS: 50).\n");
		return argc < 2 ? 2 : 0;
	}
	int rounds = argc == 3 ? atoi(argv[2]) : 50;
	if (rounds < 1 || rounds > 10000) {
		fprintf(stderr, "appvm-bench-pd-walk: ROUNDS is 1-10000\n");
		return 2;
	}
	char base[4096], p[4200];
	snprintf(base, sizeof(base), "%s/pd-walk.XXXXXX", argv[1]);
	if (!mkdtemp(base)) {
		fprintf(stderr, "appvm-bench-pd-walk: %s: %s\n", base, strerror(errno));
		return 1;
	}
	snprintf(p, sizeof(p), "%s/tree", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/into", base);
	mkdir(p, 0755);
	for (int i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "%s/tree/a%d", base, i);
		mkdir(p, 0755);
		for (int j = 0; j < 100; j++) {
			snprintf(p, sizeof(p), "%s/tree/a%d/b%d", base, i, j);
			mkdir(p, 0755);
			snprintf(p, sizeof(p), "%s/tree/a%d/b%d/f", base, i, j);
			close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		}
	}
	int dfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/into", base);
	int into = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	double *walk = calloc((size_t)rounds, sizeof(double));
	double *peer = calloc((size_t)rounds, sizeof(double));
	double *mv = calloc((size_t)rounds, sizeof(double));
	struct pd_walk_limits lim = {PD_MAX_DEPTH - 2, PD_MAX_MOVE_DIRS, PD_MAX_MOVE_ENTRIES, true};
	unsigned n = 0;
	snprintf(p, sizeof(p), "%s/tree", base);
	for (int r = 0; r < rounds && dfd >= 0 && into >= 0 && walk && peer && mv; r++) {
		struct pd_fwalk w;
		double t0 = now_us();
		int e = pd_fio_walk(dfd, "tree", &lim, &w);
		double t1 = now_us();
		n = w.n;
		free(w.v);
		nftw_dirs = 0;
		double t2 = now_us();
		nftw(p, count_dir, 64, FTW_PHYS | FTW_MOUNT);
		double t3 = now_us();
		int m = renameat(dfd, "tree", into, "tree");
		m |= renameat(into, "tree", dfd, "tree");
		double t4 = now_us();
		if (e < 0 || m < 0 || n != nftw_dirs) {
			fprintf(stderr, "appvm-bench-pd-walk: walk %d, rename %d, %u/%u folders\n",
				e, m, n, nftw_dirs);
			return 1;
		}
		walk[r] = t1 - t0;
		peer[r] = t3 - t2;
		mv[r] = (t4 - t3) / 2;
	}
	qsort(walk, (size_t)rounds, sizeof(double), cmp);
	qsort(peer, (size_t)rounds, sizeof(double), cmp);
	qsort(mv, (size_t)rounds, sizeof(double), cmp);
	printf("folders %u, rounds %d: walk %.0f us, nftw %.0f us (walk/nftw %.2f), "
	       "rename %.0f us (walk/rename %.0f)\n",
	       n, rounds, walk[rounds / 2], peer[rounds / 2], walk[rounds / 2] / peer[rounds / 2],
	       mv[rounds / 2], walk[rounds / 2] / mv[rounds / 2]);
	nftw(base, rm_one, 64, FTW_PHYS | FTW_DEPTH);
	return 0;
}
