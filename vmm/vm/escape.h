/* Text that reaches a terminal or a report: UTF-8 checks and escaping of
 * control bytes, below every layer that prints (vm, report, cli). */
#ifndef NUMIG_VMM_ESCAPE_H
#define NUMIG_VMM_ESCAPE_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p, or 0 if it is invalid. */
size_t text_utf8_len(const unsigned char *p);

/* src with control bytes (C0, DEL, C1), and bytes that are not UTF-8,
 * written as \xNN, into dst (truncated to fit); returns dst. For any text
 * that reaches a terminal from a guest, a file or the command line. */
const char *text_escape(char *dst, size_t dstlen, const char *src);

/* src as one word a POSIX shell (bash) reads back unchanged: as it is when
 * it needs no quoting, else in '...', or in $'...' with \xNN for control
 * bytes and bytes that are not UTF-8, so the result stays printable.
 * Appends to dst at *n (NUL-terminated); -1, dst unchanged past *n, when
 * it does not fit. For a command line a user can paste. */
int text_shell_quote(char *dst, size_t dstlen, size_t *n, const char *src);

#endif
