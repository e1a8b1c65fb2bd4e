/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked parsing of Ethernet + IPv4 + TCP/UDP/ICMP, including the
 * packet quoted inside an ICMP error. Nothing is written here.
 *
 * The result, struct xnat_pkt, holds scalars only: the tuple, the flags, and
 * the offsets of the fields the NAT core may change. So it can be handed to
 * BPF global functions (the verifier checks each once, on its own; a pointer
 * inside an argument would be a plain number there), and each stage that
 * writes the packet takes its pointers afresh from the context.
 */
#ifndef XNAT_BPF_PARSE_H
#define XNAT_BPF_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xnat/nat.h>
#include <xnat/stats.h>
#include "consts.h"
#include "profile.h"

/* A flow as the packet shows it. ICMP queries: the identifier is the port of
 * the side that sent the request (sport of a request, dport of a reply). */
struct xnat_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
};

enum xnat_frag_kind {
	XNAT_FRAG_NONE = 0,
	XNAT_FRAG_FIRST = 1, /* offset 0, more fragments: carries the L4 header */
	XNAT_FRAG_LATER = 2, /* no L4 header */
};

/* xnat_pkt.l4_fields / in_l4_fields: what an L4 header holds. */
#define XNAT_L4_SPORT (1u << 0) /* the tuple's sport is a field of the header (else the constant 0) */
#define XNAT_L4_DPORT (1u << 1)
#define XNAT_L4_CSUM  (1u << 2) /* its checksum lies within the packet (a quote may be short) */

/* Offsets from the start of the frame: the IPv4 header after Ethernet's,
 * or at 0 on a WAN without a link-layer header (XNAT_CFG_WAN_L3); it is at
 * most 60 bytes, an ICMP error's quote starts 8 bytes after the outer L4
 * header. */
#define XNAT_ETH_LEN     14
#define XNAT_IP_OFF      XNAT_ETH_LEN /* on Ethernet; the largest */
#define XNAT_L4_OFF_MAX  (XNAT_IP_OFF + 60)
#define XNAT_IN_IP_MAX   (XNAT_L4_OFF_MAX + 8)
#define XNAT_IN_L4_MAX   (XNAT_IN_IP_MAX + 60)

struct xnat_pkt {
	struct xnat_tuple t;
	struct xnat_tuple in_t; /* ICMP error: the quoted packet's tuple, as it was sent */
	__u32 frame_len;        /* the whole frame (in TC possibly more than the linear data) */
	__u16 l4_off;           /* the L4 header (none for a later fragment) */
	__u16 in_ip_off;        /* ICMP error: the quoted IPv4 header ... */
	__u16 in_l4_off;        /* ... and its L4 header */
	__u16 tot_len;          /* IPv4 total length, host order (0: BIG TCP) */
	__u8 ip_off;            /* the IPv4 header: XNAT_ETH_LEN, or 0 without a link-layer header */
	__be16 ip_id;
	__u8 ihl;               /* IPv4 header bytes; 0 until an IPv4 header was parsed */
	__u8 tos;
	__u8 ttl;
	__u8 frag;              /* enum xnat_frag_kind */
	__u8 tcp_flags;         /* XNAT_FLOW_* seen in this packet */
	__u8 icmp_type;         /* when t.proto is ICMP */
	__u8 icmp_error;        /* 1: ICMP error whose quote was parsed into in_* */
	__u8 from_stack;        /* a TC hook: the kernel stack handed it over */
	__u8 slow;              /* enum xnat_slow_flags: xnatd's slow path runs it (0: off the wire) */
	__u8 l4_fields;         /* XNAT_L4_* */
	__u8 in_l4_fields;      /* XNAT_L4_* of the quote */
};

/* Where a field lies in an L4 header of proto: the ICMP echo identifier
 * stands for both ports; TCP, UDP and ICMP checksums lie apart. */
static __always_inline __u32 l4_sport_at(__u8 proto)
{
	return proto == IPPROTO_ICMP ? 4 : 0;
}

static __always_inline __u32 l4_dport_at(__u8 proto)
{
	return proto == IPPROTO_ICMP ? 4 : 2;
}

