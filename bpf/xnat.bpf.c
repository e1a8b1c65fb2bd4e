// SPDX-License-Identifier: GPL-2.0
/*
 * Entry points of the fast path: thin wrappers over one NAT core.
 * Path functions return an enum xnat_stat outcome; only the entry points turn
 * it into an XDP or TC verdict and count it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "maps.h"
#include "stats.h"
#include "parse.h"
#include "nat_core.h"
#include "rewrite.h"
#include "forward.h"
#include "sip_alg.h"
#include "slowpath.h"

/* The SIP programs (end of file), one array each: a program array holds
 * programs of one type. libbpf fills them at load. */
int xnat_sip_xdp(struct xdp_md *ctx);
int xnat_sip_tc(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct xdp_md *));
} xnat_sip_xdp_prog SEC(".maps") = {
	.values = { [0] = (void *)&xnat_sip_xdp },
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct __sk_buff *));
} xnat_sip_tc_prog SEC(".maps") = {
	.values = { [0] = (void *)&xnat_sip_tc },
};

/* Enough linear bytes for Ethernet, IPv4 with options, an ICMP error and the
 * quoted IPv4 header with options and a TCP header. */
#define XNAT_TC_PULL_LEN 192

static __always_inline int nat_enabled(const struct xnat_config *cfg)
{
	return cfg && (cfg->flags & XNAT_CFG_ENABLED);
}

/*
 * Would the routing table send this WAN packet, untranslated, into a LAN?
 * (A packet for a LAN address sent straight to the gateway by a WAN
 * neighbour: forwarding it would open the LAN to anyone next door.) ctx is
 * an xdp_md or a __sk_buff: bpf_fib_lookup takes both.
 */
static __always_inline int wan_routes_to_lan(void *ctx, const struct xnat_config *cfg, const struct xnat_pkt *p)
{
	struct bpf_fib_lookup fib;
	__u32 out;
	int rc;

	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = AF_INET;
	fib.tos = p->ip->tos;
	fib.l4_protocol = p->t.proto;
	fib.ipv4_src = p->t.saddr;
	fib.ipv4_dst = p->t.daddr;
	fib.ifindex = cfg->wan_ifindex;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return 0; /* for the gateway itself, or not routed at all */
	out = fib.ifindex;
	return bpf_map_lookup_elem(&xnat_lan_ifaces, &out) != NULL;
}

/* Every entry point starts here: the config if NAT is on, and the parsed
 * packet; or the reason to leave the packet alone. */
static __always_inline int nat_begin(void *data, void *data_end, __u32 frame_len,
				     const struct xnat_config **cfg, struct xnat_pkt *p)
{
	int rc;

	*cfg = xnat_config_get();
	if (!nat_enabled(*cfg))
		return XNAT_STAT_PASS_DISABLED;
	rc = parse_packet(data, data_end, frame_len, p, 0);
	if (rc)
		return rc;
	/* Multicast and broadcast (SSDP, mDNS, DHCP) stay on their link: the
	 * FIB's default route matches them, but the kernel never routes them. A
	 * source of 0.0.0.0 (a DHCP client) is never translated either. */
	if (ipv4_not_unicast(p->ip->daddr) || !p->ip->saddr)
		return XNAT_STAT_PASS_NOT_NAT;
	return 0;
}

/*
 * The SIP ALG on a packet whose translation is decided (both hooks), then
 * the packet parsed again: its pointers died with the resize. Returns 0 or
 * the verdict for the packet.
 */
static __always_inline int nat_sip(void *ctx, int xdp, const struct xnat_config *cfg,
				   struct xnat_pkt *p, const struct xnat_xlate *x, enum xnat_dir dir,
				   struct sip_change *sip)
{
	struct xnat_seqadj_key key = {};
	__u8 proto = p->t.proto;
	void *data, *data_end;
	__u32 frame_len;
	int rc;

