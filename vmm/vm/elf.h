/* Loading numig guests: static ELF64 x86-64 executables linked into the
 * image window of the system area (guest/rt/guest.ld). */
#ifndef NUMIG_VMM_ELF_H
#define NUMIG_VMM_ELF_H

#include <stddef.h>
#include <stdint.h>

#include <numig/err.h>

struct guest_image {
	uint64_t entry;       /* ring-3 entry (ELF e_entry) */
	uint64_t exc_stubs;   /* from the .numig_rt descriptor */
	uint64_t pf_handler;
	uint64_t lo, hi;      /* guest-physical extent of the loaded segments */
};

#define ELF_FILE_MAX (64u << 20)
/* Work bounds: a crafted file must not keep the loader busy (65535
 * overlapping 8 MiB segments would copy 512 GiB). */
#define ELF_MAX_SEGMENTS 64
#define ELF_MAX_SECTIONS 4096

/* Validates and copies the image in `buf` into guest memory. `mem` is the
 * host address of guest-physical 0; segments must lie within
 * [win_lo, win_hi). Malformed input: NUMIG_EXIT_USAGE with the reason. */
int elf_load_buf(const uint8_t *buf, size_t len, uint8_t *mem, uint64_t win_lo, uint64_t win_hi,
		 struct guest_image *img, struct nerr *e);

/* Reads the file at `path` (at most ELF_FILE_MAX bytes), then elf_load_buf(). */
int elf_load_file(const char *path, uint8_t *mem, uint64_t win_lo, uint64_t win_hi, struct guest_image *img,
		  struct nerr *e);

#endif
