/* Unit tests for mmu/stats.c: exact aggregates, nearest-rank percentiles,
 * drop policy, histogram bucketing, the clock, and concurrent adds (also
 * meant to run under -fsanitize=thread). The bench's own statistics are
 * tested in test_bench_stats.c. */
#define TAP_MAIN
#include "harness.h"
#include "mmu/stats.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_init_errors(void)
{
	struct lat_rec r;

	OK(lat_rec_init(&r, 0) == -EINVAL, "capacity 0 is rejected with -EINVAL");
	OK(lat_rec_init(NULL, 8) == -EINVAL, "NULL recorder is rejected with -EINVAL");
	OK(lat_rec_summarize(NULL, NULL) == -EINVAL, "summarize(NULL) is -EINVAL");
	lat_rec_free(NULL); /* must not crash */
}

static void test_empty(void)
{
	struct lat_rec r;
	struct lat_summary s;
	uint64_t b[8];
	int i, zero = 1;

	OK(lat_rec_init(&r, 16) == 0, "init capacity 16");
	memset(&s, 0xff, sizeof(s));
	OK(lat_rec_summarize(&r, &s) == 0, "summarize of empty recorder returns 0");
	OK(s.count == 0 && s.min == 0 && s.max == 0 && s.p50 == 0 && s.p90 == 0 && s.p99 == 0 &&
		   s.mean == 0.0,
	   "empty summary is all zeros");
	memset(b, 0xff, sizeof(b));
	lat_rec_histogram(&r, b, 8);
	for (i = 0; i < 8; i++)
		zero &= b[i] == 0;
	OK(zero, "empty histogram is all zeros");
	lat_rec_free(&r);
	OK(r.samples == NULL && r.capacity == 0, "free clears the buffer pointer");
}

static void test_single(void)
{
	struct lat_rec r;
	struct lat_summary s;

	lat_rec_init(&r, 4);
	lat_rec_add(&r, 777);
	OK(lat_rec_summarize(&r, &s) == 0, "summarize one sample");
	OK(s.count == 1 && s.min == 777 && s.max == 777 && s.p50 == 777 && s.p90 == 777 &&
		   s.p99 == 777 && s.mean == 777.0,
	   "one sample: every statistic equals it");
	lat_rec_free(&r);
}

/* Adds 1..n in a scrambled order so sorting is actually exercised. */
static void add_scrambled(struct lat_rec *r, uint64_t n)
{
	uint64_t i;

	/* 37 is coprime with the n used here, so i*37 mod n visits every value. */
	for (i = 0; i < n; i++)
		lat_rec_add(r, (i * 37) % n + 1);
}

static void test_percentiles(void)
{
	struct lat_rec r;
	struct lat_summary s;

	lat_rec_init(&r, 1000);
	add_scrambled(&r, 100);
	lat_rec_summarize(&r, &s);
	OK(s.count == 100 && s.min == 1 && s.max == 100, "1..100: count/min/max exact");
	OK(s.p50 == 50 && s.p90 == 90 && s.p99 == 99,
	   "1..100: nearest-rank p50=50 p90=90 p99=99 (got %" PRIu64 " %" PRIu64 " %" PRIu64 ")",
	   s.p50, s.p90, s.p99);
	OK(s.mean == 50.5, "1..100: mean 50.5 (got %g)", s.mean);
	lat_rec_free(&r);

	lat_rec_init(&r, 1000);
	add_scrambled(&r, 10);
	lat_rec_summarize(&r, &s);
	OK(s.p50 == 5 && s.p90 == 9 && s.p99 == 10,
	   "1..10: p50=5 p90=9 p99=10 (got %" PRIu64 " %" PRIu64 " %" PRIu64 ")", s.p50, s.p90,
	   s.p99);
	lat_rec_free(&r);

	/* Extreme values: sum must not be computed through doubles. */
	lat_rec_init(&r, 4);
	lat_rec_add(&r, 0);
	lat_rec_add(&r, UINT64_MAX / 2);
	lat_rec_summarize(&r, &s);
	OK(s.min == 0 && s.max == UINT64_MAX / 2 && s.p99 == UINT64_MAX / 2,
	   "0 and 2^63-1: min/max/p99 exact");
	lat_rec_free(&r);
}

