/* `numig run` options (cli.h). Every value is validated here, so a bad
 * command line is one clear message and exit code 2. */
#define _GNU_SOURCE
#include "cli.h"

#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain.h"
#include "guestdir.h"
#include "parse.h"
#include "vmm/vm/place.h"
#include "mmu/migrate.h" /* MIG_BATCH_MAX */
#include "mmu/pool.h"    /* POOL_MAX_NODES */

enum {
	OPT_VCPUS = 256, OPT_MEM, OPT_NODES, OPT_GUEST, OPT_TIMEOUT, OPT_DURATION, OPT_JSON, OPT_QUIET, OPT_KVM,
	OPT_WS, OPT_HUGETLB, OPT_HOST_NODES, OPT_NO_GUARD, OPT_HINT_MIGRATE, OPT_NO_HINT_MIGRATE, OPT_SCAN_PERIOD,
	OPT_SCAN_SIZE, OPT_LAZY, OPT_MIGRATE, OPT_INJECT, OPT_INJECT_AFTER, OPT_SEED, OPT_SLOTS, OPT_SWEEP,
	OPT_WRITE_PCT, OPT_PLOT, OPT_SAMPLE, OPT_UNSAFE_HOST, OPT_STW, OPT_BATCH, OPT_FAIL, OPT_HELP, OPT_VERSION,
	OPT_NUMATUNE, OPT_PIN, OPT_DOMAIN_XML, OPT_PARAM, OPT_TAP,
	OPT_STRATEGY, OPT_COPY_THREADS, OPT_PRECOPY_ROUNDS, OPT_PRECOPY_RESIDUE, OPT_WRITE_SET, OPT_MIGRATIONS,
	OPT_MIGRATOR,
};

