/* Crafted FUSE requests to the document device's file system (fs), each
 * in a descriptor chain as the guest would lay it out: the readable part
 * (header, then arguments, in two descriptors) and the writable part (the
 * reply header and room for the body, in pages). For cmocka tests. */
#ifndef APPVM_TESTS_DOCFS_REQ_H
#define APPVM_TESTS_DOCFS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "pd_docfs.h"

extern struct pd_docfs *fs;			/* the file system requests go to */
extern uint8_t out_buf[PD_FUSE_IN_MAX + 64];	/* the last request */
extern uint8_t in_buf[PD_FUSE_MAX_READ + 8192]; /* the last reply (0xee where unwritten) */
extern struct vhost_chain chain;		/* the last request's chain */
extern uint32_t written;			/* what the last request's reply took */

/* Serves one request with in_room bytes of reply room. Returns the bytes written. */
uint32_t serve(uint32_t opcode, uint64_t nodeid, const void *args, size_t args_len, size_t in_room);

/* The reply's error (0 on success), checking the header is coherent. */
int err_of(void);

/* The reply's body. */
const uint8_t *body(void);

/* Serves a request with a header and 8 KiB of room; returns its error. */
int call(uint32_t opcode, uint64_t nodeid, const void *args, size_t args_len);

/* LOOKUP of name under parent; the entry in *ret on success. */
int lookup(uint64_t parent, const char *name, struct fuse_entry_out *ret);

/* INIT as the guest kernel sends it; must succeed. */
void init_fs(void);

/* Makes a fresh directory NAME.XXXXXX under $APPVM_TEST_WORK (or /var/tmp)
 * into dir; docfs_teardown removes it. Returns 0 or -1. */
int docfs_workdir(char *dir, size_t size, const char *name);

/* Frees fs (if any), every grant and the table, and removes dir. Returns 0
 * or -1. */
int docfs_teardown(struct pd_grants *grants, const char *dir);

#endif
