/* SVG report writer: stacked histogram and time-series panels.
 *
 * Coordinates are written as integers (pixels), which is precise enough for
 * a report and keeps the output independent of the C locale's decimal
 * point. */
#include "plot.h"
#include "text.h"

#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SVG_W 960
#define TITLE_H 64
#define PANEL_H 220
/* Plot area inside a panel, relative to the panel's top-left corner. */
#define PLOT_L 80
#define PLOT_R (SVG_W - 30)
#define PLOT_T 36
#define PLOT_B (PANEL_H - 52)
#define PLOT_W (PLOT_R - PLOT_L)
#define PLOT_H (PLOT_B - PLOT_T)
#define MIN_HIST_BARS 4  /* widen tiny ranges so one bar is not the whole panel */
#define MAX_X_LABELS 10
#define MAX_TICKS 8



/* Caller-supplied text as XML character data: markup characters escaped,
 * and bytes XML 1.0 forbids (controls, invalid UTF-8) replaced, so the file
 * stays well-formed whatever the phase names contain. */
static void put_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t len = 1;

		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fputc(' ', f);
			} else if (*s < 0x80) {
				fputc(*s, f);
			} else if ((len = text_utf8_len(s)) > 0) {
				fwrite(s, 1, len, f);
			} else {
				fputc('?', f);
				len = 1;
			}
		}
		s += len;
	}
}

/* 2^i as a double, for 0 <= i <= 64. */
static double pow2(int i)
{
	return i < 64 ? (double)(UINT64_C(1) << i) : 18446744073709551616.0;
}

/* Nanoseconds in the largest unit that keeps the number >= 1. */
static void fmt_ns(char *buf, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(buf, n, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%.3g\xc2\xb5s", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.3gms", ns / 1e6);
	else
		snprintf(buf, n, "%.3gs", ns / 1e9);
}

static void text_at(FILE *f, int x, int y, const char *anchor, const char *s)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\">", x, y, anchor);
	put_text(f, s);
	fputs("</text>\n", f);
}

/* Frame, heading and (for panels with data) axes of panel number idx.
 * Opens the panel's <g>; the caller closes it. */
static void panel_begin(FILE *f, int idx, const char *name, const char *note, bool axes)
{
	fprintf(f, "<g class=\"panel\" transform=\"translate(0,%d)\">\n", TITLE_H + idx * PANEL_H);
	fprintf(f, "<rect x=\"10\" y=\"4\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#cccccc\"/>\n",
		SVG_W - 20, PANEL_H - 8);
	fputs("<text x=\"20\" y=\"24\" font-size=\"14\" font-weight=\"bold\">", f);
	put_text(f, name);
	if (note) {
		fputs("<tspan dx=\"8\" font-weight=\"normal\" fill=\"#666666\">", f);
		put_text(f, note);
		fputs("</tspan>", f);
	}
	fputs("</text>\n", f);
	if (axes)
		fprintf(f, "<path d=\"M%d %dV%dH%d\" fill=\"none\" stroke=\"#333333\"/>\n", PLOT_L,
			PLOT_T, PLOT_B, PLOT_R);
}

static void panel_no_samples(FILE *f)
{
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"16\" fill=\"#999999\">no samples</text>\n",
		SVG_W / 2, PANEL_H / 2);
}

/* Vertical "count"-style axis title left of the plot area. */
static void y_title(FILE *f, const char *s)
{
	fprintf(f, "<text transform=\"translate(20,%d) rotate(-90)\" text-anchor=\"middle\">",
		(PLOT_T + PLOT_B) / 2);
	put_text(f, s);
	fputs("</text>\n", f);
}

/* ---- histogram panels --------------------------------------------------- */

static uint64_t bucket(const struct plot_hist *h, int i)
{
	return i < h->nbuckets ? h->buckets[i] : 0;
}

