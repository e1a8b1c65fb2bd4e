/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIP ALG of the fast path (UDP and TCP). After the NAT core has decided a SIP
 * packet's translation, and before the packet is rewritten:
 *  1. the UDP payload is copied into a per-CPU scratch buffer and scanned
 *     (include/xnat/sip_rewrite.h, driven by bpf_loop);
 *  2. the dialog (Call-ID + phone) is created or moved on (BYE, CANCEL, a
 *     failure, a registration and its expiry);
 *  3. outbound, every SDP media stream of the phone gets its RTP/RTCP
 *     mappings (owner sip) before the message leaves; inbound, the public
 *     media ports are looked up to be turned back into the phone's;
 *  4. the message is rewritten (addresses, signalling port, media ports,
 *     Content-Length), the packet resized and the new payload stored; the
 *     IP and UDP lengths are set here, and the UDP checksum's diff is handed
 *     to the entry point, which re-parses the packet and translates it as
 *     any other.
 * A message it can't handle goes on unchanged (still NAT-translated) and is
 * counted (sip_unchanged_*).
 */
#ifndef XNAT_BPF_SIP_ALG_H
#define XNAT_BPF_SIP_ALG_H

#include <xnat/sip_rewrite.h>
#include "sip_drive.h"
#include <xnat/csum.h>
#include "maps.h"
#include "parse.h"
#include "clock.h"
#include "mapping.h"
#include "nat_core.h"
#include "rewrite.h"
#include "slowpath.h"
#include "sip_tcp.h"
#include "stats.h"

/* The translation an entry point decided, for the SIP program it tail-calls. */
struct sip_pending {
	struct xnat_xlate x;
	struct bpf_fib_lookup fib; /* XDP: where the packet goes */
	__u32 dir;                 /* enum xnat_dir */
};

struct sip_scratch {
	struct sip_pending pending;
	struct sip_work wk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sip_scratch);
} xnat_sip_scratch SEC(".maps");

static __always_inline struct sip_scratch *sip_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xnat_sip_scratch, &zero);
}

/* What the ALG did to the packet, for the entry point. */
struct sip_change {
	__u32 changed; /* the payload was rewritten: re-parse the packet */
	__u32 pseudo;  /* L4 checksum diff of the pseudo-header (the L4 length) */
	__u32 data;    /* L4 checksum diff of the rest: UDP length, payload, TCP seq/ack */
};

/* bpf_loop()'s context lives on the stack and carries the pointers. */
struct sip_loop {
	struct sip_scratch *sc;
	const struct xnat_config *cfg;
	struct xnat_sip_dialog *dlg; /* may be NULL */
	__be32 lan;                  /* the phone */
	__u32 now;
	__u32 dir;                   /* enum xnat_dir */
};

/* ------------------------------------------------ packet access, both hooks */

static __always_inline long sip_pkt_load(void *ctx, int xdp, __u32 off, void *to, __u32 len)
{
	return xdp ? bpf_xdp_load_bytes(ctx, off, to, len) : bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline long sip_pkt_store(void *ctx, int xdp, __u32 off, void *from, __u32 len)
{
	return xdp ? bpf_xdp_store_bytes(ctx, off, from, len)
		   : bpf_skb_store_bytes(ctx, off, from, len, 0);
}

static __always_inline long sip_pkt_resize(void *ctx, int xdp, int delta)
{
	struct __sk_buff *skb = ctx;

	return xdp ? bpf_xdp_adjust_tail(ctx, delta) : bpf_skb_change_tail(skb, skb->len + delta, 0);
}

/* Fresh packet pointers after a helper changed the packet. */
static __always_inline void sip_pkt_bounds(void *ctx, int xdp, void **data, void **end)
{
	if (xdp) {
		struct xdp_md *x = ctx;

		*data = (void *)(long)x->data;
		*end = (void *)(long)x->data_end;
	} else {
		struct __sk_buff *skb = ctx;

		bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128);
		*data = (void *)(long)skb->data;
		*end = (void *)(long)skb->data_end;
	}
}

/* ------------------------------------------------ configuration */

