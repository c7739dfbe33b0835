/* One account of every migration, whoever did it (docs/measurements.md
 * "Kernel migrators"): which migrator ran, what the kernel migrator's calls
 * did, and placement over time with the frames the kernel moved. The same
 * figures for numig's own migrator, so migrators compare line by line. */
#ifndef NUMIG_VMM_REPORT_ACCOUNT_H
#define NUMIG_VMM_REPORT_ACCOUNT_H

#include <stdio.h>

#include "json.h"
#include "plot.h"
#include "vmm/vm/machine.h"

void account_human(FILE *f, struct machine *m);
/* Keys "migrator", "kernel_migrator" and "placement_timeline". */
void account_json(struct json_w *w, struct machine *m);
/* A latency recorder as {count, p50_us, p90_us, p99_us, max_us, mean_us}
 * under key (report.c: every phase is written so). */
void report_json_latency(struct json_w *w, const char *key, const struct lat_rec *r);
/* Placement over time as plot series, one panel per host node (the first
 * ACCOUNT_PLOT_NODES): in-use frames of every guest node on it. Fills
 * s[0..k) and returns k; their arrays live in *buf, which the caller frees. */
#define ACCOUNT_PLOT_NODES 4
int account_plot_series(struct machine *m, struct plot_series *s, double **buf);
/* Why a move-pages run is an environment failure (the kernel moved none of
 * the pages asked for), or NULL; written into buf. */
const char *account_nothing_moved(struct machine *m, char *buf, size_t len);

#endif