static const struct option options[] = {
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "nodes", required_argument, NULL, OPT_NODES },
	{ "guest", required_argument, NULL, OPT_GUEST },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "migrations", required_argument, NULL, OPT_MIGRATIONS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "kvm-device", required_argument, NULL, OPT_KVM },
	{ "ws", required_argument, NULL, OPT_WS },
	{ "hugetlb", no_argument, NULL, OPT_HUGETLB },
	{ "host-nodes", required_argument, NULL, OPT_HOST_NODES },
	{ "numatune", required_argument, NULL, OPT_NUMATUNE },
	{ "pin", required_argument, NULL, OPT_PIN },
	{ "domain-xml", required_argument, NULL, OPT_DOMAIN_XML },
	{ "no-guard", no_argument, NULL, OPT_NO_GUARD },
	{ "hint-migrate", no_argument, NULL, OPT_HINT_MIGRATE },
	{ "no-hint-migrate", no_argument, NULL, OPT_NO_HINT_MIGRATE },
	{ "scan-period", required_argument, NULL, OPT_SCAN_PERIOD },
	{ "scan-size", required_argument, NULL, OPT_SCAN_SIZE },
	{ "lazy-flush-delay", required_argument, NULL, OPT_LAZY },
	{ "migrate", required_argument, NULL, OPT_MIGRATE },
	{ "migrator", required_argument, NULL, OPT_MIGRATOR },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "inject-after", required_argument, NULL, OPT_INJECT_AFTER },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "slots", required_argument, NULL, OPT_SLOTS },
	{ "sweep-every", required_argument, NULL, OPT_SWEEP },
	{ "write-pct", required_argument, NULL, OPT_WRITE_PCT },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "allow-unsafe-host", no_argument, NULL, OPT_UNSAFE_HOST },
	{ "stop-the-world", no_argument, NULL, OPT_STW },
	{ "migrate-batch", required_argument, NULL, OPT_BATCH },
	{ "param", required_argument, NULL, OPT_PARAM },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "strategy", required_argument, NULL, OPT_STRATEGY },
	{ "copy-threads", required_argument, NULL, OPT_COPY_THREADS },
	{ "precopy-rounds", required_argument, NULL, OPT_PRECOPY_ROUNDS },
	{ "precopy-residue", required_argument, NULL, OPT_PRECOPY_RESIDUE },
	{ "write-set", required_argument, NULL, OPT_WRITE_SET },
	{ "fail", required_argument, NULL, OPT_FAIL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	fprintf(f,
		"usage: numig run [options]      launch a test guest (see README.md)\n"
		"       numig --help | --version\n"
		"\n"
		"guest and machine\n"
		"  --guest NAME|PATH       built-in guest (hello, idle, integrity, hammer) or an ELF path [hello]\n"
		"  --vcpus N               vCPUs, 1..64; more than host CPUs is fine [1]\n"
		"  --nodes N               guest NUMA nodes, 1..64; vCPUs and memory spread over them [1]\n"
		"  --mem SIZE              guest memory for the working-set nodes, all nodes (K/M/G) [256M]\n"
		"  --ws SIZE               working set: 2 MiB pages the guest uses and numig migrates [64M]\n"
		"  --host-nodes LIST       host nodes for the guest nodes, numactl syntax (0-1,3, all, !2): guest\n"
		"                          node g on the (g mod n)-th of them (interleave: on all of them) [all]\n"
		"  --host-nodes G=LIST     guest node G on exactly these host nodes (repeatable)\n"
		"  --numatune MODE         strict, preferred, interleave or restrictive (libvirt's words;\n"
		"                          restrictive binds like strict here) [strict]\n"
		"  --numatune G=MODE       the mode of guest node G (repeatable)\n"
		"  --pin node|none|LIST    vCPU threads: spread over the CPUs of their node's host nodes, no\n"
		"                          pinning, or vCPU i on the i-th CPU of LIST (0-3,8) [node]\n"
		"  --domain-xml FILE       topology from a libvirt domain XML (virsh dumpxml): vcpu, memory,\n"
		"                          cells, numatune, vcpupin, hugepages; options given override it\n"
		"  --hugetlb               back guest nodes with hugetlb 2 MiB pages instead of THP\n"
		"  --duration TIME         ask the guest to finish after TIME (ns/us/ms/s) [2s]\n"
		"  --migrations N          ... or once N migrations are done, whichever comes first: an amount\n"
		"                          of work, the same on a fast host and on an emulated one\n"
		"  --timeout TIME          stop a guest that has not finished after TIME; exit 4\n"
		"                          [--duration plus the larger of 60s and half of --duration]\n"
		"  --kvm-device PATH       KVM device [/dev/kvm]\n"
		"migration\n"
		"  --migrate SPEC          migration thread: rate=N/s,pattern=pingpong|random|to:NODE\n"
		"  --migrator M            who moves guest memory [numig]: numig (its own engine), move-pages\n"
		"                          (the kernel moves the host frame behind each page at --migrate's\n"
		"                          rate and pattern: move_pages(2)), numa-balancing (the kernel's\n"
		"                          automatic NUMA balancing; needs kernel.numa_balancing=1) or watch\n"
		"                          (nothing; reports what others moved, e.g. migratepages); the kernel\n"
		"                          migrators need two host NUMA nodes\n"
		"  --scan-period TIME      NUMA-hinting scanner period; 0 disables it [0]\n"
		"  --scan-size N           pages the scanner marks per window [16]\n"
		"  --lazy-flush-delay TIME hold the scanner's batched flush back this long (widens the race) [0]\n"
		"  --hint-migrate / --no-hint-migrate  hinting faults move pages to the vCPU's node [on]\n"
		"  --no-guard              skip the lazy-flush guard: UNSAFE, for proving the checker catches the race\n"
		"  --migrate-batch K       the migration thread moves K pages per batch, with one invalidation\n"
		"                          for all their old frames (1..64) [1]\n"
		"  --strategy S            how pages move: unmap-copy (Linux's: unmap, copy, switch),\n"
		"                          stop-the-world (baseline: every vCPU paused for each migration),\n"
		"                          precopy (copy while mapped, 4 KiB dirty logging, guarded residue),\n"
		"                          auto (per page: precopy for sparse writers) [unmap-copy];\n"
		"                          precopy and auto need EPT/NPT, and are verified in an emulated NPT host\n"
		"                          (make check-numa), not yet on EPT/NPT hardware: the report says so there\n"
		"  --stop-the-world        the same as --strategy stop-the-world\n"
		"  --precopy-rounds N      precopy: most recopy rounds before the guarded final one (0..64) [4]\n"
		"  --precopy-residue N     precopy: dirty 4 KiB pieces small enough to finish with (0..512) [16]\n"
		"  --copy-threads N        split each 2 MiB copy over N threads pinned to the target node (1..64) [1]\n"
		"  --inject corrupt-copy|skip-copy-line  break one copy on purpose (integrity test)\n"
		"  --inject skip-final-harvest|no-final-guard  break every precopy after --inject-after\n"
		"  --inject-after N        ... after N migrations, so the guest has filled its pages [200]\n"

		"  --fail POINT[:AFTER[:COUNT]]  make a host resource fail on purpose (test hook): no-free-frame,\n"
		"                          mbind, invalidate, kvm-run, alloc; after AFTER passes, COUNT times [always]\n"
		"  --seed N                seed for page and node choices [1]\n"
		"workloads\n"
		"  --slots N               integrity: slots per vCPU per 4 KiB sub-page [1]\n"
		"  --sweep-every N         integrity: passes between fill-pattern sweeps [256]\n"
		"  --write-pct N           hammer: percentage of writes [50]\n"
		"  --param NAME=VALUE      a parameter for your own guest, read with numig_param(\"NAME\", default);\n"
		"                          NAME is a-z, 0-9, _ (up to 15), VALUE decimal or 0x hex; up to 8\n"
		"  --write-set PCT         hammer: percentage of each page's 4 KiB pieces it writes; it only\n"
		"                          reads the others [100]\n"
		"output\n"
		"  --json                  JSON report on stdout (schema: docs/measurements.md)\n"
		"  --plot FILE.svg         latency histograms and guest throughput over time\n"
		"  --sample TIME           time-series interval [100ms]\n"
		"  --quiet                 no guest console output\n"
		"  --tap                   kselftest-friendly: TAP version 13, plan 1..1, one test point, the report\n"
		"                          as '# ' lines; exit 0 pass, 1 fail, 4 skip (no KVM, unsafe host)\n"
		"  --allow-unsafe-host     migrate on a shadow-paging host whose kernel version lacks the\n"
		"                          2026 shadow-MMU fixes (only if they are backported)\n"
		"\n"
		"exit codes: 0 ok, 1 integrity failure, 2 usage error, 3 environment (no /dev/kvm, missing\n"
		"capability, unsafe host, report not written), 4 guest crashed, failed, timed out or interrupted\n"
		"(a second SIGINT exits at once), 5 internal error, 6 inconclusive (too little checked);\n"
		"with --tap, kselftest's: 0 pass, 1 fail (any failure), 4 skip (environment)\n");
}