/* Is this UDP flow SIP, with the ALG on for this direction? Either end may
 * be the SIP port: requests go to it, responses and requests come from it. */
static __always_inline int sip_port_match(const struct xnat_config *cfg, const struct xnat_tuple *t,
					  enum xnat_dir dir)
{
	__u16 sp = bpf_ntohs(t->sport), dp = bpf_ntohs(t->dport);
	__u8 bit = dir == XNAT_DIR_OUT ? XNAT_SIP_DIR_OUT : XNAT_SIP_DIR_IN;
	int i;

	for (i = 0; i < XNAT_SIP_PORTS; i++) {
		__u16 port = cfg->sip[i].port;

		if (port && (port == sp || port == dp) && (cfg->sip[i].dirs & bit))
			return 1;
	}
	return 0;
}

/* Should the SIP program see this packet, once translated? */
static __always_inline int sip_wanted(const struct xnat_config *cfg, const struct xnat_pkt *p,
				      enum xnat_dir dir)
{
	return (p->t.proto == IPPROTO_UDP || p->t.proto == IPPROTO_TCP) && !p->icmp_error &&
	       p->frag != XNAT_FRAG_LATER && sip_port_match(cfg, &p->t, dir);
}

/* Tail-call the SIP program with the decided translation. Returns only if
 * there is none (e.g. a loader that left the program array empty): the
 * packet then goes on as any other. */
static __always_inline void sip_hand_over(void *ctx, void *prog_array, const struct xnat_xlate *x,
					  const struct bpf_fib_lookup *fib, enum xnat_dir dir)
{
	struct sip_scratch *sc = sip_scratch_get();

	if (!sc)
		return;
	sc->pending.x = *x;
	if (fib)
		sc->pending.fib = *fib;
	sc->pending.dir = dir;
	bpf_tail_call(ctx, prog_array, 0);
}

/* ------------------------------------------------ dialogs */

static __always_inline struct xnat_sip_dialog *sip_dialog_get(const struct xnat_sip_scan *sc,
							       __be32 lan, __u32 now)
{
	struct xnat_sip_dialog_key k = { .call_id = sc->call_id, .lan_addr = lan };
	struct xnat_sip_dialog *d, nd = { .last_seen = now };
	int opens = !sc->status && (sc->method == XNAT_SIP_INVITE || sc->method == XNAT_SIP_REGISTER);

	if (!sc->call_id)
		return NULL;
	d = bpf_map_lookup_elem(&xnat_sip_dialogs, &k);
	if (d || !opens)
		return d;
	nd.state = sc->method == XNAT_SIP_REGISTER ? XNAT_SIP_REGISTERING : XNAT_SIP_EARLY;
	bpf_map_update_elem(&xnat_sip_dialogs, &k, &nd, BPF_NOEXIST);
	return bpf_map_lookup_elem(&xnat_sip_dialogs, &k);
}

static __always_inline void sip_dialog_end(struct xnat_sip_dialog *d)
{
	if (d->state != XNAT_SIP_ENDED) {
		d->state = XNAT_SIP_ENDED;
		count_event(XNAT_STAT_SIP_DIALOG_ENDED);
	}
}

/*
 * Move the dialog on. A request ends it (BYE, CANCEL) or opens it again
 * (a new INVITE or REGISTER with the same Call-ID after a challenge); a
 * final response confirms it, or ends one that was not yet established (a
 * failed re-INVITE leaves the call up, RFC 3261 14.1); a REGISTER's 2xx
 * gives the binding its lifetime (0: unregistered).
 */
