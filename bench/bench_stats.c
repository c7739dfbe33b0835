/* Statistics that only numig-bench uses (bench_stats.h). */
#include "bench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Total order with NaNs last, so qsort gets a consistent comparator. */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (isnan(x) || isnan(y))
		return !!isnan(x) - !!isnan(y);
	return (x > y) - (x < y);
}

double median_double(double *v, size_t n)
{
	if (!v || n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	if (n % 2)
		return v[n / 2];
	/* Halve before adding so two huge values cannot overflow to inf. */
	return v[n / 2 - 1] / 2 + v[n / 2] / 2;
}

void minmax_double(const double *v, size_t n, double *min, double *max)
{
	double lo = NAN, hi = NAN;
	size_t i;

	for (i = 0; v && i < n; i++) {
		if (isnan(v[i]))
			continue;
		if (isnan(lo) || v[i] < lo)
			lo = v[i];
		if (isnan(hi) || v[i] > hi)
			hi = v[i];
	}
	if (min)
		*min = lo;
	if (max)
		*max = hi;
}

double lat_rec_window_pct(const struct lat_rec *r, uint64_t from, unsigned pct)
{
	uint64_t to = atomic_load(&r->count), *v;
	size_t n;
	double x;

	if (to > r->capacity)
		to = r->capacity;
	if (from >= to)
		return NAN;
	n = (size_t)(to - from);
	v = malloc(n * sizeof(*v));
	if (!v)
		return NAN;
	memcpy(v, r->samples + from, n * sizeof(*v));
	sort_u64(v, n);
	x = (double)nearest_rank(v, n, pct);
	free(v);
	return x;
}
