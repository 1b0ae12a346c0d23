/* Internal to the codec: reads or writes the payload of m according to its
 * type and direction. Field rules beyond string classes are checked by the
 * caller (proto_codec.c) with the proto_check_* functions. */
#ifndef APPVM_PROTO_PAYLOAD_H
#define APPVM_PROTO_PAYLOAD_H

#include "proto_wire.h"

void proto_read_payload(struct rcur *c, struct proto_msg *m, bool reply);
void proto_write_payload(struct wcur *c, const struct proto_msg *m, bool reply);

/* proto_dialog.c: file chooser and document records. */
void proto_read_doc(struct rcur *c, struct proto_doc *d);
void proto_write_doc(struct wcur *c, const struct proto_doc *d);
void proto_read_stat(struct rcur *c, struct proto_doc_stat *s);
void proto_write_stat(struct wcur *c, const struct proto_doc_stat *s);
/* type is FILE_OPEN, FILE_SAVE or FILE_SAVE_MANY: each adds its own tail. */
void proto_read_dialog(struct rcur *c, struct proto_dialog *d, uint16_t type);
void proto_write_dialog(struct wcur *c, const struct proto_dialog *d, uint16_t type);
void proto_read_result(struct rcur *c, struct proto_dialog_result *r);
void proto_write_result(struct wcur *c, const struct proto_dialog_result *r);

/* Field rules; each returns NULL when they hold, else a few words. */
const char *proto_check_doc(const struct proto_doc *d);
const char *proto_check_stat(const struct proto_doc_stat *s);
const char *proto_check_dialog(const struct proto_dialog *d, uint16_t type);
const char *proto_check_result(const struct proto_dialog_result *r, uint16_t type);

/* proto_entry.c: the folder requests (ENTRY_*). */
void proto_read_entry_op(struct rcur *c, struct proto_msg *m, bool reply);
void proto_write_entry_op(struct wcur *c, const struct proto_msg *m, bool reply);
const char *proto_check_entry_op(const struct proto_msg *m, bool reply);

#endif