static __always_inline void sip_dialog_update(struct xnat_sip_dialog *d, const struct xnat_sip_scan *sc,
					      __u32 now)
{
	__u16 st = sc->status;
	__u32 e;

	d->last_seen = now;
	if (!st) {
		if (sc->method == XNAT_SIP_BYE || sc->method == XNAT_SIP_CANCEL)
			sip_dialog_end(d);
		else if (sc->method == XNAT_SIP_INVITE && d->state == XNAT_SIP_ENDED)
			d->state = XNAT_SIP_EARLY;
		else if (sc->method == XNAT_SIP_REGISTER && d->state != XNAT_SIP_REGISTERED)
			d->state = XNAT_SIP_REGISTERING;
		return;
	}
	if (st < 200)
		return;
	if (sc->method == XNAT_SIP_INVITE) {
		if (st < 300 && d->state != XNAT_SIP_ENDED)
			d->state = XNAT_SIP_CONFIRMED;
		else if (st >= 300 && d->state == XNAT_SIP_EARLY)
			sip_dialog_end(d);
	} else if (sc->method == XNAT_SIP_REGISTER) {
		e = xnat_sip_reg_expires(sc);
		if (st >= 300 && d->state == XNAT_SIP_REGISTERING) {
			sip_dialog_end(d);
		} else if (st < 300 && e == 0) {
			sip_dialog_end(d);
		} else if (st < 300) {
			d->state = XNAT_SIP_REGISTERED;
			d->expires = now + (e > 30 * 86400 ? 30 * 86400 : e);
		}
	}
}

/* The dialog owns (and its end removes) the sip-owned mapping on ext. */
static __always_inline void sip_dialog_own(struct xnat_sip_dialog *d, __be16 ext)
{
	__u32 i, n = d->n_ports;

	for (i = 0; i < XNAT_SIP_DIALOG_PORTS; i++) {
		if (i >= n)
			break;
		if (d->media_ext[XNAT_SIP_MASK(i, XNAT_SIP_DIALOG_PORTS - 1)] == ext)
			return;
	}
	if (n < XNAT_SIP_DIALOG_PORTS) {
		d->media_ext[XNAT_SIP_MASK(n, XNAT_SIP_DIALOG_PORTS - 1)] = ext;
		d->n_ports = n + 1;
	}
}

/* ------------------------------------------------ media mappings */

static __always_inline void sip_subst_add(struct xnat_sip_subst *s, __u16 from, __u16 to)
{
	__u32 n = s->n_media;

	if (n < XNAT_SIP_MAX_SUBST) {
		s->media_from[XNAT_SIP_MASK(n, XNAT_SIP_MAX_SUBST - 1)] = from;
		s->media_to[XNAT_SIP_MASK(n, XNAT_SIP_MAX_SUBST - 1)] = to;
		s->n_media = n + 1;
	}
}

/* The mapping of the phone's media port (UDP): the existing one, or a new
 * sip-owned one on want (pair: with the next port free for RTCP). */
static __always_inline int sip_media_map(struct sip_loop *l, __u16 port, __u16 want, int pair,
					 __be16 *ext)
{
	struct xnat_tuple t = { .saddr = l->lan, .sport = bpf_htons(port), .proto = IPPROTO_UDP };
	struct xnat_port_owner *o;
	int created;

	if (mapping_get_owned(l->cfg, &t, XNAT_OWNER_SIP, want, pair, l->now, ext, &created)) {
		count_event(XNAT_STAT_SIP_MEDIA_FAILED);
		return -1;
	}
	if (created)
		count_event(XNAT_STAT_SIP_MEDIA_MAPPED);
	o = port_owner(IPPROTO_UDP, *ext);
	if (o && o->owner == XNAT_OWNER_SIP && l->dlg)
		sip_dialog_own(l->dlg, *ext);
	return 0;
}

/* Outbound: map stream i's RTP port (even, RTCP next to it unless rtcp-mux)
 * and its RTCP port; the SDP will name the external ports. */
static __always_inline void sip_media_out(struct sip_loop *l, __u32 i)
{
	struct sip_scratch *sc = l->sc;
	__u16 rtp = sc->wk.scan.media[XNAT_SIP_MIDX(i)];
	__u16 rtcp = sc->wk.scan.rtcp[XNAT_SIP_MIDX(i)];
	int mux = sc->wk.scan.media_flags[XNAT_SIP_MIDX(i)] & XNAT_SIP_MEDIA_MUX;
	__be16 ext_rtp, ext_rtcp;

	if (sip_media_map(l, rtp, rtp, !mux, &ext_rtp))
		return;
	sip_subst_add(&sc->wk.s, rtp, bpf_ntohs(ext_rtp));
	if (mux && !rtcp)
		return;
	if (!rtcp)
		rtcp = rtp + 1; /* RFC 3550: RTCP on the next port */
	if (sip_media_map(l, rtcp, bpf_ntohs(ext_rtp) + 1, 0, &ext_rtcp))
		return;
	sip_subst_add(&sc->wk.s, rtcp, bpf_ntohs(ext_rtcp));
}