static int need(int rc, struct nerr *e, const char *opt, const char *msg)
{
	if (rc)
		nerr_set(e, NUMIG_EXIT_USAGE, "%s: %s", opt, msg);
	return rc;
}

void cli_defaults(struct run_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kvm_device = "/dev/kvm";
	c->guest = "hello";
	c->nr_vcpus = 1;
	c->mmu.nr_nodes = 1;
	c->mem_bytes = 256ull << 20;
	c->ws_bytes = 64ull << 20;
	c->timeout_ns = 0; /* check_config: room beyond --duration */
	c->duration_ns = 2ull * 1000000000ull;
	c->mmu.guard = 1;
	c->mmu.hint_migrate = 1;
	c->mmu.scan_size = 16;
	c->mmu.migrate_batch = 1;
	c->mmu.strategy = STRATEGY_UNMAP_COPY;
	c->mmu.precopy_rounds = 4;
	c->mmu.precopy_residue = 16;
	c->mmu.copy_threads = 1;
	c->mmu.inject_after = 200;
	c->mmu.seed = 1;
	c->mmu.migrate.to_node = -1;
	c->sample_ns = 100ull * 1000000ull;
}

/* --host-nodes LIST|G=LIST and --numatune MODE|G=MODE. The lists are kept
 * as text: libnuma checks them against the host when the guest is placed. */
