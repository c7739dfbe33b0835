/* The numig guest runtime: what a test guest includes.
 *
 * A guest provides `int guest_main(struct numig_mailbox *mb)`; it runs in
 * ring 3 on every vCPU at once. Returning ends that vCPU with the returned
 * exit code. See README.md, "Writing your own guest".
 */
#ifndef NUMIG_GUEST_H
#define NUMIG_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <numig/abi.h>

int guest_main(struct numig_mailbox *mb);

static inline struct numig_mailbox *numig_mb(void)
{
	uint64_t p;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(p));
	return (struct numig_mailbox *)p;
}

static inline void numig_hcall(uint32_t nr)
{
	__asm__ volatile("outl %0, %w1" : : "a"(nr), "Nd"((uint16_t)NUMIG_PORT_HCALL) : "memory");
}

static inline uint64_t numig_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void numig_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline int numig_should_stop(const struct numig_mailbox *mb)
{
	return mb->stop != 0;
}

int numig_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
int numig_snprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void numig_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void numig_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void numig_exit(int code);
void numig_barrier(void);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