/* Inbound: a public media port of this phone goes back to its own. */
static __always_inline void sip_media_in_port(struct sip_loop *l, __u16 port)
{
	struct xnat_port_owner *o = port_owner(IPPROTO_UDP, bpf_htons(port));

	if (port && o && o->int_addr == l->lan)
		sip_subst_add(&l->sc->wk.s, port, bpf_ntohs(o->int_port));
}

static long sip_media_cb(__u32 i, void *ctx)
{
	struct sip_loop *l = ctx;
	struct sip_scratch *sc = l->sc;

	if (i >= XNAT_SIP_MAX_MEDIA || i >= sc->wk.scan.n_media)
		return 1;
	if (!xnat_sip_media_ours(&sc->wk.scan, i))
		return 0;
	if (l->dir == XNAT_DIR_OUT) {
		sip_media_out(l, i);
	} else {
		sip_media_in_port(l, sc->wk.scan.media[XNAT_SIP_MIDX(i)]);
		sip_media_in_port(l, sc->wk.scan.rtcp[XNAT_SIP_MIDX(i)]);
	}
	return 0;
}

/* One's-complement sum of a scratch buffer, 16 bits a step (a plain sum of
 * at most 1024 words never overflows 32 bits). Words are taken as they lie
 * in memory, like every other operand of csum.h. */
struct sip_csum_loop {
	struct sip_scratch *sc;
	__u32 out; /* 0: in[], 1: out[] */
	__u32 len;
	__u32 sum;
};

static long sip_csum_cb(__u32 i, void *ctx)
{
	struct sip_csum_loop *c = ctx;
	__u8 *buf = c->out ? c->sc->wk.out.b : c->sc->wk.in.b;
	__u32 at = i * 2, hi, lo;

	if (at >= c->len)
		return 1;
	hi = buf[XNAT_SIP_IDX(at)];
	lo = at + 1 < c->len ? buf[XNAT_SIP_IDX(at + 1)] : 0; /* an odd end is padded with zero */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	c->sum += hi | lo << 8;
#else
	c->sum += hi << 8 | lo;
#endif
	return 0;
}

static __always_inline __u32 sip_buf_csum(struct sip_scratch *sc, int out, __u32 len)
{
	struct sip_csum_loop c = { .sc = sc, .out = out, .len = len };

	bpf_loop(XNAT_SIP_MAX / 2, sip_csum_cb, &c, 0);
	return c.sum;
}

/* ------------------------------------------------ the ALG */

/* The substitution: the phone's address and signalling port outbound
 * become the external ones, and back inbound. */
static __always_inline void sip_subst_init(struct xnat_sip_subst *s, const struct xnat_pkt *p,
					   const struct xnat_xlate *x, enum xnat_dir dir)
{
	s->n_media = 0;
	if (dir == XNAT_DIR_OUT) {
		s->from_len = xnat_sip_format_addr(p->t.saddr, s->from);
		s->to_len = xnat_sip_format_addr(x->to.saddr, s->to);
		s->sig_from = bpf_ntohs(p->t.sport);
		s->sig_to = bpf_ntohs(x->to.sport);
	} else {
		s->from_len = xnat_sip_format_addr(p->t.daddr, s->from);
		s->to_len = xnat_sip_format_addr(x->to.daddr, s->to);
		s->sig_from = bpf_ntohs(p->t.dport);
		s->sig_to = bpf_ntohs(x->to.dport);
	}
}

/* The new IP total length (and UDP length), through fresh pointers: hdr is
 * the L4 header's length, new_len the payload's. */
