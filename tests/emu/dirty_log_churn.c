/* Issue 19's reproducer without the migration engine: numig's VM and its
 * integrity guest, KVM dirty logging on the guest nodes' memslots as for
 * precopy, and this thread calling KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG
 * on every working-set frame in turn, the way a precopy round does, while
 * the vCPUs write. Nothing migrates: no leaf changes, no mprotect, no copy.
 * If the guest triple-faults, hangs or loses writes here, the fault is not
 * in numig's migration code.
 *
 *   build/emutests/dirty_log_churn [BUILD_DIR] [SECONDS] [CLEAR|NOCLEAR|ZAP]
 *
 * ZAP adds an invalidation of each frame after its clear, the one numig's
 * guard uses (tlb_invalidate_frames: the host mapping made read-only and
 * writable again, so KVM's MMU notifier zaps the frame's 4 KiB entries while
 * logging is on, and a vCPU that meets the read-only mapping waits and
 * retries); still no copy and no leaf change.
 *
 * TAP: one point per check, and a line with the counts. Exit 0 when every
 * check passed. Runs in the emulated host (docs/design.md "Precopy"). */
#define TAP_MAIN
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/cli/cli.h"
#include "vmm/report/report.h"
#include "vmm/vm/dirtylog.h"
#include "vmm/vm/run.h"

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config c;
	struct run_outcome out;
	struct nerr e = { 0, "" };
	const char *build = argc > 1 ? argv[1] : "build";
	double secs = argc > 2 ? atof(argv[2]) : 5.0;
	const char *mode = argc > 3 ? argv[3] : "CLEAR";
	int do_clear = strcmp(mode, "NOCLEAR") != 0, do_zap = !strcmp(mode, "ZAP");
	uint64_t rounds = 0, dirty = 0, errors = 0, zaps = 0, t_end;
	int rc;

	if (access("/dev/kvm", R_OK | W_OK)) {
		tap_skip("dirty-log churn", "/dev/kvm is absent or not accessible");
		return tap_done();
	}
	if (secs < 0.5 || secs > 3600) {
		OK(0, "SECONDS must be 0.5 to 3600");
		return tap_done();
	}
	cli_defaults(&c);
	c.guest = "integrity";
	snprintf(c.guest_path, sizeof(c.guest_path), "%s/guests/integrity.elf", build);
	c.nr_vcpus = 2;
	c.mmu.nr_nodes = 2;
	c.topo.pin = PIN_NODE;
	c.mem_bytes = 256ull << 20;
	c.ws_bytes = 32ull << 20;
	c.duration_ns = (uint64_t)(secs * 1e9);
	c.timeout_ns = c.duration_ns + 120ull * 1000000000ull;
	c.mmu.hint_migrate = 0;
	/* Precopy's strategy turns dirty logging on; no migration thread and
	 * no scanner run, so precopy itself never does. */
	c.mmu.strategy = STRATEGY_PRECOPY;
	rc = machine_create(&m, &c, &e);
	if (!OK(rc == 0, "machine created with dirty logging on the guest nodes (%s)", e.msg))
		return tap_done();
	rc = machine_start(&m, &e);
	if (!OK(rc == 0, "guest started (%s)", e.msg))
		return tap_done();
	t_end = now_ns() + c.duration_ns;
	while (now_ns() < t_end && !atomic_load(&m.stopping)) {
		for (uint32_t i = 0; i < m.mmu.ws.nr_pages; i++) {
			struct ws_page *pg = &m.mmu.ws.pages[i];
			uint64_t bits[PIECES / 64], gpa;
			struct frame *f;

			pthread_mutex_lock(&pg->lock);
			f = pg->frame;
			gpa = f->gpa;
			pthread_mutex_unlock(&pg->lock);
			if (dirty_log_get(&m.dlog, gpa, bits)) {
				errors++;
				continue;
			}
			dirty += pieces_in(bits);
			if (do_clear && dirty_log_clear(&m.dlog, gpa, bits))
				errors++;
			if (do_zap) {
				if (tlb_invalidate_frames(&m.mmu.tlb, &f, 1, 0))
					errors++;
				zaps++;
			}
		}
		rounds++;
	}
	machine_wait(&m, NULL);
	outcome_decide(&m, &out);
	tap_diag("%llu rounds over %u frames (%s), %llu dirty pieces read, %llu zaps, %llu errors; guest: %llu writes",
		 (unsigned long long)rounds, m.mmu.ws.nr_pages,
		 do_zap ? "get + clear + zap" : do_clear ? "get + clear" : "get only", (unsigned long long)dirty,
		 (unsigned long long)zaps, (unsigned long long)errors, (unsigned long long)out.guest_writes);
	OK(errors == 0, "every KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG and invalidation succeeded");
	OK(out.exit_code == 0 && out.integrity_pass, "the guest ran to its end with integrity PASS: %s", out.message);
	machine_destroy(&m);
	return tap_done();
}