static void test_drop(void)
{
	struct lat_rec r;
	struct lat_summary s;
	uint64_t vals[] = { 50, 40, 30, 20, 1000, 5, 60, 70, 80, 90 };
	size_t i;

	lat_rec_init(&r, 4);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		lat_rec_add(&r, vals[i]);
	lat_rec_summarize(&r, &s);
	OK(atomic_load(&r.dropped) == 6, "10 adds into capacity 4 drop 6 (got %" PRIu64 ")",
	   (uint64_t)atomic_load(&r.dropped));
	OK(s.count == 10 && s.min == 5 && s.max == 1000 && s.mean == 144.5,
	   "aggregates stay exact past capacity (count %" PRIu64 " min %" PRIu64 " max %" PRIu64
	   " mean %g)",
	   s.count, s.min, s.max, s.mean);
	OK(r.samples[0] == 50 && r.samples[1] == 40 && r.samples[2] == 30 && r.samples[3] == 20,
	   "the first `capacity` samples are the stored ones");
	OK(s.p50 == 30 && s.p99 == 50, "percentiles come from stored samples (p50 %" PRIu64
	   " p99 %" PRIu64 ")", s.p50, s.p99);
	lat_rec_free(&r);
}

static void test_histogram(void)
{
	struct lat_rec r;
	uint64_t b[70], small[4];
	uint64_t total = 0;
	int i;

	lat_rec_init(&r, 2); /* histogram must include dropped samples too */
	lat_rec_add(&r, 0);
	lat_rec_add(&r, 1);
	lat_rec_add(&r, 2);
	lat_rec_add(&r, 3);
	lat_rec_add(&r, 4);
	lat_rec_add(&r, 7);
	lat_rec_add(&r, 8);
	lat_rec_add(&r, 1023);
	lat_rec_add(&r, 1024);
	lat_rec_add(&r, UINT64_MAX);

	memset(b, 0xff, sizeof(b));
	lat_rec_histogram(&r, b, 70);
	OK(b[0] == 2 && b[1] == 2 && b[2] == 2 && b[3] == 1, "0,1 -> b0; 2,3 -> b1; 4,7 -> b2; 8 -> b3");
	OK(b[9] == 1 && b[10] == 1, "1023 -> b9, 1024 -> b10");
	OK(b[63] == 1, "UINT64_MAX -> b63");
	for (i = 0; i < 70; i++)
		total += b[i];
	OK(total == 10, "histogram counts dropped samples too (total %" PRIu64 ")", total);
	OK(b[64] == 0 && b[69] == 0, "buckets beyond 63 are zero");

	lat_rec_histogram(&r, small, 4);
	OK(small[0] == 2 && small[1] == 2 && small[2] == 2 && small[3] == 4,
	   "nbuckets=4: last bucket takes everything >= 8 (got %" PRIu64 ")", small[3]);
	lat_rec_histogram(&r, small, 1);
	OK(small[0] == 10, "nbuckets=1: one bucket with everything");
	small[0] = 42;
	lat_rec_histogram(&r, small, 0);
	OK(small[0] == 42, "nbuckets=0 writes nothing");
	lat_rec_free(&r);
}

static void test_now(void)
{
	struct timespec ms = { 0, 2000000 };
	uint64_t a, b, c;

	a = now_ns();
	b = now_ns();
	nanosleep(&ms, NULL);
	c = now_ns();
	OK(a > 0 && b >= a, "now_ns is non-decreasing");
	OK(c - b >= 2000000 && c - b < UINT64_C(2000000000),
	   "now_ns advances by the 2 ms slept (%" PRIu64 " ns)", c - b);
}

