/* What the agent registers with epoll: every such object starts with a
 * struct watch saying what it is, and the loop dispatches on it. */
#ifndef APPVM_AGENT_WATCH_H
#define APPVM_AGENT_WATCH_H

enum watch_kind {
	WATCH_LISTEN,
	WATCH_SIGNAL,
	WATCH_CLIENT,
	WATCH_EVENTS,
	WATCH_INITQ,
	WATCH_INITWATCH,   /* init's pushed status (initwatch.c) */
	WATCH_CLIP,	   /* the clipboard's Wayland connection */
	WATCH_CLIP_READ,   /* the pipe the VM's selection is read from */
	WATCH_CLIP_WRITER, /* a pipe an app reads the host's paste from */
};

/* The first member of everything registered with epoll. */
struct watch {
	enum watch_kind kind;
};

#endif