	rc = sip_alg(ctx, xdp, cfg, p, x, dir, sip);
	if (rc)
		return rc;
	/* Parsed again even when unchanged: a failed resize kills the pointers too. */
	if (xdp) {
		struct xdp_md *xd = ctx;

		data = (void *)(long)xd->data;
		data_end = (void *)(long)xd->data_end;
		frame_len = data_end - data;
	} else {
		struct __sk_buff *skb = ctx;

		bpf_skb_pull_data(skb, skb->len < XNAT_TC_PULL_LEN ? skb->len : XNAT_TC_PULL_LEN);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		frame_len = skb->len;
	}
	/* Every pointer is stale: start from an empty parse. */
	*p = (struct xnat_pkt){ .from_stack = p->from_stack, .slow = p->slow };
	rc = parse_packet(data, data_end, frame_len, p, 1);
	if (rc || p->t.proto != proto)
		return XNAT_STAT_DROP_MALFORMED;
	if (proto == IPPROTO_TCP) {
		/* every segment of a SIP connection: its numbers follow the rewrites */
		sip_tcp_key(p, x, dir, &key);
		sip->data = xnat_csum_add(sip->data, sip_tcp_adjust(p, &key, dir));
	}
	return 0;
}

static __always_inline void sip_fold_diff(struct xnat_l4_diff *d, const struct sip_change *sip)
{
	if (!sip)
		return; /* unchanged: both diffs are 0 */
	d->pseudo = xnat_csum_add(d->pseudo, sip->pseudo);
	d->data = xnat_csum_add(d->data, sip->data);
}

/* ---------------------------------------------------------------- XDP */

static __always_inline void xdp_commit_l4(struct xnat_pkt *p, const struct xnat_l4_diff *d)
{
	fix_csum(p->l4.csum, xnat_csum_add(d->pseudo, d->data), p->t.proto == IPPROTO_UDP, NULL);
}

/* Translate and send; sip: the ALG's checksum changes to fold in. */
static __always_inline __u32 xdp_send(struct xnat_pkt *p, const struct xnat_xlate *x,
				      const struct bpf_fib_lookup *fib, const struct sip_change *sip,
				      __u32 *ifindex)
{
	struct xnat_l4_diff d;

	rewrite_packet(p, x, &d);
	sip_fold_diff(&d, sip);
	xdp_commit_l4(p, &d);
	if (!(p->slow & XNAT_SLOW_FROM_STACK)) /* else the stack did, before TC egress */
		ip_decrease_ttl(p->ip);
	eth_set_addrs(p->eth, fib);
	*ifindex = fib->ifindex;
	return x->stat;
}

/*
 * LAN -> WAN. The route is looked up before anything is translated: a packet
 * handed to the stack must keep its LAN source (the stack would drop the
 * gateway's own address arriving on the LAN as a martian), and TC egress on
 * the WAN translates it there.
 */
static __always_inline __u32 xdp_lan(struct xdp_md *ctx, __u32 *ifindex)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xnat_config *cfg;
	struct xnat_pkt p = { .slow = slow_flags(ctx) };
	struct xnat_xlate x = {};
	struct bpf_fib_lookup fib;
	int rc, hairpin;

	rc = nat_begin(data, data_end, data_end - data, &cfg, &p);
	if (rc)
		return rc;
	hairpin = p.t.daddr == cfg->ext_addr;
	if (!hairpin) {
		rc = fib_lookup_v4(ctx, &p, p.t.saddr, p.t.daddr, &fib);
		if (rc == BPF_FIB_LKUP_RET_NOT_FWDED)
			return XNAT_STAT_PASS_LOCAL;
		if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
			return XNAT_STAT_PASS_FIB;
		if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != cfg->wan_ifindex)
			return XNAT_STAT_PASS_NOT_NAT;
	}
	if (p.ip->ttl <= 1)
		return XNAT_STAT_PASS_TTL; /* the stack sends time-exceeded */
	if (!hairpin) {
		rc = nat_translate(cfg, &p, XNAT_DIR_OUT, &x);
		if (rc)
			return rc;
		if (x.slow && slow_divert(ctx, 1, &p, XNAT_DIR_OUT))
			return XNAT_STAT_SLOW_PATH;
		if (sip_wanted(cfg, &p, XNAT_DIR_OUT))
			sip_hand_over(ctx, &xnat_sip_xdp_prog, &x, &fib, XNAT_DIR_OUT);
		return xdp_send(&p, &x, &fib, NULL, ifindex);
	}
	rc = nat_hairpin(cfg, &p, &x);
	if (rc)
		return rc;
	/* Handed to the stack, a hairpinned packet would be delivered locally. */
	if (fib_lookup_v4(ctx, &p, x.to.saddr, x.to.daddr, &fib) != BPF_FIB_LKUP_RET_SUCCESS)
		return XNAT_STAT_DROP_HAIRPIN_UNRESOLVED;
	return xdp_send(&p, &x, &fib, NULL, ifindex);
}

