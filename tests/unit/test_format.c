/* The guest runtime's printf (guest/rt/format.c), built for the host and
 * compared with the host's printf on every format the project's guests use
 * and on the flags, widths, precisions and length modifiers it claims. */
#define TAP_MAIN
#include "harness.h"
#include "numig_guest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SAME(fmt, ...)                                                                                                \
	do {                                                                                                          \
		char got[256], want[256];                                                                             \
		int gn = numig_snprintf(got, sizeof(got), fmt, __VA_ARGS__);                                          \
		int wn = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                                              \
		OK(gn == wn && !strcmp(got, want), "\"%s\": \"%s\" (%d), host \"%s\" (%d)", fmt, got, gn, want, wn); \
	} while (0)

int main(void)
{
	uint64_t page = 7, off = 0x1f8, expected = 0x4ffe401, found = 0x4fb0401;

	/* What the integrity guest prints for a lost write: %#lx was not handled
	 * and shifted every later argument. */
	SAME("%s: page %lu offset %#lx expected %#lx found %#lx (seen by vCPU %lu)", "LOST", page, off, expected, found,
	     (uint64_t)1);
	SAME("hello from vCPU %u of %u (guest node %u of %u)", 1u, 2u, 0u, 2u);
	SAME("%d %i %u", -42, 17, 3000000000u);
	SAME("%ld %lld %lu %llu", (long)INT64_MIN, (long long)-1, (unsigned long)UINT64_MAX, 12345ull);
	SAME("%zu %zx %jd %td", (size_t)99, (size_t)0xabc, (intmax_t)-5, (ptrdiff_t)-7);
	SAME("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535, (signed char)-128, (unsigned char)255);
	SAME("%x %X %#x %#X %#x", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu, 0u);
	SAME("%o %#o %#o %#.0o", 8u, 8u, 0u, 0u);
	SAME("[%8d] [%-8d] [%08d] [%+d] [% d] [%+08d]", 42, 42, -42, 42, 42, -42);
	SAME("[%.5d] [%8.3d] [%-8.3x] [%.0d] [%.0x]", 42, 7, 0xau, 0, 0u);
	SAME("[%#10x] [%#-10x] [%#010x] [%#.6x]", 0x1fu, 0x1fu, 0x1fu, 0x1fu);
	SAME("[%*d] [%-*d] [%.*d] [%*.*s]", 6, 1, 6, 1, 4, 3, 8, 2, "abcdef");
	SAME("[%s] [%10s] [%-10s] [%.2s] [%c] [%3c] [%-3c]", "numig", "numig", "numig", "numig", 'x', 'y', 'z');
	SAME("[%p] [%20p] [%-20p]", (void *)0x4000000000ull, (void *)0x1234, (void *)0xdeadbeefull);
	SAME("[%p]", (void *)0);
	SAME("100%% [%s]", "(done)");
	SAME("%d%%", 50);
	{
		char small[8];
		int n = numig_snprintf(small, sizeof(small), "%s %d", "truncated", 12345);

		OK(n == 15 && !strcmp(small, "truncat"), "truncates to the buffer and returns the full length (%d '%s')", n,
		   small);
		OK(numig_snprintf(NULL, 0, "%d", 123) == 3, "a zero-length buffer is only measured");
	}
	return tap_done();
}
