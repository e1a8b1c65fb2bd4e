// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "shown.h"

const char *xnat_shown_n(const char *p, size_t len, struct xnat_shown *buf)
{
	size_t n = len < XNAT_SHOWN_MAX ? len : XNAT_SHOWN_MAX, o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\\') {
			memcpy(buf->s + o, "\\\\", 2);
			o += 2;
		} else if (c == '\t') {
			memcpy(buf->s + o, "\\t", 2);
			o += 2;
		} else if (c >= 0x20 && c < 0x7f) {
			buf->s[o++] = (char)c;
		} else {
			o += (size_t)snprintf(buf->s + o, sizeof(buf->s) - o, "\\x%02x", c);
		}
	}
	if (n < len) {
		memcpy(buf->s + o, "...", 3);
		o += 3;
	}
	buf->s[o] = '\0';
	return buf->s;
}

const char *xnat_shown(const char *s, struct xnat_shown *buf)
{
	return xnat_shown_n(s, strlen(s), buf);
}
