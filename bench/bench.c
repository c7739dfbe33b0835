/* numig-bench: performance figures, each the median of several runs with
 * min-max, and each against a baseline measured in the same run.
 * See docs/measurements.md for what every figure means and how it is taken.
 *
 * Sections (in output order; --only takes their names):
 *   boot, hypercall        the seed figures
 *   migration              raw 2 MiB memcpy, hot and cold (the copy limit),
 *                          then copy bandwidth, end-to-end latency and vCPU
 *                          stall of real migrations under a running guest
 *   guard                  guard (invalidation) latency for 1, 2, 4, 8 vCPUs
 *   slowdown               guest throughput with migration / without, for
 *                          numig's engine and the stop-the-world baseline
 *   batched                one invalidation for k frames vs k invalidations
 *   batched-migration      real migrations with --migrate-batch K (K = 1, 8,
 *                          32): guard and end-to-end per page, whole batch
 *   kernel                 move_pages() of a THP between host nodes
 *   numig-vs-kernel        the same guest, pages and rate moved by numig's
 *                          engine and by the kernel (--migrator move-pages):
 *                          per-page cost and what the guest felt, as ratios
 *   strategies             stop-the-world, unmap-copy, precopy, auto on the
 *                          hammer guest with a sparse and a dense write set;
 *                          the cost of dirty logging; parallel copy with
 *                          N = 1, 2, 4, 8 threads against one cold memcpy
 * Ratios are computed per run (numerator and denominator from the same run)
 * and then summarised by their median. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"
#include "vmm/cli/guestdir.h"
#include "mmu/pool.h"
#include "mmu/snapshot.h"
#include "mmu/stats.h"
#include "mmu/ws.h"
#include "mmu/copier.h"
#include "mmu/strategy.h"
#include "vmm/cli/cli.h"
#include "vmm/report/stall.h"
#include "vmm/vm/run.h"

#define MAX_RUNS 32
#define MIB (1ull << 20)
#define MS (1000000ull)

/* The numig beside numig-bench (build folder or installed bin/), unless --numig. */
static const char *numig_path;
static char numig_beside[PATH_MAX];
static char guests_dir[2048];
static int runs = 5;
static const char *only; /* comma-separated section names, or NULL for all */

/* ---- statistics and printing ------------------------------------------ */

struct fig {
	double med, lo, hi;
	size_t n; /* non-NaN values */
};

/* Median and min-max of the non-NaN values of v (v is not modified). */
static struct fig fig_of(const double *v, size_t n)
{
	double *t = malloc((n ? n : 1) * sizeof(*t));
	struct fig f = { NAN, NAN, NAN, 0 };

	if (!t)
		return f;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			t[f.n++] = v[i];
	if (f.n) {
		minmax_double(t, f.n, &f.lo, &f.hi);
		f.med = median_double(t, f.n);
	}
	free(t);
	return f;
}

/* Three significant digits at least, no exponent. */
static const char *num(char *b, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(b, 32, "n/a");
	else if (a >= 1000)
		snprintf(b, 32, "%.0f", v);
	else if (a >= 100)
		snprintf(b, 32, "%.1f", v);
	else if (a >= 10)
		snprintf(b, 32, "%.2f", v);
	else
		snprintf(b, 32, "%.3f", v);
	return b;
}

static struct fig print_fig(const char *name, const double *v, size_t n, const char *unit, const char *extra)
{
	struct fig f = fig_of(v, n);
	char a[32], b[32], c[32];

	printf("  %-58s %10s %-5s (min %s, max %s, n=%zu)%s%s\n", name, num(a, f.med), unit, num(b, f.lo),
	       num(c, f.hi), f.n, extra && *extra ? "  " : "", extra ? extra : "");
	fflush(stdout);
	return f;
}

enum cmp { GOAL_LT, GOAL_LE, GOAL_GE };

struct goal {
	char what[160];
	char got[96];
	int met;
};

static struct goal goals[32];
static int nr_goals, nr_failed;

/* Judges the median of per-run ratios against `target`; records the goal
 * for the summary and writes the verdict into `extra`. */
static void judge(char *extra, size_t len, const char *what, const double *ratio, size_t n, enum cmp c,
		  double target, int show_ratio)
{
	static const char *const ops[] = { "<", "<=", ">=" };
	struct fig f = fig_of(ratio, n);
	char a[32], b[32];
	int met;

	if (c == GOAL_LT)
		met = f.n && f.med < target;
	else if (c == GOAL_LE)
		met = f.n && f.med <= target;
	else
		met = f.n && f.med >= target;
	if (show_ratio)
		snprintf(extra, len, "ratio %s, goal %s %s: %s", num(a, f.med), ops[c], num(b, target),
			 met ? "goal met" : "goal NOT met");
	else
		snprintf(extra, len, "goal %s %s: %s", ops[c], num(b, target), met ? "goal met" : "goal NOT met");
	if (nr_goals < (int)(sizeof(goals) / sizeof(goals[0]))) {
		struct goal *g = &goals[nr_goals++];

		snprintf(g->what, sizeof(g->what), "%s %s %s", what, ops[c], num(b, target));
		snprintf(g->got, sizeof(g->got), "%s", num(a, f.med));
		g->met = met;
	}
}

/* A section could not run (the reason is on stderr): say so on stdout and
 * count its goal as not met. */
static void fail_section(const char *what)
{
	printf("  FAILED: %s could not be measured (see stderr)\n", what);
	fflush(stdout);
	nr_failed++;
	if (nr_goals < (int)(sizeof(goals) / sizeof(goals[0]))) {
		struct goal *g = &goals[nr_goals++];

		snprintf(g->what, sizeof(g->what), "%s (not measured)", what);
		snprintf(g->got, sizeof(g->got), "-");
		g->met = 0;
	}
}

