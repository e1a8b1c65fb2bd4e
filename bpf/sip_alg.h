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
#include "packet.h"
#include "slowpath.h"
#include "pkt_access.h"
#include "sip_tcp.h"
#include "stats.h"

#define XNAT_SIP_MAX_MSGS 16 /* messages (and keep-alives) looked at in one TCP segment */

/* The translation an entry point decided, for the SIP program it tail-calls. */
struct sip_pending {
	struct xnat_xlate x;
	struct xnat_next_hop hop;  /* XDP: where the packet goes */
	__u32 dir;                 /* enum xnat_dir */
};

/* The ALG's walk over a packet's messages: scalars only (a BPF global
 * function sees pointers inside its arguments as plain numbers). */
struct sip_msgs {
	__be32 lan;                /* the phone */
	__be16 lan_port, ext_port; /* its signalling port, private and public */
	__u32 now;
	__u32 dir;                 /* enum xnat_dir */
	__u32 tcp;                 /* a byte stream: messages framed by Content-Length */
	__u32 ip_off;              /* the IPv4 header in the packet (xnat_pkt.ip_off) */
	__u32 pay_off, len;        /* the payload in the packet */
	__u32 hdr;                 /* the L4 header's length */
	__u32 seq;                 /* TCP: the segment's sequence number (host order) */
	__u32 old_sum;             /* the payload's sum before the rewrite */
	__u32 in_off;              /* where the next message starts in it */
	__u32 mlen;                /* the length of the message at in_off */
	__u32 next_len;            /* bytes of the new payload so far */
	__u32 rewritten;           /* messages changed */
	__u32 left;                /* XNAT_STAT_SIP_UNCHANGED_* of what was left as it is, or 0 */
	__u32 too_big;             /* a rewrite would not fit: the packet stays as it is */
};

struct sip_scratch {
	struct sip_pending pending;
	struct sip_work wk;
	struct xnat_sip_buf next; /* the new payload: every message, rewritten or not */
	struct sip_msgs msgs;
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
	struct xnat_sip_dialog *dlg; /* may be NULL: the message's dialog */
	__be32 lan;                  /* the phone */
	__u32 now;
	__u32 dir;                   /* enum xnat_dir */
};

/* ------------------------------------------------ configuration */

/* Is this UDP flow SIP, with the ALG on for this direction? Either end may
 * be the SIP port: requests go to it, responses and requests come from it. */
static __always_inline int sip_port_match(const struct xnat_config *cfg, const struct xnat_tuple *t,
					  enum xnat_dir dir)
{
	__u16 sp = bpf_ntohs(t->sport), dp = bpf_ntohs(t->dport);
	__u8 bit = dir == XNAT_DIR_OUT ? XNAT_SIP_DIR_OUT : XNAT_SIP_DIR_IN;
	int i;

