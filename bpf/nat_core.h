/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NAT core shared by every entry point: decides what a packet becomes.
 * It reads and creates state but never touches the packet; rewrite.h does.
 * Each function returns 0 with the translation in *x, or the XNAT_STAT_*
 * reason to pass or drop the packet untouched.
 *
 * The heavy steps are BPF global functions (xnat_decide, xnat_session_out,
 * xnat_session_in, xnat_session_create, xnat_mapping_get): the verifier
 * checks each once, on its own, instead of once for every path that leads
 * to it, and a caller sees one unknown result instead of each outcome.
 * Their arguments are scalars or pointers to structs of scalars; the call
 * chain is kept shallow (every frame counts against one 512-byte stack).
 */
#ifndef XNAT_BPF_NAT_CORE_H
#define XNAT_BPF_NAT_CORE_H

#include "maps.h"
#include "parse.h"
#include "stats.h"
#include "clock.h"
#include "config.h"
#include "mapping.h"
#include "session.h"

/* What a packet becomes: its tuple after translation, and, for ICMP errors,
 * the quoted tuple after translation. */
struct xnat_xlate {
	struct xnat_tuple to;
	struct xnat_tuple in_to;
	__u32 stat;       /* XNAT_STAT_XLATE_* to count when sent */
	__u32 sip_pseudo; /* the SIP ALG's change of the L4 checksum: pseudo-header ... */
	__u32 sip_data;   /* ... and the rest (0, 0 when it changed nothing) */
	__u8 slow;        /* a later fragment whose first one went to the slow path */
	__u16 mss;        /* a SYN crossing the WAN: its MSS clamped to this (0: none; bpf/mss.h) */
};

/* What xnat_session_out() and xnat_session_in() are asked: a packet's
 * tuple (scalars only, a BPF global function's argument); *to gets what it
 * becomes. */
struct xnat_session_req {
	struct xnat_tuple t;
	struct xnat_tuple to; /* out */
	__u32 now;
	__u8 flags;           /* XNAT_FLOW_* of the packet */
	__u8 icmp_type;
	__u8 from_stack;      /* the stack path (TC) sees the gateway's own traffic */
	__u8 pad;
};

/* xnat_session_out()'s answers that are not stats (never counted): the
 * flow has no session yet, open one (nat_open_out()); the packet is the
 * gateway's own (xnat_session_local()). Both are called by nat_out(), beside
 * xnat_session_out() rather than below it: 6.1 counts every frame of the
 * deepest chain against one 512-byte stack. */
#define XNAT_NO_SESSION (-1)
#define XNAT_GATEWAY_OWN (-2)

/* The gateway's own traffic: an identity session, so that the reply is
 * delivered to the gateway even if a LAN mapping holds the same port. */
__attribute__((noinline)) int xnat_session_local(const struct xnat_session_req *r)
{
	struct xnat_session s = {};
	struct xnat_flow_key k;
	struct xnat_flow *f;

	if (!r)
		return XNAT_STAT_DROP_MALFORMED;
	s.lan_addr = r->t.saddr;
	s.lan_port = r->t.sport;
	s.rem_addr = r->t.daddr;
	s.rem_port = r->t.dport;
	s.ext_addr = r->t.saddr;
	s.ext_port = r->t.sport;
	s.proto = r->t.proto;
	s.owner = XNAT_OWNER_LOCAL;
	flow_key_out(&k, &s);
	f = bpf_map_lookup_elem(&xnat_flows, &k);
	if (f) {
		flow_touch(f, r->flags, r->now);
		return XNAT_STAT_PASS_LOCAL;
	}
	/* A LAN session holding the same reply tuple keeps it: the gateway's
	 * packet is dropped (counted) rather than stealing the LAN host's replies. */
	return xnat_session_create(&s, XNAT_DIR_OUT, r->flags, r->now) ?: XNAT_STAT_PASS_LOCAL;
}

/* LAN -> WAN: t (lan -> remote) becomes to (ext -> remote) when its session
 * exists. Returns 0, XNAT_NO_SESSION, XNAT_GATEWAY_OWN or the XNAT_STAT_*
 * reason. */
