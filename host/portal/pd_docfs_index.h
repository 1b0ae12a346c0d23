/* The document device's index of its nodes by what they are (docs/docfs.md,
 * "Inside a folder grant"): a LOOKUP finds the node already made for the
 * same file without going through the nodes held. An open-addressing hash
 * table with linear probing of (hash, slot) pairs, sized so it is never
 * more than 3/8 full; a removal shifts the entries after it back, so no
 * tombstones build up. Pure. */
#ifndef APPVM_PD_DOCFS_INDEX_H
#define APPVM_PD_DOCFS_INDEX_H

#include <stdint.h>

/* Entries: a power of two, at least 8/3 of the nodes it may hold (PD_DOCFS_SLOTS). */
#define PD_DOCFS_INDEX_SIZE 16384u

struct pd_docfs_ientry {
	uint32_t hash;
	uint32_t slot1; /* the node's slot + 1; 0: empty */
};

struct pd_docfs_index {
	struct pd_docfs_ientry v[PD_DOCFS_INDEX_SIZE];
	unsigned n; /* entries in use */
};

/* Returns the hash of a node's identity: its grant, kind and, inside
 * folder grants, the host file's device and inode (0 elsewhere). */
uint32_t pd_docfs_index_hash(uint64_t grant, unsigned kind, uint64_t dev, uint64_t ino);

/* Adds slot under hash h. The caller keeps the entries within the nodes
 * it may hold. */
void pd_docfs_index_add(struct pd_docfs_index *x, uint32_t h, uint32_t slot);

/* Removes slot, added under hash h. Returns 0, or -ENOENT when it is not there. */
int pd_docfs_index_del(struct pd_docfs_index *x, uint32_t h, uint32_t slot);

/* Walks the slots added under hash h: *cur is 0 for the first call.
 * Returns the next such slot, or -1 when there is none; *probes counts
 * the entries looked at. */
int64_t pd_docfs_index_next(const struct pd_docfs_index *x, uint32_t h, uint32_t *cur,
			    uint64_t *probes);

#endif
