/* Unit tests for bench/bench_stats.c, the statistics only numig-bench uses:
 * median and min-max of per-run figures (NaN handling), and percentiles of
 * the samples a lat_rec stored after a point (a measurement window). */
#define TAP_MAIN
#include "harness.h"
#include "bench/bench_stats.h"

#include <math.h>

static void test_doubles(void)
{
	double odd[] = { 5, 1, 3 };
	double even[] = { 4, 1, 3, 2 };
	double one[] = { 7.5 };
	double with_nan[] = { NAN, 2, -1, NAN, 9 };
	double all_nan[] = { NAN, NAN };
	double big[] = { 1e308, 1.5e308 };
	double mn, mx;

	OK(median_double(odd, 3) == 3.0, "median of {5,1,3} = 3");
	OK(odd[0] == 1 && odd[1] == 3 && odd[2] == 5, "median sorts in place");
	OK(median_double(even, 4) == 2.5, "median of {4,1,3,2} = 2.5");
	OK(median_double(one, 1) == 7.5, "median of one value");
	OK(isnan(median_double(one, 0)), "median of n=0 is NaN");
	OK(median_double(big, 2) == 1.25e308, "median of two huge values does not overflow");
	median_double(with_nan, 5);
	OK(with_nan[0] == -1 && with_nan[1] == 2 && with_nan[2] == 9 && isnan(with_nan[3]) &&
		   isnan(with_nan[4]),
	   "NaNs sort last");

	minmax_double(even, 4, &mn, &mx);
	OK(mn == 1 && mx == 4, "minmax {1,2,3,4}");
	{
		double v[] = { NAN, 2, -1, NAN, 9 };
		minmax_double(v, 5, &mn, &mx);
		OK(mn == -1 && mx == 9, "minmax ignores NaN");
	}
	minmax_double(all_nan, 2, &mn, &mx);
	OK(isnan(mn) && isnan(mx), "minmax of all-NaN is NaN");
	minmax_double(NULL, 0, &mn, &mx);
	OK(isnan(mn) && isnan(mx), "minmax of n=0 is NaN");
	mx = 0;
	minmax_double(odd, 3, NULL, &mx);
	OK(mx == 5, "minmax accepts a NULL min pointer");
}

static void test_sort_rank(void)
{
	uint64_t v[] = { 9, 3, 7, 1, 5, UINT64_MAX, 0 };
	uint64_t r[10];

	sort_u64(v, 7);
	OK(v[0] == 0 && v[1] == 1 && v[2] == 3 && v[3] == 5 && v[4] == 7 && v[5] == 9 && v[6] == UINT64_MAX,
	   "sort_u64 sorts ascending, extremes included");
	for (int i = 0; i < 10; i++)
		r[i] = (uint64_t)i + 1;
	OK(nearest_rank(r, 10, 50) == 5 && nearest_rank(r, 10, 90) == 9 && nearest_rank(r, 10, 99) == 10,
	   "nearest_rank of 1..10: p50 5, p90 9, p99 10");
	OK(nearest_rank(r, 1, 0) == 1 && nearest_rank(r, 10, 100) == 10, "rank 0 takes the first, 100 the last");
}

static void test_window(void)
{
	struct lat_rec r;

	OK(lat_rec_init(&r, 8) == 0, "init capacity 8");
	OK(isnan(lat_rec_window_pct(&r, 0, 50)), "an empty recorder has no window percentile");
	/* 4 samples before the window, then 1..4 scrambled inside it */
	lat_rec_add(&r, 1000);
	lat_rec_add(&r, 2000);
	lat_rec_add(&r, 3000);
	lat_rec_add(&r, 4000);
	lat_rec_add(&r, 3);
	lat_rec_add(&r, 1);
	lat_rec_add(&r, 4);
	lat_rec_add(&r, 2);
	OK(lat_rec_window_pct(&r, 4, 50) == 2.0 && lat_rec_window_pct(&r, 4, 99) == 4.0,
	   "window from sample 4: p50 2, p99 4 (earlier samples left out)");
	OK(lat_rec_window_pct(&r, 0, 50) == 4.0 && lat_rec_window_pct(&r, 0, 99) == 4000.0,
	   "window from 0: every stored sample");
	lat_rec_add(&r, 1); /* past capacity: counted, not stored */
	OK(lat_rec_window_pct(&r, 4, 50) == 2.0, "samples past capacity are not in the window");
	OK(isnan(lat_rec_window_pct(&r, 8, 50)) && isnan(lat_rec_window_pct(&r, 20, 50)),
	   "a window that starts at or past the stored samples is NaN");
	lat_rec_free(&r);
}

int main(void)
{
	test_doubles();
	test_sort_rank();
	test_window();
	return tap_done();
}
