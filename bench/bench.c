/* numig-bench: performance figures, each the median of several runs with
 * min-max, and each against a baseline measured in the same run.
 * See docs/measurements.md for what every figure means. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mmu/stats.h"
#include "../vmm/machine.h"

static const char *numig_path = "build/numig";
static char guests_dir[2048];
static int runs = 7;

static void print_fig(const char *name, double *v, size_t n, const char *unit, const char *extra)
{
	double lo, hi, med;

	minmax_double(v, n, &lo, &hi);
	med = median_double(v, n);
	printf("%-52s %10.2f %-6s (min %.2f, max %.2f, n=%zu)%s%s\n", name, med, unit, lo, hi, n, extra ? "  " : "",
	       extra ? extra : "");
}

/* Wall time of a whole `numig run --guest hello --vcpus 2` process. */
static void bench_boot(void)
{
	double ms[32];
	char extra[64];

	for (int i = 0; i < runs; i++) {
		uint64_t t0;
		pid_t pid;

		fflush(stdout);
		t0 = now_ns();
		pid = fork();
		int st;

		if (pid == 0) {
			freopen("/dev/null", "w", stdout);
			execl(numig_path, numig_path, "run", "--guest", "hello", "--vcpus", "2", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		ms[i] = (double)(now_ns() - t0) / 1e6;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("boot: numig exited with %d\n", WEXITSTATUS(st));
			return;
		}
	}
	snprintf(extra, sizeof(extra), "target < 50 ms");
	print_fig("boot: numig run --guest hello --vcpus 2 (wall)", ms, (size_t)runs, "ms", extra);
}

static int run_guest(const char *guest, struct run_config *c, struct machine *m)
{
	struct nerr e = { 0, "" };

	c->guest = guest;
	snprintf(c->guest_path, sizeof(c->guest_path), "%s/%s.elf", guests_dir, guest);
	if (machine_create(m, c, &e) || machine_run(m, NULL, &e)) {
		fprintf(stderr, "bench: %s: %s\n", guest, e.msg);
		machine_destroy(m);
		return -1;
	}
	return 0;
}

static void base_config(struct run_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kvm_device = "/dev/kvm";
	c->nr_vcpus = 1;
	c->nr_nodes = 1;
	c->mem_bytes = 64ull << 20;
	c->timeout_ns = 120ull * 1000000000ull;
	c->guard = 1;
}

/* One ring-3 `out` hypercall: exit, dispatch, re-entry. */
static void bench_hypercall(void)
{
	static struct machine m;
	const uint64_t n = 20000;
	double ns[32];

	for (int i = 0; i < runs; i++) {
		struct run_config c;
		uint64_t t[2];

		for (int k = 0; k < 2; k++) {
			base_config(&c);
			c.params[NUMIG_PARAM_COUNT] = k ? n : 0;
			if (run_guest("hcbench", &c, &m))
				return;
			t[k] = m.t_end_ns - m.t_start_ns;
			machine_destroy(&m);
		}
		ns[i] = t[1] > t[0] ? (double)(t[1] - t[0]) / (double)n : 0;
	}
	print_fig("hypercall round trip (ring-3 out -> VMM -> guest)", ns, (size_t)runs, "ns", NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "numig", required_argument, NULL, 'n' },
					       { "runs", required_argument, NULL, 'r' },
					       { NULL, 0, NULL, 0 } };
	char tmp[PATH_MAX];
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'n')
			numig_path = optarg;
		else if (o == 'r')
			runs = atoi(optarg) > 0 && atoi(optarg) <= 32 ? atoi(optarg) : runs;
		else
			return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s", numig_path);
	snprintf(guests_dir, sizeof(guests_dir), "%s/guests", dirname(tmp));
	printf("numig-bench: medians of %d runs (min, max)\n", runs);
	bench_boot();
	bench_hypercall();
	return 0;
}
