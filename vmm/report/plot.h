/* Self-contained SVG report (`numig run --plot FILE.svg`): one panel per
 * latency histogram, then one panel per time series, stacked vertically.
 * The file embeds everything (no scripts, fonts or external links), so it
 * opens in any browser. */
#ifndef NUMIG_VMM_PLOT_H
#define NUMIG_VMM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Log2 latency histogram, e.g. from lat_rec_histogram(): bucket i counts
 * samples in [2^i, 2^(i+1)) ns (bucket 0 also holds 0 ns). Drawn as bars
 * over the non-empty bucket range, x labelled in ns/µs/ms/s, y = count. */
struct plot_hist {
	const char *name;
	const uint64_t *buckets;
	int nbuckets;
	double p50_ns, p99_ns;  /* marked with a labelled line each; 0: not marked */
	bool log_y;             /* bar heights on a log scale: a rare tail stays visible */
};

/* Time series: v[i] at t_s[i] seconds since start, drawn as a polyline.
 * Non-finite points break the line. Dense series are reduced to each pixel
 * column's first/min/max/last point, so spikes survive. */
struct plot_series {
	const char *name;
	const char *unit; /* y unit for the axis labels, may be NULL */
	const double *t_s;
	const double *v;
	size_t n;
};

/* Writes the SVG to path (title may be NULL; a '\n' in it starts a
 * smaller second line). Histograms and series without data get no panel;
 * with no data at all, one panel says "no samples". Time axes run from 0
 * with ticks at 1, 2 or 5 x 10^k s; value axes from 0 (or the minimum, if
 * negative), also with round ticks.
 * Returns 0, or -1 with a one-line message in err (bad arguments, cannot
 * create or write the file; a partly written file is removed). */
int plot_write_svg(const char *path, const char *title, const struct plot_hist *h, size_t nh,
		   const struct plot_series *s, size_t ns, char *err, size_t errlen);

/* Before the guest starts: can path be written? Opens it for writing
 * without truncating or blocking (a FIFO without a reader is an error) and
 * removes it again if it did not exist. 0, or -1 with a message in err. */
int plot_check_path(const char *path, char *err, size_t errlen);

#endif