static __always_inline __u32 l4_csum_at(__u8 proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

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

/* What a TCP segment's flags say of its connection (XNAT_FLOW_*). */
static __always_inline __u8 tcp_flow_flags(const struct tcphdr *tcp)
{
	__u8 fl = 0;

	if (tcp->syn)
		fl |= XNAT_FLOW_SYN;
	else if (tcp->ack)
		fl |= XNAT_FLOW_ACK;
	if (tcp->fin)
		fl |= XNAT_FLOW_FIN;
	if (tcp->rst)
		fl |= XNAT_FLOW_RST;
	return fl;
}

/*
 * Ports of a TCP/UDP header or an ICMP echo at l4 (l4_off from the frame
 * start). A quote needs only the first 8 bytes; the TCP checksum at offset 16
 * may lie beyond a short quote, and is then not one of *fields. end_off:
 * where the IP packet ends (frame offset): bytes past it, a trailer of the
 * frame, are not the quote's.
 * Returns 0, or XNAT_STAT_PASS_UNSUPPORTED / XNAT_STAT_DROP_MALFORMED.
 */
static __always_inline int parse_ports(void *l4, __u32 l4_off, void *data_end, __u32 end_off,
				       struct xnat_tuple *t, __u8 *fields, __u8 *icmp_type,
				       __u8 *tcp_flags, int quoted)
{
	__be16 *ports = l4;
	__u8 f = 0;

	if (l4 + 8 > data_end || l4_off + 8 > end_off)
		return XNAT_STAT_DROP_MALFORMED;

	if (t->proto == IPPROTO_UDP) {
		f = XNAT_L4_SPORT | XNAT_L4_DPORT | XNAT_L4_CSUM;
	} else if (t->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		f = XNAT_L4_SPORT | XNAT_L4_DPORT;
		if (l4 + sizeof(*tcp) <= data_end && l4_off + sizeof(*tcp) <= end_off) {
			f |= XNAT_L4_CSUM;
			if (tcp_flags)
				*tcp_flags = tcp_flow_flags(tcp);
		} else if (!quoted) {
			return XNAT_STAT_DROP_MALFORMED;
		}
	} else if (t->proto == IPPROTO_ICMP) {
		struct icmphdr *icmp = l4;

		*icmp_type = icmp->type;
		f = XNAT_L4_CSUM;
		if (icmp->type == ICMP_ECHO)
			f |= XNAT_L4_SPORT;
		else if (icmp->type == ICMP_ECHOREPLY)
			f |= XNAT_L4_DPORT;
		else if (quoted || !icmp_is_error(icmp->type))
			return XNAT_STAT_PASS_UNSUPPORTED;
	} else {
		return XNAT_STAT_PASS_UNSUPPORTED;
	}
	/* the ICMP identifier (bytes 4-5) is ports[2] */
	t->sport = (f & XNAT_L4_SPORT) ? ports[t->proto == IPPROTO_ICMP ? 2 : 0] : 0;
	t->dport = (f & XNAT_L4_DPORT) ? ports[t->proto == IPPROTO_ICMP ? 2 : 1] : 0;
	*fields = f;
	return 0;
}

/* The IPv4 header quoted by an ICMP error, and its first 8+ L4 bytes, all
 * before end_off (the outer packet's end). */
static __always_inline int parse_icmp_quote(struct xnat_pkt *p, void *data, void *data_end, __u32 icmp_off,
					    __u32 end_off)
{
	__u32 ip_off = icmp_off + sizeof(struct icmphdr), ihl, l4_off;
	struct iphdr *ip = data + ip_off;
	__u8 unused;

	if ((void *)(ip + 1) > data_end || ip_off + sizeof(*ip) > end_off)
		return XNAT_STAT_DROP_MALFORMED;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip))
		return XNAT_STAT_DROP_MALFORMED;
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return XNAT_STAT_PASS_UNSUPPORTED; /* quotes a later fragment: no ports */
	p->in_t.saddr = ip->saddr;
	p->in_t.daddr = ip->daddr;
	p->in_t.proto = ip->protocol;
	l4_off = ip_off + ihl;
	p->in_ip_off = ip_off;
	p->in_l4_off = l4_off;
	p->icmp_error = 1;
	return parse_ports(data + l4_off, l4_off, data_end, end_off, &p->in_t, &p->in_l4_fields,
			   &unused, NULL, 1);
}

