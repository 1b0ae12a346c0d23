#include "pd_docfs_index.h"

#include <errno.h>

#define MASK (PD_DOCFS_INDEX_SIZE - 1u)

_Static_assert((PD_DOCFS_INDEX_SIZE & MASK) == 0, "the index size is a power of two");

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Unkeyed: a guest never learns a host file's device and inode (its
 * inode numbers are node ids), so it cannot pick files whose nodes collide. */
uint32_t pd_docfs_index_hash(uint64_t grant, unsigned kind, uint64_t dev, uint64_t ino)
{
	uint64_t z = mix(grant ^ (uint64_t)kind << 56);
	z = mix(z ^ dev);
	z = mix(z ^ ino);
	return (uint32_t)(z >> 32);
}

void pd_docfs_index_add(struct pd_docfs_index *x, uint32_t h, uint32_t slot)
{
	uint32_t i = h & MASK;
	while (x->v[i].slot1 != 0)
		i = (i + 1) & MASK;
	x->v[i] = (struct pd_docfs_ientry){h, slot + 1};
	x->n++;
}

int pd_docfs_index_del(struct pd_docfs_index *x, uint32_t h, uint32_t slot)
{
	uint32_t i = h & MASK;
	while (x->v[i].slot1 != slot + 1) {
		if (x->v[i].slot1 == 0)
			return -ENOENT;
		i = (i + 1) & MASK;
	}
	/* Every entry after the hole up to the next empty one moves into it
	 * when the hole is no nearer to it than its home: linear probing finds
	 * it from its home without crossing an empty entry. */
	for (uint32_t j = (i + 1) & MASK; x->v[j].slot1 != 0; j = (j + 1) & MASK) {
		uint32_t home = x->v[j].hash & MASK;
		if (((j - home) & MASK) >= ((j - i) & MASK)) {
			x->v[i] = x->v[j];
			i = j;
		}
	}
	x->v[i] = (struct pd_docfs_ientry){0, 0};
	x->n--;
	return 0;
}

int64_t pd_docfs_index_next(const struct pd_docfs_index *x, uint32_t h, uint32_t *cur,
			    uint64_t *probes)
{
	/* Never full, so an empty entry ends every walk. */
	while (*cur < PD_DOCFS_INDEX_SIZE) {
		const struct pd_docfs_ientry *e = &x->v[(h + (*cur)++) & MASK];
		++*probes;
		if (e->slot1 == 0)
			return -1;
		if (e->hash == h)
			return (int64_t)e->slot1 - 1;
	}
	return -1;
}
