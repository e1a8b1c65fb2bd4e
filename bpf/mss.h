/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP MSS clamping: a SYN crossing the WAN announces at most what the WAN's
 * MTU carries (xnat_config.wan_mss, its MTU less 40), both ways, so that
 * neither end sends segments the link can't take (PPPoE's 1492: TCP stalls
 * where ICMP "fragmentation needed" does not come back). What nftables users
 * write as `tcp option maxseg size set rt mtu`.
 */
#ifndef XNAT_BPF_MSS_H
#define XNAT_BPF_MSS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "parse.h"
#include "pkt_access.h"
#include "tcp_opts.h"
#include "stats.h"

/* The SYN's MSS option down to mss when it says more. Returns the TCP
 * checksum's diff (0: nothing changed). */
static __always_inline __u32 mss_clamp(void *ctx, int xdp, const struct xnat_pkt *p, __u16 mss)
{
	struct xnat_tcp_opts o = {};
	void *data, *end;
	struct tcphdr *tcp;
	__u8 *at;
	__u32 n, diff;
	int k;

	if (p->l4_off > XNAT_L4_OFF_MAX)
		return 0;
	pkt_bounds(ctx, xdp, &data, &end);
	tcp = data + p->l4_off;
	if ((void *)(tcp + 1) > end || !tcp->syn)
		return 0;
	n = tcp->doff * 4;
	if (n <= sizeof(*tcp) || n > sizeof(*tcp) + XNAT_TCP_OPTS_MAX)
		return 0;
	n -= sizeof(*tcp);
	if (sip_pkt_load(ctx, xdp, p->l4_off + sizeof(*tcp), o.b, n))
		return 0;
	k = xnat_tcp_find_opt(&o, n, 2, 4); /* MSS */
	if (k < 0 || k > XNAT_TCP_OPTS_MAX - 4)
		return 0;
	at = (__u8 *)(tcp + 1) + (k & 63);
	if ((void *)(at + 4) > end || (__u16)(at[2] << 8 | at[3]) <= mss)
		return 0;
	diff = csum_byte(0, sizeof(*tcp) + k + 2, at[2], mss >> 8);
	diff = csum_byte(diff, sizeof(*tcp) + k + 3, at[3], mss & 0xff);
	at[2] = mss >> 8;
	at[3] = mss & 0xff;
	count_event(XNAT_STAT_TCP_MSS_CLAMPED);
	return diff;
}

#endif
