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

/* Failure reporting (README "Reporting what your check found"). Call one of
 * these for each bad word a check finds, with the working-set page index
 * (0 .. mb->ws_pages - 1), the byte offset in that 2 MiB page, the value
 * expected and the value found; numig prints the first reports, counts all
 * of them and exits 1. A lost write is an older value of the same writer;
 * anything else is a bad (corrupt) word. */
void numig_report_bad_word(uint64_t page, uint64_t offset, uint64_t expected, uint64_t found);
void numig_report_lost_write(uint64_t page, uint64_t offset, uint64_t expected, uint64_t found);
/* The check of this vCPU is complete: it compared `words_checked` words.
 * Without a verdict (or a bad word) numig reports no integrity result. */
void numig_report_verdict(uint64_t words_checked);

/* What the guest felt (docs/measurements.md "What the guest felt"): the gaps in this
 * vCPU's write loop, timed with its TSC into a histogram in its own mailbox
 * (mb->gaps), which numig reads after the run and reports in microseconds.
 * numig_gap_start(stride) (re)starts it: the guest promises to call
 * numig_gap_tick() once every `stride` operations (writes) of its loop, so a
 * gap spans that many; numig_gap_resume() after work that is not part of
 * the loop (a read-only sweep), so the pause is not counted;
 * numig_gap_publish() when the loop is over: without it, numig reports no
 * figure for the vCPU. A tick costs about 50 cycles, more in a loop of
 * cache-missing stores: the built-in guests tick once per 256 writes or
 * accesses, which cost them about 5 % (docs/measurements.md). */
void numig_gap_start(uint64_t stride);
void numig_gap_resume(void);
void numig_gap_publish(void);

static inline struct numig_gap_hist *numig_gaps(void)
{
	return &numig_mb()->gaps;
}

/* Inline: it sits in the guest's hot loop. */
static inline void numig_gap_tick(struct numig_gap_hist *g)
{
	uint64_t now = numig_rdtsc(), last = g->last;
	uint64_t d = now > last ? now - last : 0; /* a TSC that stepped back is no gap */

	g->last = now;
	g->bucket[numig_gap_bucket(d)]++;
	if (d > g->max)
		g->max = d;
}

/* The value of `--param NAME=VALUE` on numig's command line, or dflt. */
uint64_t numig_param(const char *name, uint64_t dflt);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
