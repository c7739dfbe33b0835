/* kselftest-friendly output (`numig run --tap`): TAP version 13, the plan
 * first, one test point for the run, everything else as "# " diagnostics,
 * and kselftest's exit codes (0 pass, 1 fail, 4 skip). */
#ifndef NUMIG_VMM_TAP_H
#define NUMIG_VMM_TAP_H

#include <stdio.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* Is --tap among the arguments? Looked up before parsing, so that even a
 * usage error comes out as TAP. */
int tap_requested(int argc, char **argv);
void tap_begin(FILE *out);
/* A stream that writes to `out` with "# " before every line; NULL when
 * it cannot be made (then write nothing rather than break the stream). */
FILE *tap_diag_open(FILE *out);
/* The test point for numig's exit code and message; returns the kselftest
 * exit code: environment errors (no KVM, unsafe host) are skips. */
int tap_end(FILE *out, const char *name, int numig_exit, const char *message);

#endif
