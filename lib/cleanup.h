/* Scope-bound ownership: a variable marked with one of these is released
 * when it goes out of scope, so early returns cannot leak. Hand ownership
 * on with steal_pointer()/steal_fd(). */
#ifndef APPVM_CLEANUP_H
#define APPVM_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno; /* close() must not clobber the caller's error */
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_	   __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_	   __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_   __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))

/* Returns *pp and clears it, so the cleanup attribute no longer frees it. */
static inline void *steal_pointer_impl(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) steal_pointer_impl(pp)

/* Returns *fdp and sets it to -1, so the cleanup attribute no longer closes it. */
static inline int steal_fd(int *fdp)
{
	int fd = *fdp;
	*fdp = -1;
	return fd;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