static int section(const char *name)
{
	const char *p = only;
	size_t l = strlen(name);

	if (!only)
		return 1;
	while (p && *p) {
		if (!strncmp(p, name, l) && (p[l] == ',' || p[l] == 0))
			return 1;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

static double us_of(uint64_t ns)
{
	return (double)ns / 1000.0;
}

/* lat_rec_window_pct() in us: the latency of the operations completed in a
 * window that began when r->count read `from`. */
static double win_us(const struct lat_rec *r, uint64_t from, unsigned pct)
{
	return lat_rec_window_pct(r, from, pct) / 1000.0;
}

static uint64_t rec_count(const struct lat_rec *r)
{
	return atomic_load(&r->count);
}

/* ---- machines ----------------------------------------------------------- */

/* The CLI's defaults, with what a measurement needs instead: a small
 * guest without a working set that decides itself when it is done, a
 * generous timeout, and no time series. */
static void base_config(struct run_config *c)
{
	cli_defaults(c);
	c->mem_bytes = 64ull << 20;
	c->ws_bytes = 0;
	c->duration_ns = 0;
	c->timeout_ns = 120ull * 1000000000ull;
	c->sample_ns = 0;
}

/* A guest that migrates: the CLI's default memory (256 MiB) and working set
 * (64 MiB = 32 huge pages, more than a typical L3), explicit migrations at
 * `rate` per second by the migration thread, ping-pong pattern. */
static void mig_config(struct run_config *c, int vcpus, double rate, int stw)
{
	base_config(c);
	c->nr_vcpus = vcpus;
	c->mem_bytes = 256 * MIB;
	c->ws_bytes = 64 * MIB;
	c->mmu.migrate.rate_per_s = rate;
	c->mmu.migrate.pattern = SCHED_PINGPONG;
	c->mmu.strategy = stw ? STRATEGY_STOP_THE_WORLD : STRATEGY_UNMAP_COPY;
}

static int set_guest(struct run_config *c, const char *guest)
{
	c->guest = guest;
	snprintf(c->guest_path, sizeof(c->guest_path), "%s/%s.elf", guests_dir, guest);
	return 0;
}

static int run_guest(const char *guest, struct run_config *c, struct machine *m)
{
	struct nerr e = { 0, "" };

	set_guest(c, guest);
	if (machine_create(m, c, &e) || machine_run(m, NULL, &e)) {
		fprintf(stderr, "bench: %s: %s\n", guest, e.msg);
		machine_destroy(m);
		return -1;
	}
	return 0;
}

static int failed_vcpu(struct machine *m)
{
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		if (atomic_load(&m->vcpus[i].end) == VCPU_FAILED) {
			fprintf(stderr, "bench: %s: %s\n", m->cfg.guest, m->vcpus[i].fail);
			return 1;
		}
	return m->timed_out;
}

/* The mmu's figures, read as the reports read them (mmu_snapshot()). */
static struct mmu_snapshot snap(struct machine *m)
{
	struct mmu_snapshot s;

	mmu_snapshot(&m->mmu, &s);
	return s;
}

static uint64_t migrations_done(struct machine *m)
{
	return snap(m).done;
}

struct window {
	double ops_per_s;  /* guest throughput inside the window */
	double mig_per_s;  /* migrations completed inside the window */
	double secs;
	/* lat_rec counts at the start of the window: latencies are taken
	 * from the samples recorded after them (win_us) */
	uint64_t guard, copy, total, stall, pause, batch;
};

/* Runs `guest` for warm_ns + win_ns and measures throughput only inside the
 * last win_ns. On success the machine is left for the caller to read and
 * destroy; on failure it is destroyed. */
static int run_window(struct machine *m, struct run_config *c, const char *guest, uint64_t warm_ns, uint64_t win_ns,
		      struct window *w)
{
	struct nerr e = { 0, "" };
	uint64_t ops0, ops1, mig0, mig1, t0, t1;
	struct mmu_snapshot s;

	set_guest(c, guest);
	c->duration_ns = warm_ns + win_ns; /* machine_wait stops the guest right after the window */
	if (machine_create(m, c, &e))
		goto fail;
	/* Populates the host memory behind every working-set page before the
	 * guest starts, so that the measured window does not include
	 * first-touch huge-page allocation (a cost of the first pass only, not
	 * of migration). mmu_start() does the same in every run where pages can
	 * migrate, and then finds the frames populated; the call stays so that
	 * the bench does not depend on that. */
	ws_populate(&m->mmu.ws);
	if (machine_start(m, &e))
		goto fail;
	sleep_ns(warm_ns);
	s = snap(m);
	w->guard = rec_count(s.lat.guard);
	w->copy = rec_count(s.lat.copy);
	w->total = rec_count(s.lat.total);
	w->stall = rec_count(s.lat.vcpu_stall);
	w->pause = rec_count(s.lat.stw_pause);
	w->batch = rec_count(s.lat.batch_total);
	t0 = now_ns();
	ops0 = machine_sum_counter(m, NUMIG_CNT_OPS);
	mig0 = migrations_done(m);
	sleep_ns(win_ns);
	t1 = now_ns();
	ops1 = machine_sum_counter(m, NUMIG_CNT_OPS);
	mig1 = migrations_done(m);
	machine_wait(m, NULL);
	if (failed_vcpu(m)) {
		machine_destroy(m);
		return -1;
	}
	w->secs = (double)(t1 - t0) / 1e9;
	w->ops_per_s = (double)(ops1 - ops0) / w->secs;
	w->mig_per_s = (double)(mig1 - mig0) / w->secs;
	return 0;
fail:
	fprintf(stderr, "bench: %s: %s\n", guest, e.msg);
	machine_destroy(m);
	return -1;
}

/* ---- seed figures ------------------------------------------------------- */

/* Wall time of a whole `numig run --guest hello --vcpus 2` process. */
static void bench_boot(void)
{
	double ms[MAX_RUNS];
	char extra[160];

	printf("boot\n");
	for (int i = 0; i < runs; i++) {
		uint64_t t0;
		pid_t pid;
		int st;

		fflush(stdout);
		t0 = now_ns();
		pid = fork();
		if (pid == 0) {
			if (!freopen("/dev/null", "w", stdout))
				_exit(126);
			execl(numig_path, numig_path, "run", "--guest", "hello", "--vcpus", "2", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		ms[i] = (double)(now_ns() - t0) / 1e6;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "bench: %s run --guest hello exited with %d\n", numig_path,
				WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			fail_section("boot wall time");
			return;
		}
	}
	judge(extra, sizeof(extra), "boot wall time (ms)", ms, (size_t)runs, GOAL_LT, 50, 0);
	print_fig("boot: numig run --guest hello --vcpus 2 (wall)", ms, (size_t)runs, "ms", extra);
}

/* One ring-3 `out` hypercall: exit, dispatch, re-entry. */
static void bench_hypercall(void)
{
	static struct machine m;
	const uint64_t n = 20000;
	double ns[MAX_RUNS];

	printf("hypercall\n");
	for (int i = 0; i < runs; i++) {
		struct run_config c;
		uint64_t t[2];

		for (int k = 0; k < 2; k++) {
			base_config(&c);
			c.params[NUMIG_PARAM_COUNT] = k ? n : 0;
			if (run_guest("hcbench", &c, &m)) {
				printf("  FAILED: hypercall round trip could not be measured (see stderr)\n");
				nr_failed++;
				return;
			}
			t[k] = m.t_end_ns - m.t_start_ns;
			machine_destroy(&m);
		}
		ns[i] = t[1] > t[0] ? (double)(t[1] - t[0]) / (double)n : NAN;
	}
	print_fig("hypercall round trip (ring-3 out -> VMM -> guest)", ns, (size_t)runs, "ns", NULL);
}

/* ---- raw memcpy --------------------------------------------------------- */

/* The cold set: COLD_PAIRS pairs of (source, destination) 2 MiB buffers,
 * 256 MiB in all, THP-backed like numig's frames and populated up front.
 * Copying pair k again only after the other 63 pairs (252 MiB) went through
 * the caches leaves neither its source nor its destination cached. */
#define COLD_PAIRS 64
#define HOT_COPIES 64

static uint8_t *cbuf;

static int copybuf_init(void)
{
	size_t len = (size_t)COLD_PAIRS * 2 * FRAME_SIZE;
	uint8_t *map = mmap(NULL, len + FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (map == MAP_FAILED)
		return -1;
	cbuf = (uint8_t *)(((uintptr_t)map + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	(void)madvise(cbuf, len, MADV_HUGEPAGE);
	(void)madvise(cbuf, len, MADV_POPULATE_WRITE);
	for (size_t off = 0; off < len; off += 4096)
		memset(cbuf + off, (int)(off >> 12) | 1, 64);
	return 0;
}

static uint8_t *pair_src(int k)
{
	return cbuf + (size_t)(2 * k) * FRAME_SIZE;
}

static uint8_t *pair_dst(int k)
{
	return cbuf + (size_t)(2 * k + 1) * FRAME_SIZE;
}

/* Median ns of one 2 MiB memcpy whose source and destination were just
 * copied (both in cache, as far as 4 MiB fit). */
static double memcpy_hot_ns(void)
{
	double v[HOT_COPIES];

	for (int i = 0; i < 4; i++)
		memcpy(pair_dst(0), pair_src(0), FRAME_SIZE);
	for (int i = 0; i < HOT_COPIES; i++) {
		uint64_t t0 = now_ns();

		memcpy(pair_dst(0), pair_src(0), FRAME_SIZE);
		v[i] = (double)(now_ns() - t0);
	}
	return median_double(v, HOT_COPIES);
}

/* Median ns of one 2 MiB memcpy with source and destination out of cache:
 * two rotations through the 256 MiB set. */
static double memcpy_cold_ns(void)
{
	double v[2 * COLD_PAIRS];

	for (int i = 0; i < 2 * COLD_PAIRS; i++) {
		int k = i % COLD_PAIRS;
		uint64_t t0 = now_ns();

		memcpy(pair_dst(k), pair_src(k), FRAME_SIZE);
		v[i] = (double)(now_ns() - t0);
	}
	return median_double(v, 2 * COLD_PAIRS);
}

static double gbps(double ns_per_2mib)
{
	return (double)FRAME_SIZE / ns_per_2mib; /* bytes per ns = GB/s */
}

/* Per run of the migration section: the mean of one measurement just
 * before the guest starts and one just after it stopped (the host's memory
 * bandwidth drifts over seconds on a shared machine; this brackets the run). */
static double hot_ns[MAX_RUNS], cold_ns[MAX_RUNS];

static long l3_bytes(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
	long kb = 0;

	if (f) {
		if (fscanf(f, "%ldK", &kb) != 1)
			kb = 0;
		fclose(f);
	}
	return kb * 1024;
}

static void print_memcpy(void)
{
	double hot[MAX_RUNS] = { 0 }, cold[MAX_RUNS] = { 0 }, hus[MAX_RUNS] = { 0 }, cus[MAX_RUNS] = { 0 };
	long l3 = l3_bytes();
	char name[128];

	printf("raw memcpy of 2 MiB (glibc memcpy, the call the migration engine makes), bracketing each migration "
	       "run\n");
	for (int i = 0; i < runs; i++) {
		hot[i] = gbps(hot_ns[i]);
		cold[i] = gbps(cold_ns[i]);
		hus[i] = hot_ns[i] / 1000.0;
		cus[i] = cold_ns[i] / 1000.0;
	}
	print_fig("memcpy 2 MiB hot (same 2+2 MiB, in cache)", hot, (size_t)runs, "GB/s", NULL);
	print_fig("memcpy 2 MiB hot, time per copy", hus, (size_t)runs, "us", NULL);
	if (l3 > 0)
		snprintf(name, sizeof(name), "memcpy 2 MiB cold (rotating 256 MiB set = %ldx L3)",
			 (long)(2 * COLD_PAIRS * FRAME_SIZE / (uint64_t)l3));
	else
		snprintf(name, sizeof(name), "memcpy 2 MiB cold (rotating 256 MiB set)");
	print_fig(name, cold, (size_t)runs, "GB/s", NULL);
	print_fig("memcpy 2 MiB cold, time per copy", cus, (size_t)runs, "us", NULL);
}

/* ---- real migrations: copy bandwidth, end-to-end, stall ----------------- */

#define MIG_VCPUS 2
#define MIG_RATE 200.0
#define MIG_WARM (300 * MS)
#define MIG_WIN (1200 * MS)

static void bench_migration(void)
{
	static struct machine m;
	double copy_us[MAX_RUNS], copy_p99[MAX_RUNS], total_us[MAX_RUNS], total_p99[MAX_RUNS];
	double stall50[MAX_RUNS], stall99[MAX_RUNS], guard_us[MAX_RUNS], done[MAX_RUNS], stalls[MAX_RUNS];
	double bw[MAX_RUNS], eff_cold[MAX_RUNS], eff_hot[MAX_RUNS], tot_cold[MAX_RUNS], tot_hot[MAX_RUNS];
	double tot99_cold[MAX_RUNS], s50r[MAX_RUNS], s99r[MAX_RUNS], lim50[MAX_RUNS], lim99[MAX_RUNS];
	char extra[200];

	for (int i = 0; i < runs; i++) {
		struct run_config c;
		struct window w;
		struct mmu_latencies l;
		double h0 = memcpy_hot_ns(), c0 = memcpy_cold_ns();

		mig_config(&c, MIG_VCPUS, MIG_RATE, 0);
		if (run_window(&m, &c, "hammer", MIG_WARM, MIG_WIN, &w)) {
			fail_section("migration figures (copy efficiency, end-to-end, vCPU stall)");
			return;
		}
		l = snap(&m).lat;
		hot_ns[i] = (h0 + memcpy_hot_ns()) / 2;
		cold_ns[i] = (c0 + memcpy_cold_ns()) / 2;
		copy_us[i] = win_us(l.copy, w.copy, 50);
		copy_p99[i] = win_us(l.copy, w.copy, 99);
		total_us[i] = win_us(l.total, w.total, 50);
		total_p99[i] = win_us(l.total, w.total, 99);
		guard_us[i] = win_us(l.guard, w.guard, 50);
		stall50[i] = win_us(l.vcpu_stall, w.stall, 50);
		stall99[i] = win_us(l.vcpu_stall, w.stall, 99);
		stalls[i] = (double)(rec_count(l.vcpu_stall) - w.stall);
		done[i] = (double)(rec_count(l.total) - w.total);
		machine_destroy(&m);
		bw[i] = gbps(copy_us[i] * 1000.0);
		eff_cold[i] = bw[i] / gbps(cold_ns[i]);
		eff_hot[i] = bw[i] / gbps(hot_ns[i]);
		tot_cold[i] = total_us[i] * 1000.0 / cold_ns[i];
		tot_hot[i] = total_us[i] * 1000.0 / hot_ns[i];
		tot99_cold[i] = total_p99[i] * 1000.0 / cold_ns[i];
		lim50[i] = copy_us[i] + 50.0;
		lim99[i] = copy_p99[i] + 50.0;
		s50r[i] = stall50[i] / lim50[i];
		s99r[i] = stall99[i] / lim99[i];
	}
	print_memcpy();

	printf("migration: hammer guest, %d vCPUs, 32 x 2 MiB working set, %.0f migrations/s; latencies of the "
	       "migrations done in a %.1f s window after %.1f s warm-up\n",
	       MIG_VCPUS, MIG_RATE, (double)MIG_WIN / 1e9, (double)MIG_WARM / 1e9);
	print_fig("migrations in the window", done, (size_t)runs, "", NULL);
	print_fig("copy phase p50 (st.copy)", copy_us, (size_t)runs, "us", NULL);
	print_fig("copy-phase bandwidth (2 MiB / copy p50)", bw, (size_t)runs, "GB/s", NULL);
	judge(extra, sizeof(extra), "copy-phase bandwidth / cold memcpy bandwidth", eff_cold, (size_t)runs, GOAL_GE,
	      0.9, 0);
	print_fig("copy efficiency = copy bw / cold memcpy bw (fair)", eff_cold, (size_t)runs, "x", extra);
	print_fig("copy bw / hot memcpy bw (not the fair baseline)", eff_hot, (size_t)runs, "x", NULL);
	printf("    fair baseline: cold memcpy. The migration thread has not touched the page it copies; the\n"
	       "    guest's data sits in DRAM or in another core's cache, and the target frame is not cached.\n");
	print_fig("end-to-end migration p50 (st.total)", total_us, (size_t)runs, "us", NULL);
	print_fig("end-to-end migration p99 (st.total)", total_p99, (size_t)runs, "us", NULL);
	judge(extra, sizeof(extra), "migration p50 / cold memcpy of 2 MiB", tot_cold, (size_t)runs, GOAL_LE, 1.15, 0);
	print_fig("end-to-end p50 / cold memcpy of 2 MiB (same run)", tot_cold, (size_t)runs, "x", extra);
	print_fig("end-to-end p50 / hot memcpy of 2 MiB (same run)", tot_hot, (size_t)runs, "x", NULL);
	print_fig("end-to-end p99 / cold memcpy of 2 MiB (same run)", tot99_cold, (size_t)runs, "x", NULL);
	print_fig("guard / unmap phase p50 (st.guard)", guard_us, (size_t)runs, "us", NULL);
	print_fig("vCPU stalls on a migrating page in the window", stalls, (size_t)runs, "", NULL);
	judge(extra, sizeof(extra), "vCPU stall p50 / (copy p50 + 50 us)", s50r, (size_t)runs, GOAL_LE, 1.0, 1);
	print_fig("vCPU stall p50 (faults.stall)", stall50, (size_t)runs, "us", extra);
	print_fig("  limit: copy p50 + 50 us", lim50, (size_t)runs, "us", NULL);
	judge(extra, sizeof(extra), "vCPU stall p99 / (copy p99 + 50 us)", s99r, (size_t)runs, GOAL_LE, 1.0, 1);
	print_fig("vCPU stall p99 (faults.stall)", stall99, (size_t)runs, "us", extra);
	print_fig("  limit: copy p99 + 50 us", lim99, (size_t)runs, "us", NULL);
}

/* ---- guard latency against the number of vCPUs --------------------------- */

static void bench_guard(void)
{
	static const int vcpus[] = { 1, 2, 4, 8 };
	static struct machine m;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	printf("guard (one mprotect-based invalidation of the old frame per migration): hammer guest, %.0f "
	       "migrations/s, %ld host CPUs, 0.8 s window after 0.2 s warm-up\n",
	       MIG_RATE, cpus);
	for (size_t v = 0; v < sizeof(vcpus) / sizeof(vcpus[0]); v++) {
		double guard[MAX_RUNS], copy[MAX_RUNS], ratio[MAX_RUNS];
		char name[128], extra[200], what[96];

		for (int i = 0; i < runs; i++) {
			struct run_config c;
			struct window w;
			struct mmu_latencies l;

			mig_config(&c, vcpus[v], MIG_RATE, 0);
			if (run_window(&m, &c, "hammer", 200 * MS, 800 * MS, &w)) {
				fail_section("guard latency");
				return;
			}
			l = snap(&m).lat;
			guard[i] = win_us(l.guard, w.guard, 50);
			copy[i] = win_us(l.copy, w.copy, 50);
			ratio[i] = guard[i] / copy[i];
			machine_destroy(&m);
		}
		snprintf(name, sizeof(name), "guard p50, %d vCPU%s (st.guard)", vcpus[v], vcpus[v] == 1 ? "" : "s");
		snprintf(what, sizeof(what), "guard p50 / copy p50, %d vCPU%s", vcpus[v], vcpus[v] == 1 ? "" : "s");
		judge(extra, sizeof(extra), what, ratio, (size_t)runs, GOAL_LE, 0.1, 1);
		print_fig(name, guard, (size_t)runs, "us", extra);
		snprintf(name, sizeof(name), "  copy p50 in the same runs, %d vCPU%s", vcpus[v], vcpus[v] == 1 ? "" : "s");
		print_fig(name, copy, (size_t)runs, "us", NULL);
	}
}

/* ---- guest slowdown ------------------------------------------------------- */

/* This host's guest throughput drifts by up to +-25 % over seconds (shared
 * memory bandwidth, host scheduling), far more than the effect measured. So
 * "with" and "without" migration are taken from the same run: the migration
 * thread (mmu/schedule.c, the real one) is switched on and off in 100 ms
 * phases, in the order OFF ON ON OFF OFF ON ON OFF ..., 1 s of each in all,
 * and each phase's guest operations are counted separately. */
#define PHASE_MS 100
#define PHASES 20
#define SLOW_WARM (300 * MS)

struct onoff {
	double on_ops_per_s, off_ops_per_s, on_mig_per_s;
	uint64_t pause; /* mig.pause count at the start of the phases */
};

/* per_on: when not 0, the migration thread stops by itself after that many
 * pages each time it is switched on (mig_schedule.max_migrations). */
static int run_onoff(struct machine *m, struct run_config *c, uint64_t phase_ms, int phases, uint64_t per_on,
		     struct onoff *r)
{
	struct nerr e = { 0, "" };
	double on_ops = 0, on_t = 0, off_ops = 0, off_t = 0, on_mig = 0;

	set_guest(c, "hammer");
	c->duration_ns = SLOW_WARM + (uint64_t)phases * phase_ms * MS;
	if (machine_create(m, c, &e))
		goto fail;
	m->mmu.sched.max_migrations = per_on;
	ws_populate(&m->mmu.ws); /* as in run_window() */
	if (machine_start(m, &e))
		goto fail;
	schedule_stop(&m->mmu.sched); /* warm-up without migration */
	sleep_ns(SLOW_WARM);
	r->pause = rec_count(snap(m).lat.stw_pause);
	for (int k = 0; k < phases; k++) {
		int on = ((k + 1) / 2) % 2;
		uint64_t ops0, d0, t0;
		double dt, ops;

		if (on && !m->mmu.sched.worker.running)
			schedule_start(&m->mmu.sched);
		else if (!on && m->mmu.sched.worker.running)
			schedule_stop(&m->mmu.sched); /* joins: the migration in flight completes */
		t0 = now_ns();
		ops0 = machine_sum_counter(m, NUMIG_CNT_OPS);
		d0 = migrations_done(m);
		sleep_ns(phase_ms * MS);
		dt = (double)(now_ns() - t0) / 1e9;
		ops = (double)(machine_sum_counter(m, NUMIG_CNT_OPS) - ops0);
		if (on) {
			on_ops += ops;
			on_t += dt;
			on_mig += (double)(migrations_done(m) - d0);
		} else {
			off_ops += ops;
			off_t += dt;
		}
	}
	schedule_stop(&m->mmu.sched);
	machine_wait(m, NULL);
	if (failed_vcpu(m)) {
		machine_destroy(m);
		return -1;
	}
	r->on_ops_per_s = on_ops / on_t;
	r->off_ops_per_s = off_ops / off_t;
	r->on_mig_per_s = on_mig / on_t;
	return 0;
fail:
	fprintf(stderr, "bench: hammer: %s\n", e.msg);
	machine_destroy(m);
	return -1;
}

static void bench_slowdown(void)
{
	static const double rates[] = { 10, 100, 1000 };
	enum { NR = sizeof(rates) / sizeof(rates[0]) };
	static struct machine m;
	double base[MAX_RUNS], slow[2][NR][MAX_RUNS], got[2][NR][MAX_RUNS], pause[NR][MAX_RUNS];

	printf("guest slowdown: hammer guest, 2 vCPUs; migration switched on/off in %d ms phases (OFF ON ON OFF ...),\n"
	       "  %.1f s with and %.1f s without in each run, after %.1f s warm-up; slowdown = 1 - ops/s(on) / "
	       "ops/s(off)\n",
	       PHASE_MS, PHASES / 2 * PHASE_MS / 1000.0, PHASES / 2 * PHASE_MS / 1000.0, (double)SLOW_WARM / 1e9);
	for (int i = 0; i < runs; i++) {
		double off_sum = 0;

		for (int stw = 0; stw < 2; stw++)
			for (int r = 0; r < NR; r++) {
				struct run_config c;
				struct onoff o;

				mig_config(&c, 2, rates[r], stw);
				if (run_onoff(&m, &c, PHASE_MS, PHASES, 0, &o)) {
					fail_section("guest slowdown");
					return;
				}
				slow[stw][r][i] = 100.0 * (1.0 - o.on_ops_per_s / o.off_ops_per_s);
				got[stw][r][i] = o.on_mig_per_s;
				if (stw)
					pause[r][i] = win_us(snap(&m).lat.stw_pause, o.pause, 50);
				off_sum += o.off_ops_per_s;
				machine_destroy(&m);
			}
		base[i] = off_sum / (2 * NR) / 1e6;
	}
	print_fig("hammer throughput without migration (OFF phases)", base, (size_t)runs, "Mop/s", NULL);
	for (int r = 0; r < NR; r++) {
		for (int stw = 0; stw < 2; stw++) {
			char name[128], extra[200] = "", a[32];
			struct fig g = fig_of(got[stw][r], (size_t)runs);

			snprintf(name, sizeof(name), "slowdown @ %4.0f/s, %s (achieved %s/s)", rates[r],
				 stw ? "stop-the-world" : "numig engine  ", num(a, g.med));
			if (!stw && rates[r] == 100)
				judge(extra, sizeof(extra), "guest slowdown at 100 migrations/s, numig engine (%)",
				      slow[stw][r], (size_t)runs, GOAL_LE, 3.0, 0);
			print_fig(name, slow[stw][r], (size_t)runs, "%", extra);
		}
	}
	for (int r = 0; r < NR; r++) {
		char name[128];

		snprintf(name, sizeof(name), "stop-the-world: pause all vCPUs p50 @ %4.0f/s (mig.pause)", rates[r]);
		print_fig(name, pause[r], (size_t)runs, "us", NULL);
	}
}

/* ---- batched guard -------------------------------------------------------- */

#define BATCH_MAX 64
#define BATCH_REPS 10

static int wait_in_run(struct machine *m, uint64_t timeout_ns)
{
	uint64_t t0 = now_ns();

	while (now_ns() - t0 < timeout_ns) {
		int inside = 0;

		for (int i = 0; i < m->cfg.nr_vcpus; i++)
			inside += atomic_load(&m->vcpus[i].in_run);
		if (inside == m->cfg.nr_vcpus)
			return 0;
		sleep_ns(1 * MS);
	}
	return -1;
}

static void stop_machine(struct machine *m)
{
	for (int i = 0; i < m->cfg.nr_vcpus; i++)
		m->vcpus[i].mb->stop = 1;
	machine_wait(m, NULL);
}

static void bench_batched(void)
{
	static const uint32_t ks[] = { 1, 8, 64 };
	enum { NK = sizeof(ks) / sizeof(ks[0]) };
	static struct machine m;
	double batched[NK][MAX_RUNS], single[NK][MAX_RUNS], gain[NK][MAX_RUNS];

	printf("batched guard: idle guest, 2 vCPUs inside KVM_RUN; tlb_invalidate_frames() on k contiguous frames\n");
	for (int i = 0; i < runs; i++) {
		struct frame *frames[BATCH_MAX];
		struct run_config c;
		struct nerr e = { 0, "" };
		int inside;

		base_config(&c);
		c.nr_vcpus = 2;
		c.mem_bytes = 256 * MIB; /* 128 frames: room for a free run of 64 */
		set_guest(&c, "idle");
		if (machine_create(&m, &c, &e) || machine_start(&m, &e)) {
			fprintf(stderr, "bench: idle: %s\n", e.msg);
			machine_destroy(&m);
			fail_section("batched guard");
			return;
		}
		if ((inside = !wait_in_run(&m, 2000 * MS)) == 0 || frame_alloc_run(&m.mmu.pool, 0, BATCH_MAX, frames)) {
			fprintf(stderr, "bench: batched guard: %s\n",
				inside ? "no free run of 64 contiguous frames" : "the vCPUs did not enter KVM_RUN");
			stop_machine(&m);
			machine_destroy(&m);
			fail_section("batched guard");
			return;
		}
		/* Warm-up: first protection change of each frame. */
		tlb_invalidate_frames(&m.mmu.tlb, frames, BATCH_MAX, 0);
		for (int k = 0; k < NK; k++) {
			double b[BATCH_REPS], s[BATCH_REPS];

			for (int r = 0; r < BATCH_REPS; r++) {
				uint64_t t0 = now_ns();

				tlb_invalidate_frames(&m.mmu.tlb, frames, ks[k], 0);
				b[r] = us_of(now_ns() - t0) / ks[k];
				t0 = now_ns();
				for (uint32_t j = 0; j < ks[k]; j++)
					tlb_invalidate_frames(&m.mmu.tlb, &frames[j], 1, 0);
				s[r] = us_of(now_ns() - t0) / ks[k];
			}
			batched[k][i] = median_double(b, BATCH_REPS);
			single[k][i] = median_double(s, BATCH_REPS);
			gain[k][i] = single[k][i] / batched[k][i];
		}
		for (int j = 0; j < BATCH_MAX; j++)
			frame_free(&m.mmu.pool, frames[j]);
		stop_machine(&m);
		if (failed_vcpu(&m)) {
			machine_destroy(&m);
			fail_section("batched guard");
			return;
		}
		machine_destroy(&m);
	}
	for (int k = 0; k < NK; k++) {
		double pps_b[MAX_RUNS], pps_s[MAX_RUNS];
		char name[128], extra[200] = "";

		for (int i = 0; i < runs; i++) {
			pps_b[i] = 1e6 / batched[k][i];
			pps_s[i] = 1e6 / single[k][i];
		}
		snprintf(name, sizeof(name), "k=%2u: one invalidation for %u page%s, per page", ks[k], ks[k],
			 ks[k] == 1 ? "" : "s");
		print_fig(name, batched[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "k=%2u: one invalidation per page, per page", ks[k]);
		print_fig(name, single[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "k=%2u: batched, pages/s", ks[k]);
		print_fig(name, pps_b, (size_t)runs, "1/s", NULL);
		snprintf(name, sizeof(name), "k=%2u: one per page, pages/s", ks[k]);
		print_fig(name, pps_s, (size_t)runs, "1/s", NULL);
		if (ks[k] == 64)
			judge(extra, sizeof(extra), "batched guard gain at k=64 (us per page, one-by-one / batched)", gain[k],
			      (size_t)runs, GOAL_GE, 20, 0);
		snprintf(name, sizeof(name), "k=%2u: gain = one-per-page us / batched us (per page)", ks[k]);
		print_fig(name, gain[k], (size_t)runs, "x", extra);
	}
}

/* ---- batched migration ------------------------------------------------------ */

/* Real migrations by the migration thread with cfg.mmu.migrate_batch = K
 * (--migrate-batch K): the set-up of the migration section (hammer, 2 vCPUs,
 * 32 x 2 MiB working set, 200 pages/s, 0.3 s warm-up, 1.2 s window, a cold
 * memcpy measurement before and after each run) on a guest with two nodes,
 * pages ping-ponging between them. In a batch the engine records isolate,
 * alloc, guard, release and total per page, as the batch's time divided by
 * its pages (guard: by the pages it invalidated), copy per page, and the
 * whole batch in st.batch_total. */
#define BMIG_NODES 2
/* Guest slowdown with the on/off method of the slowdown section, but 80 ms
 * phases: an ON stretch (two phases, 160 ms) is one batch interval of K = 32
 * at 200 pages/s. The migration thread, paced as always (a batch every K /
 * 200 s from the start of the stretch: 5, 40, 160 ms for K = 1, 8, 32),
 * stops by itself after 32 pages, so every K moves exactly 32 pages per ON
 * stretch (200 pages/s) and no batch is due when the bench stops the thread.
 * 24 phases: 0.96 s ON and 0.96 s OFF per run. */
#define BMIG_PHASE_MS 80
#define BMIG_PHASES 24
#define BMIG_PER_ON 32

static void bench_batch_mig(void)
{
	static const uint32_t ks[] = { 1, 8, 32 };
	enum { NK = sizeof(ks) / sizeof(ks[0]) };
	static struct machine m;
	static double guard[NK][MAX_RUNS], copy[NK][MAX_RUNS], gratio[NK][MAX_RUNS], total[NK][MAX_RUNS];
	static double cold[NK][MAX_RUNS], tratio[NK][MAX_RUNS], b50[NK][MAX_RUNS], b99[NK][MAX_RUNS];
	static double pages[NK][MAX_RUNS], batches[NK][MAX_RUNS], slow[NK][MAX_RUNS], got[NK][MAX_RUNS];
	static double base[MAX_RUNS];

	/* K varies fastest, so that the host's drift over the section falls
	 * on every K alike. */
	for (int i = 0; i < runs; i++) {
		double off_sum = 0;

		for (int k = 0; k < NK; k++) {
			struct run_config c;
			struct window w;
			struct onoff o;
			struct mmu_latencies l;
			double c0 = memcpy_cold_ns();

			mig_config(&c, MIG_VCPUS, MIG_RATE, 0);
			c.mmu.nr_nodes = BMIG_NODES;
			c.mmu.migrate_batch = ks[k];
			if (run_window(&m, &c, "hammer", MIG_WARM, MIG_WIN, &w)) {
				fail_section("batched migration");
				return;
			}
			l = snap(&m).lat;
			cold[k][i] = (c0 + memcpy_cold_ns()) / 2 / 1000.0;
			guard[k][i] = win_us(l.guard, w.guard, 50);
			copy[k][i] = win_us(l.copy, w.copy, 50);
			total[k][i] = win_us(l.total, w.total, 50);
			b50[k][i] = win_us(l.batch_total, w.batch, 50);
			b99[k][i] = win_us(l.batch_total, w.batch, 99);
			pages[k][i] = (double)(rec_count(l.total) - w.total);
			batches[k][i] = (double)(rec_count(l.batch_total) - w.batch);
			gratio[k][i] = guard[k][i] / copy[k][i];
			tratio[k][i] = total[k][i] / cold[k][i];
			machine_destroy(&m);

			mig_config(&c, MIG_VCPUS, MIG_RATE, 0);
			c.mmu.nr_nodes = BMIG_NODES;
			c.mmu.migrate_batch = ks[k];
			if (run_onoff(&m, &c, BMIG_PHASE_MS, BMIG_PHASES, BMIG_PER_ON, &o)) {
				fail_section("batched migration (slowdown)");
				return;
			}
			slow[k][i] = 100.0 * (1.0 - o.on_ops_per_s / o.off_ops_per_s);
			got[k][i] = o.on_mig_per_s;
			off_sum += o.off_ops_per_s;
			machine_destroy(&m);
		}
		base[i] = off_sum / NK / 1e6;
	}

	printf("batched migration (--migrate-batch K): hammer guest, %d vCPUs, %d guest nodes, 32 x 2 MiB working set, "
	       "%.0f pages/s\n"
	       "  ping-pong between the nodes; latencies of the migrations done in a %.1f s window after %.1f s warm-up.\n"
	       "  Per page in a batch: isolate, alloc, guard, release and total are the batch's time / its pages (guard:\n"
	       "  / the pages it invalidated); copy is per page; the whole batch is st.batch_total. Cold memcpy: before\n"
	       "  and after each run, mean. Slowdown: separate run, migration on/off in %d ms phases, %.2f s of each,\n"
	       "  %d pages per ON stretch of 2 phases.\n",
	       MIG_VCPUS, BMIG_NODES, MIG_RATE, (double)MIG_WIN / 1e9, (double)MIG_WARM / 1e9, BMIG_PHASE_MS,
	       BMIG_PHASES / 2 * BMIG_PHASE_MS / 1000.0, BMIG_PER_ON);
	for (int k = 0; k < NK; k++) {
		char name[128], extra[200], what[128], a[32];
		struct fig g = fig_of(got[k], (size_t)runs);

		snprintf(name, sizeof(name), "K=%2u: pages migrated in the window", ks[k]);
		print_fig(name, pages[k], (size_t)runs, "", NULL);
		snprintf(name, sizeof(name), "K=%2u: batches in the window", ks[k]);
		print_fig(name, batches[k], (size_t)runs, "", NULL);
		snprintf(name, sizeof(name), "K=%2u: guard per page p50 (st.guard)", ks[k]);
		print_fig(name, guard[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "K=%2u: copy p50 (st.copy)", ks[k]);
		print_fig(name, copy[k], (size_t)runs, "us", NULL);
		extra[0] = 0;
		if (ks[k] == 32) {
			snprintf(what, sizeof(what), "guard per page / copy with batching (K=%u)", ks[k]);
			judge(extra, sizeof(extra), what, gratio[k], (size_t)runs, GOAL_LE, 0.1, 0);
		}
		snprintf(name, sizeof(name), "K=%2u: guard per page p50 / copy p50 (same run)", ks[k]);
		print_fig(name, gratio[k], (size_t)runs, "x", extra);
		snprintf(name, sizeof(name), "K=%2u: end-to-end per page p50 (st.total)", ks[k]);
		print_fig(name, total[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "K=%2u: cold memcpy of 2 MiB, time per copy (same runs)", ks[k]);
		print_fig(name, cold[k], (size_t)runs, "us", NULL);
		extra[0] = 0;
		if (ks[k] == 32) {
			snprintf(what, sizeof(what), "per-page end-to-end / cold memcpy with batching (K=%u)", ks[k]);
			judge(extra, sizeof(extra), what, tratio[k], (size_t)runs, GOAL_LE, 1.15, 0);
		}
		snprintf(name, sizeof(name), "K=%2u: end-to-end per page p50 / cold memcpy (same run)", ks[k]);
		print_fig(name, tratio[k], (size_t)runs, "x", extra);
		snprintf(name, sizeof(name), "K=%2u: whole batch p50 (st.batch_total)", ks[k]);
		print_fig(name, b50[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "K=%2u: whole batch p99 (st.batch_total)", ks[k]);
		print_fig(name, b99[k], (size_t)runs, "us", NULL);
		snprintf(name, sizeof(name), "K=%2u: guest slowdown (achieved %s pages/s)", ks[k], num(a, g.med));
		print_fig(name, slow[k], (size_t)runs, "%", NULL);
	}
	print_fig("hammer throughput without migration (OFF phases, all K)", base, (size_t)runs, "Mop/s", NULL);
}

/* ---- kernel migration reference ------------------------------------------- */

/* Two host nodes with memory, or -1. */
static int two_nodes(int *a, int *b)
{
	int found = 0;

	if (numa_available() < 0)
		return -1;
	for (int n = 0; n <= numa_max_node() && found < 2; n++) {
		long long free_b = 0;

		if (!numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)n) || numa_node_size64(n, &free_b) <= 0 ||
		    free_b < (long long)(64 * MIB))
			continue;
		if (found++ == 0)
			*a = n;
		else
			*b = n;
	}
	return found == 2 ? 0 : -1;
}

#define KMOVES 10
#define SUBPAGES (FRAME_SIZE / 4096)

/* The hypervisor this runs under, from CPUID leaf 0x40000000 ("" on bare
 * metal): under QEMU's TCG every memory access is emulated, so timings say
 * nothing about the host's memory. */
/* One THP moved to `target` by asking for its first 4 KiB (the kernel moves
 * the whole folio; asking for every piece only earns -EBUSY for the tails).
 * Then every 4 KiB piece must be on `target`, asked without moving, and the
 * page must still be one host huge page. */
static int move_thp(uint8_t *p, int target, const struct huge_probe *hp, double *us, int *huge_after)
{
	void *pages[SUBPAGES];
	int status[SUBPAGES], head_status = -1;
	uint64_t t0;

	pages[0] = p;
	t0 = now_ns();
	if (move_pages(0, 1, pages, &target, &head_status, MPOL_MF_MOVE)) {
		printf("  move_pages failed: %s\n", strerror(errno));
		return -1;
	}
	*us = us_of(now_ns() - t0);
	if (head_status != target) {
		printf("  move_pages left the page on %d, not node %d\n", head_status, target);
		return -1;
	}
	for (size_t j = 0; j < SUBPAGES; j++) {
		pages[j] = p + j * 4096;
		status[j] = -1;
	}
	if (move_pages(0, SUBPAGES, pages, NULL, status, 0)) {
		printf("  move_pages (query) failed: %s\n", strerror(errno));
		return -1;
	}
	for (size_t j = 0; j < SUBPAGES; j++)
		if (status[j] != target) {
			printf("  4 KiB piece %zu is on %d, not node %d: the page did not move whole\n", j, status[j], target);
			return -1;
		}
	*huge_after = huge_probe_state(hp, p);
	return 0;
}

static void bench_kernel(void)
{
	int na = -1, nb = -1, nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	double t_us[MAX_RUNS], bw[MAX_RUNS], ratio[MAX_RUNS];
	int moves = 0, huge_moves = 0, split_moves = 0, huge_before;
	struct huge_probe hp;
	char hv[13];
	uint8_t *map, *p;

	printf("kernel migration reference (move_pages of a 2 MiB THP between host nodes)\n");
	if (two_nodes(&na, &nb)) {
		printf("  skipped: this host has %d NUMA node%s%s; a move between nodes needs at least two nodes with "
		       "memory\n",
		       nodes, nodes == 1 ? "" : "s", numa_available() < 0 ? " (libnuma: NUMA not available)" : "");
		return;
	}
	if (!strcmp(host_hypervisor(hv), "TCGTCGTCGTCG"))
		printf("  note: running under QEMU TCG (software emulation): these timings are not performance data; "
		       "this run checks correctness only\n");
	else if (hv[0])
		printf("  note: running under a hypervisor (%s): timings include its overheads\n", hv);
	map = mmap(NULL, 2 * FRAME_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		printf("  skipped: mmap failed: %s\n", strerror(errno));
		return;
	}
	p = (uint8_t *)(((uintptr_t)map + FRAME_SIZE - 1) & ~(uintptr_t)(FRAME_SIZE - 1));
	(void)madvise(p, FRAME_SIZE, MADV_HUGEPAGE);
	{
		unsigned long mask = 1ul << na;

		/* First touch on node a, then back to the default policy so
		 * move_pages() alone decides where the page goes. */
		if (mbind(p, FRAME_SIZE, MPOL_BIND, &mask, sizeof(mask) * 8, 0) == 0) {
			memset(p, 0x5a, FRAME_SIZE);
			mbind(p, FRAME_SIZE, MPOL_DEFAULT, NULL, 0, 0);
		} else {
			memset(p, 0x5a, FRAME_SIZE);
		}
	}
	huge_probe_open(&hp);
	huge_before = huge_probe_state(&hp, p);
	if (huge_before == FRAME_HUGE_UNKNOWN) {
		printf("  skipped: cannot tell whether the page is a THP: %s\n", huge_probe_why_unknown(&hp, p));
		goto out;
	}
	if (huge_before == FRAME_NOT_HUGE) {
		printf("  FAILED: the source page on node %d is NOT a THP; the reference needs one 2 MiB THP\n", na);
		nr_failed++;
		goto out;
	}
	for (int i = 0; i < runs; i++) {
		double v[KMOVES];
		int cur = pool_query_host_node(NULL, p), nv = 0;
		double c0 = memcpy_cold_ns();

		for (int k = 0; k < KMOVES; k++) {
			int target = cur == na ? nb : na, huge_after;

			if (move_thp(p, target, &hp, &v[nv], &huge_after)) {
				nr_failed++;
				goto out;
			}
			nv++;
			moves++;
			huge_moves += huge_after == FRAME_HUGE;
			split_moves += huge_after == FRAME_NOT_HUGE;
			cur = target;
		}
		t_us[i] = median_double(v, (size_t)nv);
		bw[i] = gbps(t_us[i] * 1000.0);
		ratio[i] = t_us[i] * 1000.0 / ((c0 + memcpy_cold_ns()) / 2);
	}
	printf("  nodes %d <-> %d: %d moves; before: one 2 MiB THP on node %d; after each move: all 512 4 KiB pieces "
	       "on the target node, one 2 MiB THP in %d of %d (%d split, %d unknown)\n",
	       na, nb, moves, na, huge_moves, moves, split_moves, moves - huge_moves - split_moves);
	if (huge_moves != moves) {
		printf("  FAILED: the kernel did not move the page as one THP every time\n");
		nr_failed++;
	}
	print_fig("kernel move_pages of 2 MiB between nodes", t_us, (size_t)runs, "us", NULL);
	print_fig("kernel move_pages bandwidth", bw, (size_t)runs, "GB/s", NULL);
	print_fig("kernel move_pages / cold memcpy of 2 MiB (same run)", ratio, (size_t)runs, "x", NULL);
out:
	huge_probe_close(&hp);
	munmap(map, 2 * FRAME_SIZE);
}

/* ---- numig's migrator against the kernel's ------------------------------------ */

/* The same guest, pages, pattern, rate and batch, moved by numig's engine
 * (unmap-copy, batched) and by the kernel (--migrator move-pages): what one
 * page costs the migrating thread, and what the guest felt. */
#define VS_MOVES 200
#define VS_RATE 200.0
#define VS_BATCH 8

struct vs_figs {
	double page_p50, page_p99; /* us per page: numig's total, the kernel's call / pages */
	double moved;
	double felt_p99, felt_max; /* us: what the guest felt (gaps between its timed writes) */
	double secs;
};

/* The guest-felt figure of a finished run (vmm/report/stall.c). */
static int vs_felt(struct machine *m, struct vs_figs *out)
{
	struct stall_figures *sf = stall_collect(m);
	struct stall_summary s;

	if (!sf || !sf->published || !sf->tsc.khz) {
		fprintf(stderr, "bench: %s: no guest-felt figure (%s)\n", m->cfg.guest,
			!sf ? "out of memory" : !sf->published ? "no vCPU published its histogram" : "no TSC rate");
		free(sf);
		return -1;
	}
	stall_summarize(&sf->all, sf->tsc.khz, &s);
	out->felt_p99 = s.p99_us;
	out->felt_max = s.max_us;
	free(sf);
	return 0;
}

/* The same guest for `secs` with no migration: the guest-felt baseline. */
static int vs_baseline(double secs, struct vs_figs *out)
{
	static struct machine m;
	struct run_config c;
	int rc;

	mig_config(&c, 2, 0, 0);
	c.mmu.nr_nodes = 2;
	c.duration_ns = (uint64_t)(secs * 1e9);
	c.timeout_ns = c.duration_ns + 120000 * MS;
	if (run_guest("hammer", &c, &m))
		return -1;
	rc = failed_vcpu(&m) ? -1 : vs_felt(&m, out);
	machine_destroy(&m);
	return rc;
}

static int vs_run(enum mig_migrator who, struct vs_figs *out)
{
	static struct machine m;
	struct run_config c;
	struct lat_summary s;
	const struct lat_rec *per_page;

	mig_config(&c, 2, VS_RATE, 0);
	c.mmu.nr_nodes = 2;
	c.mmu.migrator = who;
	c.mmu.migrate_batch = VS_BATCH;
	c.stop_migrations = VS_MOVES;
	c.duration_ns = 120000 * MS; /* ended by the moves; the time is a bound */
	c.timeout_ns = 300000 * MS;
	if (run_guest("hammer", &c, &m))
		return -1;
	if (failed_vcpu(&m)) {
		machine_destroy(&m);
		return -1;
	}
	per_page = who == MIGRATOR_NUMIG ? snap(&m).lat.total : &m.mmu.kmig.st.per_page;
	memset(&s, 0, sizeof(s));
	lat_rec_summarize(per_page, &s);
	out->page_p50 = us_of(s.p50);
	out->page_p99 = us_of(s.p99);
	out->moved = (double)mmu_migrations_done(&m.mmu);
	out->secs = (double)(m.t_end_ns - m.t_start_ns) / 1e9;
	if (vs_felt(&m, out)) {
		machine_destroy(&m);
		return -1;
	}
	machine_destroy(&m);
	if (out->moved <= 0)
		fprintf(stderr, "bench: %s moved no page\n", mmu_migrator_name(who));
	return out->moved > 0 ? 0 : -1;
}

static void bench_vs_kernel(void)
{
	double n50[MAX_RUNS], n99[MAX_RUNS], k50[MAX_RUNS], k99[MAX_RUNS], nm[MAX_RUNS], km[MAX_RUNS];
	double r50[MAX_RUNS], r99[MAX_RUNS], bp99[MAX_RUNS], np99[MAX_RUNS], kp99[MAX_RUNS], bmax[MAX_RUNS];
	double nmax[MAX_RUNS], kmax[MAX_RUNS], rf99[MAX_RUNS], rfmax[MAX_RUNS], nb99[MAX_RUNS], kb99[MAX_RUNS];
	int na, nb, nodes = numa_available() < 0 ? 1 : numa_max_node() + 1;
	char hv[13];

	printf("numig vs the kernel: hammer guest, 2 vCPUs, 2 guest nodes on 2 host nodes, 32 x 2 MiB, pingpong at "
	       "%.0f/s in batches of %d, %d moves; numig's engine (unmap-copy) against --migrator move-pages\n",
	       VS_RATE, VS_BATCH, VS_MOVES);
	if (two_nodes(&na, &nb)) {
		printf("  skipped: this host has %d NUMA node%s; the kernel moves memory between nodes, so this needs "
		       "two (build/numig-emu exec -- build/numig-bench --only numig-vs-kernel runs it in the emulated "
		       "host, without performance data)\n", nodes, nodes == 1 ? "" : "s");
		return;
	}
	if (!strcmp(host_hypervisor(hv), "TCGTCGTCGTCG"))
		printf("  note: running under QEMU TCG (software emulation): these figures are not performance data; "
		       "this run checks that both migrators run and are measured alike\n");
	for (int i = 0; i < runs; i++) {
		struct vs_figs fn, fk, fb;

		if (vs_run(MIGRATOR_NUMIG, &fn) || vs_run(MIGRATOR_MOVE_PAGES, &fk) ||
		    vs_baseline((fn.secs + fk.secs) / 2, &fb)) {
			fail_section("numig vs the kernel (per-page cost, what the guest felt)");
			return;
		}
		bp99[i] = fb.felt_p99, bmax[i] = fb.felt_max;
		np99[i] = fn.felt_p99, nmax[i] = fn.felt_max;
		kp99[i] = fk.felt_p99, kmax[i] = fk.felt_max;
		rf99[i] = kp99[i] / np99[i];
		rfmax[i] = kmax[i] / nmax[i];
		nb99[i] = np99[i] / bp99[i];
		kb99[i] = kp99[i] / bp99[i];
		n50[i] = fn.page_p50, n99[i] = fn.page_p99, nm[i] = fn.moved;
		k50[i] = fk.page_p50, k99[i] = fk.page_p99, km[i] = fk.moved;
		r50[i] = k50[i] / n50[i];
		r99[i] = k99[i] / n99[i];
	}
	print_fig("numig: pages moved", nm, (size_t)runs, "", NULL);
	print_fig("kernel: pages moved", km, (size_t)runs, "", NULL);
	print_fig("numig: per page p50 (st.total)", n50, (size_t)runs, "us", NULL);
	print_fig("kernel: per page p50 (move_pages call / pages)", k50, (size_t)runs, "us", NULL);
	print_fig("kernel / numig, per page p50 (same run)", r50, (size_t)runs, "x", NULL);
	print_fig("numig: per page p99", n99, (size_t)runs, "us", NULL);
	print_fig("kernel: per page p99", k99, (size_t)runs, "us", NULL);
	print_fig("kernel / numig, per page p99 (same run)", r99, (size_t)runs, "x", NULL);
	printf("  what the guest felt: gaps between the hammer vCPUs' timed points (every 256 accesses); baseline: the\n"
	       "  same guest with no migration for as long as the two migrating runs took on average\n");
	print_fig("no migration: guest-felt p99", bp99, (size_t)runs, "us", NULL);
	print_fig("numig: guest-felt p99", np99, (size_t)runs, "us", NULL);
	print_fig("kernel: guest-felt p99", kp99, (size_t)runs, "us", NULL);
	print_fig("numig / no migration, guest-felt p99", nb99, (size_t)runs, "x", NULL);
	print_fig("kernel / no migration, guest-felt p99", kb99, (size_t)runs, "x", NULL);
	print_fig("kernel / numig, guest-felt p99 (same run)", rf99, (size_t)runs, "x", NULL);
	print_fig("no migration: guest-felt max", bmax, (size_t)runs, "us", NULL);
	print_fig("numig: guest-felt max", nmax, (size_t)runs, "us", NULL);
	print_fig("kernel: guest-felt max", kmax, (size_t)runs, "us", NULL);
	print_fig("kernel / numig, guest-felt max (same run)", rfmax, (size_t)runs, "x", NULL);
}

/* ---- strategies ------------------------------------------------------------ */

#define STRAT_RUNS 3
#define SPARSE_SET 2  /* % of a page's pieces written: the goal's "sparse" */

/* One strategy on hammer with write set `set` at `rate`: slowdown (%),
 * stall p50/p99 (us), bytes copied per page, rounds per page, fallbacks.
 * Returns -1 when the strategy is refused here (reason on stderr). */
static int strategy_run(enum mig_strategy s, int set, double rate, double out[6])
{
	static struct machine m;
	struct run_config c;
	struct onoff o;
	double pages;

	mig_config(&c, 2, rate, 0);
	c.mmu.strategy = s;
	c.params[NUMIG_PARAM_WRITE_SET] = (uint64_t)set;
	if (run_onoff(&m, &c, PHASE_MS, PHASES, 0, &o))
		return -1;
	pages = (double)atomic_load(&m.mmu.mig.st.done);
	out[0] = 100.0 * (1.0 - o.on_ops_per_s / o.off_ops_per_s);
	out[1] = win_us(&m.mmu.faults.stall, 0, 50);
	out[2] = win_us(&m.mmu.faults.stall, 0, 99);
	out[3] = pages ? (double)atomic_load(&m.mmu.mig.st.bytes_copied) / pages / (double)FRAME_SIZE : NAN;
	out[4] = (double)atomic_load(&m.mmu.mig.st.by_strategy[STRATEGY_PRECOPY]) ?
			 (double)atomic_load(&m.mmu.mig.st.precopy_rounds) /
				 (double)atomic_load(&m.mmu.mig.st.by_strategy[STRATEGY_PRECOPY]) :
			 0;
	out[5] = (double)atomic_load(&m.mmu.mig.st.precopy_fallbacks);
	machine_destroy(&m);
	return 0;
}

static void not_measured_goal(const char *what, const char *why)
{
	if (nr_goals < (int)(sizeof(goals) / sizeof(goals[0]))) {
		struct goal *g = &goals[nr_goals++];

		snprintf(g->what, sizeof(g->what), "%s", what);
		snprintf(g->got, sizeof(g->got), "%s", why);
		g->met = 0;
	}
}

static void bench_strategy_table(void)
{
	static const enum mig_strategy strat[] = { STRATEGY_STOP_THE_WORLD, STRATEGY_UNMAP_COPY, STRATEGY_PRECOPY,
						   STRATEGY_AUTO };
	static const int sets[] = { SPARSE_SET, 100 };
	static const double rates[] = { 100, 1000 };
	static const char *const fig_names[] = { "slowdown", "stall p50", "stall p99", "copied/page", "rounds/page",
						 "fallbacks" };
	static const char *const units[] = { "%", "us", "us", "x2MiB", "", "" };
	static double v[4][2][2][6][MAX_RUNS];
	int refused[4] = { 0 };
	double ratio[MAX_RUNS];
	char extra[200];

	printf("strategies: hammer guest, 2 vCPUs, writes to %d%% (sparse) or 100%% (dense) of each page's 4 KiB "
	       "pieces, reads elsewhere;\n  slowdown as in 'guest slowdown'; stall = faults.stall over the whole run; "
	       "%d runs\n",
	       SPARSE_SET, STRAT_RUNS);
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < STRAT_RUNS && !refused[k]; i++)
			for (int w = 0; w < 2 && !refused[k]; w++)
				for (int r = 0; r < 2 && !refused[k]; r++) {
					double o[6];

					if (strategy_run(strat[k], sets[w], rates[r], o)) {
						refused[k] = 1;
						printf("  %-14s refused on this host (reason on stderr)\n",
						       mig_strategy_name(strat[k]));
						break;
					}
					for (int f = 0; f < 6; f++)
						v[k][w][r][f][i] = o[f];
				}
	for (int k = 0; k < 4; k++)
		for (int w = 0; w < 2 && !refused[k]; w++)
			for (int r = 0; r < 2; r++)
				for (int f = 0; f < 6; f++) {
					char name[128];

					if (f >= 4 && strat[k] != STRATEGY_PRECOPY && strat[k] != STRATEGY_AUTO)
						continue;
					snprintf(name, sizeof(name), "%-14s %-6s @%4.0f/s %s", mig_strategy_name(strat[k]),
						 w ? "dense" : "sparse", rates[r], fig_names[f]);
					print_fig(name, v[k][w][r][f], STRAT_RUNS, units[f], NULL);
				}
	/* The goals, each a ratio within one run. */
	if (refused[2]) {
		not_measured_goal("sparse: precopy stall p99 / unmap-copy's <= 0.25", "precopy refused here");
		not_measured_goal("sparse: precopy slowdown @1000/s / unmap-copy's <= 0.5", "precopy refused here");
	} else {
		for (int i = 0; i < STRAT_RUNS; i++)
			ratio[i] = v[2][0][1][2][i] / v[1][0][1][2][i];
		judge(extra, sizeof(extra), "sparse: precopy stall p99 / unmap-copy's", ratio, STRAT_RUNS, GOAL_LE, 0.25, 1);
		print_fig("sparse @1000/s: precopy stall p99 / unmap-copy's", ratio, STRAT_RUNS, "x", extra);
		for (int i = 0; i < STRAT_RUNS; i++)
			ratio[i] = v[2][0][1][0][i] / v[1][0][1][0][i];
		judge(extra, sizeof(extra), "sparse: precopy slowdown @1000/s / unmap-copy's", ratio, STRAT_RUNS, GOAL_LE,
		      0.5, 1);
		print_fig("sparse @1000/s: precopy slowdown / unmap-copy's", ratio, STRAT_RUNS, "x", extra);
	}
	if (refused[3] || refused[2]) {
		not_measured_goal("dense: auto slowdown @1000/s / best of unmap-copy, precopy <= 1.1", "auto refused here");
	} else {
		for (int i = 0; i < STRAT_RUNS; i++)
			ratio[i] = v[3][1][1][0][i] / fmin(v[1][1][1][0][i], v[2][1][1][0][i]);
		judge(extra, sizeof(extra), "dense: auto slowdown @1000/s / best of the two", ratio, STRAT_RUNS, GOAL_LE, 1.1,
		      1);
		print_fig("dense @1000/s: auto slowdown / best of unmap-copy, precopy", ratio, STRAT_RUNS, "x", extra);
	}
}

/* Guest throughput with KVM dirty logging on and no migration, against off. */
static void bench_dirty_log_cost(void)
{
	static struct machine m;
	double ratio[MAX_RUNS];

	for (int i = 0; i < STRAT_RUNS; i++) {
		double ops[2];

		for (int on = 0; on < 2; on++) {
			struct run_config c;
			struct window w;

			mig_config(&c, 2, 0, 0);
			c.mmu.strategy = on ? STRATEGY_PRECOPY : STRATEGY_UNMAP_COPY;
			if (run_window(&m, &c, "hammer", 300 * MS, 700 * MS, &w)) {
				fail_section("dirty logging cost");
				return;
			}
			ops[on] = w.ops_per_s;
			machine_destroy(&m);
		}
		ratio[i] = ops[1] / ops[0];
	}
	print_fig("hammer throughput, dirty logging on / off (no migration)", ratio, STRAT_RUNS, "x", NULL);
}

/* One 2 MiB copy split over N threads, cold, against one cold memcpy. */
static void bench_parallel_copy(void)
{
	static const uint32_t ns[] = { 1, 2, 4, 8 };
	const int host[1] = { 0 };
	static double ratio[4][MAX_RUNS], bw[4][MAX_RUNS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	printf("parallel copy: 2 MiB cold, split over N threads of one crew (mmu/copier.c); host has %ld CPUs\n", cpus);
	for (int i = 0; i < runs; i++) {
		double base = memcpy_cold_ns();

		for (int k = 0; k < 4; k++) {
			static struct copier c;
			struct nerr e = { 0, "" };
			double t[2 * COLD_PAIRS];

			if (copier_start(&c, ns[k], 1, host, &e)) {
				fprintf(stderr, "bench: %s\n", e.msg);
				fail_section("parallel copy");
				return;
			}
			for (int j = 0; j < 2 * COLD_PAIRS; j++) {
				uint64_t t0 = now_ns();

				copier_copy(&c, 0, pair_dst(j % COLD_PAIRS), pair_src(j % COLD_PAIRS), FRAME_SIZE);
				t[j] = (double)(now_ns() - t0);
			}
			copier_stop(&c);
			bw[k][i] = gbps(median_double(t, 2 * COLD_PAIRS));
			ratio[k][i] = base / median_double(t, 2 * COLD_PAIRS);
		}
	}
	for (int k = 0; k < 4; k++) {
		char name[96], extra[200] = "";

		snprintf(name, sizeof(name), "parallel copy N=%u: bandwidth / one cold memcpy", ns[k]);
		if (ns[k] == 4 && cpus >= 8)
			judge(extra, sizeof(extra), "parallel copy, 4 threads / one thread", ratio[k], (size_t)runs, GOAL_GE,
			      3.0, 1);
		else if (ns[k] == 4)
			not_measured_goal("parallel copy, 4 threads / one thread >= 3 (needs >= 8 CPUs)",
					  "host has < 8 CPUs");
		print_fig(name, ratio[k], (size_t)runs, "x", extra);
		snprintf(name, sizeof(name), "parallel copy N=%u: bandwidth", ns[k]);
		print_fig(name, bw[k], (size_t)runs, "GB/s", NULL);
	}
}

static void bench_strategies(void)
{
	bench_parallel_copy();
	bench_dirty_log_cost();
	bench_strategy_table();
}

/* ---- main ----------------------------------------------------------------- */

static void summary(void)
{
	int met = 0;

	for (int i = 0; i < nr_goals; i++)
		met += goals[i].met;
	printf("summary: %d of %d goals met\n", met, nr_goals);
	for (int i = 0; i < nr_goals; i++)
		printf("  %-8s %-66s (got %s)\n", goals[i].met ? "met" : "NOT met", goals[i].what, goals[i].got);
}

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: numig-bench [options]   performance figures, medians with min-max (docs/measurements.md)\n"
		"  --numig PATH            the numig to measure [the numig beside numig-bench]\n"
		"  --runs N                runs per figure, 1..%d [5] (the strategies section: always 3)\n"
		"  --only LIST             sections, comma-separated: boot, hypercall, migration, guard,\n"
		"                          slowdown, batched, batched-migration, kernel, numig-vs-kernel,\n"
		"                          strategies [all]\n"
		"  --help                  this text\n",
		MAX_RUNS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "numig", required_argument, NULL, 'n' },
					       { "runs", required_argument, NULL, 'r' },
					       { "only", required_argument, NULL, 'o' },
					       { "help", no_argument, NULL, 'h' },
					       { NULL, 0, NULL, 0 } };
	char tmp[PATH_MAX], bindir[PATH_MAX - 8];
	struct nerr e = { 0 };
	uint64_t t0 = now_ns();
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'n')
			numig_path = optarg;
		else if (o == 'r')
			runs = atoi(optarg) > 0 && atoi(optarg) <= MAX_RUNS ? atoi(optarg) : runs;
		else if (o == 'o')
			only = optarg;
		else {
			bench_usage(o == 'h' ? stdout : stderr);
			return o == 'h' ? 0 : 2;
		}
	}
	if (!numig_path) {
		if (guestdir_self(bindir, sizeof(bindir), &e)) {
			fprintf(stderr, "bench: %s\n", e.msg);
			return 5;
		}
		snprintf(numig_beside, sizeof(numig_beside), "%s/numig", bindir);
		numig_path = numig_beside;
	}
	snprintf(tmp, sizeof(tmp), "%s", numig_path);
	if (guestdir_for(dirname(tmp), guests_dir, sizeof(guests_dir), &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 5;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (copybuf_init()) {
		fprintf(stderr, "bench: cannot map the 256 MiB memcpy set: %s\n", strerror(errno));
		return 5;
	}
	printf("numig-bench: medians of %d runs (min, max, n); ratios are per run, then the median\n", runs);
	if (section("boot"))
		bench_boot();
	if (section("hypercall"))
		bench_hypercall();
	if (section("migration"))
		bench_migration();
	if (section("guard"))
		bench_guard();
	if (section("slowdown"))
		bench_slowdown();
	if (section("batched"))
		bench_batched();
	if (section("batched-migration"))
		bench_batch_mig();
	if (section("kernel"))
		bench_kernel();
	if (section("numig-vs-kernel"))
		bench_vs_kernel();
	if (section("strategies"))
		bench_strategies();
	summary();
	printf("bench wall time: %.1f s\n", (double)(now_ns() - t0) / 1e9);
	/* Goals not met are findings; a figure that could not be measured is an error. */
	return nr_failed ? 1 : 0;
}