__attribute__((noinline)) int xnat_session_out(struct xnat_session_req *r)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_flow_key k;
	struct xnat_flow *f;

	if (!r || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	r->to = r->t;
	/* The external address as source: the gateway's own traffic, which only
	 * the stack path (TC egress) sees; from a LAN port it is forged. */
	if (r->t.saddr == cfg->ext_addr)
		return r->from_stack ? XNAT_GATEWAY_OWN : XNAT_STAT_DROP_SPOOFED;
	flow_key_of(&k, &r->t, XNAT_DIR_OUT);
	f = bpf_map_lookup_elem(&xnat_flows, &k);
	if (f) {
		flow_touch(f, r->flags, r->now);
		r->to.saddr = f->addr;
		r->to.sport = f->port;
		return 0;
	}
	/* Only a query or a TCP/UDP packet opens a session; an echo reply
	 * with no session would leave with a private source: never. */
	if (r->t.proto == IPPROTO_ICMP && r->icmp_type != ICMP_ECHO)
		return XNAT_STAT_DROP_OUT_UNTRANSLATABLE;
	return XNAT_NO_SESSION;
}

/* A flow's first packet LAN -> WAN: its mapping (found, or allocated by the
 * fast path), then its session. Called by xnat_decide, not by
 * xnat_session_out: the mapping's frames would not fit below the latter's. */
static __always_inline int nat_open_out(const struct xnat_config *cfg, struct xnat_session_req *r)
{
	struct xnat_session s;
	__be16 ext_port;
	int err;

	{ /* its own scope: its stack is the session's then (6.1 counts this frame under the entry point's) */
		struct xnat_mapping_req m = { .t = r->t, .now = r->now, .want = bpf_ntohs(r->t.sport),
					      .owner = XNAT_OWNER_DYNAMIC };

		err = xnat_mapping_get(&m); /* port preservation first */
		if (err)
			return err;
		ext_port = m.ext_port;
	}
	s.lan_addr = r->t.saddr;
	s.lan_port = r->t.sport;
	s.rem_addr = r->t.daddr;
	s.rem_port = r->t.dport;
	s.ext_addr = cfg->ext_addr;
	s.ext_port = ext_port;
	s.proto = r->t.proto;
	s.owner = XNAT_OWNER_DYNAMIC;
	err = xnat_session_create(&s, XNAT_DIR_OUT, r->flags, r->now);
	if (err)
		return err;
	if (cfg->filtering == XNAT_FILTER_ADDRESS_DEPENDENT) {
		struct xnat_adf_key ak = { .rem_addr = s.rem_addr, .ext_port = s.ext_port,
					   .proto = s.proto };
		__u32 now = r->now;

		bpf_map_update_elem(&xnat_adf, &ak, &now, BPF_ANY);
	}
	r->to.saddr = s.ext_addr;
	r->to.sport = s.ext_port;
	return 0;
}

/* LAN -> WAN, whether the session exists or not. */
static __always_inline int nat_out(const struct xnat_config *cfg, struct xnat_session_req *r)
{
	int err = xnat_session_out(r);

	if (err == XNAT_NO_SESSION)
		return nat_open_out(cfg, r);
	return err == XNAT_GATEWAY_OWN ? xnat_session_local(r) : err;
}

/* A PCP mapping admits the remote peers its FILTER rules name, or anyone
 * when it has none (RFC 6887 13.3). */
static __always_inline int pcp_filter_admits(const struct xnat_tuple *t, const struct xnat_port_owner *o)
{
	__u32 slot = (__u32)xnat_port_slot(t->proto, bpf_ntohs(t->dport));
	const union xnat_port_claim *c = (const void *)o;
	struct xnat_port_filter *f = bpf_map_lookup_elem(&xnat_port_filters, &slot);

	if (!f || f->claim != c->word || !f->count)
		return 1;
	for (__u32 i = 0; i < XNAT_PORT_FILTERS; i++) {
		if (i >= f->count)
			break;
		if (xnat_remote_filter_match(&f->rule[i], t->saddr, t->sport))
			return 1;
	}
	return 0;
}

/* May an inbound packet with no session open one through this mapping? */
static __always_inline int filter_admits(const struct xnat_config *cfg, const struct xnat_tuple *t,
					 const struct xnat_port_owner *o)
{
	struct xnat_adf_key ak = { .rem_addr = t->saddr, .ext_port = t->dport, .proto = t->proto };

	if (o->owner == XNAT_OWNER_PCP)
		return pcp_filter_admits(t, o);
	if (o->owner != XNAT_OWNER_DYNAMIC)
		return 1; /* forwards and leases are open to every remote */
	if (cfg->filtering == XNAT_FILTER_ENDPOINT_INDEPENDENT)
		return 1;
	if (cfg->filtering == XNAT_FILTER_ADDRESS_DEPENDENT)
		return bpf_map_lookup_elem(&xnat_adf, &ak) != NULL;
	return 0;
}

