/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Text appended into a caller's fixed buffer, never past it: once a piece
 * does not fit, the buffer is marked full and nothing more is added. */
#ifndef XNAT_AGENT_STRBUF_H
#define XNAT_AGENT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct xnat_strbuf {
	char *b;
	size_t cap, len; /* b holds cap bytes; len of them are written (NUL after them while not full) */
	bool full;
};

void xnat_strbuf_printf(struct xnat_strbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