static int parse_node_setting(int opt, const char *arg, struct run_config *c, struct nerr *e)
{
	const char *opt_name = opt == OPT_HOST_NODES ? "--host-nodes" : "--numatune";
	const char *eq = strchr(arg, '='), *value = eq ? eq + 1 : arg;
	char err[256] = "", node[8];
	uint64_t g = 0;
	int mode = 0;

	if (eq) {
		if (eq - arg >= (ptrdiff_t)sizeof(node) || eq == arg)
			return nerr_set(e, NUMIG_EXIT_USAGE, "%s: expected G=%s with a guest node G", opt_name,
					opt == OPT_HOST_NODES ? "LIST" : "MODE");
		memcpy(node, arg, (size_t)(eq - arg));
		node[eq - arg] = 0;
		if (need(parse_u64_range(node, 0, POOL_MAX_NODES - 1, &g, "guest node", err, sizeof(err)), e, opt_name, err))
			return -1;
	}
	if (opt == OPT_NUMATUNE) {
		mode = place_mode_of(value);
		if (mode < 0)
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"--numatune: unknown mode '%.32s' (strict, preferred, interleave, restrictive)", value);
		if (!eq) {
			c->topo.mode = mode;
		} else {
			c->topo.node_mode[g] = mode;
			c->topo.node_has_mode |= 1ull << g;
		}
		return 0;
	}
	if (!*value || strlen(value) >= NODELIST_LEN)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--host-nodes: %s node list", *value ? "too long a" : "an empty");
	snprintf(eq ? c->topo.node_nodes[g] : c->topo.host_nodes, NODELIST_LEN, "%s", value);
	return 0;
}

/* Guest memory comes in 2 MiB pages: a bare number is bytes, which is
 * almost never what was meant. */
static int parse_guest_size(const char *arg, uint64_t *out, const char *opt, struct nerr *e)
{
	char err[256] = "";

	if (need(parse_size(arg, out, err, sizeof(err)), e, opt, err))
		return -1;
	if (arg[strspn(arg, "0123456789")] == '\0' && *out % (2ull << 20))
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"%s %.32s: a size without a unit is in bytes (%.32s bytes), not a multiple of 2 MiB; "
				"did you mean %.32sM?",
				opt, arg, arg, arg);
	return 0;
}

static int add_param(struct run_config *c, const char *arg, struct nerr *e)
{
	char err[256] = "", name[NUMIG_PARAM_NAME_LEN];
	uint64_t v;

	if (need(parse_param(arg, name, sizeof(name), &v, err, sizeof(err)), e, "--param", err))
		return -1;
	for (int i = 0; i < c->nr_user_params; i++)
		if (!strcmp(c->user_params[i].name, name))
			return nerr_set(e, NUMIG_EXIT_USAGE, "--param: '%s' is given twice", name);
	if (c->nr_user_params == NUMIG_NR_USER_PARAMS)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--param: at most %d parameters", NUMIG_NR_USER_PARAMS);
	memcpy(c->user_params[c->nr_user_params].name, name, sizeof(name));
	c->user_params[c->nr_user_params++].value = v;
	return 0;
}

