/* appvmctl as a function, so tests can run it in-process with any streams. */
#ifndef APPVM_CTL_CLI_H
#define APPVM_CTL_CLI_H

#include <stdio.h>

/* Runs appvmctl with argv, writing to out and errf. Returns the exit code
 * (enum ctl_exit). */
int ctl_cli_run(int argc, char *const *argv, FILE *out, FILE *errf);

/* Writes the --help text. */
void ctl_cli_usage(FILE *f);

#endif
