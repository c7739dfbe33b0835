/* What a run did: the verdict (exit code + one sentence), and the report in
 * human, JSON and SVG form. Field names and units: docs/measurements.md. */
#ifndef NUMIG_VMM_REPORT_H
#define NUMIG_VMM_REPORT_H

#include <stdio.h>

#include "vmm/vm/machine.h"
#include "verify.h"

#define NUMIG_VERSION "0.1.0"

struct run_outcome {
	int exit_code;
	char message[768];
	int integrity;              /* the guest checked memory (verdict, bad word or integrity layout) */
	uint64_t guest_writes, guest_lost, guest_corrupt, guest_sweeps;
	uint64_t guest_verdicts, guest_words_checked, guest_reports;
	struct verify_result host;
	int integrity_bad;          /* a lost or corrupt word, by either check: exit 1 */
	int integrity_pass;         /* none, and every declared check was done */
	char inconclusive[256];     /* why there is no verdict (exit 6); "" when there is one */
};

void outcome_decide(struct machine *m, struct run_outcome *o);
/* Each writer returns 0, or -1 when a write failed (the caller also
 * flushes: stdio reports some failures only then). */
int report_human(FILE *f, struct machine *m, const struct run_outcome *o);
int report_json(FILE *f, struct machine *m, const struct run_outcome *o);
int report_plot(const char *path, struct machine *m, char *err, size_t errlen);

#endif