static __always_inline int sip_set_lengths(void *ctx, int xdp, __u32 hdr, __u32 new_len, int udp_len)
{
	void *data, *end;
	struct iphdr *ip;
	struct udphdr *udp;
	__be16 old_tot, new_tot;
	__u32 ihl;

	sip_pkt_bounds(ctx, xdp, &data, &end);
	ip = data + sizeof(struct ethhdr);
	if ((void *)(ip + 1) > end)
		return -1;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip) || ihl > 60)
		return -1;
	old_tot = ip->tot_len;
	new_tot = bpf_htons(ihl + hdr + new_len);
	ip->tot_len = new_tot;
	fix_csum(&ip->check, xnat_csum_diff16(0, old_tot, new_tot), 0, NULL);
	if (!udp_len)
		return 0;
	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > end)
		return -1;
	udp->len = bpf_htons(sizeof(*udp) + new_len);
	return 0;
}

/* A TC skb carrying several TCP segments (GSO/GRO): its payload is not one message. */
static __always_inline int sip_skb_is_gso(void *ctx, int xdp)
{
	struct __sk_buff *skb = ctx;

	return !xdp && skb->gso_segs > 1;
}

/* May the packet grow by delta bytes and still leave by its interface? */
static __always_inline int sip_fits_mtu(void *ctx, int xdp, struct sip_scratch *sc, int delta)
{
	__u32 mtu_len = 0;

	if (delta <= 0)
		return 1;
	if (xdp)
		return !bpf_check_mtu(ctx, sc->pending.fib.ifindex, &mtu_len, delta, 0);
	return !bpf_check_mtu(ctx, 0, &mtu_len, delta, 0);
}

/*
 * Run the ALG on a packet whose translation x is decided. Returns 0 (see
 * chg->changed) or the XNAT_STAT_* verdict for the packet: XDP hands a
 * message it can't grow in place to the stack, whose TC hook rewrites it.
 * Over TCP a segment is rewritten when it holds exactly one whole message;
 * its length change is then noted for the connection's sequence numbers.
 */
static __always_inline int sip_alg(void *ctx, int xdp, const struct xnat_config *cfg,
				   const struct xnat_pkt *p, const struct xnat_xlate *x,
				   enum xnat_dir dir, struct sip_change *chg)
{
	__u32 ihl, tot, hdr, len, new_len, store_len, pay_off, seq = 0;
	int tcp = p->t.proto == IPPROTO_TCP;
	struct xnat_seqadj_key key = {};
	struct sip_scratch *sc;
	struct sip_loop l = {};
	int delta, rc;

	chg->changed = 0;
	if ((!tcp && p->t.proto != IPPROTO_UDP) || p->icmp_error || !sip_port_match(cfg, &p->t, dir))
		return 0;
	if (p->frag) {
		/* A piece of a message: xnatd reassembles it and runs it
		 * through this program whole (include/xnat/slowpath.h). */
		if (!tcp && slow_divert(ctx, xdp, p, dir)) {
			frag_mark_slow(p);
			return XNAT_STAT_SLOW_PATH;
		}
		count_event(XNAT_STAT_SIP_UNCHANGED_FRAGMENT);
		return 0;
	}
	ihl = p->ip->ihl * 4;
	tot = bpf_ntohs(p->ip->tot_len);
	if (ihl > 60)
		return 0;
	if (tcp) {
		struct tcphdr *th = (void *)p->l4.sport;

		if (!th || (void *)(th + 1) > p->data_end)
			return 0;
		hdr = th->doff * 4;
		seq = bpf_ntohl(th->seq);
		if (hdr < sizeof(*th) || tot < ihl + hdr) {
			count_event(XNAT_STAT_SIP_UNCHANGED_UNPARSED);
			return 0;
		}
		sip_tcp_key(p, x, dir, &key);
	} else {
		struct udphdr *udp = (void *)p->l4.sport;

		if (!udp || (void *)(udp + 1) > p->data_end)
			return 0;
		hdr = sizeof(*udp);
		if (tot < ihl + hdr || bpf_ntohs(udp->len) != tot - ihl) {
			count_event(XNAT_STAT_SIP_UNCHANGED_UNPARSED);
			return 0;
		}
	}
	len = tot - ihl - hdr;
	if (!len)
		return 0; /* a bare ACK, SYN or FIN: its numbers are moved by the caller */
	if (len >= XNAT_SIP_MAX) {
		count_event(tcp ? XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT : XNAT_STAT_SIP_UNCHANGED_TOO_BIG);
		return 0;
	}
	if (tcp && sip_skb_is_gso(ctx, xdp)) {
		count_event(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT);
		return 0;
	}
	sc = sip_scratch_get();
	if (!sc)
		return 0;
	pay_off = sizeof(struct ethhdr) + ihl + hdr;
	if (sip_pkt_load(ctx, xdp, pay_off, sc->wk.in.b, len))
		return 0;

