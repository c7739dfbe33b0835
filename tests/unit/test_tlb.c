/* Unit tests for invalidation (mmu/tlb.c): holds, contiguous runs, frames the
 * VMM is writing, in the environment of mmu_env.h (host memory, real mprotect, no KVM). */
#define TAP_MAIN
#include "harness.h"
#include "unit/mmu_env.h"

#include <inttypes.h>

static void test_tlb(void)
{
	static struct env v;
	const int init[2] = { 0, 0 };
	struct frame *f0, *f1, *list[3];
	uint64_t calls;

	if (env_init(&v, 1, 8 * MB, 2, init, 1)) {
		OK(0, "tlb: environment");
		return;
	}
	f0 = v.ws.pages[0].frame;
	f1 = v.ws.pages[1].frame;
	OK(writable(f0->hva) == 1 && writable(f1->hva + FRAME_SIZE - 1) == 1, "frames start writable");
	OK(tlb_invalidate_frames(&v.tlb, NULL, 0, 1) == 0 && ld(&v.tlb.invalidations) == 0 && ld(&v.tlb.calls) == 0,
	   "invalidating 0 frames does nothing and counts nothing");

	list[0] = f0;
	list[1] = f1;
	list[2] = f0; /* duplicates count once */
	OK(tlb_invalidate_frames(&v.tlb, list, 3, 1) == 0, "invalidate 2 frames (one listed twice), keep_ro");
	OK(f0->ro_holds == 1 && f1->ro_holds == 1, "one hold each despite the duplicate");
	OK(ld(&v.tlb.invalidations) == 1 && ld(&v.tlb.frames_invalidated) == 2 && ld(&v.tlb.seq) == 1,
	   "1 invalidation of 2 frames, seq bumped");
	OK(f1->hva == f0->hva + FRAME_SIZE ? ld(&v.tlb.calls) == 1 : ld(&v.tlb.calls) == 2,
	   "contiguous frames take one mprotect call (%" PRIu64 ")", ld(&v.tlb.calls));
	OK(writable(f0->hva) == 0 && writable(f1->hva + 4096) == 0, "held frames are read-only");
	OK(atomic_load(&v.tlb.in_progress) == 0, "in_progress back to 0");

	calls = ld(&v.tlb.calls);
	OK(tlb_invalidate_frames(&v.tlb, &f0, 1, 1) == 0 && f0->ro_holds == 2 && ld(&v.tlb.calls) == calls,
	   "a second hold on a held frame makes no host call");
	OK(tlb_invalidate_frames(&v.tlb, &f0, 1, 0) == 0 && f0->ro_holds == 2 && writable(f0->hva) == 0,
	   "a flush without keep_ro leaves a held frame read-only and its holds alone");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 1 && writable(f0->hva) == 0,
	   "releasing one of two holds keeps it read-only");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 0 && writable(f0->hva) == 1,
	   "releasing the last hold makes it writable");
	OK(tlb_release(&v.tlb, f0) == 0 && f0->ro_holds == 0, "releasing with no hold is a no-op");
	OK(tlb_release(&v.tlb, f1) == 0 && writable(f1->hva) == 1, "f1 writable after its release");

	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 0) == 0 && f1->ro_holds == 0 && writable(f1->hva) == 1,
	   "a plain flush (no keep_ro) leaves the frame writable");

	/* A frame the VMM is writing (a copy target) is never protected. */
	tlb_begin_vmm_write(&v.tlb, f1);
	calls = ld(&v.tlb.calls);
	OK(tlb_invalidate_frames(&v.tlb, list, 2, 1) == 0 && f1->ro_holds == 0 && writable(f1->hva) == 1,
	   "during a VMM write: keep_ro adds no hold and the frame stays writable");
	OK(f0->ro_holds == 1 && writable(f0->hva) == 0, "the other frame of the same call is held read-only");
	OK(ld(&v.tlb.calls) == calls + 1, "one host call, for the other frame only");
	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 0) == 0 && writable(f1->hva) == 1,
	   "a batched flush skips the frame too");
	tlb_end_vmm_write(&v.tlb, f1);
	OK(f1->vmm_writes == 0, "vmm_writes back to 0");
	OK(tlb_invalidate_frames(&v.tlb, &f1, 1, 1) == 0 && f1->ro_holds == 1 && writable(f1->hva) == 0,
	   "after the write an invalidation protects it again");
	tlb_release(&v.tlb, f1);
	tlb_release(&v.tlb, f0);
	OK(writable(f0->hva) == 1 && writable(f1->hva) == 1, "both writable after release");
	env_destroy(&v);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_tlb();
	return tap_done();
}
