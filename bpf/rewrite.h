/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes a translation into the packet with incremental checksum updates.
 * Every field is compared old/new, so one function serves source NAT,
 * destination NAT, hairpin (both) and ICMP errors (outer and quoted header).
 * The fields are found at the offsets the parser recorded, through pointers
 * taken afresh and checked here.
 *
 * The outer TCP/UDP checksum is not written here: its diffs are returned for
 * the caller to commit, by hand in XDP, by bpf_l4_csum_replace() in TC
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

/*
 * The L4 header of proto at off (at most max), with its first 8 bytes (the
 * ports, the ICMP identifier) in the frame; NULL when they aren't (the
 * parser said they were: for the verifier).
 */
static __always_inline void *l4_at(void *data, void *data_end, __u32 off, __u32 max)
{
	void *l4;

	if (off > max)
		return NULL;
	l4 = data + off;
	if (l4 + 8 > data_end)
		return NULL;
	return l4;
}

/* The ports of the L4 header at l4 that fields (XNAT_L4_*) names become
 * to's; returns the checksum diff. Each field is written in a branch of its
 * own, at a constant offset: the verifier sees every access in bounds (and
 * the compiler makes no pointer arithmetic of a choice between fields). */
static __always_inline __u32 set_ports(void *l4, __u8 proto, __u8 fields, const struct xnat_tuple *to,
				       __u32 diff)
{
	if (proto == IPPROTO_ICMP) {
		/* the echo identifier stands for the port of the side that asked */
		if (fields & XNAT_L4_SPORT)
			diff = set_port(l4 + 4, to->sport, diff);
		if (fields & XNAT_L4_DPORT)
			diff = set_port(l4 + 4, to->dport, diff);
		return diff;
	}
	if (fields & XNAT_L4_SPORT)
		diff = set_port(l4, to->sport, diff);
	if (fields & XNAT_L4_DPORT)
		diff = set_port(l4 + 2, to->dport, diff);
	return diff;
}

/* The checksum of the L4 header at l4 (when fields has XNAT_L4_CSUM) gets
 * diff; see fix_csum(). */
static __always_inline void fix_l4_csum(void *l4, void *data_end, __u8 proto, __u8 fields, __u32 diff,
					__u32 *outer)
{
	if (!(fields & XNAT_L4_CSUM))
		return;
	if (proto == IPPROTO_TCP) {
		if (l4 + 18 <= data_end)
			fix_csum(l4 + 16, diff, 0, outer);
	} else if (proto == IPPROTO_UDP) {
		fix_csum(l4 + 6, diff, 1, outer);
	} else {
		fix_csum(l4 + 2, diff, 0, outer);
	}
}

/* The quoted header of an ICMP error; returns the ICMP checksum's diff. */
static __always_inline __u32 rewrite_quote(void *data, void *data_end, const struct xnat_pkt *p,
					   const struct xnat_xlate *x)
{
	__u32 icmp, qip_diff, ql4, ports, off = p->in_ip_off;
	__u8 proto = p->in_t.proto;
	struct iphdr *qip;
	void *l4;

	if (off > XNAT_IN_IP_MAX)
		return 0;
	qip = data + off;
	if ((void *)(qip + 1) > data_end)
		return 0;
	qip_diff = set_addr(&qip->saddr, x->in_to.saddr, 0);
	qip_diff = set_addr(&qip->daddr, x->in_to.daddr, qip_diff);
	icmp = qip_diff;
	fix_csum(&qip->check, qip_diff, 0, &icmp);

	l4 = l4_at(data, data_end, p->in_l4_off, XNAT_IN_L4_MAX);
	if (!l4)
		return icmp;
	/* Quoted TCP/UDP checksums cover the quoted addresses too. */
	ports = set_ports(l4, proto, p->in_l4_fields, &x->in_to, 0);
	icmp = xnat_csum_add(icmp, ports);
	ql4 = xnat_csum_add(proto == IPPROTO_ICMP ? 0 : qip_diff, ports);
	fix_l4_csum(l4, data_end, proto, p->in_l4_fields, ql4, &icmp);
	return icmp;
}

/*
 * Write x into the packet at data. Returns 0 with the outer TCP/UDP
 * checksum's diffs in *d, or -1 when the packet isn't what the parser saw.
 * commit: write the TCP/UDP checksum too (XDP; TC leaves it to
 * bpf_l4_csum_replace()), with the SIP ALG's changes of x and extra (the
 * MSS clamp's) added.
 */
static __always_inline int rewrite_packet(void *data, void *data_end, const struct xnat_pkt *p,
					  const struct xnat_xlate *x, struct xnat_l4_diff *d, int commit, __u32 extra)
{
	__u32 ip_diff, ports, ip_off = p->ip_off;
	struct iphdr *ip;
	void *l4;

	d->pseudo = 0;
	d->data = 0;
	if (ip_off > XNAT_IP_OFF)
		return -1;
	ip = data + ip_off;
	if ((void *)(ip + 1) > data_end)
		return -1;
	ip_diff = set_addr(&ip->saddr, x->to.saddr, 0);
	ip_diff = set_addr(&ip->daddr, x->to.daddr, ip_diff);
	fix_csum(&ip->check, ip_diff, 0, NULL);
	if (p->frag == XNAT_FRAG_LATER)
		return 0; /* no L4 header; its checksum was fixed in the first fragment */

	l4 = l4_at(data, data_end, p->l4_off, XNAT_L4_OFF_MAX);
	if (!l4)
		return -1;
	ports = set_ports(l4, p->t.proto, p->l4_fields, &x->to, 0);
	if (p->t.proto == IPPROTO_ICMP) {
		/* No pseudo-header: the ICMP checksum sees the id and the quote. */
		if (p->icmp_error)
			ports = xnat_csum_add(ports, rewrite_quote(data, data_end, p, x));
		fix_l4_csum(l4, data_end, IPPROTO_ICMP, p->l4_fields, ports, NULL);
		return 0;
	}
	d->pseudo = xnat_csum_add(ip_diff, x->sip_pseudo);
	d->data = xnat_csum_add(xnat_csum_add(ports, x->sip_data), extra);
	if (commit)
		fix_l4_csum(l4, data_end, p->t.proto, p->l4_fields, xnat_csum_add(d->pseudo, d->data), NULL);
	return 0;
}

#endif
