/* ELF64 guest loader. Every offset and size read from the file is checked
 * before use: a malformed guest is an error message, never a crash. */
#include "elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <numig/abi.h>

static int range_ok(uint64_t off, uint64_t size, uint64_t limit)
{
	return off <= limit && size <= limit - off;
}

/* [addr, addr + size) inside one loaded, executable segment. */
static int in_exec_segment(const Elf64_Phdr *ph, unsigned n, uint64_t addr, uint64_t size)
{
	for (unsigned i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && addr >= ph[i].p_paddr &&
		    range_ok(addr - ph[i].p_paddr, size, ph[i].p_memsz))
			return 1;
	return 0;
}

static int find_rt_desc(const uint8_t *buf, size_t len, const Elf64_Ehdr *eh, struct numig_rt_desc *desc,
			struct nerr *e)
{
	const Elf64_Shdr *sh, *strtab;

	if (eh->e_shoff == 0 || eh->e_shnum == 0)
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest has no section headers, so no .numig_rt descriptor "
				"(link it with the numig runtime; extended section numbering is not supported)");
	if (eh->e_shnum > ELF_MAX_SECTIONS)
		return nerr_set(e, NUMIG_EXIT_USAGE, "%u sections, more than the %u numig loads", eh->e_shnum,
				ELF_MAX_SECTIONS);
	if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
	    !range_ok(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len) || eh->e_shstrndx >= eh->e_shnum)
		return nerr_set(e, NUMIG_EXIT_USAGE, "section header table out of bounds");
	sh = (const Elf64_Shdr *)(buf + eh->e_shoff);
	strtab = &sh[eh->e_shstrndx];
	if (!range_ok(strtab->sh_offset, strtab->sh_size, len))
		return nerr_set(e, NUMIG_EXIT_USAGE, "section name table out of bounds");
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		const char *name;

		if (sh[i].sh_name >= strtab->sh_size)
			continue;
		name = (const char *)buf + strtab->sh_offset + sh[i].sh_name;
		if (strnlen(name, strtab->sh_size - sh[i].sh_name) == strtab->sh_size - sh[i].sh_name)
			continue; /* not NUL-terminated inside the table */
		if (strcmp(name, ".numig_rt") != 0)
			continue;
		if (sh[i].sh_type != SHT_PROGBITS || sh[i].sh_size < sizeof(*desc) ||
		    !range_ok(sh[i].sh_offset, sizeof(*desc), len))
			return nerr_set(e, NUMIG_EXIT_USAGE, ".numig_rt section malformed");
		memcpy(desc, buf + sh[i].sh_offset, sizeof(*desc));
		if (desc->magic != NUMIG_RT_MAGIC)
			return nerr_set(e, NUMIG_EXIT_USAGE, ".numig_rt has a bad magic number");
		if (desc->abi_version != NUMIG_ABI_VERSION)
			return nerr_set(e, NUMIG_EXIT_USAGE, "guest built for numig ABI %llu, this VMM speaks %d",
					(unsigned long long)desc->abi_version, NUMIG_ABI_VERSION);
		return 0;
	}
	return nerr_set(e, NUMIG_EXIT_USAGE, "no .numig_rt section: not linked with the numig guest runtime");
}

