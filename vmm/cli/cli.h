/* Command-line parsing for `numig run` into a run_config. */
#ifndef NUMIG_VMM_CLI_H
#define NUMIG_VMM_CLI_H

#include "vmm/vm/machine.h"

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

/* Returns 0 and fills `cfg` / `action`, or -1 with a message in `e`
 * (NUMIG_EXIT_USAGE). */
int cli_parse(int argc, char **argv, struct run_config *cfg, enum cli_action *action, struct nerr *e);
void cli_usage(FILE *f);

/* Resolves a built-in guest name (next to the numig binary, in guests/) or
 * a path into cfg->guest_path. */
int cli_resolve_guest(struct run_config *cfg, const char *argv0, struct nerr *e);

#endif
