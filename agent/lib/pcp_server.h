/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The NAT-PMP (RFC 6886) and PCP (RFC 6887) server's requests and answers,
 * without sockets: one datagram in, the answer out, leases granted and
 * removed in the fast path's tables (lease.h). Both protocols share UDP
 * 5351 and tell each other apart by the version byte (0: NAT-PMP, 2: PCP).
 * xnatd's pcp.c owns the sockets, the clock and the announcements.
 */
#ifndef XNAT_AGENT_PCP_SERVER_H
#define XNAT_AGENT_PCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <xnat/pcp.h>
#include "lease.h"

struct xnat_pcp_policy {
	__u32 min_lifetime, max_lifetime; /* granted lifetimes are clamped to these */
	__u32 leases_per_host;            /* NAT-PMP + PCP leases of one host; 0: no limit */
	bool allow_third_party;           /* PCP THIRD_PARTY: map for another LAN host */
	__u16 port_min, port_max;         /* where a free external port is looked for */
	const struct xnat_pm_rules *rules; /* the admin's permission rules; NULL: any port */
};

/* What the last request asked and got, for xnatd's log: set by mapping
 * requests (NAT-PMP map, PCP MAP), cleared by every other datagram. */
struct xnat_pcp_outcome {
	bool set;
	bool pcp;             /* PCP, else NAT-PMP */
	bool deleted;         /* lifetime 0: a delete */
	bool peer;            /* PCP PEER: the session to peer_addr:peer_port */
	__u8 result;          /* the protocol's own result code */
	__u8 proto;
	__be32 host;          /* whose mapping (THIRD_PARTY: the third party) */
	__u16 int_port, ext_port;
	__u32 lifetime;       /* granted */
	__be32 peer_addr;
	__u16 peer_port;
};

/*
 * PEER (RFC 6887 12) for an endpoint that has no session with that remote
 * peer yet: the session is made by the fast path itself, as if the
 * endpoint's first packet to the peer had come (xnatd runs a synthesized
 * packet through the LAN program), so its external port is the one the
 * endpoint's traffic will get. Ports in network order. Returns 0 or -errno.
 */
typedef int (*xnat_pcp_peer_create_fn)(void *ctx, __u8 proto, __be32 int_addr, __be16 int_port,
				       __be32 rem_addr, __be16 rem_port);

struct xnat_pcp_server {
	const struct xnat_map_fds *maps;
	struct xnat_pcp_policy policy;
	__be32 ext_addr;      /* 0 while the WAN has none: NETWORK_FAILURE */
	__u32 epoch_start;    /* xnat_now() when this server's state began */
	/* The nonce of each PCP lease, by slot (TCP, UDP): only its holder may
	 * renew or delete it. An all-zero nonce (lost with a restart) is taken
	 * over by the next request. */
	__u8 (*nonce)[12];
	xnat_pcp_peer_create_fn peer_create; /* NULL: PEER answers for existing sessions only */
	void *peer_ctx;
	struct xnat_pcp_counters {
		__u64 natpmp, pcp, granted, renewed, deleted, refused, malformed, peer;
	} count;
	struct xnat_pcp_outcome last;
};

/* Returns 0, or -1 (out of memory). maps must outlive the server. */
int xnat_pcp_server_init(struct xnat_pcp_server *s, const struct xnat_map_fds *maps,
			 const struct xnat_pcp_policy *policy, __u32 now);
void xnat_pcp_server_free(struct xnat_pcp_server *s);

/*
 * One request of len bytes from src:src_port (a LAN host, as the socket saw
 * it). Writes the answer to resp (XNAT_PCP_MAX_DATAGRAM bytes) and returns
 * its length, or 0 when nothing must be answered (a response, a datagram
 * too short to answer).
 */
size_t xnat_pcp_handle(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 now,
		       __u8 *resp);

/* The unsolicited answers sent to 224.0.0.1:5350 after a restart or an
 * address change: NAT-PMP's address response, PCP's ANNOUNCE. */
size_t xnat_pcp_natpmp_announcement(const struct xnat_pcp_server *s, __u32 now, __u8 *out);
size_t xnat_pcp_announcement(const struct xnat_pcp_server *s, __u32 now, __u8 *out);

/* Names for logs and tests. */
const char *xnat_pcp_result_name(unsigned int result);
const char *xnat_natpmp_result_name(unsigned int result);

#endif
