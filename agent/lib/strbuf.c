// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include "strbuf.h"

void xnat_strbuf_printf(struct xnat_strbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->full || s->len >= s->cap) {
		s->full = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(s->b + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->cap - s->len)
		s->full = true;
	else
		s->len += (size_t)n;
}
