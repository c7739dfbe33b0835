/* Minimal TAP-style test harness shared by numig's C tests.
 *
 * Each check prints "ok N - name", "not ok N - name" (with a diagnostic
 * line) or "ok N - name # SKIP reason". tap_done() prints the closing
 * line "N passed, N failed, N skipped" and returns the process exit code.
 */
#ifndef NUMIG_TESTS_HARNESS_H
#define NUMIG_TESTS_HARNESS_H

#include <stdarg.h>
#include <stdio.h>

struct tap_state {
	int n, passed, failed, skipped;
};

extern struct tap_state tap;

/* Define exactly one TAP_MAIN before including in the file with main(). */
#ifdef TAP_MAIN
struct tap_state tap;
#endif

static inline int tap_check(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline int tap_check(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap.n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap.n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (cond) {
		tap.passed++;
	} else {
		tap.failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

static inline void tap_skip(const char *name, const char *reason)
{
	tap.n++;
	tap.skipped++;
	printf("ok %d - %s # SKIP %s\n", tap.n, name, reason);
	fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap.n);
	printf("%d passed, %d failed, %d skipped\n", tap.passed, tap.failed, tap.skipped);
	return tap.failed ? 1 : 0;
}

#define OK(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#endif