static int parse_option(int opt, const char *arg, struct run_config *c, enum cli_action *action, struct nerr *e)
{
	char err[256] = "";
	uint64_t v = 0;
	const char *name = NULL;

	for (const struct option *o = options; o->name; o++)
		if (o->val == opt)
			name = o->name;
	switch (opt) {
	case OPT_VCPUS:
		if (need(parse_u64_range(arg, 1, NUMIG_MAX_VCPUS, &v, "--vcpus", err, sizeof(err)), e, "--vcpus", err))
			return -1;
		c->nr_vcpus = (int)v;
		return 0;
	case OPT_NODES:
		if (need(parse_u64_range(arg, 1, POOL_MAX_NODES, &v, "--nodes", err, sizeof(err)), e, "--nodes", err))
			return -1;
		c->mmu.nr_nodes = (int)v;
		return 0;
	case OPT_MEM:
		return parse_guest_size(arg, &c->mem_bytes, "--mem", e);
	case OPT_WS:
		return parse_guest_size(arg, &c->ws_bytes, "--ws", e);
	case OPT_GUEST:
		c->guest = arg;
		return 0;
	case OPT_TIMEOUT:
		if (need(parse_duration_ns(arg, &c->timeout_ns, err, sizeof(err)), e, "--timeout", err))
			return -1;
		if (c->timeout_ns == 0)
			return nerr_set(e, NUMIG_EXIT_USAGE, "--timeout must be positive");
		return 0;
	case OPT_DURATION:
		return need(parse_duration_ns(arg, &c->duration_ns, err, sizeof(err)), e, "--duration", err);
	case OPT_MIGRATIONS:
		return need(parse_u64_range(arg, 1, UINT64_MAX, &c->stop_migrations, "--migrations", err, sizeof(err)), e,
			    "--migrations", err);
	case OPT_SCAN_PERIOD:
		return need(parse_duration_ns(arg, &c->mmu.scan_period_ns, err, sizeof(err)), e, "--scan-period", err);
	case OPT_LAZY:
		return need(parse_duration_ns(arg, &c->mmu.lazy_delay_ns, err, sizeof(err)), e, "--lazy-flush-delay", err);
	case OPT_SAMPLE:
		return need(parse_duration_ns(arg, &c->sample_ns, err, sizeof(err)), e, "--sample", err);
	case OPT_SCAN_SIZE:
		if (need(parse_u64_range(arg, 1, 1u << 20, &v, "--scan-size", err, sizeof(err)), e, "--scan-size", err))
			return -1;
		c->mmu.scan_size = (uint32_t)v;
		return 0;
	case OPT_JSON:
		c->json = 1;
		return 0;
	case OPT_QUIET:
		c->quiet = 1;
		return 0;
	case OPT_KVM:
		c->kvm_device = arg;
		return 0;
	case OPT_HUGETLB:
		c->mmu.hugetlb = 1;
		return 0;
	case OPT_HOST_NODES:
	case OPT_NUMATUNE:
		return parse_node_setting(opt, arg, c, e);
	case OPT_PIN:
		c->topo.pin = !strcmp(arg, "node") ? PIN_NODE : !strcmp(arg, "none") ? PIN_NONE : PIN_LIST;
		if (c->topo.pin == PIN_LIST &&
		    snprintf(c->topo.pin_cpus, sizeof(c->topo.pin_cpus), "%s", arg) >= (int)sizeof(c->topo.pin_cpus))
			return nerr_set(e, NUMIG_EXIT_USAGE, "--pin: CPU list too long");
		return 0;
	case OPT_DOMAIN_XML:
		c->domain_xml = arg;
		return 0;
	case OPT_NO_GUARD:
		c->mmu.guard = 0;
		return 0;
	case OPT_HINT_MIGRATE:
	case OPT_NO_HINT_MIGRATE:
		c->mmu.hint_migrate = opt == OPT_HINT_MIGRATE;
		return 0;
	case OPT_MIGRATE:
		return need(parse_migrate_spec(arg, &c->mmu.migrate, err, sizeof(err)), e, "--migrate", err);
	case OPT_MIGRATOR:
		for (int i = 0; i <= MIGRATOR_WATCH; i++)
			if (!strcmp(arg, mmu_migrator_name((enum mig_migrator)i))) {
				c->mmu.migrator = (enum mig_migrator)i;
				return 0;
			}
		return nerr_set(e, NUMIG_EXIT_USAGE, "--migrator: unknown migrator '%.32s' (numig, move-pages, "
				"numa-balancing, watch)", arg);
	case OPT_INJECT:
		if (!strcmp(arg, "corrupt-copy"))
			c->mmu.inject = INJECT_CORRUPT_COPY;
		else if (!strcmp(arg, "skip-copy-line"))
			c->mmu.inject = INJECT_SKIP_COPY_LINE;
		else if (!strcmp(arg, "skip-final-harvest"))
			c->mmu.inject = INJECT_SKIP_FINAL_HARVEST;
		else if (!strcmp(arg, "no-final-guard"))
			c->mmu.inject = INJECT_NO_FINAL_GUARD;
		else
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"--inject: unknown fault '%s' (corrupt-copy, skip-copy-line, skip-final-harvest, "
					"no-final-guard)",
					arg);
		return 0;
	case OPT_INJECT_AFTER:
		return need(parse_u64_range(arg, 0, UINT64_MAX, &c->mmu.inject_after, "--inject-after", err, sizeof(err)), e,
			    "--inject-after", err);
	case OPT_SEED:
		return need(parse_u64_range(arg, 0, UINT64_MAX, &c->mmu.seed, "--seed", err, sizeof(err)), e, "--seed", err);
	case OPT_SLOTS:
		return need(parse_u64_range(arg, 1, 32, &c->params[NUMIG_PARAM_SLOTS], "--slots", err, sizeof(err)), e,
			    "--slots", err);
	case OPT_SWEEP:
		return need(parse_u64_range(arg, 1, UINT32_MAX, &c->params[NUMIG_PARAM_SWEEP_EVERY], "--sweep-every", err,
					    sizeof(err)),
			    e, "--sweep-every", err);
	case OPT_WRITE_PCT:
		return need(parse_u64_range(arg, 0, 100, &c->params[NUMIG_PARAM_WRITE_PCT], "--write-pct", err,
					    sizeof(err)),
			    e, "--write-pct", err);
	case OPT_PLOT:
		c->plot_path = arg;
		return 0;
	case OPT_UNSAFE_HOST:
		c->allow_unsafe_host = 1;
		return 0;
	case OPT_STW:
		c->mmu.strategy = STRATEGY_STOP_THE_WORLD;
		return 0;
	case OPT_STRATEGY:
		return need(parse_strategy(arg, &c->mmu.strategy, err, sizeof(err)), e, "--strategy", err);
	case OPT_COPY_THREADS:
		if (need(parse_u64_range(arg, 1, 64, &v, "--copy-threads", err, sizeof(err)), e, "--copy-threads", err))
			return -1;
		c->mmu.copy_threads = (uint32_t)v;
		return 0;
	case OPT_PRECOPY_ROUNDS:
		if (need(parse_u64_range(arg, 0, 64, &v, "--precopy-rounds", err, sizeof(err)), e, "--precopy-rounds", err))
			return -1;
		c->mmu.precopy_rounds = (uint32_t)v;
		return 0;
	case OPT_PRECOPY_RESIDUE:
		if (need(parse_u64_range(arg, 0, 512, &v, "--precopy-residue", err, sizeof(err)), e, "--precopy-residue",
			 err))
			return -1;
		c->mmu.precopy_residue = (uint32_t)v;
		return 0;
	case OPT_WRITE_SET:
		return need(parse_u64_range(arg, 1, 100, &c->params[NUMIG_PARAM_WRITE_SET], "--write-set", err,
					    sizeof(err)),
			    e, "--write-set", err);
	case OPT_FAIL:
		return need(parse_fault_plan(arg, &c->fail, err, sizeof(err)), e, "--fail", err);
	case OPT_BATCH:
		if (need(parse_u64_range(arg, 1, MIG_BATCH_MAX, &v, "--migrate-batch", err, sizeof(err)), e,
			 "--migrate-batch", err))
			return -1;
		c->mmu.migrate_batch = (uint32_t)v;
		return 0;
	case OPT_PARAM:
		return add_param(c, arg, e);
	case OPT_TAP:
		c->tap = 1;
		return 0;
	case OPT_HELP:
		*action = CLI_HELP;
		return 0;
	case OPT_VERSION:
		*action = CLI_VERSION;
		return 0;
	default:
		return nerr_set(e, NUMIG_EXIT_USAGE, "unknown option%s%s (see numig --help)", name ? " " : "",
				name ? name : "");
	}
}

