/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The Internet checksum (RFC 1071) of whole headers built or rebuilt in
 * user space (the fast path updates checksums incrementally: csum.h). */
#ifndef XNAT_AGENT_INET_CSUM_H
#define XNAT_AGENT_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* sum plus the 16-bit big-endian words of p[0..len) (len even), unfolded. */
static inline uint32_t xnat_inet_sum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	return sum;
}

/* The checksum field for a sum: folded and complemented, host order. */
static inline uint16_t xnat_inet_csum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif
