/* Errors returned through numig's host libraries: an exit-code class plus
 * one human sentence. Library code fills it and returns -1; only the CLI
 * prints it and turns the class into the process exit code. */
#ifndef NUMIG_ERR_H
#define NUMIG_ERR_H

#include <stdarg.h>
#include <stdio.h>

/* Process exit codes (README "Exit codes", numig --help). */
enum numig_exit {
	NUMIG_EXIT_OK = 0,
	NUMIG_EXIT_INTEGRITY = 1, /* an integrity check failed */
	NUMIG_EXIT_USAGE = 2,     /* bad command line */
	NUMIG_EXIT_ENV = 3,       /* no /dev/kvm, missing capability, unsafe host, out of memory or
				   descriptors, report not written */
	NUMIG_EXIT_GUEST = 4,     /* guest crashed, failed or timed out */
	NUMIG_EXIT_INTERNAL = 5,  /* a bug or an unexpected host failure */
	NUMIG_EXIT_INCONCLUSIVE = 6, /* the guest did too little to check: no verdict */
};

struct nerr {
	int code;
	char msg[512];
};

static inline int nerr_set(struct nerr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int nerr_set(struct nerr *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	/* Keep the first error: it is the cause, later ones are consequences. */
	if (e->code && e->msg[0])
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

#endif