uint64_t cli_default_timeout_ns(uint64_t duration_ns)
{
	uint64_t room = duration_ns / 2 > CLI_TIMEOUT_ROOM_NS ? duration_ns / 2 : CLI_TIMEOUT_ROOM_NS, t;

	/* A guest asked to run 60 s must not time out at 60 s. */
	return __builtin_add_overflow(duration_ns, room, &t) ? UINT64_MAX : t;
}

/* With the kernel as migrator numig's engine does not run: its own options
 * would be silently ignored, so they are refused. */
static int check_migrator(const struct run_config *c, struct nerr *e)
{
	const struct mmu_config *m = &c->mmu;
	const char *name = mmu_migrator_name(m->migrator), *bad = NULL;

	if (m->migrator == MIGRATOR_NUMIG)
		return 0;
	if (m->strategy != STRATEGY_UNMAP_COPY)
		bad = "--strategy";
	else if (m->inject != INJECT_NONE)
		bad = "--inject";
	else if (m->copy_threads != 1)
		bad = "--copy-threads";
	else if (!m->guard)
		bad = "--no-guard";
	else if (m->scan_period_ns)
		bad = "--scan-period";
	if (bad)
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"%s is an option of numig's own migrator; with --migrator %s the kernel moves the pages "
				"(drop %s, or use --migrator numig)", bad, name, bad);
	if (m->migrator == MIGRATOR_MOVE_PAGES && m->migrate.rate_per_s <= 0)
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"--migrator move-pages moves pages at --migrate's rate and pattern: give --migrate "
				"rate=N/s[,pattern=...]");
	if (m->migrator != MIGRATOR_MOVE_PAGES && m->migrate.rate_per_s > 0)
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"--migrate drives numig's migration thread, but with --migrator %s %s (drop --migrate)", name,
				m->migrator == MIGRATOR_WATCH ? "numig moves nothing" : "the kernel decides what moves");
	if (m->migrator != MIGRATOR_MOVE_PAGES && c->stop_migrations)
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"--migrations counts the moves numig makes or asks for; with --migrator %s it makes none "
				"(use --duration)", name);
	return 0;
}

