/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked parsing of Ethernet + IPv4 + TCP/UDP/ICMP, including the
 * packet quoted inside an ICMP error. Nothing is written here: the result
 * points at every field the NAT core may change.
 */
#ifndef XNAT_BPF_PARSE_H
#define XNAT_BPF_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <xnat/nat.h>
#include <xnat/stats.h>
#include "consts.h"

/* A flow as the packet shows it. ICMP queries: the identifier is the port of
 * the side that sent the request (sport of a request, dport of a reply). */
struct xnat_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
};

/* The port-like fields of one L4 header (outer, or quoted in an ICMP error). */
struct xnat_l4 {
	__be16 *sport;  /* NULL when the tuple's sport is the constant 0 */
	__be16 *dport;  /* NULL when the tuple's dport is the constant 0 */
	__sum16 *csum;  /* NULL when not inside the packet (short quote) */
	__u32 csum_off; /* offset of csum from the start of the frame */
};

enum xnat_frag_kind {
	XNAT_FRAG_NONE = 0,
	XNAT_FRAG_FIRST = 1, /* offset 0, more fragments: carries the L4 header */
	XNAT_FRAG_LATER = 2, /* no L4 header */
};

struct xnat_pkt {
	void *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	struct xnat_tuple t;
	struct xnat_l4 l4;
	__u8 frag;        /* enum xnat_frag_kind */
	__u8 tcp_flags;   /* XNAT_FLOW_* seen in this packet */
	__u8 icmp_type;   /* when t.proto is ICMP */
	__u8 icmp_error;  /* 1: ICMP error whose quote was parsed into in_* */
	__u8 from_stack;  /* set by the TC entry points: the kernel stack handed it over */
	__u8 slow;        /* enum xnat_slow_flags: xnatd's slow path runs it (0: off the wire) */
	/* The quoted packet of an ICMP error (in_t is its tuple as it was sent). */
	struct iphdr *in_ip;
	struct xnat_tuple in_t;
	struct xnat_l4 in_l4;
};

/* 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, 255.255.255.255 broadcast. */
static __always_inline int ipv4_not_unicast(__be32 addr)
{
	return (bpf_ntohl(addr) >> 28) >= 0xe;
}

static __always_inline int icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/*
 * Ports of a TCP/UDP header or an ICMP echo at l4 (l4_off from the frame
 * start). A quote needs only the first 8 bytes; the TCP checksum at offset 16
 * may lie beyond a short quote, and is then left NULL. end_off: where the IP
 * packet ends (frame offset): bytes past it, a trailer of the frame, are not
 * the quote's.
 * Returns 0, or XNAT_STAT_PASS_UNSUPPORTED / XNAT_STAT_DROP_MALFORMED.
 */
static __always_inline int parse_ports(void *l4, __u32 l4_off, void *data_end, __u32 end_off,
				       struct xnat_tuple *t, struct xnat_l4 *f,
				       __u8 *icmp_type, __u8 *tcp_flags, int quoted)
{
	if (l4 + 8 > data_end || l4_off + 8 > end_off)
		return XNAT_STAT_DROP_MALFORMED;

	if (t->proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		f->sport = &udp->source;
		f->dport = &udp->dest;
		f->csum = &udp->check;
		f->csum_off = l4_off + 6;
	} else if (t->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		f->sport = &tcp->source;
		f->dport = &tcp->dest;
		if (l4 + sizeof(*tcp) <= data_end && l4_off + sizeof(*tcp) <= end_off) {
			f->csum = &tcp->check;
			f->csum_off = l4_off + 16;
			if (tcp_flags) {
				__u8 fl = 0;

				if (tcp->syn)
					fl |= XNAT_FLOW_SYN;
				else if (tcp->ack)
					fl |= XNAT_FLOW_ACK;
				if (tcp->fin)
					fl |= XNAT_FLOW_FIN;
				if (tcp->rst)
					fl |= XNAT_FLOW_RST;
				*tcp_flags = fl;
			}
		} else if (!quoted) {
			return XNAT_STAT_DROP_MALFORMED;
		}
	} else if (t->proto == IPPROTO_ICMP) {
		struct icmphdr *icmp = l4;

		*icmp_type = icmp->type;
		f->csum = &icmp->checksum;
		f->csum_off = l4_off + 2;
		if (icmp->type == ICMP_ECHO) {
			f->sport = &icmp->un.echo.id;
		} else if (icmp->type == ICMP_ECHOREPLY) {
			f->dport = &icmp->un.echo.id;
		} else if (quoted || !icmp_is_error(icmp->type)) {
			return XNAT_STAT_PASS_UNSUPPORTED;
		}
	} else {
		return XNAT_STAT_PASS_UNSUPPORTED;
	}
	t->sport = f->sport ? *f->sport : 0;
	t->dport = f->dport ? *f->dport : 0;
	return 0;
}

/* The IPv4 header quoted by an ICMP error, and its first 8+ L4 bytes, all
 * before end_off (the outer packet's end). */