/* The IPv4 header's fields the NAT core reads. */
static __always_inline void ip_fields(struct xnat_pkt *p, const struct iphdr *ip, __u32 ihl)
{
	p->ihl = ihl;
	p->tos = ip->tos;
	p->ttl = ip->ttl;
	p->ip_id = ip->id;
	p->tot_len = bpf_ntohs(ip->tot_len);
	p->t.saddr = ip->saddr;
	p->t.daddr = ip->daddr;
	p->t.proto = ip->protocol;
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
static __always_inline int ip_length_ok(const struct iphdr *ip, __u32 ihl, __u32 frame_len, __u32 ip_off)
{
	__u32 tot = bpf_ntohs(ip->tot_len);

	if (!tot && frame_len > 0xffff + ip_off)
		return 1;
	return tot >= ihl && ip_off + tot <= frame_len;
}

/* The option bytes of an IPv4 header (at most 40), copied out of the
 * packet; 64 so that a masked index is always in it. */
#define XNAT_IP_OPTS_MAX 40

struct xnat_ip_opts {
	__u8 b[64];
};

/*
 * IPv4 options (RFC 791 3.1), what the stack's ip_options_compile checks of
 * their form: single-byte EOL and NOP, the others with a length of at least
 * 2 that stays within the header. A packet whose options run past its
 * header would otherwise have its first L4 bytes taken for options, or its
 * options for L4. len: the option bytes (ihl - 20). A BPF global function:
 * the walk is checked once, not once per path of the parser. Returns 1 when
 * they are well formed.
 */
__attribute__((noinline)) int xnat_ip_options_ok(const struct xnat_ip_opts *o, __u32 len)
{
	__u64 starts = 1; /* bit i: an option starts at byte i */
	__u8 olen;

	if (!o || len > XNAT_IP_OPTS_MAX)
		return 0;
	/* Byte by byte, each byte knowing from `starts` whether an option
	 * begins there: no count of bytes to skip is carried from one step to
	 * the next, so the verifier finds each step's states alike. */
	for (__u32 i = 0; i < XNAT_IP_OPTS_MAX; i++) {
		if (i >= len)
			return 1;
		if (!((starts >> i) & 1))
			continue; /* inside an option */
		if (o->b[i] == 0) /* EOL: the rest is padding */
			return 1;
		if (o->b[i] == 1) { /* NOP */
			starts |= 1ull << (i + 1);
			continue;
		}
		if (i + 1 >= len)
			return 0;
		olen = o->b[i + 1];
		if (olen < 2 || i + olen > len)
			return 0;
		starts |= 1ull << (i + olen);
	}
	return 1;
}

/* The options of the header at ip (ihl bytes, all in the frame) are well formed. */
static __always_inline int ip_options_in_frame_ok(const struct iphdr *ip, __u32 ihl, void *data_end)
{
	const __u32 *from = (const void *)(ip + 1);
	struct xnat_ip_opts o;
	__u32 len = ihl - sizeof(*ip);

	/* four bytes at a time: options come in whole 32-bit words */
	for (__u32 w = 0; w < XNAT_IP_OPTS_MAX / 4; w++) {
		if (w * 4 >= len)
			break;
		if ((void *)(from + w + 1) > data_end)
			return 0;
		__builtin_memcpy(&o.b[w * 4], &from[w], 4);
	}
	return xnat_ip_options_ok(&o, len);
}

/* Where the IPv4 header of the frame at data lies: after an Ethernet header
 * of type IPv4 (ip_off XNAT_ETH_LEN), or at data on a link without one (ip_off
 * 0: the hook said the protocol is IPv4). NULL when the frame is not IPv4. */
static __always_inline struct iphdr *ip_header(void *data, void *data_end, __u32 ip_off)
{
	struct ethhdr *eth = data;

	if (!ip_off)
		return data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	return (void *)(eth + 1);
}

/*
 * Parse a frame from data, its IPv4 header at ip_off (XNAT_ETH_LEN or 0).
 * Returns 0 with *p filled in, or the XNAT_STAT_* reason to pass or drop it
 * untouched. p->from_stack and p->slow are the caller's and are kept.
 */
static __always_inline int parse_packet(void *data, void *data_end, __u32 frame_len, struct xnat_pkt *p,
					__u32 ip_off)
{
	struct iphdr *ip;
	__u32 ihl, l4_off, end_off;
	int err;

	p->frame_len = frame_len;
	ip = ip_header(data, data_end, ip_off);
	if (!ip)
		return XNAT_STAT_PASS_NOT_IPV4;
	p->ip_off = ip_off ? XNAT_ETH_LEN : 0;
	if ((void *)(ip + 1) > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip) || (void *)ip + ihl > data_end)
		return XNAT_STAT_DROP_MALFORMED;
	if (!ip_length_ok(ip, ihl, frame_len, p->ip_off))
		return XNAT_STAT_DROP_MALFORMED;
	if (ihl > sizeof(*ip) && !ip_options_in_frame_ok(ip, ihl, data_end))
		return XNAT_STAT_DROP_MALFORMED;
	ip_fields(p, ip, ihl);

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
	l4_off = p->ip_off + ihl;
	p->l4_off = l4_off;
	end_off = ip->tot_len ? p->ip_off + bpf_ntohs(ip->tot_len) : 0xffffffffu;
	err = parse_ports(data + l4_off, l4_off, data_end, end_off, &p->t, &p->l4_fields,
			  &p->icmp_type, &p->tcp_flags, 0);
	if (err)
		return err;
	if (p->t.proto == IPPROTO_ICMP && icmp_is_error(p->icmp_type))
		return parse_icmp_quote(p, data, data_end, l4_off, end_off);
	return 0;
}

