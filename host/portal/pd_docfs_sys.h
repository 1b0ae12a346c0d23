/* The document device's file operations with system calls. */
#ifndef APPVM_PD_DOCFS_SYS_H
#define APPVM_PD_DOCFS_SYS_H

#include "pd_docfs.h"

/* open (pd_docio_open_read), fstat/fstatat, preadv and close. */
extern const struct pd_docfs_ops pd_docfs_sys_ops;

#endif