/* WAN -> LAN. Decided before rewriting: what XDP can't send goes to the
 * stack untouched and TC ingress translates it the same way. */
static __always_inline __u32 xdp_wan(struct xdp_md *ctx, __u32 *ifindex)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct xnat_config *cfg;
	struct xnat_pkt p = { .slow = slow_flags(ctx) };
	struct xnat_xlate x = {};
	struct bpf_fib_lookup fib;
	int rc;

	rc = nat_begin(data, data_end, data_end - data, &cfg, &p);
	if (rc)
		return rc;
	if (p.t.daddr != cfg->ext_addr)
		return wan_routes_to_lan(ctx, cfg, &p) ? XNAT_STAT_DROP_WAN_TO_LAN : XNAT_STAT_PASS_NOT_NAT;
	if (p.ip->ttl <= 1)
		return XNAT_STAT_PASS_TTL;
	rc = nat_translate(cfg, &p, XNAT_DIR_IN, &x);
	if (rc)
		return rc;
	if (x.slow && slow_divert(ctx, 1, &p, XNAT_DIR_IN))
		return XNAT_STAT_SLOW_PATH;
	if (fib_lookup_v4(ctx, &p, x.to.saddr, x.to.daddr, &fib) != BPF_FIB_LKUP_RET_SUCCESS)
		return XNAT_STAT_PASS_FIB;
	if (sip_wanted(cfg, &p, XNAT_DIR_IN))
		sip_hand_over(ctx, &xnat_sip_xdp_prog, &x, &fib, XNAT_DIR_IN);
	return xdp_send(&p, &x, &fib, NULL, ifindex);
}

static __always_inline int xdp_verdict(struct xdp_md *ctx, __u32 stat, __u32 ifindex)
{
	count_packet(stat, ctx->data_end - ctx->data);
	slow_report(ctx, stat, stat_is_xlate(stat) ? ifindex : 0);
	if (stat_is_xlate(stat)) {
		count_event(XNAT_STAT_REDIRECT);
		/* Also back out of the interface it came in by (hairpin): veth
		 * delivers XDP_TX frames only when its peer runs XDP itself, while
		 * a redirect reaches it like any other forwarded packet. */
		return bpf_redirect(ifindex, 0);
	}
	return stat_is_drop(stat) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xnat_xdp_lan(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_lan(ctx, &ifindex), ifindex);
}

SEC("xdp")
int xnat_xdp_wan(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_wan(ctx, &ifindex), ifindex);
}

/* ---------------------------------------------------------------- TC */

/* The helper keeps CHECKSUM_PARTIAL (pseudo-header only) and
 * CHECKSUM_COMPLETE (skb->csum) skbs right. Packet pointers die here. */
static __always_inline void tc_commit_l4(struct __sk_buff *skb, const struct xnat_pkt *p,
					 const struct xnat_l4_diff *d)
{
	__u64 flags = p->t.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (!p->l4.csum)
		return;
	if (d->pseudo)
		bpf_l4_csum_replace(skb, p->l4.csum_off, 0, d->pseudo, flags | BPF_F_PSEUDO_HDR);
	if (d->data)
		bpf_l4_csum_replace(skb, p->l4.csum_off, 0, d->data, flags);
}

static __always_inline __u32 tc_send(struct __sk_buff *skb, struct xnat_pkt *p,
				     const struct xnat_xlate *x, const struct sip_change *sip)
{
	struct xnat_l4_diff d;

	rewrite_packet(p, x, &d);
	sip_fold_diff(&d, sip);
	tc_commit_l4(skb, p, &d);
	return x->stat;
}

/* Is addr one of the gateway's own addresses? The route to it is local. */
static __always_inline int tc_addr_is_local(struct __sk_buff *skb, __be32 addr)
{
	struct bpf_fib_lookup fib = {
		.family = AF_INET, .ipv4_dst = addr, .ifindex = skb->ifindex,
	};

	return bpf_fib_lookup(skb, &fib, sizeof(fib), 0) == BPF_FIB_LKUP_RET_NOT_FWDED;
}

/*
 * Leaving by the WAN, a packet xnat can't translate (another protocol, an
 * ICMP type without identifier) goes on only if the gateway itself sent it:
 * a LAN host's would leave with its private source.
 */
static __always_inline int tc_untranslatable_out(struct __sk_buff *skb, const struct xnat_config *cfg,
						 const struct xnat_pkt *p)
{
	if (!p->ip || p->t.saddr == cfg->ext_addr || tc_addr_is_local(skb, p->t.saddr))
		return XNAT_STAT_PASS_UNSUPPORTED;
	return XNAT_STAT_DROP_OUT_UNTRANSLATABLE;
}

