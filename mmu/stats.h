/* Latency/throughput statistics for per-phase timings recorded by several
 * threads at once.
 *
 * A lat_rec keeps exact aggregate counters (count, sum, min, max and a log2
 * histogram) for every sample, plus the raw values of the first `capacity`
 * samples for percentiles. When the sample buffer is full, further samples
 * are DROPPED from the buffer (counted in `dropped`) but still counted
 * exactly in the aggregates: percentiles then describe the first `capacity`
 * samples. Dropping (rather than reservoir sampling) keeps lat_rec_add one
 * fetch_add plus one plain store, with no slot ever written twice.
 */
#ifndef NUMIG_MMU_STATS_H
#define NUMIG_MMU_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_HIST_BUCKETS 64 /* bucket i = [2^i, 2^(i+1)) ns; bucket 0 also 0 */

struct lat_rec {
	uint64_t *samples;        /* first `capacity` samples, in claim order */
	size_t capacity;
	_Atomic uint64_t count;   /* every sample ever added; also the slot claim */
	_Atomic uint64_t dropped; /* samples not stored because the buffer was full */
	_Atomic uint64_t sum;     /* wraps after ~584 years of total latency */
	_Atomic uint64_t min;     /* UINT64_MAX while empty */
	_Atomic uint64_t max;
	_Atomic uint64_t hist[LAT_HIST_BUCKETS];
};

/* Allocates room for `capacity` (>= 1) samples. Returns 0, -EINVAL or
 * -ENOMEM. */
int lat_rec_init(struct lat_rec *r, size_t capacity);
void lat_rec_free(struct lat_rec *r);

/* Thread-safe and lock-free; callable from any number of threads. */
void lat_rec_add(struct lat_rec *r, uint64_t ns);

struct lat_summary {
	uint64_t count, min, max, p50, p90, p99;
	double mean;
};

/* count/min/max/mean are exact over all samples; p50/p90/p99 are
 * nearest-rank percentiles of the stored samples. An empty recorder gives
 * all zeros. Reads the sample buffer, so call it only once the writers are
 * done (joined, or otherwise synchronised with).
 * Returns 0, -EINVAL or -ENOMEM (it sorts a heap copy). */
int lat_rec_summarize(const struct lat_rec *r, struct lat_summary *out);

/* Log2 histogram of every sample (dropped ones included): bucket i counts
 * samples in [2^i, 2^(i+1)) ns, bucket 0 also takes 0 and 1, and the last
 * of the nbuckets buckets also takes everything above its range.
 * Safe to call while writers run (each bucket is read atomically). */
void lat_rec_histogram(const struct lat_rec *r, uint64_t *buckets, int nbuckets);

/* Sorts v[0..n) in ascending order. */
void sort_u64(uint64_t *v, size_t n);

/* Nearest-rank percentile of sorted v[0..n), n >= 1: the smallest value
 * with at least pct% of the values at or below it (as lat_rec_summarize
 * computes p50/p90/p99). */
uint64_t nearest_rank(const uint64_t *v, size_t n, unsigned pct);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* Sleeps `ns` nanoseconds, resuming after signals. */
void sleep_ns(uint64_t ns);

#endif
