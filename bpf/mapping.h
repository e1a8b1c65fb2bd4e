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

/* Bounded probe: ranges up to 2 * XNAT_PORT_TRIES ports are searched fully. */
#define XNAT_PORT_TRIES 32

static __always_inline __u64 host_in_use(__be32 host)
{
	__u64 *alloc = bpf_map_lookup_elem(&xnat_host_alloc, &host);
	__u64 *freed = bpf_map_lookup_elem(&xnat_host_freed, &host);
	__u64 a = alloc ? *alloc : 0, f = freed ? *freed : 0;

	return a > f ? a - f : 0;
}

static __always_inline void host_count_alloc(__be32 host)
{
	__u64 one = 1, *alloc = bpf_map_lookup_elem(&xnat_host_alloc, &host);

	if (alloc) {
		__sync_fetch_and_add(alloc, 1);
		return;
	}
	if (bpf_map_update_elem(&xnat_host_alloc, &host, &one, BPF_NOEXIST)) {
		alloc = bpf_map_lookup_elem(&xnat_host_alloc, &host);
		if (alloc)
			__sync_fetch_and_add(alloc, 1);
	}
}

/* Claim one free external port; returns 0 with *port set, or -1. */
static __always_inline int port_claim(const struct xnat_config *cfg, const struct xnat_tuple *t,
				      __u32 now, __be16 *port)
{
	struct xnat_port_owner owner = {
		.int_addr = t->saddr, .int_port = t->sport,
		.owner = XNAT_OWNER_DYNAMIC, .last_used = now,
	};
	struct xnat_port_key key = { .proto = t->proto };
	__u16 want = bpf_ntohs(t->sport), min = cfg->port_min, max = cfg->port_max;
	__u32 span, start;
	int i;

	if (!min || max < min)
		return -1;
	/* Port preservation: keep the internal port when it is in range and free. */
	if (want >= min && want <= max) {
		key.ext_port = t->sport;
		if (!bpf_map_update_elem(&xnat_ports, &key, &owner, BPF_NOEXIST)) {
			*port = t->sport;
			return 0;
		}
	}
	span = (__u32)max - min + 1;
	start = bpf_get_prandom_u32() % span;
	for (i = 0; i < XNAT_PORT_TRIES; i++) {
		__u32 cand = min + (start + 2 * i) % span;

		/* Keep the parity of the internal port (RTP even, RTCP odd). */
		if (span >= 2 && ((cand ^ want) & 1))
			cand = cand < max ? cand + 1 : cand - 1;
		key.ext_port = bpf_htons((__u16)cand);
		if (!bpf_map_update_elem(&xnat_ports, &key, &owner, BPF_NOEXIST)) {
			*port = key.ext_port;
			return 0;
		}
	}
	return -1;
}

/*
 * The external port of the internal endpoint (t->saddr, t->sport): the
 * existing mapping, or a new one. Returns 0 or an XNAT_STAT_DROP_* reason.
 */
static __always_inline int mapping_get(const struct xnat_config *cfg, const struct xnat_tuple *t,
				       __u32 now, __be16 *ext_port)
{
	struct xnat_eim_key ek = { .int_addr = t->saddr, .int_port = t->sport, .proto = t->proto };
	struct xnat_eim *em = bpf_map_lookup_elem(&xnat_eim, &ek);
	struct xnat_eim ev = { .created = now };
	struct xnat_port_key pk = { .proto = t->proto };

	if (em) {
		*ext_port = em->ext_port;
		return 0;
	}
	if (cfg->max_ports_per_host && host_in_use(t->saddr) >= cfg->max_ports_per_host)
		return XNAT_STAT_DROP_HOST_QUOTA;
	if (port_claim(cfg, t, now, &ev.ext_port))
		return XNAT_STAT_DROP_PORTS_EXHAUSTED;
	if (bpf_map_update_elem(&xnat_eim, &ek, &ev, BPF_NOEXIST)) {
		/* Another CPU mapped this endpoint first, or the table is full. */
		pk.ext_port = ev.ext_port;
		bpf_map_delete_elem(&xnat_ports, &pk);
		em = bpf_map_lookup_elem(&xnat_eim, &ek);
		if (!em)
			return XNAT_STAT_DROP_TABLE_FULL;
		*ext_port = em->ext_port;
		return 0;
	}
	host_count_alloc(t->saddr);
	count_event(XNAT_STAT_NEW_MAPPING);
	*ext_port = ev.ext_port;
	return 0;
}

#endif
