/* Programs from stores that carry their own glibc runtime (docs/images.md,
 * "Programs in stores"). rootfs/build writes STORERUN_MANIFEST into such a
 * store; a program under the store's mount point is then run as
 *   ROOT/LOADER --inhibit-cache --library-path ROOT/DIR:... --argv0 PROG PROG ARGS...
 * so it uses only the store's loader and libraries, wherever the store is
 * mounted. Pure: the caller reads the manifests. */
#ifndef APPVM_INIT_STORERUN_H
#define APPVM_INIT_STORERUN_H

#include "config.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/* Inside the store, relative to its root. */
#define STORERUN_MANIFEST     ".appvm/runtime"
#define STORERUN_MANIFEST_MAX 4096
#define STORERUN_MAX_LIBDIRS  16

struct storerun {
	bool present;					  /* the store has a manifest */
	char loader[CFG_PATH_MAX];			  /* relative to the store root */
	char libdirs[STORERUN_MAX_LIBDIRS][CFG_PATH_MAX]; /* relative, in search order */
	size_t n_libdirs;
};

/* Parses a manifest: "loader = REL" and "library-path = REL[:REL...]" lines,
 * blank lines and '#' comments; REL is a relative path without "." or ".."
 * components. Returns 0 (present set), or -EINVAL with one line in err. */
int storerun_parse(const char *text, struct storerun *ret, char *err, size_t errlen);

/* Returns the index of the store whose mount point contains prog (the longest
 * such path), or -1. */
int storerun_find_store(const struct cfg *c, const char *prog);

/* Appends the command line cmd (words) to out, with the loader words in front
 * when cmd's program lies in a store whose runtime rts[i] is present (rts has
 * one entry per c->stores[i]); a command that already runs the store's
 * loader is left alone. Returns 0, -E2BIG, or -EINVAL with err (a store path
 * that cannot go into a library path). */
int storerun_command(const struct cfg *c, const struct storerun *rts, const struct util_words *cmd,
		     struct util_words *out, char *err, size_t errlen);

/* True when the agent is enabled and its program is in none of the stores
 * nor under the state's path: it can start before they are mounted. */
bool storerun_agent_early(const struct cfg *c);

/* True when the agent is the built-in one (exec exactly CFG_AGENT_EXEC),
 * which waits quietly for init's control socket (docs/agent.md): started
 * early, init creates that socket after the agent's start. */
bool storerun_agent_builtin(const struct cfg *c);

#endif
