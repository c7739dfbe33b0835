/* Statistics that only numig-bench uses: medians and ranges of per-run
 * figures, and percentiles of the samples a lat_rec recorded after a given
 * point (a measurement window). Unit-tested in tests/unit/test_bench_stats.c. */
#ifndef NUMIG_BENCH_STATS_H
#define NUMIG_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/stats.h"

/* Median of v[0..n), sorting v in place (NaNs sort last); even n gives the
 * mean of the middle two. n == 0 gives NaN. */
double median_double(double *v, size_t n);

/* Smallest and largest non-NaN value of v[0..n); NaN if there is none.
 * Either output pointer may be NULL. */
void minmax_double(const double *v, size_t n, double *min, double *max);

/* Nearest-rank percentile (as lat_rec_summarize computes it), in ns, of
 * the samples r stored from index `from` on: a lat_rec stores its samples
 * in the order they were recorded, so these are "the operations that
 * completed after r->count read `from`". NaN when there is none (or no
 * memory). Reads the sample buffer: call it once the recording threads
 * are joined. */
double lat_rec_window_pct(const struct lat_rec *r, uint64_t from, unsigned pct);

#endif
