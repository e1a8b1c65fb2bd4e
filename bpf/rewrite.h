/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes a translation into the packet with incremental checksum updates.
 * Every field is compared old/new, so one function serves source NAT,
 * destination NAT, hairpin (both) and ICMP errors (outer and quoted header).
 *
 * The outer TCP/UDP checksum is not written here: its diffs are returned for
 * the entry point to commit, by hand in XDP, by bpf_l4_csum_replace() in TC
 * (right for CHECKSUM_PARTIAL and CHECKSUM_COMPLETE skbs). Everything else is
 * stored directly, before any helper call can invalidate packet pointers.
 */
#ifndef XNAT_BPF_REWRITE_H
#define XNAT_BPF_REWRITE_H

#include <xnat/csum.h>
#include "parse.h"
#include "nat_core.h"

/* Pending changes to the outer TCP/UDP checksum. */
struct xnat_l4_diff {
	__u32 pseudo; /* address changes (pseudo-header) */
	__u32 data;   /* port changes */
};

static __always_inline __u32 set_addr(__be32 *field, __be32 to, __u32 diff)
{
	if (*field == to)
		return diff;
	diff = xnat_csum_diff32(diff, *field, to);
	*field = to;
	return diff;
}

static __always_inline __u32 set_port(__be16 *field, __be16 to, __u32 diff)
{
	if (!field || *field == to)
		return diff;
	diff = xnat_csum_diff16(diff, *field, to);
	*field = to;
	return diff;
}

/* Apply diff to a stored checksum; the new-minus-old goes into *outer (the
 * checksum of an enclosing ICMP message), when given. UDP zero stays zero. */
static __always_inline void fix_csum(__sum16 *field, __u32 diff, int udp, __u32 *outer)
{
	__u16 old, new;

	if (!field || !diff)
		return;
	old = *field;
	if (udp && !old)
		return;
	new = xnat_csum_apply(old, diff);
	if (udp && !new)
		new = 0xffff;
	*field = new;
	if (outer)
		*outer = xnat_csum_diff16(*outer, old, new);
}

/* The quoted header of an ICMP error; returns the ICMP checksum's diff. */
static __always_inline __u32 rewrite_quote(struct xnat_pkt *p, const struct xnat_xlate *x)
{
	struct iphdr *qip = p->in_ip;
	__u32 icmp, qip_diff, ql4, ports;
	__u8 proto = p->in_t.proto;

	if (!qip || (void *)(qip + 1) > p->data_end)
		return 0;
	qip_diff = set_addr(&qip->saddr, x->in_to.saddr, 0);
	qip_diff = set_addr(&qip->daddr, x->in_to.daddr, qip_diff);
	icmp = qip_diff;
	fix_csum(&qip->check, qip_diff, 0, &icmp);

	/* Quoted TCP/UDP checksums cover the quoted addresses too. */
	ports = set_port(p->in_l4.sport, x->in_to.sport, 0);
	ports = set_port(p->in_l4.dport, x->in_to.dport, ports);
	icmp = xnat_csum_add(icmp, ports);
	ql4 = xnat_csum_add(proto == IPPROTO_ICMP ? 0 : qip_diff, ports);
	fix_csum(p->in_l4.csum, ql4, proto == IPPROTO_UDP, &icmp);
	return icmp;
}

static __always_inline void rewrite_packet(struct xnat_pkt *p, const struct xnat_xlate *x,
					   struct xnat_l4_diff *d)
{
	struct iphdr *ip = p->ip;
	__u32 ip_diff, ports;

	d->pseudo = 0;
	d->data = 0;
	ip_diff = set_addr(&ip->saddr, x->to.saddr, 0);
	ip_diff = set_addr(&ip->daddr, x->to.daddr, ip_diff);
	fix_csum(&ip->check, ip_diff, 0, NULL);
	if (p->frag == XNAT_FRAG_LATER)
		return; /* no L4 header; its checksum was fixed in the first fragment */

	ports = set_port(p->l4.sport, x->to.sport, 0);
	ports = set_port(p->l4.dport, x->to.dport, ports);
	if (p->t.proto == IPPROTO_ICMP) {
		/* No pseudo-header: the ICMP checksum sees the id and the quote. */
		if (p->icmp_error)
			ports = xnat_csum_add(ports, rewrite_quote(p, x));
		fix_csum(p->l4.csum, ports, 0, NULL);
		return;
	}
	d->pseudo = ip_diff;
	d->data = ports;
}

#endif
