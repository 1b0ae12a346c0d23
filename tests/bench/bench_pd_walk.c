/* appvm-bench-pd-walk: what appvm-portald's walk of a folder moved to
 * another depth costs (pd_fio_walk, as ENTRY_RENAME runs it), beside
 * glibc's nftw visiting the same folders (which also stats every name, as
 * the walk does on a file system without d_type) and the rename itself.
 * Makes a tree in a new directory under DIR: 10 folders of 100 folders
 * (1010 in all) with a file in each, or with --bounds the worst case the
 * walk accepts: 4096 folders with the moved one (63 of 64 below it) and
 * empty files up to the names bound (PD_MAX_MOVE_ENTRIES, "." and ".."
 * counted). Measures each ROUNDS times, prints the medians and removes
 * the tree.
 *
 * With --up, what a folder moved shallower costs instead: the checks that
 * find the nodes held in it (pd_fio_above from each node, as ENTRY_RENAME
 * runs them) at their bound, PD_MAX_MOVE_ENTRIES levels up in all: two
 * chains of 256 and 255 folders in the moved folder with a node held on
 * each folder, beside the walk down both chains that found those nodes
 * before (pd_fio_walk, 256 levels). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdbool.h>
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

/* Makes folders tree/aI/bJ (I < outer, J < inner) under base and `files`
 * empty files spread over the bJ. Returns 0 or -1. */
static int make_tree(const char *base, int outer, int inner, int files)
{
	char p[4200];
	int r = 0;
	snprintf(p, sizeof(p), "%s/tree", base);
	r |= mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/into", base);
	r |= mkdir(p, 0755);
	for (int i = 0; i < outer; i++) {
		snprintf(p, sizeof(p), "%s/tree/a%d", base, i);
		r |= mkdir(p, 0755);
		for (int j = 0; j < inner; j++) {
			snprintf(p, sizeof(p), "%s/tree/a%d/b%d", base, i, j);
			r |= mkdir(p, 0755);
		}
	}
	for (int f = 0; f < files && r == 0; f++) {
		int leaf = f % (outer * inner);
		snprintf(p, sizeof(p), "%s/tree/a%d/b%d/f%d", base, leaf / inner, leaf % inner, f);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		r |= fd < 0 ? -1 : close(fd);
	}
	return r;
}

/* --up: chains tree/cI of n[I] folders (cI and "z" in each), an O_PATH
 * descriptor of each folder in fds (and its levels below tree in up).
 * Returns how many, or -1. */