/* A percentile as a dashed line at its place on the log2 axis, labelled. */
static void hist_marker(FILE *f, double ns, int lo, int nb, const char *what, const char *color, int label_y)
{
	char v[32], label[64];
	double pos;
	int x;

	if (!(ns > 0) || !isfinite(ns))
		return;
	pos = (log2(ns < 1 ? 1 : ns) - lo) / nb;
	pos = pos < 0 ? 0 : pos > 1 ? 1 : pos;
	x = PLOT_L + (int)(pos * PLOT_W + 0.5);
	fmt_ns(v, sizeof(v), ns);
	snprintf(label, sizeof(label), "%s %s", what, v);
	fprintf(f, "<path class=\"%s\" d=\"M%d %dV%d\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n",
		what, x, PLOT_T, PLOT_B, color);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\" font-weight=\"bold\">", x > PLOT_R - 90 ? x - 4 : x + 4,
		label_y, x > PLOT_R - 90 ? "end" : "start", color);
	put_text(f, label);
	fputs("</text>\n", f);
}

static bool hist_has_data(const struct plot_hist *h)
{
	int nmax = h->buckets && h->nbuckets > 0 ? (h->nbuckets < 64 ? h->nbuckets : 64) : 0;

	for (int i = 0; i < nmax; i++)
		if (h->buckets[i])
			return true;
	return false;
}

static void hist_panel(FILE *f, int idx, const struct plot_hist *h)
{
	char buf[64], lo_s[32], hi_s[32];
	uint64_t total = 0, maxc = 0;
	int i, lo = -1, hi = -1, nb, step;
	int nmax = h->buckets && h->nbuckets > 0 ? (h->nbuckets < 64 ? h->nbuckets : 64) : 0;

	for (i = 0; i < nmax; i++) {
		uint64_t c = h->buckets[i];

		if (!c)
			continue;
		if (lo < 0)
			lo = i;
		hi = i;
		total += c;
		if (c > maxc)
			maxc = c;
	}
	if (lo < 0) {
		panel_begin(f, idx, h->name, NULL, false);
		panel_no_samples(f);
		fputs("</g>\n", f);
		return;
	}
	snprintf(buf, sizeof(buf), "(n=%" PRIu64 ")", total);
	panel_begin(f, idx, h->name, buf, true);
	while (hi - lo + 1 < MIN_HIST_BARS && hi < 63)
		hi++;
	while (hi - lo + 1 < MIN_HIST_BARS && lo > 0)
		lo--;
	nb = hi - lo + 1;

	/* Gridline at the max count, drawn first so the bars cover it. */
	fprintf(f, "<path d=\"M%d %dH%d\" stroke=\"#dddddd\" stroke-dasharray=\"4 3\"/>\n", PLOT_L,
		PLOT_T, PLOT_R);
	fputs("<g fill=\"#4c78a8\">\n", f);
	for (i = lo; i <= hi; i++) {
		uint64_t c = bucket(h, i);
		int x0 = PLOT_L + (i - lo) * PLOT_W / nb;
		int x1 = PLOT_L + (i - lo + 1) * PLOT_W / nb;
		double share = h->log_y ? log1p((double)c) / log1p((double)maxc) : (double)c / (double)maxc;
		int bh = (int)(share * PLOT_H + 0.5);

		if (!c)
			continue;
		if (bh < 1)
			bh = 1; /* a non-empty bucket must stay visible */
		fmt_ns(lo_s, sizeof(lo_s), i == 0 ? 0 : pow2(i));
		fmt_ns(hi_s, sizeof(hi_s), pow2(i + 1));
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>[%s, %s): %" PRIu64 "</title></rect>\n",
			x0 + 1, PLOT_B - bh, x1 - x0 > 2 ? x1 - x0 - 2 : 1, bh, lo_s, hi_s, c);
	}
	fputs("</g>\n", f);

	/* Bucket boundaries 2^i, thinned to at most MAX_X_LABELS labels. */
	step = (nb + MAX_X_LABELS) / MAX_X_LABELS;
	for (i = lo; i <= hi + 1; i += step) {
		int x = PLOT_L + (i - lo) * PLOT_W / nb;

		fmt_ns(buf, sizeof(buf), i == 0 ? 0 : pow2(i));
		/* The right margin is narrow: end-anchor a label on the edge. */
		text_at(f, x, PLOT_B + 16, x == PLOT_R ? "end" : "middle", buf);
	}
	hist_marker(f, h->p50_ns, lo, nb, "p50", "#ff7f0e", PLOT_T + 12);
	hist_marker(f, h->p99_ns, lo, nb, "p99", "#2ca02c", PLOT_T + 26);
	text_at(f, (PLOT_L + PLOT_R) / 2, PLOT_B + 36, "middle", "latency (log2 buckets)");
	snprintf(buf, sizeof(buf), "%" PRIu64, maxc);
	text_at(f, PLOT_L - 6, PLOT_T + 4, "end", buf);
	text_at(f, PLOT_L - 6, PLOT_B + 4, "end", "0");
	y_title(f, h->log_y ? "count (log scale)" : "count");
	fputs("</g>\n", f);
}

