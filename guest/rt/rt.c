/* numig guest runtime: start-up, console output and the libc subset that a
 * freestanding compiler may call on its own (memset, memcpy, ...). */
#include "numig_guest.h"

void numig_rt_start(void);

__attribute__((noreturn)) void numig_exit(int code)
{
	struct numig_mailbox *mb = numig_mb();

	mb->arg[0] = (uint64_t)(int64_t)code;
	for (;;)
		numig_hcall(NUMIG_HC_DONE); /* the VMM never re-enters after DONE */
}

void numig_rt_start(void)
{
	struct numig_mailbox *mb = numig_mb();

	if (mb->magic != NUMIG_MAILBOX_MAGIC || mb->abi_version != NUMIG_ABI_VERSION)
		numig_panic("mailbox magic/ABI mismatch (guest ABI %d)", NUMIG_ABI_VERSION);
	numig_exit(guest_main(mb));
}

void numig_printf(const char *fmt, ...)
{
	struct numig_mailbox *mb = numig_mb();
	va_list ap;

	va_start(ap, fmt);
	numig_vsnprintf(mb->msg, sizeof(mb->msg), fmt, ap);
	va_end(ap);
	numig_hcall(NUMIG_HC_PRINT);
}

void numig_panic(const char *fmt, ...)
{
	struct numig_mailbox *mb = numig_mb();
	va_list ap;

	va_start(ap, fmt);
	numig_vsnprintf(mb->msg, sizeof(mb->msg), fmt, ap);
	va_end(ap);
	for (;;)
		numig_hcall(NUMIG_HC_PANIC);
}

void numig_barrier(void)
{
	numig_hcall(NUMIG_HC_BARRIER);
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
