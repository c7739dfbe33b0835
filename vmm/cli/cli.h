/* Command-line parsing for `numig run` into a run_config. */
#ifndef NUMIG_VMM_CLI_H
#define NUMIG_VMM_CLI_H

#include <stdio.h>

#include <numig/err.h>

#include "vmm/vm/config.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

/* Returns 0 and fills `cfg` / `action`, or -1 with a message in `e`
 * (NUMIG_EXIT_USAGE). */
int cli_parse(int argc, char **argv, struct run_config *cfg, enum cli_action *action, struct nerr *e);
void cli_usage(FILE *f);

/* The defaults of `numig run` (cli_usage shows them); cli_parse starts
 * from them, and so does numig-bench. */
void cli_defaults(struct run_config *c);

/* --timeout when none is given: --duration plus room for the guest's final
 * check (the larger of CLI_TIMEOUT_ROOM_NS and half the duration). */
#define CLI_TIMEOUT_ROOM_NS (60ull * 1000000000ull) /* never less than the old fixed 60 s */
uint64_t cli_default_timeout_ns(uint64_t duration_ns);

/* Resolves a built-in guest name (next to the numig binary, in guests/) or
 * a path into cfg->guest_path. */
int cli_resolve_guest(struct run_config *cfg, const char *argv0, struct nerr *e);

#endif
