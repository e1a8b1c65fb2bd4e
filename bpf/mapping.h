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

/* Would t, leaving from ext port, have a reply tuple some session holds
 * already (the gateway's own flow from that port to the same remote)? */
static __always_inline int reply_tuple_taken(const struct xnat_config *cfg,
					     const struct xnat_tuple *t, __u16 port)
{
	struct xnat_flow_key k = {
		.saddr = t->daddr, .daddr = cfg->ext_addr, .sport = t->dport,
		.dport = bpf_htons(port), .proto = t->proto, .dir = XNAT_DIR_IN,
	};

	return bpf_map_lookup_elem(&xnat_flows, &k) != NULL;
}

/* Claim a free port for word (atomically: another CPU or xnatd may race).
 * pair: only if the next port is free too (an RTP port keeps RTCP's next to it). */
static __always_inline int port_take(const struct xnat_config *cfg, const struct xnat_tuple *t,
				     __u16 port, __u64 word, __u32 now, int pair)
{
	struct xnat_port_owner *o = port_slot(t->proto, bpf_htons(port));

	if (pair && (port >= cfg->port_max || port_owner(t->proto, bpf_htons(port + 1))))
		return -1;
	if (!o || reply_tuple_taken(cfg, t, port) ||
	    __sync_val_compare_and_swap((__u64 *)o, 0, word) != 0)
		return -1;
	o->last_used = now;
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

/* Try `tries` ports of the range with the parity of `first`, from a random
 * one on; 0 with *port set, or -1. */
static __always_inline int port_probe(const struct xnat_config *cfg, const struct xnat_tuple *t,
				      __u64 word, __u32 first, int tries, __u32 now, int pair, __be16 *port)
{
	__u32 count, start;
	int i;

	if (first > cfg->port_max)
		return -1;
	count = (cfg->port_max - first) / 2 + 1; /* ports of this parity in range */
	start = bpf_get_prandom_u32() % count;
	for (i = 0; i < XNAT_PORT_TRIES; i++) {
		__u16 cand;

		if (i >= tries)
			break;
		cand = (__u16)(first + 2 * ((start + i) % count));
		if (!port_take(cfg, t, cand, word, now, pair)) {
			*port = bpf_htons(cand);
			return 0;
		}
	}
	return -1;
}

/*
 * Claim one free external port for the internal endpoint of t; returns 0
 * with *port set, or -1. Preference: want (host order; the internal port
 * itself gives port preservation), then ports of want's parity (RTP even,
 * RTCP odd; RFC 4787 REQ-6), then any port. pair: first try ports whose
 * next port is free too.
 */
static __always_inline int port_claim(const struct xnat_config *cfg, const struct xnat_tuple *t,
				      __u8 owner, __u16 want, __u32 now, int pair, __be16 *port)
{
	__u64 word = xnat_port_claim_word(t->saddr, t->sport, owner);
	__u16 min = cfg->port_min, max = cfg->port_max;
	__u32 same;

	if (!min || max < min)
		return -1;
	if (want >= min && want <= max && !port_take(cfg, t, want, word, now, pair)) {
		*port = bpf_htons(want);
		return 0;
	}
	same = ((min ^ want) & 1) ? min + 1u : min; /* first port with the wanted parity */
	if (pair && !port_probe(cfg, t, word, same, XNAT_PORT_TRIES / 2, now, 1, port))
		return 0;
	if (!port_probe(cfg, t, word, same, XNAT_PORT_TRIES, now, 0, port))
		return 0;
	return port_probe(cfg, t, word, same == min ? min + 1u : min, XNAT_PORT_TRIES / 4, now, 0, port);
}

/*
 * The external port of the internal endpoint (t->saddr, t->sport): the
 * existing mapping, or a new one for owner, preferably on port want (host
 * order). Returns 0 or an XNAT_STAT_DROP_* reason; *created says which.
 */
static __always_inline int mapping_get_owned(const struct xnat_config *cfg, const struct xnat_tuple *t,
					     __u8 owner, __u16 want, int pair, __u32 now,
					     __be16 *ext_port, int *created)
{
	struct xnat_eim_key ek = { .int_addr = t->saddr, .int_port = t->sport, .proto = t->proto };
	struct xnat_eim *em = bpf_map_lookup_elem(&xnat_eim, &ek);
	struct xnat_eim ev = { .created = now };

	*created = 0;
	if (em) {
		*ext_port = em->ext_port;
		return 0;
	}
	if (cfg->max_ports_per_host && host_held(&xnat_host_alloc, &xnat_host_freed, t->saddr) >= cfg->max_ports_per_host)
		return XNAT_STAT_DROP_HOST_QUOTA;
	if (port_claim(cfg, t, owner, want, now, pair, &ev.ext_port))
		return XNAT_STAT_DROP_PORTS_EXHAUSTED;
	if (bpf_map_update_elem(&xnat_eim, &ek, &ev, BPF_NOEXIST)) {
		/* Another CPU mapped this endpoint first, or the table is full. */
		port_release(t->proto, ev.ext_port, xnat_port_claim_word(t->saddr, t->sport, owner));
		em = bpf_map_lookup_elem(&xnat_eim, &ek);
		if (!em)
			return XNAT_STAT_DROP_TABLE_FULL;
		*ext_port = em->ext_port;
		return 0;
	}
	host_take(&xnat_host_alloc, t->saddr);
	count_event(XNAT_STAT_NEW_MAPPING);
	*ext_port = ev.ext_port;
	*created = 1;
	return 0;
}

/* A flow's first packet: its mapping, allocated by the fast path if new. */
static __always_inline int mapping_get(const struct xnat_config *cfg, const struct xnat_tuple *t,
				       __u32 now, __be16 *ext_port)
{
	int created;

	return mapping_get_owned(cfg, t, XNAT_OWNER_DYNAMIC, bpf_ntohs(t->sport), 0, now, ext_port,
				 &created);
}

#endif
