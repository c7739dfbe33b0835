/* TAP 13 for kselftest-style runners (tap.h). */
#define _GNU_SOURCE
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include <numig/err.h>

int tap_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--tap"))
			return 1;
	}
	return 0;
}

void tap_begin(FILE *out)
{
	fputs("TAP version 13\n1..1\n", out);
	fflush(out);
}

struct diag {
	FILE *out;
	int at_line_start;
};

static ssize_t diag_write(void *cookie, const char *buf, size_t len)
{
	struct diag *d = cookie;

	for (size_t i = 0; i < len; i++) {
		if (d->at_line_start && fputs("# ", d->out) == EOF)
			return -1;
		if (fputc(buf[i], d->out) == EOF)
			return -1;
		d->at_line_start = buf[i] == '\n';
	}
	return (ssize_t)len;
}

static int diag_close(void *cookie)
{
	struct diag *d = cookie;
	int rc = 0;

	if (!d->at_line_start)
		rc = fputc('\n', d->out) == EOF ? -1 : 0;
	if (fflush(d->out))
		rc = -1;
	free(d);
	return rc;
}

FILE *tap_diag_open(FILE *out)
{
	static const cookie_io_functions_t io = { .write = diag_write, .close = diag_close };
	struct diag *d = calloc(1, sizeof(*d));
	FILE *f;

	if (!d)
		return NULL;
	d->out = out;
	d->at_line_start = 1;
	f = fopencookie(d, "w", io);
	if (!f) {
		free(d);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0); /* diagnostics keep their place among the lines of `out` */
	return f;
}

/* One line: a message must not break the TAP stream. */
static void put_line(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' || *s == '#' ? ' ' : *s, out);
}

int tap_end(FILE *out, const char *name, int numig_exit, const char *message)
{
	int ksft = numig_exit == NUMIG_EXIT_OK ? KSFT_PASS : numig_exit == NUMIG_EXIT_ENV ? KSFT_SKIP : KSFT_FAIL;

	fprintf(out, "%s 1 - ", ksft == KSFT_FAIL ? "not ok" : "ok");
	put_line(out, name);
	if (ksft == KSFT_SKIP) {
		fputs(" # SKIP ", out);
		put_line(out, message);
	} else if (ksft == KSFT_FAIL) {
		fprintf(out, ": exit %d: ", numig_exit);
		put_line(out, message);
	}
	fputc('\n', out);
	fflush(out);
	return ksft;
}