/* ---- time-series panels ------------------------------------------------- */

/* Polyline writer: consecutive duplicate pixels are skipped and a series
 * that is a single point gets a dot (a one-point polyline draws nothing). */
struct line_out {
	FILE *f;
	int npts, last_x, last_y;
};

static void line_point(struct line_out *l, int x, int y)
{
	if (l->npts == 0)
		fputs("<polyline points=\"", l->f);
	else if (x == l->last_x && y == l->last_y)
		return;
	fprintf(l->f, "%s%d,%d", l->npts ? " " : "", x, y);
	l->npts++;
	l->last_x = x;
	l->last_y = y;
}

static void line_end(struct line_out *l)
{
	if (l->npts == 0)
		return;
	fputs("\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\"/>\n", l->f);
	if (l->npts == 1)
		fprintf(l->f, "<circle cx=\"%d\" cy=\"%d\" r=\"2\" fill=\"#d62728\"/>\n", l->last_x,
			l->last_y);
	l->npts = 0;
}

/* Points that fall into one pixel column: only the first, lowest, highest
 * and last matter for the picture (keeps spikes, bounds the file size). */
struct column {
	bool have;
	int x;
	struct {
		int y;
		size_t idx;
	} pt[4]; /* first, min, max, last */
};

static void column_flush(struct column *c, struct line_out *l)
{
	int order[4] = { 0, 1, 2, 3 }, i, j;

	if (!c->have)
		return;
	for (i = 1; i < 4; i++) /* insertion sort by sample index */
		for (j = i; j > 0 && c->pt[order[j]].idx < c->pt[order[j - 1]].idx; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < 4; i++)
		line_point(l, c->x, c->pt[order[i]].y);
	c->have = false;
}

static void column_add(struct column *c, struct line_out *l, int x, int y, size_t idx)
{
	if (c->have && x != c->x)
		column_flush(c, l);
	if (!c->have) {
		c->have = true;
		c->x = x;
		c->pt[0].y = c->pt[1].y = c->pt[2].y = y;
		c->pt[0].idx = c->pt[1].idx = c->pt[2].idx = idx;
	}
	if (y < c->pt[1].y) {
		c->pt[1].y = y;
		c->pt[1].idx = idx;
	}
	if (y > c->pt[2].y) {
		c->pt[2].y = y;
		c->pt[2].idx = idx;
	}
	c->pt[3].y = y;
	c->pt[3].idx = idx;
}

/* Position of v in [lo, hi] as a fraction in [0, 1]; halves first so that
 * ranges near DBL_MAX cannot overflow to inf. */
static double frac(double v, double lo, double hi)
{
	double span = hi / 2 - lo / 2, r;

	if (!(span > 0)) /* padding can vanish at huge magnitudes: centre it */
		return 0.5;
	r = (v / 2 - lo / 2) / span;
	return !(r > 0) ? 0 : r > 1 ? 1 : r;
}

static bool point_ok(const struct plot_series *s, size_t i)
{
	return isfinite(s->t_s[i]) && isfinite(s->v[i]);
}

static bool series_has_data(const struct plot_series *s)
{
	for (size_t i = 0; s->t_s && s->v && i < s->n; i++)
		if (point_ok(s, i))
			return true;
	return false;
}

