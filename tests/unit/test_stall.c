/* What the guest felt, no KVM: the write-gap bucket function shared by
 * guest and VMM (numig/abi.h), percentiles and thresholds from the buckets
 * and the conversion to time (vmm/report/stall.c), and the VMM's check of
 * a hostile histogram (guest_gap_hist, vmm/vm/guest_input.c), and the TSC
 * rate's fallback (vmm/vm/tsc.c). */
#define TAP_MAIN
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "vmm/report/stall.h"
#include "vmm/vm/guest_input.h"

static void test_buckets(void)
{
	int ok_low = 1, ok_top = 1, ok_width = 1, ok_mono = 1;
	uint32_t prev = 0;

	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++) {
		uint64_t lo = numig_gap_bucket_low(b);
		uint64_t next = b + 1 < NUMIG_GAP_BUCKETS ? numig_gap_bucket_low(b + 1) : 0;

		ok_low &= numig_gap_bucket(lo) == b;
		if (b + 1 < NUMIG_GAP_BUCKETS) {
			ok_top &= numig_gap_bucket(next - 1) == b && next > lo;
			/* At most 1/NUMIG_GAP_SUBS of the lower bound wide (exact below). */
			ok_width &= lo < NUMIG_GAP_SUBS ? next - lo == 1 : (next - lo) * NUMIG_GAP_SUBS <= lo;
		}
	}
	OK(ok_low, "every bucket's lower bound falls in that bucket");
	OK(ok_top, "every bucket ends where the next begins (no gap, no overlap)");
	OK(ok_width, "buckets are exact below %u cycles and at most 25%% wide above", NUMIG_GAP_SUBS);
	for (uint64_t x = 0; x < 100000; x++) {
		uint32_t b = numig_gap_bucket(x);

		ok_mono &= b >= prev && numig_gap_bucket_low(b) <= x;
		prev = b;
	}
	OK(ok_mono, "bucket() is monotone and low(bucket(x)) <= x for x < 100000");
	OK(numig_gap_bucket(0) == 0 && numig_gap_bucket(3) == 3 && numig_gap_bucket(4) == 4 && numig_gap_bucket(8) == 8 &&
		   numig_gap_bucket(9) == 8 && numig_gap_bucket(10) == 9,
	   "small values: 0..7 exact, 8 and 9 share a bucket, 10 starts the next");
	OK(numig_gap_bucket(UINT64_MAX) == NUMIG_GAP_BUCKETS - 1 && numig_gap_bucket(1ull << 63) == NUMIG_GAP_BUCKETS - 4,
	   "2^63 and 2^64-1 land in the top power's buckets (%u buckets)", NUMIG_GAP_BUCKETS);
	OK(sizeof(struct numig_mailbox) <= NUMIG_MAILBOX_SIZE &&
		   __builtin_offsetof(struct numig_mailbox, msg) == 656 &&
		   __builtin_offsetof(struct numig_mailbox, gaps) >= __builtin_offsetof(struct numig_mailbox, user_param),
	   "the histogram is appended: ABI-1 offsets unchanged, mailbox %zu of %d bytes", sizeof(struct numig_mailbox),
	   NUMIG_MAILBOX_SIZE);
}

static void add(struct gap_hist *h, uint64_t cycles, uint64_t n)
{
	h->bucket[numig_gap_bucket(cycles)] += n;
	h->samples += n;
	if (n && cycles > h->max)
		h->max = cycles;
}

