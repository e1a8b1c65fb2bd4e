/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Message builders' snprintf results, one convention for all of them. */
#ifndef XNAT_AGENT_FITTED_H
#define XNAT_AGENT_FITTED_H

#include <stddef.h>

/* snprintf's result n as ours: the length, or -1 (out "") when it did not fit. */
static inline int xnat_fitted(int n, char *out, size_t cap)
{
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			out[0] = '\0';
		return -1;
	}
	return n;
}

#endif
