/* System-area descriptors (sysarea.h). */
#include "sysarea.h"

#include <string.h>

_Static_assert(NUMIG_STACKS + NUMIG_MAX_VCPUS * (NUMIG_KSTACK_SIZE + NUMIG_USTACK_SIZE) <= NUMIG_IMAGE_BASE,
	       "stacks end below the guest image");
_Static_assert(NUMIG_MAILBOX + NUMIG_MAX_VCPUS * NUMIG_MAILBOX_SIZE <= NUMIG_STACKS, "mailboxes end below stacks");
_Static_assert(NUMIG_TSS + NUMIG_MAX_VCPUS * NUMIG_TSS_STRIDE <= NUMIG_IDT, "TSSs end below the IDT");

static void set_gate(uint8_t *g, uint64_t handler)
{
	memset(g, 0, 16);
	g[0] = handler & 0xff;
	g[1] = (handler >> 8) & 0xff;
	g[2] = SEL_KCODE;
	g[5] = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	g[6] = (handler >> 16) & 0xff;
	g[7] = (handler >> 24) & 0xff;
	memcpy(g + 8, &(uint32_t){ (uint32_t)(handler >> 32) }, 4);
}

void sysarea_build(uint8_t *mem, int nr_vcpus, const struct guest_image *img)
{
	uint64_t *gdt = (uint64_t *)(mem + NUMIG_GDT);
	uint64_t tss = NUMIG_TSS, lim = NUMIG_TSS_LIMIT;

	memset(gdt, 0, SYSAREA_GDT_ENTRIES * 8);
	gdt[SEL_KCODE >> 3] = 0x00af9b000000ffffull;
	gdt[SEL_KDATA >> 3] = 0x00cf93000000ffffull;
	/* One TSS descriptor; each vCPU's TR base points at its own TSS. */
	gdt[SEL_TSS >> 3] = (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x8bull << 40) | (((lim >> 16) & 0xf) << 48) |
			    (((tss >> 24) & 0xff) << 56);
	gdt[(SEL_TSS >> 3) + 1] = tss >> 32;
	gdt[SEL_UDATA >> 3] = 0x00cff3000000ffffull;
	gdt[SEL_UCODE >> 3] = 0x00affb000000ffffull;
	for (int i = 0; i < nr_vcpus; i++) {
		uint8_t *t = mem + sysarea_tss_gpa(i);
		uint64_t rsp0 = sysarea_kstack_top(i);

		memset(t, 0, NUMIG_TSS_STRIDE);
		memcpy(t + 4, &rsp0, 8);
		/* An all-clear I/O bitmap for numig's ports: software backends may
		 * check it even with IOPL=3, hardware does only above IOPL. */
		memcpy(t + 0x66, &(uint16_t){ NUMIG_TSS_IOMAP }, 2);
		t[NUMIG_TSS_LIMIT] = 0xff;
	}
	for (int v = 0; v < 256; v++)
		set_gate(mem + NUMIG_IDT + 16 * v, v == 14 ? img->pf_handler : img->exc_stubs + NUMIG_EXC_STUB_SIZE * v);
}