static void test_figures(void)
{
	struct gap_hist h, all;
	struct stall_summary s;

	memset(&h, 0, sizeof(h));
	h.stride = 64;
	OK(stall_percentile_cycles(&h, 0.99) == 0 && stall_over(&h, 1000000, 10000) == 0, "no samples: p99 0, none over");
	add(&h, 100, 990);     /* bucket [96, 112) */
	add(&h, 20000, 9);     /* 20 us at 1 GHz */
	add(&h, 5000000, 1);   /* 5 ms */
	OK(stall_percentile_cycles(&h, 0.99) == 111, "p99 is the top of the bucket holding rank 990 (got %llu)",
	   (unsigned long long)stall_percentile_cycles(&h, 0.99));
	OK(stall_percentile_cycles(&h, 0.995) == 20479 && stall_percentile_cycles(&h, 1.0) == 5000000,
	   "p99.5 the top of 20000's bucket; p100 the exact max");
	OK(stall_percentile_cycles(&h, 0.5) == 111, "p50 in the bulk");
	/* 1 GHz: 1 cycle = 1 ns. */
	OK(fabs(stall_cycles_us(2600000, 2600000) - 1000.0) < 1e-9 && fabs(stall_cycles_us(1, 1000000) - 0.001) < 1e-12 &&
		   isnan(stall_cycles_us(5, 0)),
	   "cycles to us: 2.6e6 cycles at 2.6 GHz = 1 ms; unknown rate gives NaN");
	stall_summarize(&h, 1000000, &s);
	OK(s.samples == 1000 && s.over[0] == 10 && s.over[1] == 1 && s.over[2] == 1 && s.over[3] == 0,
	   "over 10us/100us/1ms/10ms: 10, 1, 1, 0 (got %llu %llu %llu %llu)", (unsigned long long)s.over[0],
	   (unsigned long long)s.over[1], (unsigned long long)s.over[2], (unsigned long long)s.over[3]);
	OK(fabs(s.max_us - 5000.0) < 1e-9 && s.p99_us <= s.max_us, "max 5000 us, p99 <= max");
	/* A gap just above 10 us shares its bucket [8192, 10240) with gaps
	 * below: not counted, unless it is the max, which is exact. */
	memset(&h, 0, sizeof(h));
	add(&h, 10001, 3);
	OK(stall_over(&h, 1000000, 10000) == 1, "straddling bucket: only the exact max counts (got %llu)",
	   (unsigned long long)stall_over(&h, 1000000, 10000));
	add(&h, 9000, 5);
	OK(stall_over(&h, 1000000, 10000) == 1 && stall_over(&h, 1000000, 10001) == 0,
	   "a gap equal to the threshold is not above it");
	memset(&all, 0, sizeof(all));
	OK(stall_merge(&all, &h) == 0 && stall_merge(&all, &h) == 0 && all.samples == 16 && all.max == 10001,
	   "merge adds counts and keeps the max");
	h.bucket[numig_gap_bucket(9000)] = UINT64_MAX; /* all holds 10 there */
	OK(stall_merge(&all, &h) == -1 && all.samples == 16, "a merge that would wrap is refused, total unchanged");
}

static void publish(struct numig_mailbox *mb)
{
	uint64_t n = 0;

	for (uint32_t b = 0; b < NUMIG_GAP_BUCKETS; b++)
		n += mb->gaps.bucket[b];
	mb->gaps.samples = n;
	mb->gaps.magic = NUMIG_GAP_MAGIC;
}

static void test_hostile(void)
{
	static struct numig_mailbox mb;
	struct gap_hist h;
	char why[160];

	memset(&mb, 0, sizeof(mb));
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == 0, "unpublished: no figure, not an error");
	mb.gaps.stride = 64;
	mb.gaps.bucket[numig_gap_bucket(700)] = 5;
	mb.gaps.max = 700;
	publish(&mb);
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == 1 && h.samples == 5 && h.max == 700 && h.stride == 64,
	   "a consistent histogram is taken");
	mb.gaps.samples = 6;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1 && strstr(why, "sum"), "samples != sum of buckets: %s", why);
	publish(&mb);
	mb.gaps.max = 5000;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1 && strstr(why, "max"), "max above the top bucket: %s", why);
	mb.gaps.max = 10;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1, "max below the top bucket");
	mb.gaps.max = 700;
	mb.gaps.stride = 0;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1 && strstr(why, "stride"), "stride 0: %s", why);
	mb.gaps.stride = NUMIG_GAP_STRIDE_MAX + 1ull;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1, "stride above %d", NUMIG_GAP_STRIDE_MAX);
	mb.gaps.stride = 64;
	mb.gaps.bucket[0] = UINT64_MAX;
	mb.gaps.samples = 4; /* what a wrapped sum would give: 5 + 2^64 - 1 */
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1 && strstr(why, "overflow"), "counts that wrap: %s", why);
	memset(&mb.gaps, 0, sizeof(mb.gaps));
	mb.gaps.stride = 1;
	mb.gaps.max = 9;
	publish(&mb);
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == -1 && strstr(why, "no samples"), "a max with no samples: %s", why);
	mb.gaps.max = 0;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == 1 && h.samples == 0, "empty but published: taken, 0 samples");
	mb.gaps.magic = NUMIG_GAP_MAGIC + 1;
	OK(guest_gap_hist(&mb, &h, why, sizeof(why)) == 0, "a wrong magic is unpublished");
}

/* Without a vCPU (a bad descriptor), the rate comes from the host's TSC
 * against CLOCK_MONOTONIC, and the report says why. */
static void test_tsc_fallback(void)
{
	struct tsc_rate r;
	int rc = tsc_rate_get(-1, &r);

	OK(rc == 0 && r.khz > 0 && !strcmp(r.source, "host TSC vs CLOCK_MONOTONIC") &&
		   strstr(r.why, "KVM_GET_TSC_KHZ") && strstr(r.why, "Bad file descriptor"),
	   "KVM_GET_TSC_KHZ failing falls back to the measured host TSC: %llu kHz (%s)", (unsigned long long)r.khz,
	   r.why);
	OK(r.khz > 100000 && r.khz < 10000000, "the measured rate is a plausible TSC (0.1 to 10 GHz)");
}

int main(void)
{
	test_buckets();
	test_tsc_fallback();
	test_figures();
	test_hostile();
	return tap_done();
}
