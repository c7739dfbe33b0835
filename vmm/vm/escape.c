/* Text that reaches a terminal (escape.h). */
#include "escape.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if it is invalid. Stops at the
 * NUL terminator since NUL is never a continuation byte. */
size_t text_utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong 3-byte */
	else if (p[0] == 0xed)
		hi = 0x9f; /* UTF-16 surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong 4-byte */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

const char *text_escape(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src ? src : "");
	size_t n = 0;

	if (!dst || !dstlen)
		return "";
	while (*p) {
		size_t len = *p < 0x80 ? 1 : text_utf8_len(p);
		/* C0, DEL, C1 (also as UTF-8) and invalid bytes: never raw to a
		 * terminal, where ESC and CSI start control sequences. */
		int ctl = len == 0 || *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0);

		if (ctl) {
			if (n + 4 >= dstlen)
				break;
			snprintf(dst + n, dstlen - n, "\\x%02x", *p);
			n += 4;
			p++;
			continue;
		}
		if (n + len >= dstlen)
			break;
		for (size_t i = 0; i < len; i++)
			dst[n++] = (char)*p++;
	}
	dst[n] = 0;
	return dst;
}

/* Put len bytes at dst + *n, or fail without writing past dstlen. */
static int put(char *dst, size_t dstlen, size_t *n, const char *s, size_t len)
{
	if (len >= dstlen - *n)
		return -1;
	memcpy(dst + *n, s, len);
	*n += len;
	dst[*n] = 0;
	return 0;
}

static int needs_c_quote(const unsigned char *p)
{
	for (; *p; p++) {
		size_t len = *p < 0x80 ? 1 : text_utf8_len(p);

		if (len == 0 || *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0))
			return 1;
		p += len - 1;
	}
	return 0;
}

int text_shell_quote(char *dst, size_t dstlen, size_t *n, const char *src)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%";
	const unsigned char *p = (const unsigned char *)src;
	size_t start = *n;
	char hex[5];

	if (!dst || *n >= dstlen)
		return -1;
	if (*src && strspn(src, safe) == strlen(src))
		return put(dst, dstlen, n, src, strlen(src));
	if (!needs_c_quote(p)) {
		int bad = put(dst, dstlen, n, "'", 1);

		for (; *p && !bad; p++)
			bad = *p == '\'' ? put(dst, dstlen, n, "'\\''", 4) : put(dst, dstlen, n, (const char *)p, 1);
		if (bad || put(dst, dstlen, n, "'", 1))
			goto undo;
		return 0;
	}
	if (put(dst, dstlen, n, "$'", 2))
		goto undo;
	for (; *p; p++) {
		size_t len = *p < 0x80 ? 1 : text_utf8_len(p);
		int bad;

		if (len == 0 || *p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] < 0xa0)) {
			snprintf(hex, sizeof(hex), "\\x%02x", *p);
			bad = put(dst, dstlen, n, hex, 4);
		} else if (*p == '\'' || *p == '\\') {
			hex[0] = '\\';
			hex[1] = (char)*p;
			bad = put(dst, dstlen, n, hex, 2);
		} else {
			bad = put(dst, dstlen, n, (const char *)p, len);
			p += len - 1;
		}
		if (bad)
			goto undo;
	}
	if (!put(dst, dstlen, n, "'", 1))
		return 0;
undo:
	*n = start;
	dst[start] = 0;
	return -1;
}