	l.sc = sc;
	l.cfg = cfg;
	l.now = xnat_now();
	l.dir = dir;
	l.lan = dir == XNAT_DIR_OUT ? p->t.saddr : x->to.daddr;
	sip_subst_init(&sc->wk.s, p, x, dir);
	sip_drive_scan(&sc->wk, len);
	if (tcp && (!sc->wk.scan.sip || sc->wk.scan.content_length == XNAT_SIP_NO_EXPIRES ||
		    sc->wk.scan.body_start + sc->wk.scan.content_length != len)) {
		/* a piece of a message, or several: left as they are */
		count_event(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT);
		return 0;
	}
	if (!sc->wk.scan.sip) {
		count_event(XNAT_STAT_SIP_UNCHANGED_UNPARSED);
		return 0;
	}
	if (sc->wk.scan.candidate) {
		count_event(XNAT_STAT_SIP_UNCHANGED_ICE);
		return 0;
	}
	l.dlg = sip_dialog_get(&sc->wk.scan, l.lan, l.now);
	if (l.dlg) {
		sip_dialog_update(l.dlg, &sc->wk.scan, l.now);
		l.dlg->lan_port = dir == XNAT_DIR_OUT ? p->t.sport : x->to.dport;
		l.dlg->ext_port = dir == XNAT_DIR_OUT ? x->to.sport : p->t.dport;
	}
	bpf_loop(XNAT_SIP_MAX_MEDIA, sip_media_cb, &l, 0);

	rc = sip_drive_rewrite(&sc->wk);
	if (rc < 0)
		goto too_big;
	if (!rc)
		return 0; /* nothing of ours in it: not a byte changes */
	new_len = rc;
	if (new_len >= XNAT_SIP_MAX)
		goto too_big;
	delta = (int)new_len - (int)len;
	/* A TCP segment grown past the MTU would be lost for good (DF). */
	if (tcp && !sip_fits_mtu(ctx, xdp, sc, delta))
		goto too_big;

	/* The checksum: the payload's change, and the L4 length in the
	 * pseudo-header (and, for UDP, in its header too). */
	chg->data = xnat_csum_diff32(0, sip_buf_csum(sc, 0, len), sip_buf_csum(sc, 1, new_len));
	chg->pseudo = xnat_csum_diff16(0, bpf_htons(hdr + len), bpf_htons(hdr + new_len));
	if (!tcp)
		chg->data = xnat_csum_add(chg->data, chg->pseudo);

	if (delta > 0 && sip_pkt_resize(ctx, xdp, delta)) {
		if (xdp)
			return XNAT_STAT_PASS_SIP_SLOW;
		goto too_big;
	}
	/* From here on the packet is half-written: a failure drops it. The
	 * length is bounded again where the verifier can see it. */
	store_len = XNAT_SIP_IDX(new_len - 1) + 1; /* new_len >= 1: the same value, seen in [1, MAX] */
	if (sip_pkt_store(ctx, xdp, pay_off, sc->wk.out.b, store_len) ||
	    sip_set_lengths(ctx, xdp, hdr, store_len, !tcp))
		return XNAT_STAT_DROP_MALFORMED;
	if (delta < 0)
		sip_pkt_resize(ctx, xdp, delta); /* on failure the IP length still ends the datagram */
	if (tcp && delta)
		sip_tcp_note(&key, dir, seq, delta, l.now);
	count_event(XNAT_STAT_SIP_REWRITTEN);
	chg->changed = 1;
	return 0;
too_big:
	count_event(XNAT_STAT_SIP_UNCHANGED_TOO_BIG);
	return 0;
}

#endif
