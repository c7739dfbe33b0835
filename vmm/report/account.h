/* One account of every migration, whoever did it (docs/measurements.md
 * "Kernel migrators"): which migrator ran, what the kernel migrator's calls
 * did, and placement over time with the frames the kernel moved. The same
 * figures for numig's own migrator, so migrators compare line by line. */
#ifndef NUMIG_VMM_REPORT_ACCOUNT_H
#define NUMIG_VMM_REPORT_ACCOUNT_H

#include <stdio.h>

#include "json.h"
#include "vmm/vm/machine.h"

void account_human(FILE *f, struct machine *m);
/* Keys "migrator", "kernel_migrator" and "placement_timeline". */
void account_json(struct json_w *w, struct machine *m);
/* Why a move-pages run is an environment failure (the kernel moved none of
 * the pages asked for), or NULL; written into buf. */
const char *account_nothing_moved(struct machine *m, char *buf, size_t len);

#endif
