#include "pd_ids.h"

#include <string.h>

void pd_ids_init(struct pd_ids *g, const uint64_t key[4])
{
	memcpy(g->key, key, sizeof(g->key));
	g->counter = 0;
}

/* Any round function makes a Feistel network a permutation; this one mixes
 * well enough that ids look unrelated (splitmix64's finaliser). */
static uint32_t round_fn(uint32_t half, uint64_t key)
{
	uint64_t z = half ^ key;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

static uint64_t permute(const uint64_t key[4], uint64_t x)
{
	uint32_t l = (uint32_t)(x >> 32), r = (uint32_t)x;
	for (int i = 0; i < 4; i++) {
		uint32_t t = l ^ round_fn(r, key[i]);
		l = r;
		r = t;
	}
	return (uint64_t)l << 32 | r;
}

uint64_t pd_ids_next(struct pd_ids *g)
{
	for (;;) {
		uint64_t id = permute(g->key, ++g->counter);
		if (id != 0)
			return id;
	}
}
