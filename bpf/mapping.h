/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mappings: internal endpoint <-> external port, found or allocated on a
 * flow's first packet (RFC 4787 endpoint-independent mapping, port
 * preservation, port parity) under the per-host quota.
 */
#ifndef XNAT_BPF_MAPPING_H
#define XNAT_BPF_MAPPING_H

#include "maps.h"
#include "parse.h"
#include "stats.h"
#include "config.h"

/* Bounded probe: ranges up to 2 * XNAT_PORT_TRIES ports are searched fully
 * for a port of the wanted parity. */
#define XNAT_PORT_TRIES 32

/*
 * Per-host counts kept as two ever-growing counters in two host-keyed maps:
 * taken (the fast path adds, atomically) and given back (only xnatd adds).
 * What a host holds is their difference. Used for the port quota
 * (xnat_host_alloc/freed) and the SIP dialog limit (xnat_sip_host_opened/closed).
 */
static __always_inline __u64 host_held(void *taken_map, void *given_map, __be32 host)
{
	__u64 *taken = bpf_map_lookup_elem(taken_map, &host);
	__u64 *given = bpf_map_lookup_elem(given_map, &host);
	__u64 a = taken ? *taken : 0, f = given ? *given : 0;

	return a > f ? a - f : 0;
}

static __always_inline void host_take(void *taken_map, __be32 host)
{
	__u64 one = 1, *taken = bpf_map_lookup_elem(taken_map, &host);

	if (taken) {
		__sync_fetch_and_add(taken, 1);
		return;
	}
	if (bpf_map_update_elem(taken_map, &host, &one, BPF_NOEXIST)) {
		/* another CPU made the entry first */
		taken = bpf_map_lookup_elem(taken_map, &host);
		if (taken)
			__sync_fetch_and_add(taken, 1);
	}
}

/* The slot of an external port (network order), or NULL. */
static __always_inline struct xnat_port_owner *port_slot(__u8 proto, __be16 port)
{
	int slot = xnat_port_slot(proto, bpf_ntohs(port));
	__u32 key = slot;

	return slot < 0 ? NULL : bpf_map_lookup_elem(&xnat_ports, &key);
}

/* The mapping holding an external port, or NULL when the port is free. */
static __always_inline struct xnat_port_owner *port_owner(__u8 proto, __be16 port)
{
	struct xnat_port_owner *o = port_slot(proto, port);

	return o && o->in_use ? o : NULL;
}

/* Would a flow to (daddr, dport), leaving from ext port, have a reply tuple
 * some session holds already (the gateway's own flow from that port to the
 * same remote)? */
static __always_inline int reply_tuple_taken(const struct xnat_config *cfg, __u8 proto, __be32 daddr,
					     __be16 dport, __u16 port)
{
	struct xnat_flow_key k = {
		.saddr = daddr, .daddr = cfg->ext_addr, .sport = dport,
		.dport = bpf_htons(port), .proto = proto, .dir = XNAT_DIR_IN,
	};

	return bpf_map_lookup_elem(&xnat_flows, &k) != NULL;
}

/* A claim being made: who claims, for a flow to where, and how. */
struct port_probe {
	const struct xnat_config *cfg;
	__u64 word;        /* the claim word of the internal endpoint */
	__be32 daddr;      /* the flow's remote end */
	__be16 dport;
	__u8 proto;
	__u8 pair;         /* the next port must be free too (RTP + RTCP) */
	__u32 now;
	__u32 first, count, start; /* a probe's walk */
	__u16 found;       /* host order, 0 while none */
};

/* Claim a free port (atomically: another CPU or xnatd may race). */
static __always_inline int port_take(const struct port_probe *pp, __u16 port)
{
	const struct xnat_config *cfg = pp->cfg;
	struct xnat_port_owner *o = port_slot(pp->proto, bpf_htons(port));

	if (pp->pair && (port >= cfg->port_max || port_owner(pp->proto, bpf_htons(port + 1))))
		return -1;
	if (!o || reply_tuple_taken(cfg, pp->proto, pp->daddr, pp->dport, port) ||
	    __sync_val_compare_and_swap((__u64 *)o, 0, pp->word) != 0)
		return -1;
	o->last_used = pp->now;
	o->expires = 0;
	return 0;
}

/* Give back a port claimed with word, unless it changed hands meanwhile. */
static __always_inline void port_release(__u8 proto, __be16 port, __u64 word)
{
	struct xnat_port_owner *o = port_slot(proto, port);

	if (o)
		__sync_val_compare_and_swap((__u64 *)o, word, 0);
}

static long port_probe_cb(__u32 i, void *ctx)
{
	struct port_probe *pp = ctx;
	__u16 cand;

	if (!pp->count)
		return 1;
	cand = (__u16)(pp->first + 2 * ((pp->start + i) % pp->count));
	if (port_take(pp, cand))
		return 0;
	pp->found = cand;
	return 1;
}

