/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Leases: external ports granted to a LAN endpoint for a lifetime, on
 * request (NAT-PMP, PCP, UPnP). They live where every other mapping lives,
 * in the fast path's own tables: the xnat_ports slot of the external port
 * (owner, expires) and the endpoint's xnat_eim entry. So one table holds
 * leases, static forwards, SIP media and dynamic mappings; a port held by
 * one is a conflict for the others; a lease works the moment it is granted
 * and xnatd's collector removes it when it expires.
 */
#ifndef XNAT_AGENT_LEASE_H
#define XNAT_AGENT_LEASE_H

#include <stdbool.h>
#include <xnat/nat.h>
#include "maps.h"
#include "portmap_rules.h"

struct xnat_lease {
	__u8 proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 owner;      /* XNAT_OWNER_UPNP, _NATPMP or _PCP */
	__u16 ext_port;  /* host order */
	__be32 int_addr;
	__u16 int_port;  /* host order */
	__u32 expires;   /* seconds of CLOCK_MONOTONIC (xnat_now); 0: never */
};

/* A lifetime that never ends (UPnP IGD:1's LeaseDuration 0): expires 0. */
#define XNAT_LEASE_PERMANENT 0xffffffffu

struct xnat_lease_req {
	__u8 proto, owner;
	__be32 int_addr;
	__u16 int_port;
	__u16 want_ext;  /* host order; 0: any */
	__u32 lifetime;  /* seconds, > 0, or XNAT_LEASE_PERMANENT */
	bool exact;      /* want_ext or nothing (PCP PREFER_FAILURE, UPnP AddPortMapping) */
	bool reuse;      /* the endpoint's existing lease of this owner, renewed, wins over
			    want_ext (NAT-PMP, PCP: one mapping per internal endpoint) */
	__u16 port_min, port_max; /* where another port is looked for (host order) */
	const struct xnat_pm_rules *rules; /* which external ports this endpoint may have; NULL: any */
};

enum xnat_lease_result {
	XNAT_LEASE_GRANTED = 0,
	XNAT_LEASE_RENEWED = 1,   /* the endpoint's lease, with a new lifetime */
	XNAT_LEASE_CONFLICT = -1, /* want_ext is held by another mapping (exact) */
	XNAT_LEASE_NO_PORT = -2,  /* every port of the range is held */
	XNAT_LEASE_INVALID = -3,  /* bad request (protocol, ports, owner, lifetime) */
	XNAT_LEASE_SYSTEM = -4,   /* the maps failed (errno set) */
	XNAT_LEASE_DENIED = -5,   /* the rules give this endpoint no such port (exact), or none free */
};

/*
 * Grant or renew. A request exactly like a lease this owner holds (same
 * endpoint; same external port unless any will do) renews it. Otherwise an
 * endpoint that has a dynamic mapping keeps its external port, which
 * becomes the lease (RFC 6887 11.3), unless exact asks for another; then
 * want_ext; then (unless exact) the first free port of the range.
 * *out holds the lease on success, and on CONFLICT the holder's endpoint
 * and owner (for the error message).
 */
int xnat_lease_grant(const struct xnat_map_fds *m, const struct xnat_lease_req *r, __u32 now,
		     struct xnat_lease *out);

/* The lease of owner for the endpoint (ext_port 0: any of its ports).
 * Returns 0, or -1 when there is none. */
int xnat_lease_find(const struct xnat_map_fds *m, __u8 owner, __u8 proto, __be32 int_addr,
		    __u16 int_port, __u16 ext_port, struct xnat_lease *out);

/* Whatever holds the external port (any owner: a lease, a forward, SIP
 * media, a dynamic mapping). Returns 0, or -1 when the port is free. */
int xnat_lease_at(const struct xnat_map_fds *m, __u8 proto, __u16 ext_port, struct xnat_lease *out);

/* Remove that lease (only if it still holds the same endpoint and owner).
 * Returns 0, or -1 when it was not there. Sessions on it are collected. */
int xnat_lease_remove(const struct xnat_map_fds *m, const struct xnat_lease *l);

/* Every lease whose owner is in owner_mask (1 << XNAT_OWNER_*), by
 * protocol and port. Returns the count (may exceed max) or -errno. */
int xnat_lease_list(const struct xnat_map_fds *m, unsigned int owner_mask, struct xnat_lease *out,
		    size_t max);

/* Leases of owners in owner_mask held by int_addr. */
unsigned int xnat_lease_count_host(const struct xnat_map_fds *m, unsigned int owner_mask, __be32 int_addr);

static inline bool xnat_owner_is_lease(__u8 owner)
{
	return owner == XNAT_OWNER_UPNP || owner == XNAT_OWNER_NATPMP || owner == XNAT_OWNER_PCP;
}

#endif
