/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over TCP: the ALG changes the length of a side's byte stream, so the
 * sequence numbers of that side and the acknowledgements of the other are
 * moved by the changes so far, for the life of the connection (the rule of
 * the kernel's nf_ct_seqadj). SACK blocks would need the same: rather than
 * rewrite them, SIP connections are opened without SACK (SACK-permitted is
 * taken out of their SYNs; both ends then fall back to plain ACKs).
 */
#ifndef XNAT_BPF_SIP_TCP_H
#define XNAT_BPF_SIP_TCP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xnat/csum.h>
#include <xnat/nat.h>
#include "parse.h"
#include "nat_core.h"
#include "pkt_access.h"
#include "tcp_opts.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNAT_MAX_SIP_TCP);
	__type(key, struct xnat_seqadj_key);
	__type(value, struct xnat_seqadj);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xnat_sip_seqadj SEC(".maps");

/* The connection, seen from the LAN host, whichever way the packet goes. */
static __always_inline void sip_tcp_key(const struct xnat_pkt *p, const struct xnat_xlate *x,
					enum xnat_dir dir, struct xnat_seqadj_key *k)
{
	if (dir == XNAT_DIR_OUT) {
		k->lan_addr = p->t.saddr;
		k->lan_port = p->t.sport;
		k->rem_addr = p->t.daddr;
		k->rem_port = p->t.dport;
	} else {
		k->lan_addr = x->to.daddr;
		k->lan_port = x->to.dport;
		k->rem_addr = p->t.saddr;
		k->rem_port = p->t.sport;
	}
}

/* a comes after b, in sequence space. */
static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

/* dir's segment that started at seq (as its sender numbered it) changed by
 * delta bytes. A retransmission of that segment changes nothing more. */
static __always_inline void sip_tcp_note(const struct xnat_seqadj_key *k, enum xnat_dir dir, __u32 seq,
					 __s32 delta, __u32 now)
{
	struct xnat_seqadj *a, fresh = {};
	struct xnat_seqadj_dir *d;

	a = bpf_map_lookup_elem(&xnat_sip_seqadj, k);
	if (!a) {
		bpf_map_update_elem(&xnat_sip_seqadj, k, &fresh, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&xnat_sip_seqadj, k);
		if (!a)
			return;
	}
	d = dir == XNAT_DIR_OUT ? &a->dir[XNAT_DIR_OUT] : &a->dir[XNAT_DIR_IN];
	if (d->before == d->after || seq_after(seq, d->corr_pos)) {
		d->corr_pos = seq;
		d->before = d->after;
		d->after += delta;
	}
	a->last_seen = now;
}

/* SACK-permitted of the SYN whose TCP header is at tcp (l4_off in the
 * frame) becomes two NOPs. Returns the checksum diff. */
static __always_inline __u32 sip_tcp_no_sack(void *ctx, int xdp, struct tcphdr *tcp, __u32 l4_off, void *end)
{
	struct xnat_tcp_opts o = {};
	__u8 *opt = (void *)(tcp + 1), *at;
	__u32 n = tcp->doff * 4, diff;
	int k;

	if (n <= sizeof(*tcp) || n > sizeof(*tcp) + XNAT_TCP_OPTS_MAX)
		return 0;
	n -= sizeof(*tcp);
	if (sip_pkt_load(ctx, xdp, l4_off + sizeof(*tcp), o.b, n))
		return 0;
	k = xnat_tcp_find_opt(&o, n, 4, 2); /* SACK-permitted */
	if (k < 0 || k > 38)
		return 0;
	at = opt + (k & 63);
	if ((void *)(at + 2) > end)
		return 0;
	diff = csum_byte(0, sizeof(*tcp) + k, at[0], 1);
	diff = csum_byte(diff, sizeof(*tcp) + k + 1, at[1], 1);
	at[0] = 1;
	at[1] = 1;
	return diff;
}

/* Move this packet's sequence and acknowledgement numbers by the changes
 * made so far to each stream. Returns the TCP checksum's diff. */
static __always_inline __u32 sip_tcp_adjust(void *ctx, int xdp, const struct xnat_pkt *p,
					    const struct xnat_seqadj_key *k, enum xnat_dir dir)
{
	const struct xnat_seqadj_dir *mine, *other;
	void *data, *end;
	struct xnat_seqadj *a;
	struct tcphdr *tcp;
	__u32 diff = 0, v;
	__be32 to;
	__s32 off;

	pkt_bounds(ctx, xdp, &data, &end);
	if (p->l4_off > XNAT_L4_OFF_MAX)
		return 0;
	tcp = data + p->l4_off;
	if ((void *)(tcp + 1) > end)
		return 0;
	if (tcp->syn)
		diff = sip_tcp_no_sack(ctx, xdp, tcp, p->l4_off, end);
	a = bpf_map_lookup_elem(&xnat_sip_seqadj, k);
	if (!a)
		return diff;
	mine = dir == XNAT_DIR_OUT ? &a->dir[XNAT_DIR_OUT] : &a->dir[XNAT_DIR_IN];
	other = dir == XNAT_DIR_OUT ? &a->dir[XNAT_DIR_IN] : &a->dir[XNAT_DIR_OUT];
	v = bpf_ntohl(tcp->seq);
	off = seq_after(v, mine->corr_pos) ? mine->after : mine->before;
	if (off) {
		to = bpf_htonl(v + off);
		diff = xnat_csum_diff32(diff, tcp->seq, to);
		tcp->seq = to;
	}
	if (tcp->ack) {
		/* the other stream's numbers, as its receiver saw them */
		v = bpf_ntohl(tcp->ack_seq);
		off = seq_after(v - other->before, other->corr_pos) ? other->after : other->before;
		if (off) {
			to = bpf_htonl(v - off);
			diff = xnat_csum_diff32(diff, tcp->ack_seq, to);
			tcp->ack_seq = to;
		}
	}
	return diff;
}

#endif
