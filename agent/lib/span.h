/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A piece of a buffer, for parsers that never copy or terminate what they read. */
#ifndef XNAT_AGENT_SPAN_H
#define XNAT_AGENT_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct span {
	const char *p;
	size_t len;
};

static inline bool span_is(struct span s, const char *text)
{
	return s.len == strlen(text) && !memcmp(s.p, text, s.len);
}

static inline bool span_is_nocase(struct span s, const char *text)
{
	return s.len == strlen(text) && !strncasecmp(s.p, text, s.len);
}

#endif
