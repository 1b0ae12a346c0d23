/* "Did you mean" for configuration keys and section names: the nearest
 * candidate by edit distance, when it is near enough to be a typo. Shared by
 * every vm.conf reader so that all sections suggest alike. Pure code. */
#ifndef APPVM_SUGGEST_H
#define APPVM_SUGGEST_H

#include <stddef.h>

/* Returns the Levenshtein distance between a and b, ignoring ASCII case.
 * Strings longer than SUGGEST_WORD_MAX bytes are SUGGEST_FAR from anything. */
#define SUGGEST_WORD_MAX 63
#define SUGGEST_FAR	 255
size_t suggest_distance(const char *a, const char *b);

/* Returns the candidate nearest to word when it is a plausible typo (at most
 * 3 edits and at most about a third of the word), or NULL. */
const char *suggest_nearest(const char *word, const char *const *cands, size_t n);

#endif