/* 1, 2 or 5 x 10^k: at most MAX_TICKS - 1 steps over span. */
static double nice_step(double span)
{
	double raw = span / (MAX_TICKS - 2), mag, norm;

	if (!(raw > 0) || !isfinite(raw))
		return 0;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

/* Ticks at the multiples of step in [lo, hi], labelled; with gridlines on
 * the value axis. */
static void ticks(FILE *f, double lo, double hi, double step, bool time_axis, const char *fmt)
{
	char buf[48];
	double v0;
	int k;

	if (!(step > 0) || !isfinite(step) || !(hi > lo))
		return;
	v0 = ceil(lo / step) * step;
	for (k = 0; k < 2 * MAX_TICKS; k++) {
		double v = v0 + k * step;
		int p;

		if (v > hi + step * 1e-9 || !isfinite(v))
			break;
		if (fabs(v) < step * 1e-9)
			v = 0; /* no "-0" */
		snprintf(buf, sizeof(buf), fmt, v);
		if (time_axis) {
			p = PLOT_L + (int)(frac(v, lo, hi) * PLOT_W + 0.5);
			fprintf(f, "<path d=\"M%d %dv4\" stroke=\"#333333\"/>\n", p, PLOT_B);
			text_at(f, p, PLOT_B + 16, p >= PLOT_R - 10 ? "end" : "middle", buf);
		} else {
			p = PLOT_B - (int)(frac(v, lo, hi) * PLOT_H + 0.5);
			if (p != PLOT_B)
				fprintf(f, "<path d=\"M%d %dH%d\" stroke=\"#e4e4e4\"/>\n", PLOT_L + 1, p, PLOT_R);
			text_at(f, PLOT_L - 6, p + 4, "end", buf);
		}
	}
}

static void series_panel(FILE *f, int idx, const struct plot_series *s)
{
	double tmin = 0, tmax = 0, vmin = 0, vmax = 0, tstep, vstep;
	struct line_out line = { f, 0, 0, 0 };
	struct column col = { 0 };
	char unit_note[80];
	const char *unit = s->unit && *s->unit ? s->unit : NULL;
	size_t i, nvalid = 0;

	for (i = 0; s->t_s && s->v && i < s->n; i++) {
		if (!point_ok(s, i))
			continue;
		if (nvalid++ == 0) {
			tmin = tmax = s->t_s[i];
			vmin = vmax = s->v[i];
			continue;
		}
		tmin = s->t_s[i] < tmin ? s->t_s[i] : tmin;
		tmax = s->t_s[i] > tmax ? s->t_s[i] : tmax;
		vmin = s->v[i] < vmin ? s->v[i] : vmin;
		vmax = s->v[i] > vmax ? s->v[i] : vmax;
	}
	if (unit)
		snprintf(unit_note, sizeof(unit_note), "(%s)", unit);
	if (nvalid == 0) {
		panel_begin(f, idx, s->name, unit ? unit_note : NULL, false);
		panel_no_samples(f);
		fputs("</g>\n", f);
		return;
	}
	panel_begin(f, idx, s->name, unit ? unit_note : NULL, true);
	/* Time from 0 and values from 0 (unless negative): a reader compares
	 * heights and times without reading the labels first. */
	tmin = tmin > 0 ? 0 : tmin;
	vmin = vmin > 0 ? 0 : vmin;
	vstep = nice_step(vmax - vmin > 0 ? vmax - vmin : (vmax != 0 ? fabs(vmax) : 1));
	if (isfinite(vstep) && vstep > 0) {
		double top = ceil(vmax / vstep) * vstep, bottom = floor(vmin / vstep) * vstep;

		vmax = isfinite(top) && top > vmax - vstep ? top : vmax;
		vmin = isfinite(bottom) ? bottom : vmin;
	}
	if (vmin == vmax)
		vmax = vmin + 1;
	if (tmin == tmax)
		tmax = tmin + 1;
	tstep = nice_step(tmax - tmin);

	for (i = 0; i < s->n; i++) {
		if (!point_ok(s, i)) {
			column_flush(&col, &line);
			line_end(&line);
			continue;
		}
		column_add(&col, &line, PLOT_L + (int)(frac(s->t_s[i], tmin, tmax) * PLOT_W + 0.5),
			   PLOT_B - (int)(frac(s->v[i], vmin, vmax) * PLOT_H + 0.5), i);
	}
	column_flush(&col, &line);
	line_end(&line);

	ticks(f, tmin, tmax, tstep, true, "%gs");
	text_at(f, (PLOT_L + PLOT_R) / 2, PLOT_B + 36, "middle", "time since start (s)");
	ticks(f, vmin, vmax, vstep, false, "%.4g");
	y_title(f, unit ? unit : "value");
	fputs("</g>\n", f);
}

/* ---- document ----------------------------------------------------------- */

/* The title's first line large, the second (after '\n') smaller. */
static void title_lines(FILE *f, const char *title)
{
	const char *nl = strchr(title, '\n');
	char first[512];

	snprintf(first, sizeof(first), "%.*s", nl ? (int)(nl - title) : (int)strlen(title), title);
	fprintf(f, "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">", SVG_W / 2);
	put_text(f, first);
	fputs("</text>\n", f);
	if (nl) {
		fprintf(f, "<text x=\"%d\" y=\"48\" text-anchor=\"middle\" font-size=\"12\" fill=\"#444444\">", SVG_W / 2);
		put_text(f, nl + 1);
		fputs("</text>\n", f);
	}
}

int plot_check_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int existed, fd;

	if (!path || !*path) {
		text_set_err(err, errlen, "plot: empty path");
		return -1;
	}
	existed = stat(path, &st) == 0;
	if (existed && S_ISDIR(st.st_mode)) {
		text_set_err(err, errlen, "plot: '%s' is a directory", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		text_set_err(err, errlen, "plot: cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	/* Nothing was written: a failed close or unlink leaves at most an
	 * empty file, which the real write later replaces. */
	(void)close(fd);
	if (!existed)
		(void)unlink(path);
	return 0;
}

int plot_write_svg(const char *path, const char *title, const struct plot_hist *h, size_t nh,
		   const struct plot_series *s, size_t ns, char *err, size_t errlen)
{
	size_t npanels = 0, i;
	FILE *f;
	int idx = 0, saved, werr;
	struct stat st;
	bool regular;

	if (!path || !*path || (nh && !h) || (ns && !s)) {
		text_set_err(err, errlen, "plot: invalid arguments (missing path or panel array)");
		return -1;
	}
	for (i = 0; i < nh; i++)
		npanels += hist_has_data(&h[i]);
	for (i = 0; i < ns; i++)
		npanels += series_has_data(&s[i]);
	if (nh + ns > 1000) {
		text_set_err(err, errlen, "plot: too many panels (%zu, max 1000)", nh + ns);
		return -1;
	}
	f = fopen(path, "w");
	if (!f) {
		text_set_err(err, errlen, "plot: cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	/* Only a regular file may be removed after a failed write: the path
	 * could be a device or FIFO the user pointed us at. */
	regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	errno = 0;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n",
		SVG_W, TITLE_H + (int)(npanels ? npanels : 1) * PANEL_H, SVG_W,
		TITLE_H + (int)(npanels ? npanels : 1) * PANEL_H);
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
	title_lines(f, title ? title : "numig");

	for (i = 0; i < nh; i++)
		if (hist_has_data(&h[i]))
			hist_panel(f, idx++, &h[i]);
	for (i = 0; i < ns; i++)
		if (series_has_data(&s[i]))
			series_panel(f, idx++, &s[i]);
	if (npanels == 0) {
		panel_begin(f, 0, "(no data)", NULL, false);
		panel_no_samples(f);
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);

	/* stdio errors are sticky, so one check at the end covers every write;
	 * fclose must run either way and also reports the final flush. */
	werr = ferror(f);
	saved = errno;
	if (fclose(f) != 0) {
		werr = 1;
		saved = errno;
	}
	if (werr) {
		if (regular)
			remove(path);
		if (saved == 0)
			saved = EIO;
		text_set_err(err, errlen, "plot: cannot write '%s': %s", path, strerror(saved));
		return -1;
	}
	return 0;
}
