/* A small vsnprintf for guests: %d %i %u %o %x %X %p %s %c %%, the flags
 * '-' '0' '#' '+' ' ', a field width and a precision (digits or '*'), and
 * the hh h l ll z j t length modifiers, with the C standard's meaning
 * (tests/unit/test_format.c compares it with the host's printf). Enough for
 * readable diagnostics without a libc. */
#include "numig_guest.h"

struct out {
	char *buf;
	size_t len, pos;
};

struct spec {
	int width, prec; /* prec -1: none */
	int left, zero, alt, plus, space;
	int size;        /* 0 int, 1 char, 2 short, 3 long/long long/size_t */
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int n, const struct spec *sp)
{
	if (!sp->left)
		put_n(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		put_n(o, ' ', sp->width - n);
}

/* [padding][sign or 0x][zeros][digits][padding], as C lays it out. */
static void put_number(struct out *o, uint64_t v, int neg, unsigned base, int upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], prefix[3] = { 0 };
	int n = 0, np = 0, zeros, fill;

	if (v || sp->prec != 0)
		do {
			tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
			v /= base;
		} while (v);
	if (neg)
		prefix[np++] = '-';
	else if (sp->plus && base == 10)
		prefix[np++] = '+';
	else if (sp->space && base == 10)
		prefix[np++] = ' ';
	if (sp->alt && base == 16 && n && !(n == 1 && tmp[sizeof(tmp) - 1] == '0')) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	zeros = sp->prec > n ? sp->prec - n : 0;
	if (sp->alt && base == 8 && !zeros && (!n || tmp[sizeof(tmp) - n] != '0'))
		zeros = 1;
	fill = sp->width - np - zeros - n;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill > 0 ? fill : 0;
		fill = 0;
	}
	if (!sp->left)
		put_n(o, ' ', fill);
	for (int i = 0; i < np; i++)
		put(o, prefix[i]);
	put_n(o, '0', zeros);
	for (int i = 0; i < n; i++)
		put(o, tmp[sizeof(tmp) - n + i]);
	if (sp->left)
		put_n(o, ' ', fill);
}

static int64_t signed_arg(va_list *ap, int size)
{
	switch (size) {
	case 1:
		return (signed char)va_arg(*ap, int);
	case 2:
		return (short)va_arg(*ap, int);
	case 3:
		return va_arg(*ap, int64_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t unsigned_arg(va_list *ap, int size)
{
	switch (size) {
	case 1:
		return (unsigned char)va_arg(*ap, unsigned int);
	case 2:
		return (unsigned short)va_arg(*ap, unsigned int);
	case 3:
		return va_arg(*ap, uint64_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = 1;
		else if (*fmt == '0')
			sp->zero = 1;
		else if (*fmt == '#')
			sp->alt = 1;
		else if (*fmt == '+')
			sp->plus = 1;
		else if (*fmt == ' ')
			sp->space = 1;
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		fmt++;
	}
	for (; *fmt >= '0' && *fmt <= '9'; fmt++)
		sp->width = sp->width * 10 + (*fmt - '0');
	if (*fmt == '.') {
		fmt++;
		sp->prec = 0;
		if (*fmt == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp->prec = sp->prec * 10 + (*fmt - '0');
	}
	if (fmt[0] == 'h')
		sp->size = fmt[1] == 'h' ? (fmt++, 1) : 2;
	else if (fmt[0] == 'l' || fmt[0] == 'z' || fmt[0] == 'j' || fmt[0] == 't')
		sp->size = 3;
	if (sp->size)
		fmt++;
	if (sp->size == 3 && *fmt == 'l')
		fmt++;
	return fmt;
}

int numig_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		struct spec sp;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = signed_arg(&args, sp.size);

			put_number(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, 10, 0, &sp);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X':
			put_number(&o, unsigned_arg(&args, sp.size), 0, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
				   &sp);
			break;
		case 'p': {
			uint64_t v = (uint64_t)(uintptr_t)va_arg(args, void *);

			sp.alt = 1;
			if (v)
				put_number(&o, v, 0, 16, 0, &sp);
			else
				put_str(&o, "(nil)", 5, &sp); /* as glibc prints it */
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			while (s[n] && (sp.prec < 0 || n < sp.prec))
				n++;
			put_str(&o, s, n, &sp);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			put_str(&o, &c, 1, &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	va_end(args);
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return (int)o.pos;
}

int numig_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = numig_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}
