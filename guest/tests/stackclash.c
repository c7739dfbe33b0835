/* stackclash: vCPU 1 declares a frame larger than its user stack and writes
 * it from the bottom up while vCPU 0 waits in a barrier (issue 23). Without
 * a guard, the bottom of that frame lies in vCPU 0's stack.
 *   --param frame_kib=96|200|32  the frame: past the user stack (default),
 *                                past every stack of vCPU 0, or one that fits
 *   --param words=1              whole 8-byte words (default: one byte in 8)
 * vCPU 0 keeps a canary on its own stack and checks it after the barrier:
 * with a frame that fits, both vCPUs end 0. */
#include "../rt/numig_guest.h"

#define CANARY 0x63616e6172793030ull /* "canary00" */

#define FRAME(kib)                                                                      \
	__attribute__((noinline)) static void frame_##kib(int words)                     \
	{                                                                                \
		unsigned char buf[(kib) * 1024];                                         \
		volatile unsigned char *b = buf;                                         \
		volatile uint64_t *w = (volatile uint64_t *)buf;                         \
                                                                                         \
		if (words)                                                               \
			for (uint64_t i = 0; i < sizeof(buf) / 8; i++)                   \
				w[i] = 0x5a5a5a5a5a5a5a5aull;                            \
		else                                                                     \
			for (uint64_t i = 0; i < sizeof(buf); i += 8)                    \
				b[i] = 0x5a;                                             \
	}
FRAME(32)
FRAME(96)
FRAME(200)

int guest_main(struct numig_mailbox *mb)
{
	uint64_t kib = numig_param("frame_kib", 96), words = numig_param("words", 0);

	if (mb->vcpu_id == 0) {
		volatile uint64_t canary[64];

		for (int i = 0; i < 64; i++)
			canary[i] = CANARY + (uint64_t)i;
		numig_barrier();
		for (int i = 0; i < 64; i++)
			if (canary[i] != CANARY + (uint64_t)i)
				numig_panic("vCPU 0's stack was overwritten: canary %d is %#llx", i,
					    (unsigned long long)canary[i]);
		return 0;
	}
	if (mb->vcpu_id == 1) {
		if (kib == 32)
			frame_32((int)words);
		else if (kib == 200)
			frame_200((int)words);
		else if (kib == 96)
			frame_96((int)words);
		else
			numig_panic("--param frame_kib must be 32, 96 or 200");
	}
	numig_barrier();
	return 0;
}