static __always_inline int parse_icmp_quote(struct xnat_pkt *p, void *data, __u32 icmp_off, __u32 end_off)
{
	void *data_end = p->data_end;
	struct iphdr *ip = data + icmp_off + sizeof(struct icmphdr);
	__u32 ihl, l4_off;
	__u8 unused;

	if ((void *)(ip + 1) > data_end || icmp_off + sizeof(struct icmphdr) + sizeof(*ip) > end_off)
		return XNAT_STAT_DROP_MALFORMED;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return XNAT_STAT_DROP_MALFORMED;
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return XNAT_STAT_PASS_UNSUPPORTED; /* quotes a later fragment: no ports */
	p->in_ip = ip;
	p->in_t.saddr = ip->saddr;
	p->in_t.daddr = ip->daddr;
	p->in_t.proto = ip->protocol;
	l4_off = icmp_off + sizeof(struct icmphdr) + ihl;
	if (l4_off > 256) /* bounds the offset for the verifier; real quotes are far shorter */
		return XNAT_STAT_DROP_MALFORMED;
	p->icmp_error = 1;
	return parse_ports(data + l4_off, l4_off, data_end, end_off, &p->in_t, &p->in_l4,
			   &unused, NULL, 1);
}

/* The fixed header length of the protocols xnat translates, 0 for others. */
static __always_inline __u32 l4_header_len(__u8 proto)
{
	return proto == IPPROTO_TCP ? 20 : proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 8 : 0;
}

/*
 * Does the IPv4 total length fit the frame (frame_len: the whole packet,
 * which in TC may be longer than the linear data)? BIG TCP GSO packets
 * carry 0 and are longer than 64 KiB.
 */
static __always_inline int ip_length_ok(const struct iphdr *ip, __u32 ihl, __u32 frame_len)
{
	__u32 tot = bpf_ntohs(ip->tot_len);

	if (!tot && frame_len > 0xffff + sizeof(struct ethhdr))
		return 1;
	return tot >= ihl && sizeof(struct ethhdr) + tot <= frame_len;
}

/*
 * IPv4 options (RFC 791 3.1), what the stack's ip_options_compile checks of
 * their form: single-byte EOL and NOP, the others with a length of at least
 * 2 that stays within the header. A packet whose options run past its
 * header would otherwise have its first L4 bytes taken for options, or its
 * options for L4. len: the option bytes (ihl - 20, at most 40).
 */
static __always_inline int ip_options_ok(const struct iphdr *ip, __u32 len, void *data_end)
{
	const __u8 *opt = (const void *)(ip + 1);
	__u32 skip = 0;

	for (__u32 i = 0; i < 40; i++) {
		__u8 olen;

		if (i >= len)
			return 1;
		if (skip) {
			skip--;
			continue;
		}
		if ((void *)(opt + i + 1) > data_end)
			return 0; /* can't be: the header lies in the frame (for the verifier) */
		if (opt[i] == 0) /* EOL: the rest is padding */
			return 1;
		if (opt[i] == 1) /* NOP */
			continue;
		if (i + 1 >= len || (void *)(opt + i + 2) > data_end)
			return 0;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return 0;
		skip = olen - 1u;
	}
	return 1;
}

/*
 * Parse a frame from data. Returns 0 with *p filled in, or the XNAT_STAT_*
 * reason to pass or drop it untouched. reparse: the packet was parsed whole
 * before (and only its payload changed since): its IP options are not
 * walked again, which keeps the SIP programs within the verifier's budget.
 */
static __always_inline int parse_packet(void *data, void *data_end, __u32 frame_len,
					struct xnat_pkt *p, int reparse)
{
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u32 ihl, l4_off, end_off;
	int err;

	p->data_end = data_end;
	if ((void *)(eth + 1) > data_end)
		return XNAT_STAT_PASS_NOT_IPV4;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XNAT_STAT_PASS_NOT_IPV4;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip) || (void *)ip + ihl > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	if (!ip_length_ok(ip, ihl, frame_len))
		return XNAT_STAT_DROP_MALFORMED;
	if (!reparse && ihl > sizeof(*ip) && !ip_options_ok(ip, ihl - sizeof(*ip), data_end))
		return XNAT_STAT_DROP_MALFORMED;
	p->eth = eth;
	p->ip = ip;
	p->t.saddr = ip->saddr;
	p->t.daddr = ip->daddr;
	p->t.proto = ip->protocol;

	if (ip->frag_off & bpf_htons(IP_OFFSET)) {
		p->frag = XNAT_FRAG_LATER;
		return 0;
	}
	if (ip->frag_off & bpf_htons(IP_MF))
		p->frag = XNAT_FRAG_FIRST;

	/* The L4 header must lie within the IP total length, not just the frame
	 * (Ethernet pads short frames). tot_len 0: BIG TCP, checked above. */
	if (ip->tot_len && l4_header_len(p->t.proto) &&
	    bpf_ntohs(ip->tot_len) - ihl < l4_header_len(p->t.proto))
		return XNAT_STAT_DROP_MALFORMED;
	l4_off = sizeof(*eth) + ihl;
	end_off = ip->tot_len ? sizeof(*eth) + bpf_ntohs(ip->tot_len) : 0xffffffffu;
	err = parse_ports(data + l4_off, l4_off, data_end, end_off, &p->t, &p->l4,
			  &p->icmp_type, &p->tcp_flags, 0);
	if (err)
		return err;
	if (p->t.proto == IPPROTO_ICMP && icmp_is_error(p->icmp_type))
		return parse_icmp_quote(p, data, l4_off, end_off);
	return 0;
}

#endif
