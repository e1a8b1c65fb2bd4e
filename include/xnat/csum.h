/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * Plain C on values, shared by the BPF fast path and the user-space tests.
 *
 * A "diff" is a 32-bit one's-complement accumulator of (~old + new) over every
 * changed field; one diff is applied to a checksum field once, at the end.
 * All operands stay in network byte order: the one's-complement sum does not
 * care about byte order as long as every operand is in the same one.
 */
#ifndef XNAT_CSUM_H
#define XNAT_CSUM_H

#include "compat.h"

static inline __u32 xnat_csum_add(__u32 sum, __u32 add)
{
	sum += add;
	return sum + (sum < add); /* end-around carry */
}

static inline __u32 xnat_csum_diff32(__u32 diff, __u32 from, __u32 to)
{
	return xnat_csum_add(xnat_csum_add(diff, ~from), to);
}

static inline __u32 xnat_csum_diff16(__u32 diff, __u16 from, __u16 to)
{
	return xnat_csum_add(xnat_csum_add(diff, (__u16)~from), to);
}

static inline __u16 xnat_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The new value of a stored (complemented) checksum after the changes in diff. */
static inline __u16 xnat_csum_apply(__u16 check, __u32 diff)
{
	return (__u16)~xnat_csum_fold(xnat_csum_add((__u16)~check, diff));
}

#endif