/* What parse_common() reads of the packet it takes. */
static __always_inline void common_fields(struct xnat_pkt *p, const struct iphdr *ip, const struct udphdr *l4)
{
	ip_fields(p, ip, sizeof(*ip));
	p->ip_off = XNAT_ETH_LEN;
	p->l4_off = XNAT_ETH_LEN + sizeof(*ip);
	p->l4_fields = XNAT_L4_SPORT | XNAT_L4_DPORT | XNAT_L4_CSUM;
	p->t.sport = l4->source;
	p->t.dport = l4->dest;
}

/*
 * Most packets, parsed in line by the entry points without a call: IPv4
 * without options, not a fragment, TCP or UDP, all of it in the frame and
 * within its total length; on Ethernet (ip_off XNAT_ETH_LEN, a constant
 * here). Returns 0 with *p filled in (p zeroed before, but for from_stack
 * and slow), or -1 (p's tcp_flags maybe set): any other packet is the full
 * parser's (xnat_parse_xdp/tc), which says what it is.
 */
static __always_inline int parse_common(void *data, void *data_end, __u32 frame_len, struct xnat_pkt *p)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *l4 = (void *)(ip + 1);
	__u32 tot;

	if (!stage_on(XNAT_STAGE_PARSE)) {
		/* the profile's build without the checks: the bounds only */
		if ((void *)l4 + sizeof(struct tcphdr) > data_end)
			return -1;
		common_fields(p, ip, l4);
		return 0;
	}
	if ((void *)(l4 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 ||
	    ip->ihl != 5 || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)))
		return -1;
	if (ip->protocol == IPPROTO_TCP) {
		if ((void *)l4 + sizeof(struct tcphdr) > data_end)
			return -1;
		p->tcp_flags = tcp_flow_flags((const struct tcphdr *)l4);
	} else if (ip->protocol != IPPROTO_UDP) {
		return -1;
	}
	tot = bpf_ntohs(ip->tot_len);
	if (tot < sizeof(*ip) + l4_header_len(ip->protocol) || sizeof(*eth) + tot > frame_len)
		return -1;
	p->frame_len = frame_len;
	common_fields(p, ip, l4);
	return 0;
}

#endif
