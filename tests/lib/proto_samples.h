#ifndef APPVM_TEST_PROTO_SAMPLES_H
#define APPVM_TEST_PROTO_SAMPLES_H

#include "proto.h"

/* Fills m with the message that the valid vector `name` stands for.
 * Returns 0, or -1 for a name with no sample. */
int proto_sample(const char *name, struct proto_msg *m);

/* The same for the folder vectors (proto_samples_entry.c). */
int proto_sample_entry(const char *name, struct proto_msg *m);

#endif