/* The stack path, WAN only: ingress translates what XDP passed, egress what
 * the stack forwarded. TTL is the stack's business here. */
static __always_inline __u32 tc_nat(struct __sk_buff *skb, enum xnat_dir dir)
{
	const struct xnat_config *cfg;
	struct xnat_pkt p = { .from_stack = 1 };
	struct xnat_xlate x = {};
	void *data, *data_end;
	int rc;

	bpf_skb_pull_data(skb, skb->len < XNAT_TC_PULL_LEN ? skb->len : XNAT_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	rc = nat_begin(data, data_end, skb->len, &cfg, &p);
	if (rc == XNAT_STAT_PASS_UNSUPPORTED && dir == XNAT_DIR_OUT)
		return tc_untranslatable_out(skb, cfg, &p);
	if (rc)
		return rc;
	if (dir == XNAT_DIR_IN && p.t.daddr != cfg->ext_addr)
		return wan_routes_to_lan(skb, cfg, &p) ? XNAT_STAT_DROP_WAN_TO_LAN : XNAT_STAT_PASS_NOT_NAT;
	rc = nat_translate(cfg, &p, dir, &x);
	if (rc)
		return rc;
	if (x.slow && slow_divert(skb, 0, &p, dir))
		return XNAT_STAT_SLOW_PATH;
	if (sip_wanted(cfg, &p, dir))
		sip_hand_over(skb, &xnat_sip_tc_prog, &x, NULL, dir);
	return tc_send(skb, &p, &x, NULL);
}

static __always_inline int tc_verdict(struct __sk_buff *skb, __u32 stat)
{
	count_packet(stat, skb->len);
	return stat_is_drop(stat) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int xnat_tc_ingress(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_nat(skb, XNAT_DIR_IN));
}

SEC("tc")
int xnat_tc_egress(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_nat(skb, XNAT_DIR_OUT));
}

/* ---------------------------------------------------------------- SIP */

/*
 * The SIP ALG runs in programs of its own, tail-called by the entry points
 * once a SIP packet's translation is decided (sip_hand_over()): a fresh
 * stack for the rewriter, and the common path carries none of it. They
 * parse the packet again, take the translation from the per-CPU scratch,
 * run the ALG and finish the packet as the entry point would have.
 */
static __always_inline __u32 xdp_sip(struct xdp_md *ctx, __u32 *ifindex)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sip_scratch *sc = sip_scratch_get();
	const struct xnat_config *cfg;
	struct xnat_pkt p = { .slow = slow_flags(ctx) };
	struct sip_change sip = {};
	int rc;

	if (!sc)
		return XNAT_STAT_DROP_MALFORMED;
	rc = nat_begin(data, data_end, data_end - data, &cfg, &p);
	if (!rc)
		rc = nat_sip(ctx, 1, cfg, &p, &sc->pending.x, sc->pending.dir, &sip);
	if (rc)
		return rc;
	return xdp_send(&p, &sc->pending.x, &sc->pending.fib, &sip, ifindex);
}

SEC("xdp")
int xnat_sip_xdp(struct xdp_md *ctx)
{
	__u32 ifindex = 0;

	return xdp_verdict(ctx, xdp_sip(ctx, &ifindex), ifindex);
}

static __always_inline __u32 tc_sip(struct __sk_buff *skb)
{
	struct sip_scratch *sc = sip_scratch_get();
	const struct xnat_config *cfg;
	struct xnat_pkt p = { .from_stack = 1 };
	struct sip_change sip = {};
	void *data, *data_end;
	int rc;

	if (!sc)
		return XNAT_STAT_DROP_MALFORMED;
	bpf_skb_pull_data(skb, skb->len < XNAT_TC_PULL_LEN ? skb->len : XNAT_TC_PULL_LEN);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	rc = nat_begin(data, data_end, skb->len, &cfg, &p);
	if (!rc)
		rc = nat_sip(skb, 0, cfg, &p, &sc->pending.x, sc->pending.dir, &sip);
	if (rc)
		return rc;
	return tc_send(skb, &p, &sc->pending.x, &sip);
}

SEC("tc")
int xnat_sip_tc(struct __sk_buff *skb)
{
	return tc_verdict(skb, tc_sip(skb));
}

char LICENSE[] SEC("license") = "GPL";