/* Try `tries` ports of the range with the parity of `first`, from a random
 * one on; 0 with *port set, or -1. bpf_loop: the verifier checks one try,
 * not each of them. */
static __always_inline int port_probe(struct port_probe *pp, __u32 first, __u32 tries, __u8 pair,
				      __be16 *port)
{
	if (first > pp->cfg->port_max)
		return -1;
	pp->first = first;
	pp->count = (pp->cfg->port_max - first) / 2 + 1; /* ports of this parity in range */
	pp->start = bpf_get_prandom_u32() % pp->count;
	pp->pair = pair;
	pp->found = 0;
	bpf_loop(tries, port_probe_cb, pp, 0);
	if (!pp->found)
		return -1;
	*port = bpf_htons(pp->found);
	return 0;
}

/*
 * Claim one free external port for the claim word of pp; returns 0 with
 * *port set, or -1. Preference: want (host order; the internal port itself
 * gives port preservation), then ports of want's parity (RTP even, RTCP
 * odd; RFC 4787 REQ-6), then any port. pair: first try ports whose next
 * port is free too.
 */
static __always_inline int port_claim(struct port_probe *pp, __u16 want, __u8 pair, __be16 *port)
{
	__u16 min = pp->cfg->port_min, max = pp->cfg->port_max;
	__u32 same;

	if (!min || max < min)
		return -1;
	pp->pair = pair;
	if (want >= min && want <= max && !port_take(pp, want)) {
		*port = bpf_htons(want);
		return 0;
	}
	same = ((min ^ want) & 1) ? min + 1u : min; /* first port with the wanted parity */
	if (pair && !port_probe(pp, same, XNAT_PORT_TRIES / 2, 1, port))
		return 0;
	if (!port_probe(pp, same, XNAT_PORT_TRIES, 0, port))
		return 0;
	return port_probe(pp, same == min ? min + 1u : min, XNAT_PORT_TRIES / 4, 0, port);
}

/* What xnat_mapping_get() is asked, and answers (scalars only: a BPF
 * global function's argument). */
struct xnat_mapping_req {
	struct xnat_tuple t; /* t.saddr, t.sport, t.proto: the internal endpoint; daddr, dport: the remote */
	__u32 now;
	__u16 want;          /* host order: the external port preferred */
	__u8 owner;          /* enum xnat_owner of a new mapping */
	__u8 pair;           /* a new mapping wants the next port free too (RTP + RTCP) */
	__be16 ext_port;     /* out */
	__u8 created;        /* out: the mapping is new */
	__u8 pad;
};

/*
 * The external port of the internal endpoint (t.saddr, t.sport): the
 * existing mapping, or a new one for owner, preferably on port want.
 * Returns 0 or an XNAT_STAT_DROP_* reason. A BPF global function: the
 * verifier checks it once, on its own, whoever calls it.
 */
__attribute__((noinline)) int xnat_mapping_get(struct xnat_mapping_req *r)
{
	struct port_probe pp = { .cfg = xnat_config_get() };
	struct xnat_eim_key ek = {};
	struct xnat_eim ev = {};
	struct xnat_eim *em;

	if (!r || !pp.cfg)
		return XNAT_STAT_DROP_TABLE_FULL;
	r->created = 0;
	ek.int_addr = r->t.saddr;
	ek.int_port = r->t.sport;
	ek.proto = r->t.proto;
	em = bpf_map_lookup_elem(&xnat_eim, &ek);
	if (em) {
		r->ext_port = em->ext_port;
		return 0;
	}
	if (pp.cfg->max_ports_per_host &&
	    host_held(&xnat_host_alloc, &xnat_host_freed, ek.int_addr) >= pp.cfg->max_ports_per_host)
		return XNAT_STAT_DROP_HOST_QUOTA;
	pp.word = xnat_port_claim_word(ek.int_addr, ek.int_port, r->owner);
	pp.daddr = r->t.daddr;
	pp.dport = r->t.dport;
	pp.proto = ek.proto;
	pp.now = r->now;
	if (port_claim(&pp, r->want, r->pair, &ev.ext_port))
		return XNAT_STAT_DROP_PORTS_EXHAUSTED;
	ev.created = r->now;
	if (bpf_map_update_elem(&xnat_eim, &ek, &ev, BPF_NOEXIST)) {
		/* Another CPU mapped this endpoint first, or the table is full. */
		port_release(ek.proto, ev.ext_port, pp.word);
		em = bpf_map_lookup_elem(&xnat_eim, &ek);
		if (!em)
			return XNAT_STAT_DROP_TABLE_FULL;
		r->ext_port = em->ext_port;
		return 0;
	}
	host_take(&xnat_host_alloc, ek.int_addr);
	count_event(XNAT_STAT_NEW_MAPPING);
	r->ext_port = ev.ext_port;
	r->created = 1;
	return 0;
}

#endif
