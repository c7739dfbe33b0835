/* failorder: two vCPUs fail in a known order (issue 23): vCPU 1 first, then
 * vCPU 0 once numig lets it go because vCPU 1 failed. The result line must
 * name vCPU 1.
 *   --param release=0  vCPU 0 waits in numig_barrier(), which numig releases
 *                      when vCPU 1 fails (numig stops vCPU 0 there: it does
 *                      not fail)
 *   --param release=1  both pass a barrier; vCPU 0 then spins until its
 *                      mailbox says stop, which numig sets when vCPU 1
 *                      fails, and makes a bad hypercall at once, often
 *                      before the kick stops it; vCPU 1 faults after
 *                      --param spin=N pause loops (default 1000) */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	uint64_t release = numig_param("release", 0), spin = numig_param("spin", 1000);

	if (release)
		numig_barrier();
	if (mb->vcpu_id == 1) {
		for (uint64_t i = 0; i < spin; i++)
			numig_pause();
		__asm__ volatile("movq $1, 0x10" ::: "memory"); /* page 0: unmapped */
	} else if (mb->vcpu_id == 0) {
		if (release) {
			while (!numig_should_stop(mb))
				numig_pause();
			/* An exit straight away, no ring-0 handler: it beats the kick. */
			numig_hcall(0x77);
		}
		numig_barrier();
		__asm__ volatile("ud2");
	}
	return 0;
}
