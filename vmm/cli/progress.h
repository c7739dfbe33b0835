/* The progress line on a terminal: elapsed / total time and rates over the
 * last interval, rewritten in place about once a second. */
#ifndef NUMIG_VMM_PROGRESS_H
#define NUMIG_VMM_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct machine;

/* What the line is computed from: cumulative counts at t_s. */
struct progress_figures {
	double t_s;
	uint64_t ops, migrations, guard_flushes;
	uint64_t lost, corrupt;
	int checks;          /* the guest reports lost/corrupt words */
};

/* "[  1.0 / 2.0 s] 1.2e+08 ops/s, 512 migrations/s, 110 guard flushes/s,
 * lost 0, corrupt 0": rates between prev and now; total_s 0 when the run
 * has no set length. */
void progress_format(char *buf, size_t len, const struct progress_figures *prev, const struct progress_figures *now,
		     double total_s);

/* The run config's progress hook (vmm/vm/config.h), writing to stderr. */
void progress_show(struct machine *m, double t_s);

#endif
