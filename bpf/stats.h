/* SPDX-License-Identifier: GPL-2.0 */
#ifndef XNAT_BPF_STATS_H
#define XNAT_BPF_STATS_H

#include "maps.h"
#include "profile.h"

/* n packets of bytes in all, counted as stat. */
static __always_inline void count_packets(__u32 stat, __u32 n, __u32 bytes)
{
	struct xnat_counter *c;

	if (!stage_on(XNAT_STAGE_STATS))
		return;
	c = bpf_map_lookup_elem(&xnat_stats, &stat);
	if (c) {
		c->packets += n;
		c->bytes += bytes;
	}
}

static __always_inline void count_packet(__u32 stat, __u32 bytes)
{
	count_packets(stat, 1, bytes);
}

/* Events (new session, new mapping) counted on top of the packet's verdict. */
static __always_inline void count_event(__u32 stat)
{
	count_packet(stat, 0);
}

static __always_inline int stat_is_drop(__u32 stat)
{
	/* Handed to the slow path: dropped here, xnatd sends it on. */
	return stat >= XNAT_STAT_SLOW_PATH;
}

static __always_inline int stat_is_xlate(__u32 stat)
{
	return stat <= XNAT_STAT_XLATE_FRAG;
}

#endif
