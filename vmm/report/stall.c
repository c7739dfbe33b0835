/* What the guest felt (stall.h). */
#include "stall.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/machine.h"

const uint64_t stall_threshold_ns[STALL_THRESHOLDS] = { 10000, 100000, 1000000, 10000000 };
const char *const stall_threshold_name[STALL_THRESHOLDS] = { "10us", "100us", "1ms", "10ms" };

/* The largest gap bucket b holds (the last one ends at 2^64). */
static uint64_t bucket_top(uint32_t b)
{
	return b + 1 < NUMIG_GAP_BUCKETS ? numig_gap_bucket_low(b + 1) - 1 : UINT64_MAX;
}

uint64_t stall_percentile_cycles(const struct gap_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->samples || !(q > 0))
		return 0;
	rank = q >= 1 ? h->samples : (uint64_t)ceil(q * (double)h->samples);
	if (rank == 0)
		rank = 1;
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			return bucket_top(b) < h->max ? bucket_top(b) : h->max;
	}
	return h->max;
}

double stall_cycles_us(uint64_t cycles, uint64_t khz)
{
	return khz ? (double)cycles * 1000.0 / (double)khz : NAN;
}

uint64_t stall_over(const struct gap_hist *h, uint64_t khz, uint64_t ns)
{
	uint64_t limit, n = 0;
	uint32_t top;

	if (!khz || !h->samples)
		return 0;
	/* The threshold in cycles, rounded up: a gap above it is above ns. */
	limit = (uint64_t)ceil((double)ns * (double)khz / 1e6);
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		if (numig_gap_bucket_low(b) > limit)
			n += h->bucket[b];
	top = numig_gap_bucket(h->max);
	if (h->max > limit && numig_gap_bucket_low(top) <= limit)
		n++; /* the max is known exactly: its straddling bucket holds at least it */
	return n;
}

void stall_summarize(const struct gap_hist *h, uint64_t khz, struct stall_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->samples = h->samples;
	for (int i = 0; i < STALL_THRESHOLDS; i++)
		s->over[i] = stall_over(h, khz, stall_threshold_ns[i]);
	s->p50_cycles = stall_percentile_cycles(h, 0.50);
	s->p99_cycles = stall_percentile_cycles(h, 0.99);
	s->max_cycles = h->max;
	s->p50_us = stall_cycles_us(s->p50_cycles, khz);
	s->p99_us = stall_cycles_us(s->p99_cycles, khz);
	s->max_us = stall_cycles_us(s->max_cycles, khz);
}

int stall_merge(struct gap_hist *all, const struct gap_hist *h)
{
	uint64_t sum[NUMIG_GAP_BUCKETS], samples;

	if (__builtin_add_overflow(all->samples, h->samples, &samples))
		return -1;
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		if (__builtin_add_overflow(all->bucket[b], h->bucket[b], &sum[b]))
			return -1;
	memcpy(all->bucket, sum, sizeof(sum));
	all->samples = samples;
	all->max = h->max > all->max ? h->max : all->max;
	return 0;
}

struct stall_figures *stall_collect(struct machine *m)
{
	int n = m->cfg.nr_vcpus;
	struct stall_figures *s = calloc(1, sizeof(*s) + (size_t)n * sizeof(s->vcpu[0]));

	if (!s)
		return NULL;
	s->nr_vcpus = n;
	for (int i = 0; i < n; i++) {
		struct stall_vcpu *v = &s->vcpu[i];
		int rc = guest_gap_hist(m->vcpus[i].mb, &v->h, v->why, sizeof(v->why));

		if (rc > 0 && stall_merge(&s->all, &v->h)) {
			snprintf(v->why, sizeof(v->why), "its counts would make the total wrap");
			rc = -1;
		}
		if (rc > 0) {
			v->state = STALL_OK;
			s->stride = !s->published || s->stride == v->h.stride ? v->h.stride : 0;
			s->published++;
		} else if (rc < 0) {
			v->state = STALL_REJECTED;
			s->rejected++;
		}
	}
	s->all.stride = s->stride;
	/* Once per run: the text, JSON and plot then use one rate, and the
	 * fallback's 20 ms measurement is not repeated. */
	if ((s->published || s->rejected) && !m->tsc_read) {
		tsc_rate_get(m->vcpus[0].fd, &m->tsc);
		m->tsc_read = 1;
	}
	s->tsc = m->tsc;
	return s;
}

/* 345, or 1.2e8 past a million: the count's size at a glance. */
static void count_str(char *buf, size_t len, uint64_t n)
{
	if (n < 1000000) {
		snprintf(buf, len, "%llu", (unsigned long long)n);
	} else {
		int e = (int)floor(log10((double)n));
		double mant = (double)n / pow(10, e);

		if (mant >= 9.95) {
			mant /= 10;
			e++;
		}
		snprintf(buf, len, "%.1fe%d", mant, e);
	}
}

/* 0.984, 812, 228100: three digits where they matter, no exponent. */
static void us_str(char *buf, size_t len, double us)
{
	snprintf(buf, len, us < 100 ? "%.3g" : "%.0f", us);
}

static void human_figures(FILE *f, const struct stall_summary *x, uint64_t khz)
{
	char p99[32], max[32];

	for (int i = 0; i < STALL_THRESHOLDS; i++)
		fprintf(f, "%s>%s %llu", i ? ", " : "; ", stall_threshold_name[i], (unsigned long long)x->over[i]);
	us_str(p99, sizeof(p99), x->p99_us);
	us_str(max, sizeof(max), x->max_us);
	if (khz)
		fprintf(f, "; p99 %s us, max %s us", p99, max);
	else
		fprintf(f, "; p99 %llu cycles, max %llu cycles", (unsigned long long)x->p99_cycles,
			(unsigned long long)x->max_cycles);
}

/* The all-vCPU line after its count: stride, figures, the TSC's source. */
static void human_totals(FILE *f, const struct stall_figures *s, const struct stall_summary *x)
{
	if (s->stride)
		fprintf(f, " (one per %llu operations)", (unsigned long long)s->stride);
	human_figures(f, x, s->tsc.khz);
	if (s->tsc.khz)
		fprintf(f, " (TSC %.2f GHz, %s%s%s)\n", (double)s->tsc.khz / 1e6, s->tsc.source, s->tsc.why[0] ? ": " : "",
			s->tsc.why);
	else
		fprintf(f, " (TSC rate unknown: %s)\n", s->tsc.why);
}

void stall_human(FILE *f, const struct stall_figures *s)
{
	struct stall_summary x;
	char n[32];

	if (!s) {
		fprintf(f, "guest felt: not reported (out of memory)\n");
		return;
	}
	if (!s->published && !s->rejected)
		return;
	if (!s->published) {
		fprintf(f, "guest felt: no figure: %d of %d vCPUs' histograms rejected, none usable\n", s->rejected,
			s->nr_vcpus);
	} else {
		stall_summarize(&s->all, s->tsc.khz, &x);
		count_str(n, sizeof(n), x.samples);
		fprintf(f, "guest felt: %s write gaps", n);
		human_totals(f, s, &x);
	}
	for (int i = 0; i < s->nr_vcpus; i++) {
		const struct stall_vcpu *v = &s->vcpu[i];

		if (v->state == STALL_OK) {
			stall_summarize(&v->h, s->tsc.khz, &x);
			count_str(n, sizeof(n), x.samples);
			fprintf(f, "  vCPU %d: %s gaps", i, n);
			human_figures(f, &x, s->tsc.khz);
			fputc('\n', f);
		} else if (v->state == STALL_REJECTED) {
			fprintf(f, "  vCPU %d: histogram rejected: %s\n", i, v->why);
		} else {
			fprintf(f, "  vCPU %d: no histogram (the vCPU did not finish its write loop)\n", i);
		}
	}
}

static void json_figures(struct json_w *w, const struct gap_hist *h, uint64_t khz)
{
	struct stall_summary x;

	stall_summarize(h, khz, &x);
	json_kv_u64(w, "samples", x.samples);
	json_kv_u64(w, "stride", h->stride);
	for (int i = 0; i < STALL_THRESHOLDS; i++) {
		char key[16];

		snprintf(key, sizeof(key), "over_%s", stall_threshold_name[i]);
		json_kv_u64(w, key, x.over[i]);
	}
	json_kv_double(w, "p50_us", x.p50_us);
	json_kv_double(w, "p99_us", x.p99_us);
	json_kv_double(w, "max_us", x.max_us);
	json_kv_u64(w, "p50_cycles", x.p50_cycles);
	json_kv_u64(w, "p99_cycles", x.p99_cycles);
	json_kv_u64(w, "max_cycles", x.max_cycles);
}

void stall_json(struct json_w *w, const struct stall_figures *s)
{
	static const char *const states[] = { "absent", "ok", "rejected" };

	json_key(w, "guest_felt");
	if (!s || (!s->published && !s->rejected)) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_u64(w, "tsc_khz", s->tsc.khz);
	json_kv_str(w, "tsc_source", s->tsc.source);
	json_kv_str(w, "tsc_note", s->tsc.why);
	json_kv_u64(w, "vcpus_published", (uint64_t)s->published);
	json_kv_u64(w, "vcpus_rejected", (uint64_t)s->rejected);
	json_key(w, "all");
	json_obj_begin(w);
	json_figures(w, &s->all, s->tsc.khz);
	json_key(w, "histogram"); /* the non-empty buckets: [from, to) in cycles */
	json_arr_begin(w);
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		if (s->all.bucket[b]) {
			json_obj_begin(w);
			json_kv_u64(w, "from_cycles", numig_gap_bucket_low(b));
			json_kv_u64(w, "to_cycles", bucket_top(b));
			json_kv_double(w, "from_us", stall_cycles_us(numig_gap_bucket_low(b), s->tsc.khz));
			json_kv_u64(w, "count", s->all.bucket[b]);
			json_obj_end(w);
		}
	json_arr_end(w);
	json_obj_end(w);
	json_key(w, "vcpus");
	json_arr_begin(w);
	for (int i = 0; i < s->nr_vcpus; i++) {
		const struct stall_vcpu *v = &s->vcpu[i];

		json_obj_begin(w);
		json_kv_i64(w, "id", i);
		json_kv_str(w, "state", states[v->state]);
		if (v->state == STALL_OK)
			json_figures(w, &v->h, s->tsc.khz);
		else if (v->state == STALL_REJECTED)
			json_kv_str(w, "why", v->why);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

int stall_plot_hist(const struct stall_figures *s, uint64_t *buckets, int n, struct plot_hist *h)
{
	struct stall_summary x;

	if (!s || !s->published || !s->all.samples || !s->tsc.khz || n <= 0)
		return 0;
	memset(buckets, 0, (size_t)n * sizeof(*buckets));
	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++) {
		double ns;
		int i;

		if (!s->all.bucket[b])
			continue;
		ns = (double)numig_gap_bucket_low(b) * 1e6 / (double)s->tsc.khz;
		i = ns < 2 ? 0 : (int)floor(log2(ns));
		buckets[i < n ? i : n - 1] += s->all.bucket[b];
	}
	stall_summarize(&s->all, s->tsc.khz, &x);
	*h = (struct plot_hist){ "guest write gaps (all vCPUs)", buckets, n, x.p50_us * 1000.0, x.p99_us * 1000.0, true };
	return 1;
}