/* WAN -> LAN: t (remote -> ext) becomes to (remote -> lan). A BPF global
 * function, as xnat_session_out(). */
__attribute__((noinline)) int xnat_session_in(struct xnat_session_req *r)
{
	const struct xnat_config *cfg = xnat_config_get();
	struct xnat_flow_key k;
	struct xnat_port_owner *o;
	struct xnat_session s;
	struct xnat_flow *f;
	int err;

	if (!r || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	r->to = r->t;
	flow_key_of(&k, &r->t, XNAT_DIR_IN);
	f = bpf_map_lookup_elem(&xnat_flows, &k);
	if (f) {
		flow_touch(f, r->flags, r->now);
		if (f->owner == XNAT_OWNER_LOCAL)
			return XNAT_STAT_PASS_LOCAL;
		r->to.daddr = f->addr;
		r->to.dport = f->port;
		return 0;
	}
	/* ICMP queries only come back through their session. */
	if (r->t.proto == IPPROTO_ICMP)
		return XNAT_STAT_PASS_LOCAL;
	o = port_owner(r->t.proto, r->t.dport);
	if (!o || (o->expires && o->expires <= r->now))
		return XNAT_STAT_PASS_LOCAL; /* not mapped: the gateway's own port */
	if (!filter_admits(cfg, &r->t, o))
		return XNAT_STAT_DROP_FILTERED;

	s.lan_addr = o->int_addr;
	s.lan_port = o->int_port;
	s.rem_addr = r->t.saddr;
	s.rem_port = r->t.sport;
	s.ext_addr = r->t.daddr;
	s.ext_port = r->t.dport;
	s.proto = r->t.proto;
	s.owner = o->owner;
	err = xnat_session_create(&s, XNAT_DIR_IN, r->flags, r->now);
	if (err)
		return err;
	if (o->last_used != r->now)
		o->last_used = r->now;
	r->to.daddr = s.lan_addr;
	r->to.dport = s.lan_port;
	return 0;
}

/* The quoted packet's session, seen from the direction it was sent in. */
static __always_inline struct xnat_flow *quote_session(const struct xnat_tuple *q, enum xnat_dir dir)
{
	/* The quote is a packet that went the other way: swap its ends. */
	struct xnat_flow_key k = {
		.saddr = q->daddr, .daddr = q->saddr, .sport = q->dport,
		.dport = q->sport, .proto = q->proto, .dir = dir,
	};

	return bpf_map_lookup_elem(&xnat_flows, &k);
}

/*
 * ICMP error leaving through the WAN (RFC 5508): it quotes a packet the LAN
 * host (or the gateway, for a translated flow) received, remote -> lan. The
 * quoted destination becomes the external endpoint; the outer source becomes
 * the external address, unless it already is (the gateway's own error).
 */
static __always_inline int icmp_error_out(const struct xnat_config *cfg, const struct xnat_pkt *p,
					  struct xnat_xlate *x)
{
	struct xnat_flow *f = quote_session(&p->in_t, XNAT_DIR_OUT);

	x->to = p->t;
	x->in_to = p->in_t;
	if (!f || f->owner == XNAT_OWNER_LOCAL)
		return p->t.saddr == cfg->ext_addr ? XNAT_STAT_PASS_LOCAL
						   : XNAT_STAT_DROP_ICMP_NO_STATE;
	x->to.saddr = cfg->ext_addr;
	x->in_to.daddr = f->addr;
	x->in_to.dport = p->in_l4_fields & XNAT_L4_DPORT ? f->port : 0;
	x->stat = XNAT_STAT_XLATE_ICMP_ERR_OUT;
	return 0;
}

/* ICMP error from the WAN about a packet we sent, ext -> remote: back to the
 * LAN host, quoting the packet as the LAN host sent it. */
static __always_inline int icmp_error_in(const struct xnat_pkt *p, struct xnat_xlate *x)
{
	struct xnat_flow *f = quote_session(&p->in_t, XNAT_DIR_IN);

	x->to = p->t;
	x->in_to = p->in_t;
	if (!f || f->owner == XNAT_OWNER_LOCAL)
		return XNAT_STAT_PASS_LOCAL; /* about the gateway's own traffic */
	x->to.daddr = f->addr;
	x->in_to.saddr = f->addr;
	x->in_to.sport = p->in_l4_fields & XNAT_L4_SPORT ? f->port : 0;
	x->stat = XNAT_STAT_XLATE_ICMP_ERR_IN;
	return 0;
}

static __always_inline void frag_key(struct xnat_frag_key *k, const struct xnat_tuple *t, __be16 id)
{
	k->saddr = t->saddr;
	k->daddr = t->daddr;
	k->id = id;
	k->proto = t->proto;
	k->pad = 0;
}

/* The first fragment leaves its fate for the ones that follow: rc 0, the
 * addresses it was translated to; a pass (e.g. to the gateway itself), that
 * pass, addresses untouched. A dropped first fragment leaves nothing. */
static __always_inline int frag_settle(const struct xnat_pkt *p, const struct xnat_xlate *x, int rc)
{
	struct xnat_frag_key k;
	struct xnat_frag v = { .saddr = x->to.saddr, .daddr = x->to.daddr, .stat = x->stat };

	if (p->frag != XNAT_FRAG_FIRST || stat_is_drop(rc))
		return rc;
	if (rc) {
		v.saddr = p->t.saddr;
		v.daddr = p->t.daddr;
		v.stat = rc;
	}
	frag_key(&k, &p->t, p->ip_id);
	bpf_map_update_elem(&xnat_frags, &k, &v, BPF_ANY);
	return rc;
}

/* A later fragment (no L4 header) takes the addresses of its first one. */
static __always_inline int frag_follow(const struct xnat_pkt *p, struct xnat_xlate *x)
{
	struct xnat_frag_key k;
	struct xnat_frag *v;

	frag_key(&k, &p->t, p->ip_id);
	v = bpf_map_lookup_elem(&xnat_frags, &k);
	if (!v)
		return XNAT_STAT_DROP_FRAG_NO_STATE;
	if (!stat_is_xlate(v->stat))
		return v->stat; /* the first one was passed: so are the others */
	x->to = p->t;
	x->to.saddr = v->saddr;
	x->to.daddr = v->daddr;
	x->stat = XNAT_STAT_XLATE_FRAG;
	x->slow = v->slow;
	return 0;
}

/* The first fragment went to the slow path: the ones that follow go too. */
static __always_inline void frag_mark_slow(const struct xnat_pkt *p)
{
	struct xnat_frag_key k;
	struct xnat_frag *v;

	frag_key(&k, &p->t, p->ip_id);
	v = bpf_map_lookup_elem(&xnat_frags, &k);
	if (v)
		v->slow = 1;
}

/* The session request for packet p. */
static __always_inline void session_req_of(struct xnat_session_req *r, const struct xnat_pkt *p)
{
	r->t = p->t;
	r->now = xnat_now();
	r->flags = p->tcp_flags;
	r->icmp_type = p->icmp_type;
	r->from_stack = p->from_stack;
}

/*
 * Hairpin (RFC 4787 REQ-9): a LAN host reaching another LAN host through the
 * external address. The source is translated as for any outbound packet,
 * then the result is translated as an inbound packet.
 */
static __always_inline int nat_hairpin(const struct xnat_config *cfg, const struct xnat_pkt *p,
				       struct xnat_xlate *x)
{
	struct xnat_session_req r = {};
	int err;

	if (!(cfg->flags & XNAT_CFG_HAIRPIN) || p->icmp_error || p->t.proto == IPPROTO_ICMP ||
	    !port_owner(p->t.proto, p->t.dport)) /* a service of the gateway itself */
		return XNAT_STAT_PASS_LOCAL;
	session_req_of(&r, p);
	r.from_stack = 0;
	x->stat = XNAT_STAT_XLATE_HAIRPIN;
	err = nat_out(cfg, &r);
	if (err)
		return err;
	r.t = r.to;
	err = xnat_session_in(&r);
	x->to = r.to;
	return err;
}

/* One direction of translation of a TCP, UDP or ICMP query packet. */
static __always_inline int nat_session(const struct xnat_config *cfg, const struct xnat_pkt *p,
				       enum xnat_dir dir, struct xnat_xlate *x)
{
	struct xnat_session_req r = {};
	int err;

	session_req_of(&r, p);
	if (dir == XNAT_DIR_OUT) {
		err = nat_out(cfg, &r);
		x->stat = XNAT_STAT_XLATE_OUT;
	} else {
		err = xnat_session_in(&r);
		x->stat = XNAT_STAT_XLATE_IN;
	}
	x->to = r.to;
	return err;
}

/*
 * The flow entry of packet p going dir, when p is the common case: a TCP,
 * UDP or ICMP query packet of a session that exists. NULL for any other
 * (a new flow, a fragment, an ICMP error, the gateway's own traffic):
 * xnat_decide() decides those. The entry points look it up once and use it
 * twice: the translation, and the next hop cached in it (hop_cache.h).
 */
static __always_inline struct xnat_flow *flow_of(const struct xnat_config *cfg, const struct xnat_pkt *p,
						 enum xnat_dir dir)
{
	struct xnat_flow_key k;

	if (p->frag || p->icmp_error || (dir == XNAT_DIR_OUT && p->t.saddr == cfg->ext_addr))
		return NULL;
	flow_key_of(&k, &p->t, dir);
	return stage_on(XNAT_STAGE_LOOKUP) ? bpf_map_lookup_elem(&xnat_flows, &k) : profile_flow();
}

/*
 * The established path, in line in the entry points: packet p of flow f
 * (flow_of()). Returns 0 with *x set, or the XNAT_STAT_* verdict. One map
 * lookup and no call: the established path costs what it did before the
 * NAT core became global functions.
 */
static __always_inline int nat_established(const struct xnat_pkt *p, enum xnat_dir dir, struct xnat_flow *f,
					   struct xnat_xlate *x)
{
	if (stage_on(XNAT_STAGE_TOUCH))
		flow_touch(f, p->tcp_flags, xnat_now());
	x->to = p->t;
	if (dir == XNAT_DIR_OUT) {
		x->to.saddr = f->addr;
		x->to.sport = f->port;
		x->stat = XNAT_STAT_XLATE_OUT;
		return 0;
	}
	if (f->owner == XNAT_OWNER_LOCAL)
		return XNAT_STAT_PASS_LOCAL;
	x->to.daddr = f->addr;
	x->to.dport = f->port;
	x->stat = XNAT_STAT_XLATE_IN;
	return 0;
}

/*
 * What packet p, going dir, becomes, for every kind of packet: returns 0
 * with the translation in *x, or the XNAT_STAT_* reason to pass or drop it
 * untouched. hairpin: a LAN packet to the external address.
 */
__attribute__((noinline)) int xnat_decide(const struct xnat_pkt *p, __u32 dir, __u32 hairpin,
					  struct xnat_xlate *x)
{
	const struct xnat_config *cfg = xnat_config_get();

	if (!p || !x || !cfg)
		return XNAT_STAT_DROP_MALFORMED;
	if (p->frag == XNAT_FRAG_LATER)
		return frag_follow(p, x);
	if (hairpin)
		return frag_settle(p, x, nat_hairpin(cfg, p, x));
	if (p->icmp_error)
		return dir == XNAT_DIR_OUT ? icmp_error_out(cfg, p, x) : icmp_error_in(p, x);
	return frag_settle(p, x, nat_session(cfg, p, dir, x));
}

/* What packet p, going dir, becomes, as the entry points ask it, its flow
 * entry f looked up (flow_of(); NULL: none, or not the common case): the
 * established path in line, anything else by xnat_decide(). A hairpin has
 * no established entry of its own: it goes to xnat_decide() at once. */
static __always_inline int nat_translate_flow(const struct xnat_config *cfg, const struct xnat_pkt *p,
					      enum xnat_dir dir, int hairpin, struct xnat_flow *f,
					      struct xnat_xlate *x)
{
	int rc;

	/* nat_established() decides every packet flow_of() found an entry for */
	if (f && !hairpin)
		rc = nat_established(p, dir, f, x);
	else
		rc = xnat_decide(p, dir, hairpin, x);
	if (!rc && !hairpin && (p->tcp_flags & XNAT_FLOW_SYN) && p->t.proto == IPPROTO_TCP && !p->icmp_error)
		x->mss = cfg->wan_mss;
	return rc;
}

/* nat_translate_flow() with the flow entry looked up here. */
static __always_inline int nat_translate(const struct xnat_config *cfg, const struct xnat_pkt *p,
					 enum xnat_dir dir, int hairpin, struct xnat_xlate *x)
{
	return nat_translate_flow(cfg, p, dir, hairpin, hairpin ? NULL : flow_of(cfg, p, dir), x);
}

#endif
