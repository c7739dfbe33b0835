/* Lock-free latency recorder, percentiles and the clock. */
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* All atomics use relaxed ordering: the counters are independent of each
 * other and of the sample buffer, and readers that need a consistent view
 * (summarize) synchronise with the writers externally, e.g. pthread_join. */
#define RLX memory_order_relaxed

int lat_rec_init(struct lat_rec *r, size_t capacity)
{
	int i;

	if (!r || capacity == 0)
		return -EINVAL;
	r->samples = calloc(capacity, sizeof(*r->samples));
	if (!r->samples)
		return -ENOMEM;
	r->capacity = capacity;
	atomic_init(&r->count, 0);
	atomic_init(&r->dropped, 0);
	atomic_init(&r->sum, 0);
	atomic_init(&r->min, UINT64_MAX);
	atomic_init(&r->max, 0);
	for (i = 0; i < LAT_HIST_BUCKETS; i++)
		atomic_init(&r->hist[i], 0);
	return 0;
}

void lat_rec_free(struct lat_rec *r)
{
	if (!r)
		return;
	free(r->samples);
	r->samples = NULL;
	r->capacity = 0;
}

static int log2_bucket(uint64_t ns)
{
	return ns < 2 ? 0 : 63 - __builtin_clzll(ns);
}

void lat_rec_add(struct lat_rec *r, uint64_t ns)
{
	/* count doubles as the slot allocator: each index is claimed by exactly
	 * one thread, so the plain store below never races with another add. */
	uint64_t idx = atomic_fetch_add_explicit(&r->count, 1, RLX);
	uint64_t cur;

	if (idx < r->capacity)
		r->samples[idx] = ns;
	else
		atomic_fetch_add_explicit(&r->dropped, 1, RLX);

	atomic_fetch_add_explicit(&r->sum, ns, RLX);
	atomic_fetch_add_explicit(&r->hist[log2_bucket(ns)], 1, RLX);

	/* A failed CAS reloads cur; stop as soon as the stored bound is already
	 * at least as tight as ns (the common case costs one load). */
	cur = atomic_load_explicit(&r->min, RLX);
	while (ns < cur && !atomic_compare_exchange_weak_explicit(&r->min, &cur, ns, RLX, RLX))
		;
	cur = atomic_load_explicit(&r->max, RLX);
	while (ns > cur && !atomic_compare_exchange_weak_explicit(&r->max, &cur, ns, RLX, RLX))
		;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void sort_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t nearest_rank(const uint64_t *v, size_t n, unsigned pct)
{
	/* ceil(n * pct / 100), split so n * pct cannot overflow. */
	size_t rank = n / 100 * pct + (n % 100 * pct + 99) / 100;

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

int lat_rec_summarize(const struct lat_rec *r, struct lat_summary *out)
{
	uint64_t count, *copy;
	size_t n, i;

	if (!r || !out)
		return -EINVAL;
	*out = (struct lat_summary){ 0 };
	count = atomic_load_explicit(&r->count, RLX);
	if (count == 0)
		return 0;

	n = count < r->capacity ? (size_t)count : r->capacity;
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		copy[i] = r->samples[i];
	sort_u64(copy, n);

	out->count = count;
	out->min = atomic_load_explicit(&r->min, RLX);
	out->max = atomic_load_explicit(&r->max, RLX);
	out->mean = (double)atomic_load_explicit(&r->sum, RLX) / (double)count;
	out->p50 = nearest_rank(copy, n, 50);
	out->p90 = nearest_rank(copy, n, 90);
	out->p99 = nearest_rank(copy, n, 99);
	free(copy);
	return 0;
}

void lat_rec_histogram(const struct lat_rec *r, uint64_t *buckets, int nbuckets)
{
	int i, last;

	if (!r || !buckets || nbuckets <= 0)
		return;
	for (i = 0; i < nbuckets; i++)
		buckets[i] = 0;
	last = nbuckets < LAT_HIST_BUCKETS ? nbuckets - 1 : LAT_HIST_BUCKETS - 1;
	for (i = 0; i < LAT_HIST_BUCKETS; i++)
		buckets[i < last ? i : last] += atomic_load_explicit(&r->hist[i], RLX);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