static int make_chains(const char *base, const int n[2], int *fds, unsigned *up)
{
	char p[4200];
	int k = 0;
	snprintf(p, sizeof(p), "%s/tree", base);
	if (mkdir(p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/into", base);
	if (mkdir(p, 0755) < 0)
		return -1;
	for (int c = 0; c < 2; c++) {
		snprintf(p, sizeof(p), "%s/tree", base);
		int at = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		for (int i = 0; i < n[c] && at >= 0; i++) {
			char name[8] = "z";
			if (i == 0)
				snprintf(name, sizeof(name), "c%d", c);
			if (mkdirat(at, name, 0755) < 0)
				return -1;
			fds[k] = openat(at, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
			up[k] = (unsigned)i + 1;
			at = fds[k++];
		}
		if (at < 0)
			return -1;
	}
	return k;
}

/* --up: times the checks against the walk, ROUNDS times; prints medians. */
static int bench_up(const char *base, int rounds)
{
	static const int n[2] = {256, 255};
	int fds[512];
	unsigned up[512], levels = 0;
	struct stat st;
	char p[4200];
	int k = make_chains(base, n, fds, up);
	snprintf(p, sizeof(p), "%s/tree", base);
	int dfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (k != n[0] + n[1] || dfd < 0 || stat(p, &st) < 0) {
		fprintf(stderr, "appvm-bench-pd-walk: cannot make the chains: %s\n",
			strerror(errno));
		return 1;
	}
	for (int i = 0; i < k; i++)
		levels += up[i];
	double *chk = calloc((size_t)rounds, sizeof(double));
	double *walk = calloc((size_t)rounds, sizeof(double));
	struct pd_walk_limits lim = {PD_MAX_DEPTH, PD_MAX_MOVE_DIRS, PD_MAX_MOVE_ENTRIES};
	for (int r = 0; r < rounds && chk && walk; r++) {
		struct pd_fwalk w;
		int found = 0;
		double t0 = now_us();
		for (int i = 0; i < k; i++)
			found +=
			    pd_fio_above(fds[i], up[i], (uint64_t)st.st_dev, (uint64_t)st.st_ino);
		double t1 = now_us();
		int e = pd_fio_walk(dfd, "tree", &lim, &w);
		double t2 = now_us();
		free(w.v);
		if (found != k || e < 0 || w.n != (unsigned)k + 1) {
			fprintf(stderr, "appvm-bench-pd-walk: %d of %d found, walk %d (%u)\n",
				found, k, e, w.n);
			return 1;
		}
		chk[r] = t1 - t0;
		walk[r] = t2 - t1;
	}
	qsort(chk, (size_t)rounds, sizeof(double), cmp);
	qsort(walk, (size_t)rounds, sizeof(double), cmp);
	printf("nodes %d, levels up %u, rounds %d: checks %.0f us, walk %.0f us (checks/walk "
	       "%.2f)\n",
	       k, levels, rounds, chk[rounds / 2], walk[rounds / 2],
	       chk[rounds / 2] / walk[rounds / 2]);
	for (int i = 0; i < k; i++)
		close(fds[i]);
	return 0;
}

int main(int argc, char **argv)
{
	bool bounds = argc > 1 && !strcmp(argv[1], "--bounds");
	argc -= bounds;
	argv += bounds;
	bool up = !bounds && argc > 1 && !strcmp(argv[1], "--up");
	argc -= up;
	argv += up;
	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: appvm-bench-pd-walk [--bounds | --up] DIR [ROUNDS]\n"
			"Times the walk of a 1010-folder tree made in a new directory under "
			"DIR (ROUNDS: 50);\nwith --bounds, of the largest the walk accepts "
			"(%u folders, %u names);\nwith --up, the checks of a folder moved "
			"shallower with 511 nodes held in it (%u levels up).\n",
			PD_MAX_MOVE_DIRS, PD_MAX_MOVE_ENTRIES, PD_MAX_MOVE_ENTRIES);
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
	if (up) {
		int r = bench_up(base, rounds);
		nftw(base, rm_one, 64, FTW_PHYS | FTW_DEPTH);
		return r;
	}
	/* The bounds: 1 + 63 + 63 * 64 = 4096 folders; names read: "." and
	 * ".." of each, the 4095 folders below the moved one, the files: the
	 * walk reads PD_MAX_MOVE_ENTRIES. */
	int outer = bounds ? 63 : 10, inner = bounds ? 64 : 100;
	int dirs = 1 + outer + outer * inner;
	int files = bounds ? (int)PD_MAX_MOVE_ENTRIES - 2 * dirs - (dirs - 1) : outer * inner;
	if (make_tree(base, outer, inner, files) < 0) {
		fprintf(stderr, "appvm-bench-pd-walk: cannot make the tree: %s\n", strerror(errno));
		nftw(base, rm_one, 64, FTW_PHYS | FTW_DEPTH);
		return 1;
	}
	int dfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(p, sizeof(p), "%s/into", base);
	int into = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	double *walk = calloc((size_t)rounds, sizeof(double));
	double *peer = calloc((size_t)rounds, sizeof(double));
	double *mv = calloc((size_t)rounds, sizeof(double));
	struct pd_walk_limits lim = {PD_MAX_DEPTH - 2, PD_MAX_MOVE_DIRS, PD_MAX_MOVE_ENTRIES};
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
		if (e < 0 || m < 0 || n != nftw_dirs || n != (unsigned)dirs) {
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
	printf("folders %u, files %d, rounds %d: walk %.0f us, nftw %.0f us (walk/nftw %.2f), "
	       "rename %.0f us (walk/rename %.0f)\n",
	       n, files, rounds, walk[rounds / 2], peer[rounds / 2],
	       walk[rounds / 2] / peer[rounds / 2], mv[rounds / 2],
	       walk[rounds / 2] / mv[rounds / 2]);
	nftw(base, rm_one, 64, FTW_PHYS | FTW_DEPTH);
	return 0;
}
