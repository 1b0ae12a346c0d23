/* Unix socket addresses from paths, with the length check every caller
 * needs (sun_path is 108 bytes, and a silently truncated path would reach
 * some other socket), and the one way our daemons listen on a path. */
#ifndef APPVM_UNIX_ADDR_H
#define APPVM_UNIX_ADDR_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Fills *sa with AF_UNIX and path. Returns 0, or -ENAMETOOLONG when path is
 * empty or does not fit (with its NUL) in sun_path. */
int unix_addr_set(struct sockaddr_un *sa, const char *path);

/* Binds a non-blocking, close-on-exec Unix stream socket at path with mode
 * 0600 and listens on it. A socket file left by an earlier run is replaced;
 * any other file at path is not (-EADDRINUSE). Returns the fd or -errno. */
int unix_sock_listen(const char *path, int backlog);

/* What to tell the user when listening on path failed with err (-errno):
 * for -EADDRINUSE and -EEXIST, that a file that is not a socket is in the
 * way or that another process is serving the socket there; else
 * strerror(-err). */
const char *unix_listen_why(const char *path, int err);

/* Returns true when something accepts connections on the socket at path (a
 * connect succeeds, or finds the backlog full). A daemon that must be the
 * only one serving a path checks this before unix_sock_listen, which would
 * replace a live socket as readily as a stale one. */
bool unix_sock_live(const char *path);

/* Connects a close-on-exec Unix stream socket to path; flags may add
 * SOCK_NONBLOCK (a Unix connect still completes at once, or fails with
 * EAGAIN when the listener's backlog is full). Returns the fd or -errno. */
int unix_sock_connect(const char *path, int flags);

/* Accepts one connection on listener lfd (non-blocking, close-on-exec).
 * Out of descriptors (EMFILE, ENFILE) the connection waiting would keep
 * the listener readable, and a poll loop spinning: it is taken with the
 * descriptor *spare holds in reserve (opened by the caller on /dev/null,
 * -1 for none) and closed at once, and the reserve opened again. Returns
 * the fd or -errno (-EAGAIN: none waiting; -EMFILE: one was refused). */
int unix_sock_accept(int lfd, int *spare);

#endif
