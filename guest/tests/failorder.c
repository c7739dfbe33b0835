/* failorder: two vCPUs fail in a known order (issue 23): vCPU 1 first, then
 * vCPU 0 once it is let go. The result line must name vCPU 1.
 *   --param release=0  vCPU 0 waits in numig_barrier(), which the VMM
 *                      releases when vCPU 1 fails
 *   --param release=1  vCPU 0 spins on a flag in scratch memory that vCPU 1
 *                      sets just before it faults, then waits --param
 *                      spin=N (default 0) pause loops and faults itself, while the VMM
 *                      is stopping it */
#include "../rt/numig_guest.h"

int guest_main(struct numig_mailbox *mb)
{
	volatile uint64_t *flag = (volatile uint64_t *)mb->scratch_base;
	uint64_t release = numig_param("release", 0), spin = numig_param("spin", 0);

	if (mb->vcpu_id == 1) {
		if (release)
			*flag = 1;
		__asm__ volatile("movq $1, 0x10" ::: "memory"); /* page 0: unmapped */
	} else if (mb->vcpu_id == 0) {
		if (release) {
			while (!*flag)
				numig_pause();
			for (uint64_t i = 0; i < spin; i++)
				numig_pause();
		} else {
			numig_barrier();
		}
		__asm__ volatile("ud2");
	}
	return 0;
}
