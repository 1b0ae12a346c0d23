/* appvmctl TARGET docs list | revoke ID | revoke-all: the host user's view of
 * the documents a VM was granted, through the portal daemon's control
 * socket PATH.portal.ctl (docs/portal.md). Kept apart from the agent
 * commands: it talks to appvm-portald, not to the guest. */
#ifndef APPVM_CTL_DOCS_H
#define APPVM_CTL_DOCS_H

#include <stdbool.h>
#include <stdio.h>

/* Returns true if argv names the docs command (TARGET docs ...). */
bool ctl_docs_wanted(int argc, char *const *argv);

/* Runs it, writing to out and errf. Returns the exit code (enum ctl_exit). */
int ctl_docs_run(int argc, char *const *argv, FILE *out, FILE *errf);

#endif
