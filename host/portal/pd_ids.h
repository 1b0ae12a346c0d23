/* Document ids: 64-bit, never 0, never repeated while the daemon lives, and
 * not guessable from each other. A counter goes through a keyed permutation
 * of the 64-bit numbers (a Feistel network), so distinct counters give
 * distinct ids whatever the key; the key comes from getrandom(). Pure. */
#ifndef APPVM_PD_IDS_H
#define APPVM_PD_IDS_H

#include <stdint.h>

struct pd_ids {
	uint64_t key[4];
	uint64_t counter;
};

/* Prepares the generator with a random key. */
void pd_ids_init(struct pd_ids *g, const uint64_t key[4]);

/* Returns the next id (never 0). */
uint64_t pd_ids_next(struct pd_ids *g);

#endif
