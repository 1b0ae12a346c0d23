/* Internal to the codec: reads or writes the payload of m according to its
 * type and direction. Field rules beyond string classes are checked by the
 * caller (proto_codec.c). */
#ifndef APPVM_PROTO_PAYLOAD_H
#define APPVM_PROTO_PAYLOAD_H

#include "proto_wire.h"

void proto_read_payload(struct rcur *c, struct proto_msg *m, bool reply);
void proto_write_payload(struct wcur *c, const struct proto_msg *m, bool reply);

#endif
