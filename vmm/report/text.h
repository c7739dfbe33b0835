/* Small text helpers shared by the parsers and the report writers. */
#ifndef NUMIG_VMM_TEXT_H
#define NUMIG_VMM_TEXT_H

#include <stddef.h>

#include "vmm/vm/escape.h" /* text_utf8_len, text_escape */

/* vsnprintf into err when err is non-NULL and errlen > 0. */
void text_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