	XNAT_UNROLL
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
 * there is none (the kernel refused it and the loader left its program
 * array empty): see the callers. */
static __always_inline void sip_hand_over(void *ctx, void *prog_array, const struct xnat_xlate *x,
					  const struct xnat_next_hop *hop, enum xnat_dir dir)
{
	struct sip_scratch *sc = sip_scratch_get();

	if (!sc)
		return;
	sc->pending.x = *x;
	if (hop)
		sc->pending.hop = *hop;
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
	const struct xnat_config *cfg;

	if (!sc->call_id)
		return NULL;
	d = bpf_map_lookup_elem(&xnat_sip_dialogs, &k);
	if (d || !opens)
		return d;
	/* One host's INVITE flood must not fill the table every other host's calls need. */
	cfg = xnat_config_get();
	if (cfg && cfg->max_sip_dialogs_per_host &&
	    host_held(&xnat_sip_host_opened, &xnat_sip_host_closed, lan) >= cfg->max_sip_dialogs_per_host) {
		count_event(XNAT_STAT_SIP_DIALOG_HOST_LIMIT);
		return NULL;
	}
	nd.state = sc->method == XNAT_SIP_REGISTER ? XNAT_SIP_REGISTERING : XNAT_SIP_EARLY;
	if (!bpf_map_update_elem(&xnat_sip_dialogs, &k, &nd, BPF_NOEXIST))
		host_take(&xnat_sip_host_opened, lan);
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
	int owned = 0;

	/* every slot looked at, no early exit: a loop 6.1's verifier takes */
	XNAT_UNROLL
	for (i = 0; i < XNAT_SIP_DIALOG_PORTS; i++)
		owned |= i < n && d->media_ext[i] == ext;
	if (owned)
		return;
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
	struct xnat_mapping_req req = {
		.t = { .saddr = l->lan, .sport = bpf_htons(port), .proto = IPPROTO_UDP },
		.now = l->now, .want = want, .owner = XNAT_OWNER_SIP, .pair = pair,
	};
	struct xnat_port_owner *o;

	if (xnat_mapping_get(&req)) {
		count_event(XNAT_STAT_SIP_MEDIA_FAILED);
		return -1;
	}
	*ext = req.ext_port;
	if (req.created)
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
	const __u8 *buf; /* XNAT_SIP_MAX bytes */
	__u32 len;
	__u32 sum;
};

static long sip_csum_cb(__u32 i, void *ctx)
{
	struct sip_csum_loop *c = ctx;
	__u32 at = i * 2, hi, lo;

	if (at >= c->len)
		return 1;
	hi = c->buf[XNAT_SIP_IDX(at)];
	lo = at + 1 < c->len ? c->buf[XNAT_SIP_IDX(at + 1)] : 0; /* an odd end is padded with zero */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	c->sum += hi | lo << 8;
#else
	c->sum += hi << 8 | lo;
#endif
	return 0;
}

static __always_inline __u32 sip_buf_csum(const struct xnat_sip_buf *b, __u32 len)
{
	struct sip_csum_loop c = { .buf = b->b, .len = len };

	bpf_loop(XNAT_SIP_MAX / 2, sip_csum_cb, &c, 0);
	return c.sum;
}

/* new[at, at + n) = from[0, n): one message's bytes join the new payload. */
struct sip_copy_loop {
	__u8 *to;
	const __u8 *from;
	__u32 at, n;
};

static long sip_copy_cb(__u32 i, void *ctx)
{
	struct sip_copy_loop *c = ctx;

	if (i >= c->n || c->at + i >= XNAT_SIP_MAX)
		return 1;
	c->to[XNAT_SIP_IDX(c->at + i)] = c->from[XNAT_SIP_IDX(i)];
	return 0;
}

static __always_inline void sip_buf_append(struct xnat_sip_buf *to, __u32 at, const struct xnat_sip_buf *from,
					   __u32 n)
{
	struct sip_copy_loop c = { .to = to->b, .from = from->b, .at = at, .n = n };

	bpf_loop(XNAT_SIP_MAX, sip_copy_cb, &c, 0);
}

/* ------------------------------------------------ the ALG */

/* The substitution: the phone's address and signalling port outbound
 * become the external ones, and back inbound. */
static __always_inline void sip_subst_init(struct xnat_sip_subst *s, const struct xnat_pkt *p,
					   const struct xnat_xlate *x, enum xnat_dir dir)
{
	s->n_media = 0;
	s->inbound = dir == XNAT_DIR_IN;
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
static __always_inline int sip_set_lengths(void *ctx, int xdp, __u32 ip_off, __u32 hdr, __u32 new_len,
					   int udp_len)
{
	void *data, *end;
	struct iphdr *ip;
	struct udphdr *udp;
	__be16 old_tot, new_tot;
	__u32 ihl;

	sip_pkt_bounds(ctx, xdp, &data, &end);
	if (ip_off > XNAT_IP_OFF)
		return -1;
	ip = data + ip_off;
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
		return !bpf_check_mtu(ctx, sc->pending.hop.ifindex, &mtu_len, delta, 0);
	return !bpf_check_mtu(ctx, 0, &mtu_len, delta, 0);
}

/*
 * One message of the payload, from m->in_off, in three steps: sip_msg_scan()
 * (the message found, scanned, its dialog moved on), sip_msg_media() (its
 * media mapped) and sip_msg_rewrite() (rewritten, and appended to sc->next,
 * rewritten or as it was). Each is a BPF global function, checked once by
 * the verifier on its own (in line, in a loop over the messages, their
 * states exceeded its budget), and called from the ALG's own frame: the
 * media mappings' stack fits only one call deep.
 */
enum { SIP_MSG_READY, SIP_MSG_STOP, SIP_MSG_NEXT };

static __always_inline int sip_msg_scan(void *ctx, int xdp, struct sip_scratch *sc)
{
	struct sip_msgs *m = &sc->msgs;
	struct xnat_sip_dialog *dlg;
	__u32 rem, n;

	if (m->in_off >= m->len || m->len >= XNAT_SIP_MAX || m->next_len >= XNAT_SIP_MAX)
		return SIP_MSG_STOP;
	rem = m->len - m->in_off;
	rem = XNAT_SIP_IDX(rem - 1) + 1; /* the same value, seen in [1, MAX] */
	if (sip_pkt_load(ctx, xdp, m->pay_off + m->in_off, sc->wk.in.b, rem))
		return SIP_MSG_STOP;
	m->mlen = 0;
	if (m->tcp && (sc->wk.in.b[0] == '\r' || sc->wk.in.b[0] == '\n')) {
		/* keep-alives (RFC 5626: CRLFCRLF, CRLF) between messages */
		for (n = 1; n < 8 && n < rem; n++)
			if (sc->wk.in.b[n] != '\r' && sc->wk.in.b[n] != '\n')
				break;
		m->mlen = n;
		return SIP_MSG_NEXT;
	}
	sc->wk.s.n_media = 0;
	sip_drive_scan(&sc->wk, rem, m->tcp);
	if (m->tcp && !xnat_sip_scan_framed(&sc->wk.scan)) {
		/* a piece of a message (or not one): left as it is */
		m->left = XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT;
		return SIP_MSG_STOP;
	}
	if (!sc->wk.scan.sip) {
		m->left = XNAT_STAT_SIP_UNCHANGED_UNPARSED;
		return SIP_MSG_STOP;
	}
	if (!m->tcp && !xnat_sip_scan_rewritable(&sc->wk.scan)) {
		m->left = XNAT_STAT_SIP_UNCHANGED_BAD_LENGTH;
		return SIP_MSG_STOP;
	}
	m->mlen = sc->wk.scan.len;
	if (sc->wk.scan.candidate) {
		count_event(XNAT_STAT_SIP_UNCHANGED_ICE);
		return SIP_MSG_NEXT;
	}
	dlg = sip_dialog_get(&sc->wk.scan, m->lan, m->now);
	if (dlg) {
		sip_dialog_update(dlg, &sc->wk.scan, m->now);
		dlg->lan_port = m->lan_port;
		dlg->ext_port = m->ext_port;
	}
	return SIP_MSG_READY;
}

__attribute__((noinline)) int sip_msg_scan_xdp(struct xdp_md *ctx, struct sip_scratch *sc)
{
	if (!sc)
		return SIP_MSG_STOP;
	return sip_msg_scan(ctx, 1, sc);
}

__attribute__((noinline)) int sip_msg_scan_skb(struct __sk_buff *ctx, struct sip_scratch *sc)
{
	if (!sc)
		return SIP_MSG_STOP;
	return sip_msg_scan(ctx, 0, sc);
}

/* The message's media streams, mapped (outbound) or looked up (inbound). */
__attribute__((noinline)) int sip_msg_media(struct sip_scratch *sc, const struct xnat_config *cfg)
{
	struct sip_loop l = { .sc = sc, .cfg = cfg };
	struct xnat_sip_dialog_key dialog = {}; /* a map key: on the stack, as 6.1 wants it */

	if (!sc || !cfg)
		return 0;
	l.lan = sc->msgs.lan;
	l.now = sc->msgs.now;
	l.dir = sc->msgs.dir;
	dialog.call_id = sc->wk.scan.call_id;
	dialog.lan_addr = sc->msgs.lan;
	if (dialog.call_id)
		l.dlg = bpf_map_lookup_elem(&xnat_sip_dialogs, &dialog);
	bpf_loop(XNAT_SIP_MAX_MEDIA, sip_media_cb, &l, 0);
	return 0;
}

/* The message rewritten (unless rewrite is 0: a keep-alive or an ICE
 * phone's message) and appended. Returns 1 when there is no next message. */
__attribute__((noinline)) int sip_msg_rewrite(struct sip_scratch *sc, int rewrite)
{
	struct sip_msgs *m;
	__u32 mlen;
	int rc = 0;

	if (!sc)
		return 1;
	m = &sc->msgs;
	mlen = m->mlen;
	if (rewrite)
		rc = sip_drive_rewrite(&sc->wk);
	if (rc < 0 || rc >= XNAT_SIP_MAX || !mlen || mlen >= XNAT_SIP_MAX || m->next_len >= XNAT_SIP_MAX ||
	    m->next_len + rc >= XNAT_SIP_MAX || m->next_len + mlen >= XNAT_SIP_MAX) {
		m->too_big = 1;
		return 1;
	}
	if (rc) {
		sip_buf_append(&sc->next, m->next_len, &sc->wk.out, rc);
		m->next_len += rc;
		m->rewritten++;
		count_event(XNAT_STAT_SIP_REWRITTEN);
	} else {
		sip_buf_append(&sc->next, m->next_len, &sc->wk.in, mlen);
		m->next_len += mlen;
	}
	m->in_off += mlen;
	return !m->tcp; /* a datagram is one message */
}

/*
 * The ALG on a packet whose translation x is decided, in three steps that
 * share sc->msgs: sip_begin() (is this a message to look at; its payload
 * loaded and summed), sip_messages() (each message scanned, its media
 * mapped, rewritten) and sip_finish() (the new payload stored, the packet
 * resized and parsed again, the checksum changes added to x). Each is a
 * BPF global function per hook type, called one after the other by the SIP
 * program: their frames never stack on one another, so the media
 * mappings' calls fit below them.
 *
 * XDP hands a message it can't grow in place to the stack, whose TC hook
 * rewrites it. Over TCP a segment may hold several messages, each framed by
 * its Content-Length; each whole one is rewritten, and what follows the last
 * (half a message) is left as it is, as nf_conntrack_sip does. The
 * segment's length change is noted for the connection's sequence numbers.
 */

/* sip_begin()'s answer when the payload is ready for sip_messages(). Not a
 * stat: never counted. */
#define XNAT_SIP_MESSAGES (-1)

/* Returns XNAT_SIP_MESSAGES, 0 (the packet goes on as it is, sip_finish()
 * still moves a TCP segment's numbers) or the XNAT_STAT_* verdict. */
static __always_inline int sip_begin(void *ctx, int xdp, const struct xnat_config *cfg,
				     const struct xnat_pkt *p, struct sip_scratch *sc)
{
	const struct xnat_xlate *x = &sc->pending.x;
	enum xnat_dir dir = sc->pending.dir;
	struct sip_msgs *m = &sc->msgs;
	int tcp = p->t.proto == IPPROTO_TCP;
	__u32 ihl, tot, hdr, len, seq = 0;

	__builtin_memset(m, 0, sizeof(*m));
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
	ihl = p->ihl;
	tot = p->tot_len;
	if (ihl > 60)
		return 0;
	if (tcp) {
		struct tcphdr th;

		if (sip_pkt_load(ctx, xdp, p->l4_off, &th, sizeof(th)))
			return 0;
		hdr = th.doff * 4;
		seq = bpf_ntohl(th.seq);
		if (hdr < sizeof(th) || tot < ihl + hdr) {
			count_event(XNAT_STAT_SIP_UNCHANGED_UNPARSED);
			return 0;
		}
	} else {
		struct udphdr udp;

		if (sip_pkt_load(ctx, xdp, p->l4_off, &udp, sizeof(udp)))
			return 0;
		hdr = sizeof(udp);
		if (tot < ihl + hdr || bpf_ntohs(udp.len) != tot - ihl) {
			count_event(XNAT_STAT_SIP_UNCHANGED_UNPARSED);
			return 0;
		}
	}
	len = tot - ihl - hdr;
	if (!len)
		return 0; /* a bare ACK, SYN or FIN: its numbers are moved by sip_finish() */
	if (len >= XNAT_SIP_MAX) {
		/* Too big for the ALG: xnatd rewrites a datagram this big
		 * (include/xnat/slowpath.h). */
		if (!tcp && slow_divert(ctx, xdp, p, dir))
			return XNAT_STAT_SLOW_PATH;
		count_event(tcp ? XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT : XNAT_STAT_SIP_UNCHANGED_TOO_BIG);
		return 0;
	}
	if (tcp && sip_skb_is_gso(ctx, xdp)) {
		count_event(XNAT_STAT_SIP_UNCHANGED_TCP_SPLIT);
		return 0;
	}
	m->ip_off = p->ip_off;
	m->pay_off = p->ip_off + ihl + hdr;
	/* The old payload's sum, for the checksum's change. */
	if (sip_pkt_load(ctx, xdp, m->pay_off, sc->wk.in.b, XNAT_SIP_IDX(len - 1) + 1 /* len, seen in [1, MAX] */))
		return 0;
	m->old_sum = sip_buf_csum(&sc->wk.in, len);
	m->hdr = hdr;
	m->seq = seq;
	m->now = xnat_now();
	m->dir = dir;
	m->tcp = tcp;
	m->len = len;
	m->lan = dir == XNAT_DIR_OUT ? p->t.saddr : x->to.daddr;
	m->lan_port = dir == XNAT_DIR_OUT ? p->t.sport : x->to.dport;
	m->ext_port = dir == XNAT_DIR_OUT ? x->to.sport : p->t.dport;
	sip_subst_init(&sc->wk.s, p, x, dir);
	return XNAT_SIP_MESSAGES;
}

/* Every message of the payload, each scanned, its media mapped, rewritten
 * and appended to sc->next. */
static __always_inline void sip_messages(void *ctx, int xdp, const struct xnat_config *cfg,
					 struct sip_scratch *sc)
{
	int i, rc;

	for (i = 0; i < XNAT_SIP_MAX_MSGS; i++) {
		rc = xdp ? sip_msg_scan_xdp(ctx, sc) : sip_msg_scan_skb(ctx, sc);
		if (rc == SIP_MSG_STOP)
			break;
		if (rc == SIP_MSG_READY)
			sip_msg_media(sc, cfg);
		if (sip_msg_rewrite(sc, rc == SIP_MSG_READY))
			break;
	}
	if (sc->msgs.left)
		count_event(sc->msgs.left);
}

/* The messages' new payload in place of the old: returns 0 (the changes
 * of the checksum in *chg), 1 when the packet stays as it is, or the
 * XNAT_STAT_* verdict. */
static __always_inline int sip_store(void *ctx, int xdp, const struct xnat_pkt *p, struct sip_scratch *sc,
				     struct sip_change *chg)
{
	struct sip_msgs *m = &sc->msgs;
	__u32 len = m->len, hdr = m->hdr, new_len, store_len;
	int tcp = m->tcp, delta;

	if (m->too_big)
		goto too_big;
	if (!m->rewritten)
		return 1; /* nothing of ours: not a byte changes */
	if (m->in_off < len) {
		/* what follows the last whole message goes on as it came */
		if (sip_pkt_load(ctx, xdp, m->pay_off + m->in_off, sc->wk.in.b, XNAT_SIP_IDX(len - m->in_off - 1) + 1))
			return 1;
		if (m->next_len + (len - m->in_off) >= XNAT_SIP_MAX)
			goto too_big;
		sip_buf_append(&sc->next, m->next_len, &sc->wk.in, len - m->in_off);
		m->next_len += len - m->in_off;
	}
	new_len = m->next_len;
	if (!new_len || new_len >= XNAT_SIP_MAX || hdr > 60)
		goto too_big;
	delta = (int)new_len - (int)len;
	/* A TCP segment grown past the MTU would be lost for good (DF). */
	if (tcp && !sip_fits_mtu(ctx, xdp, sc, delta))
		goto too_big;

	/* The checksum: the payload's change, and the L4 length in the
	 * pseudo-header (and, for UDP, in its header too). */
	chg->data = xnat_csum_diff32(0, m->old_sum, sip_buf_csum(&sc->next, new_len));
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
	if (sip_pkt_store(ctx, xdp, m->pay_off, sc->next.b, store_len) ||
	    sip_set_lengths(ctx, xdp, m->ip_off, hdr, store_len, !tcp))
		return XNAT_STAT_DROP_MALFORMED;
	if (delta < 0)
		sip_pkt_resize(ctx, xdp, delta); /* on failure the IP length still ends the datagram */
	if (tcp && delta) {
		struct xnat_seqadj_key key = {};

		sip_tcp_key(p, &sc->pending.x, m->dir, &key);
		sip_tcp_note(&key, m->dir, m->seq, delta, m->now);
	}
	chg->changed = 1;
	return 0;
too_big:
	count_event(XNAT_STAT_SIP_UNCHANGED_TOO_BIG);
	return 1;
}

/*
 * After sip_messages() (messages: it ran): the new payload stored, then the
 * packet parsed again into *p (a resize moves it). The checksum changes of
 * the rewrite, and over TCP of the sequence numbers moved, are added to the
 * translation for the send. Returns 0 or the verdict for the packet.
 */
static __always_inline int sip_finish(void *ctx, int xdp, struct xnat_pkt *p, struct sip_scratch *sc,
				      int messages)
{
	struct xnat_xlate *x = &sc->pending.x;
	enum xnat_dir dir = sc->pending.dir;
	struct xnat_seqadj_key key = {};
	struct sip_change sip = {};
	__u8 proto = p->t.proto;
	int rc;

	if (messages) {
		rc = sip_store(ctx, xdp, p, sc, &sip);
		if (rc > 1)
			return rc;
	}
	/* Parsed again even when unchanged: a failed resize moves the packet too. */
	rc = xdp ? xnat_parse_xdp(ctx, p) : xnat_parse_tc(ctx, p);
	if (rc || p->t.proto != proto)
		return XNAT_STAT_DROP_MALFORMED;
	if (proto == IPPROTO_TCP) {
		/* every segment of a SIP connection: its numbers follow the rewrites */
		sip_tcp_key(p, x, dir, &key);
		sip.data = xnat_csum_add(sip.data, sip_tcp_adjust(ctx, xdp, p, &key, dir));
	}
	x->sip_pseudo = sip.pseudo;
	x->sip_data = sip.data;
	return 0;
}

/* The three steps for each hook type (their context). */
__attribute__((noinline)) int xnat_sip_begin_xdp(struct xdp_md *ctx, const struct xnat_pkt *p,
						 struct sip_scratch *sc)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (!p || !sc || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	return sip_begin(ctx, 1, cfg, p, sc);
}

__attribute__((noinline)) int xnat_sip_begin_tc(struct __sk_buff *skb, const struct xnat_pkt *p,
						struct sip_scratch *sc)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (!p || !sc || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	return sip_begin(skb, 0, cfg, p, sc);
}

__attribute__((noinline)) int xnat_sip_messages_xdp(struct xdp_md *ctx, struct sip_scratch *sc)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (sc && cfg)
		sip_messages(ctx, 1, cfg, sc);
	return 0;
}

__attribute__((noinline)) int xnat_sip_messages_tc(struct __sk_buff *skb, struct sip_scratch *sc)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (sc && cfg)
		sip_messages(skb, 0, cfg, sc);
	return 0;
}

__attribute__((noinline)) int xnat_sip_finish_xdp(struct xdp_md *ctx, struct xnat_pkt *p, struct sip_scratch *sc,
						  int messages)
{
	if (!p || !sc)
		return XNAT_STAT_DROP_MALFORMED;
	return sip_finish(ctx, 1, p, sc, messages);
}

__attribute__((noinline)) int xnat_sip_finish_tc(struct __sk_buff *skb, struct xnat_pkt *p, struct sip_scratch *sc,
						 int messages)
{
	if (!p || !sc)
		return XNAT_STAT_DROP_MALFORMED;
	return sip_finish(skb, 0, p, sc, messages);
}

#endif