static int check_config(struct run_config *c, struct nerr *e)
{
	uint64_t per_node;

	if (c->mem_bytes % (2ull << 20) || c->mem_bytes == 0)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--mem must be a non-zero multiple of 2 MiB");
	if (c->ws_bytes % (2ull << 20))
		return nerr_set(e, NUMIG_EXIT_USAGE, "--ws must be a multiple of 2 MiB");
	for (int g = c->mmu.nr_nodes; g < POOL_MAX_NODES; g++)
		if (c->topo.node_nodes[g][0] || (c->topo.node_has_mode & (1ull << g)))
			return nerr_set(e, NUMIG_EXIT_USAGE, "guest node %d in --host-nodes/--numatune: the guest has %d node%s",
					g, c->mmu.nr_nodes, c->mmu.nr_nodes == 1 ? "" : "s");
	per_node = c->mem_bytes / (uint64_t)c->mmu.nr_nodes;
	if (!c->topo.has_cells && (per_node < (2ull << 20) || per_node % (2ull << 20)))
		return nerr_set(e, NUMIG_EXIT_USAGE, "--mem %llu MiB does not split into whole 2 MiB frames over %d nodes",
				(unsigned long long)(c->mem_bytes >> 20), c->mmu.nr_nodes);
	if (c->ws_bytes > c->mem_bytes)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--ws (%llu MiB) is larger than --mem (%llu MiB)",
				(unsigned long long)(c->ws_bytes >> 20), (unsigned long long)(c->mem_bytes >> 20));
	if (c->ws_bytes > (64ull << 30))
		return nerr_set(e, NUMIG_EXIT_USAGE, "--ws is limited to 64 GiB");
	if (c->mmu.migrate.pattern == SCHED_TO_NODE && c->mmu.migrate.to_node >= c->mmu.nr_nodes)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--migrate pattern=to:%d names a node the guest does not have (--nodes %d)",
				c->mmu.migrate.to_node, c->mmu.nr_nodes);
	if ((c->mmu.inject == INJECT_SKIP_FINAL_HARVEST || c->mmu.inject == INJECT_NO_FINAL_GUARD) &&
	    !mmu_dirty_logging(&c->mmu))
		return nerr_set(e, NUMIG_EXIT_USAGE, "--inject %s breaks precopy: use --strategy precopy or auto",
				c->mmu.inject == INJECT_SKIP_FINAL_HARVEST ? "skip-final-harvest" : "no-final-guard");
	if (check_migrator(c, e))
		return -1;
	if (c->timeout_ns == 0)
		c->timeout_ns = cli_default_timeout_ns(c->duration_ns);
	if (c->tap && c->json)
		return nerr_set(e, NUMIG_EXIT_USAGE, "--tap and --json both want stdout: choose one");
	return 0;
}

