/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text from outside (a config value, a command's argument, a SOAP argument)
 * as it is quoted in an error message: at most XNAT_SHOWN_MAX bytes of it,
 * "..." when cut, unprintable bytes escaped (\xHH, \t, \\). Whatever the
 * value's length or bytes, the message's reason after it still fits.
 */
#ifndef XNAT_AGENT_SHOWN_H
#define XNAT_AGENT_SHOWN_H

#include <stddef.h>

#define XNAT_SHOWN_MAX 32
#define XNAT_SHOWN_SIZE (4 * XNAT_SHOWN_MAX + 4)

struct xnat_shown {
	char s[XNAT_SHOWN_SIZE];
};

/* p[0, len) quoted into buf; returns buf->s. */
const char *xnat_shown_n(const char *p, size_t len, struct xnat_shown *buf);
/* The string s quoted into buf; returns buf->s. */
const char *xnat_shown(const char *s, struct xnat_shown *buf);

#endif
