/* libFuzzer target: the guest ELF loader (vmm/vm/elf.c) on arbitrary bytes.
 * Seeds: tests/fuzz/corpus/elf and the built guests (make fuzz). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm/elf.h"

#define WIN_LO 0x800000ull
#define WIN_HI 0x1000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct guest_image img;
	struct nerr e;

	if (!mem && !(mem = malloc(WIN_HI)))
		abort();
	memset(&e, 0, sizeof(e));
	if (elf_load_buf(data, size, mem, WIN_LO, WIN_HI, &img, &e) == 0) {
		/* Accepted: everything the loader promises must hold. */
		if (img.lo < WIN_LO || img.hi > WIN_HI || img.entry < img.lo || img.entry >= img.hi)
			abort();
	} else if (e.code != NUMIG_EXIT_USAGE || !e.msg[0]) {
		abort();
	}
	return 0;
}