int cli_parse(int argc, char **argv, struct run_config *cfg, enum cli_action *action, struct nerr *e)
{
	int opt, first = 1;
	unsigned given = 0;

	cli_defaults(cfg);
	*action = CLI_RUN;
	if (argc >= 2 && argv[1][0] != '-') {
		if (strcmp(argv[1], "run") != 0)
			return nerr_set(e, NUMIG_EXIT_USAGE, "unknown command '%.64s' (try: numig run --help)", argv[1]);
		first = 2;
	} else if (argc < 2) {
		return nerr_set(e, NUMIG_EXIT_USAGE, "no command (try: numig run --help)");
	}
	optind = first;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];

			return nerr_set(e, NUMIG_EXIT_USAGE, "%s '%.64s' (see numig --help)",
					opt == ':' || (optopt && optopt != '?') ? "option needs a value:" : "unknown option", bad);
		}
		if (parse_option(opt, optarg, cfg, action, e))
			return -1;
		given |= opt == OPT_VCPUS ? GIVEN_VCPUS : opt == OPT_NODES ? GIVEN_NODES : opt == OPT_MEM ? GIVEN_MEM
			: opt == OPT_HOST_NODES ? GIVEN_HOST_NODES : opt == OPT_NUMATUNE ? GIVEN_NUMATUNE
			: opt == OPT_PIN ? GIVEN_PIN : 0;
	}
	if (optind < argc)
		return nerr_set(e, NUMIG_EXIT_USAGE, "unexpected argument '%.64s'", argv[optind]);
	if (*action != CLI_RUN)
		return 0;
	if (first != 2)
		return nerr_set(e, NUMIG_EXIT_USAGE, "no command (try: numig run --help)");
	if (cfg->domain_xml && domain_apply(cfg, given, e))
		return -1;
	return check_config(cfg, e);
}

int cli_resolve_guest(struct run_config *cfg, const char *argv0, struct nerr *e)
{
	char bindir[PATH_MAX], dir[PATH_MAX];

	(void)argv0;
	if (strchr(cfg->guest, '/') || strstr(cfg->guest, ".elf")) {
		snprintf(cfg->guest_path, sizeof(cfg->guest_path), "%s", cfg->guest);
		return 0;
	}
	if (guestdir_self(bindir, sizeof(bindir), e) || guestdir_for(bindir, dir, sizeof(dir), e))
		return -1;
	if ((size_t)snprintf(cfg->guest_path, sizeof(cfg->guest_path), "%s/%s.elf", dir, cfg->guest) >=
	    sizeof(cfg->guest_path))
		return nerr_set(e, NUMIG_EXIT_INTERNAL, "the guests' directory is too long: %s", dir);
	if (access(cfg->guest_path, R_OK))
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"unknown guest '%s' (built-ins: hello, idle, integrity, hammer, in %s; or give a path to an ELF file)",
				cfg->guest, dir);
	return 0;
}
