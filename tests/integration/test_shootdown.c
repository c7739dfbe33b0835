/* The shootdown proof, on a real guest: the VMM switches a working-set leaf
 * to another frame *without* invalidating, and the guest demonstrably keeps
 * writing the old frame through the translation it cached; after
 * tlb_invalidate_frames() its writes land in the new frame, and the old
 * frame no longer changes. This is the property the lazy-flush guard relies
 * on, checked on the running host. */
#define TAP_MAIN
#include "harness.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/vm/run.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static uint64_t word0(const struct frame *f)
{
	return __atomic_load_n((const uint64_t *)f->hva, __ATOMIC_RELAXED);
}

static int wait_for_writes(struct numig_mailbox *mb, uint64_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (mb->counter[NUMIG_CNT_OPS] > n)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct run_config c;
	struct nerr e = { 0, "" };
	const char *build = argc > 1 ? argv[1] : "build";
	struct ws_page *pg;
	struct frame *old, *new;
	uint64_t o1, o2, n1, n2, o3, o4, n3, n4;
	int stale_seen, rc;

	if (access("/dev/kvm", R_OK | W_OK)) {
		tap_skip("stale translation until invalidated", "/dev/kvm is absent or not accessible");
		return tap_done();
	}
	memset(&c, 0, sizeof(c));
	c.kvm_device = "/dev/kvm";
	c.guest = "shootdown";
	snprintf(c.guest_path, sizeof(c.guest_path), "%s/guests/shootdown.elf", build);
	c.nr_vcpus = 1;
	c.mmu.nr_nodes = 1;
	c.mem_bytes = 16ull << 20;
	c.ws_bytes = 4ull << 20;
	c.timeout_ns = 60ull * 1000000000ull;
	c.mmu.guard = 1;
	rc = machine_create(&m, &c, &e); /* before OK(): its arguments are evaluated in no set order */
	if (!OK(rc == 0, "machine created (%s)", e.msg))
		return tap_done();
	rc = machine_start(&m, &e);
	if (!OK(rc == 0, "guest started (%s)", e.msg))
		return tap_done();
	OK(wait_for_writes(m.vcpus[0].mb, 100000), "guest writes working-set page 0");

	pg = &m.mmu.ws.pages[0];
	old = pg->frame;
	new = frame_alloc(&m.mmu.pool, 0);
	OK(new != NULL, "a second frame for the page");
	memcpy(new->hva, old->hva, FRAME_SIZE);
	/* The switch alone: no invalidation. */
	pte_switch_frame(pg->leaf, new->gpa);
	o1 = word0(old);
	n1 = word0(new);
	sleep_ms(50);
	o2 = word0(old);
	n2 = word0(new);
	tap_diag("after the leaf switch, no invalidation: old frame %lu -> %lu, new frame %lu -> %lu",
		 (unsigned long)o1, (unsigned long)o2, (unsigned long)n1, (unsigned long)n2);
	stale_seen = o2 > o1 && n2 == n1;
	if (m.host.shadow_paging == 1)
		OK(stale_seen, "shadow paging: the vCPU keeps writing the OLD frame through its cached translation");
	else if (stale_seen)
		OK(1, "the vCPU kept writing the old frame through its cached translation");
	else
		tap_skip("stale translation observable", "the hardware TLB refilled from the new entry on its own");

	OK(tlb_invalidate_frames(&m.mmu.tlb, &old, 1, 0) == 0, "tlb_invalidate_frames(old frame)");
	o3 = word0(old);
	n3 = word0(new);
	sleep_ms(50);
	o4 = word0(old);
	n4 = word0(new);
	tap_diag("after the invalidation: old frame %lu -> %lu, new frame %lu -> %lu", (unsigned long)o3,
		 (unsigned long)o4, (unsigned long)n3, (unsigned long)n4);
	OK(o4 == o3, "after the invalidation the old frame no longer changes");
	OK(n4 > n3 && n4 > o4, "after the invalidation the writes land in the new frame");

	pthread_mutex_lock(&pg->lock);
	pg->frame = new;
	pthread_mutex_unlock(&pg->lock);
	frame_free(&m.mmu.pool, old);
	m.vcpus[0].mb->stop = 1;
	machine_wait(&m, NULL);
	OK(atomic_load(&m.vcpus[0].end) == VCPU_DONE, "guest finished cleanly");
	machine_destroy(&m);
	return tap_done();
}