#define NTHREADS 4
#define PER_THREAD 100000

struct worker {
	struct lat_rec *r;
	pthread_barrier_t *go;
	uint64_t base;
};

/* Thread t adds base+1 .. base+PER_THREAD, base = t * PER_THREAD, so the
 * union over threads is exactly 1 .. NTHREADS*PER_THREAD. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t i;

	pthread_barrier_wait(w->go);
	for (i = 1; i <= PER_THREAD; i++)
		lat_rec_add(w->r, w->base + i);
	return NULL;
}

static void run_threads(struct lat_rec *r)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	pthread_barrier_t go;
	int t;

	pthread_barrier_init(&go, NULL, NTHREADS);
	for (t = 0; t < NTHREADS; t++) {
		w[t] = (struct worker){ r, &go, (uint64_t)t * PER_THREAD };
		pthread_create(&th[t], NULL, worker_main, &w[t]);
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&go);
}

static void test_threads(void)
{
	const uint64_t total = (uint64_t)NTHREADS * PER_THREAD;
	const uint64_t want_sum = total * (total + 1) / 2;
	struct lat_rec r;
	struct lat_summary s;
	uint64_t *copy, hist[LAT_HIST_BUCKETS], hsum = 0;
	size_t i;
	int perm = 1;

	/* Room for every sample: the stored set must be exactly 1..total. */
	OK(lat_rec_init(&r, total) == 0, "init capacity %" PRIu64, total);
	run_threads(&r);
	lat_rec_summarize(&r, &s);
	OK(s.count == total, "threads: count exact (%" PRIu64 ")", s.count);
	OK(atomic_load(&r.sum) == want_sum, "threads: sum exact (%" PRIu64 ")",
	   (uint64_t)atomic_load(&r.sum));
	OK(s.min == 1 && s.max == total, "threads: min/max exact");
	OK(atomic_load(&r.dropped) == 0, "threads: nothing dropped");
	OK(s.p50 == total / 2 && s.p99 == total * 99 / 100,
	   "threads: p50/p99 of 1..N exact (%" PRIu64 " %" PRIu64 ")", s.p50, s.p99);
	copy = malloc(total * sizeof(*copy));
	memcpy(copy, r.samples, total * sizeof(*copy));
	{
		/* Counting check instead of a sort: each value seen exactly once. */
		unsigned char *seen = calloc(total + 1, 1);
		for (i = 0; i < total; i++) {
			if (copy[i] < 1 || copy[i] > total || seen[copy[i]]++)
				perm = 0;
		}
		free(seen);
	}
	OK(perm, "threads: stored samples are exactly 1..N (no lost or doubled slot)");
	free(copy);
	lat_rec_free(&r);

	/* Capacity below the load: drops happen concurrently, aggregates exact. */
	OK(lat_rec_init(&r, total / 3) == 0, "init capacity %" PRIu64, total / 3);
	run_threads(&r);
	lat_rec_summarize(&r, &s);
	OK(s.count == total && atomic_load(&r.sum) == want_sum,
	   "threads+drop: count and sum exact");
	OK(atomic_load(&r.dropped) == total - total / 3, "threads+drop: dropped = %" PRIu64,
	   (uint64_t)atomic_load(&r.dropped));
	OK(s.min == 1 && s.max == total, "threads+drop: min/max exact");
	lat_rec_histogram(&r, hist, LAT_HIST_BUCKETS);
	for (i = 0; i < LAT_HIST_BUCKETS; i++)
		hsum += hist[i];
	OK(hsum == total, "threads+drop: histogram total = count");
	lat_rec_free(&r);
}

int main(void)
{
	test_init_errors();
	test_empty();
	test_single();
	test_percentiles();
	test_drop();
	test_histogram();
	test_now();
	test_threads();
	return tap_done();
}
