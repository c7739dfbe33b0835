/* What the guest felt: the write-gap histograms the integrity and hammer
 * guests keep with their TSC (numig_gap_*, numig/abi.h), read after the run
 * through guest_gap_hist() (vmm/vm/guest_input.c), turned into time with the
 * TSC rate (vmm/vm/tsc.c) and reported as one block of the text report, the
 * JSON's "guest_felt" and a --plot panel. Figures: docs/measurements.md
 * "What the guest felt". Kept in a file of its own so that report.c only
 * calls it. */
#ifndef NUMIG_VMM_STALL_H
#define NUMIG_VMM_STALL_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "plot.h"
#include "vmm/vm/guest_input.h"
#include "vmm/vm/tsc.h"

struct machine;

/* Gaps above 10 us, 100 us, 1 ms and 10 ms. */
#define STALL_THRESHOLDS 4
extern const uint64_t stall_threshold_ns[STALL_THRESHOLDS];
extern const char *const stall_threshold_name[STALL_THRESHOLDS]; /* "10us", ... */

struct stall_summary {
	uint64_t samples;
	/* Gaps above each threshold: every gap of a bucket that starts at or
	 * above it, plus the max when it is above and its bucket straddles it;
	 * a lower bound, exact but for one bucket (at most 25 % wide). */
	uint64_t over[STALL_THRESHOLDS];
	uint64_t p50_cycles, p99_cycles, max_cycles;
	double p50_us, p99_us, max_us; /* NaN when the TSC rate is unknown */
};

/* Nearest-rank percentile (0 < q <= 1) from the buckets: the top of the
 * bucket that holds it, never above the exact max; 0 with no samples. */
uint64_t stall_percentile_cycles(const struct gap_hist *h, double q);
/* Gaps above ns (see struct stall_summary); 0 when khz is 0. */
uint64_t stall_over(const struct gap_hist *h, uint64_t khz, uint64_t ns);
/* cycles / khz in microseconds; NaN when khz is 0. */
double stall_cycles_us(uint64_t cycles, uint64_t khz);
void stall_summarize(const struct gap_hist *h, uint64_t khz, struct stall_summary *s);
/* all += h; -1 (all unchanged) when a count would wrap. */
int stall_merge(struct gap_hist *all, const struct gap_hist *h);

enum stall_state { STALL_ABSENT = 0, STALL_OK, STALL_REJECTED };

struct stall_vcpu {
	enum stall_state state;
	char why[160];          /* STALL_REJECTED: what was wrong */
	struct gap_hist h;
};

struct stall_figures {
	struct tsc_rate tsc;
	int nr_vcpus, published, rejected;
	uint64_t stride;        /* of every published vCPU; 0 when they differ */
	struct gap_hist all;    /* every published vCPU's, merged */
	struct stall_vcpu vcpu[];
};

/* Reads every vCPU's histogram and the TSC rate at the end of the run
 * (the vCPUs' descriptors still open). NULL only when out of memory; the
 * caller frees it. */
struct stall_figures *stall_collect(struct machine *m);
/* The text block; nothing when no vCPU published or was rejected (a guest
 * that does not time its writes). s NULL: says the figure is missing. */
void stall_human(FILE *f, const struct stall_figures *s);
/* "guest_felt": an object, or null as above. */
void stall_json(struct json_w *w, const struct stall_figures *s);
/* The merged histogram as the plot's log2-nanosecond buckets (n of them)
 * with its p50 and p99; 0 when there is nothing to draw. */
int stall_plot_hist(const struct stall_figures *s, uint64_t *buckets, int n, struct plot_hist *h);

#endif