int elf_load_buf(const uint8_t *buf, size_t len, uint8_t *mem, uint64_t win_lo, uint64_t win_hi,
		 struct guest_image *img, struct nerr *e)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
	const Elf64_Phdr *ph;
	struct numig_rt_desc desc;
	uint64_t total = 0;
	int loaded = 0;

	memset(img, 0, sizeof(*img));
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return nerr_set(e, NUMIG_EXIT_USAGE, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return nerr_set(e, NUMIG_EXIT_USAGE, "not a little-endian ELF64 file");
	if (eh->e_machine != EM_X86_64)
		return nerr_set(e, NUMIG_EXIT_USAGE, "wrong machine type %u (numig runs x86-64 guests, EM_X86_64=%d)",
				eh->e_machine, EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return nerr_set(e, NUMIG_EXIT_USAGE, "not a static executable (ELF type %u; link with guest.ld)",
				eh->e_type);
	if (eh->e_phnum == PN_XNUM || eh->e_phnum > ELF_MAX_SEGMENTS)
		return nerr_set(e, NUMIG_EXIT_USAGE, "%u program headers, more than the %u numig loads%s", eh->e_phnum,
				ELF_MAX_SEGMENTS, eh->e_phnum == PN_XNUM ? " (PN_XNUM: extended numbering)" : "");
	/* Aligned, or reading the table is undefined behaviour (found by fuzz_elf). */
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phoff % 8 ||
	    !range_ok(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return nerr_set(e, NUMIG_EXIT_USAGE, "program header table missing or out of bounds");
	if (find_rt_desc(buf, len, eh, &desc, e))
		return -1;
	ph = (const Elf64_Phdr *)(buf + eh->e_phoff);
	img->lo = UINT64_MAX;
	/* Checked before anything is copied: a rejected file leaves no work done. */
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (__builtin_add_overflow(total, ph[i].p_memsz, &total) || total > 2 * (win_hi - win_lo))
			return nerr_set(e, NUMIG_EXIT_USAGE, "segments add up to more than twice the image window");
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || !range_ok(ph[i].p_offset, ph[i].p_filesz, len))
			return nerr_set(e, NUMIG_EXIT_USAGE, "segment %u: file range out of bounds", i);
		/* One rule per message: a segment inside the window must not be
		 * reported as outside it for another reason. */
		if (ph[i].p_vaddr != ph[i].p_paddr)
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"segment %u: virtual address %#llx differs from its physical address %#llx "
					"(numig runs guests identity-mapped; link with guest.ld)", i,
					(unsigned long long)ph[i].p_vaddr, (unsigned long long)ph[i].p_paddr);
		if (ph[i].p_paddr < win_lo || !range_ok(ph[i].p_paddr, ph[i].p_memsz, win_hi))
			return nerr_set(e, NUMIG_EXIT_USAGE,
					"segment %u [%#llx, +%#llx) lies outside the guest image window [%#llx, %#llx)", i,
					(unsigned long long)ph[i].p_paddr, (unsigned long long)ph[i].p_memsz,
					(unsigned long long)win_lo, (unsigned long long)win_hi);
		memcpy(mem + ph[i].p_paddr, buf + ph[i].p_offset, ph[i].p_filesz);
		memset(mem + ph[i].p_paddr + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
		if (ph[i].p_paddr < img->lo)
			img->lo = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > img->hi)
			img->hi = ph[i].p_paddr + ph[i].p_memsz;
		loaded++;
	}
	if (!loaded)
		return nerr_set(e, NUMIG_EXIT_USAGE, "no loadable segment");
	/* Code must start inside code: an address between segments, or in
	 * data, would run whatever happens to be there. */
	if (!in_exec_segment(ph, eh->e_phnum, eh->e_entry, 1) ||
	    !in_exec_segment(ph, eh->e_phnum, desc.exc_stubs, 256 * NUMIG_EXC_STUB_SIZE) ||
	    !in_exec_segment(ph, eh->e_phnum, desc.pf_handler, 1))
		return nerr_set(e, NUMIG_EXIT_USAGE,
				"entry point %#llx or runtime handlers outside an executable segment",
				(unsigned long long)eh->e_entry);
	img->entry = eh->e_entry;
	img->exc_stubs = desc.exc_stubs;
	img->pf_handler = desc.pf_handler;
	return 0;
}

/* The user's fault (a bad path) or the host's (out of descriptors, memory). */
static int open_error_class(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EIO:
	case EINTR:
		return NUMIG_EXIT_ENV;
	default:
		return NUMIG_EXIT_USAGE;
	}
}

int elf_load_file(const char *path, uint8_t *mem, uint64_t win_lo, uint64_t win_hi, struct guest_image *img,
		  struct nerr *e)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, rc;

	/* O_NONBLOCK: a FIFO without a writer must not block open(); the type
	 * is checked before anything is read. */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return nerr_set(e, open_error_class(errno), "cannot open guest %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest %s is not a regular file", path);
	}
	if (st.st_size > ELF_FILE_MAX) {
		close(fd);
		return nerr_set(e, NUMIG_EXIT_USAGE, "guest %s is %lld bytes, more than the %u MiB limit", path,
				(long long)st.st_size, ELF_FILE_MAX >> 20);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return nerr_set(e, NUMIG_EXIT_ENV, "out of memory reading %s", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			close(fd);
			return nerr_set(e, NUMIG_EXIT_USAGE, "reading guest %s failed: %s", path,
					n < 0 ? strerror(errno) : "unexpected end of file");
		}
		got += (size_t)n;
	}
	close(fd);
	rc = elf_load_buf(buf, got, mem, win_lo, win_hi, img, e);
	if (rc && e->msg[0]) {
		char tmp[sizeof(e->msg)];

		snprintf(tmp, sizeof(tmp), "guest %.200s: %.300s", path, e->msg);
		memcpy(e->msg, tmp, sizeof(tmp));
	}
	free(buf);
	return rc;
}
