/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UPnP IGD control (SOAP): one HTTP POST body in, one answer out, mappings
 * granted and removed in the fast path's tables through lease.h (owner
 * XNAT_OWNER_UPNP). No sockets and no clock of its own: xnatd's upnp.c
 * hands it requests (libmicrohttpd) and the time. The envelope is parsed
 * with expat (no DTD, bounded sizes); answers are built from scratch.
 *
 * Services: WANIPConnection:1 and :2 (the SOAPAction's version picks the
 * rules), WANCommonInterfaceConfig:1, Layer3Forwarding:1.
 */
#ifndef XNAT_AGENT_UPNP_SOAP_H
#define XNAT_AGENT_UPNP_SOAP_H

#include <stdbool.h>
#include <stddef.h>
#include "lease.h"
#include "upnp_desc.h"

#define XNAT_UPNP_MAX_BODY 8192       /* a request body above this is refused (413) by upnp.c */
#define XNAT_UPNP_V2_MAX_LEASE 604800 /* IGD:2: 0 means this, and nothing lasts longer */

struct xnat_upnp_policy {
	bool secure_mode;             /* InternalClient must be the requester (default on) */
	__u32 leases_per_host;        /* UPnP leases of one host; 0: no limit */
	__u32 max_lifetime;           /* IGD:1 leases above this are cut to it (IGD:1's 0 stays permanent) */
	__u16 port_min, port_max;     /* where AddAnyPortMapping looks for a free port */
	const struct xnat_pm_rules *rules; /* the admin's permission rules; NULL: any port */
};

/* Totals of the WAN link, for WANCommonInterfaceConfig (the fast path's counters). */
struct xnat_upnp_totals {
	__u64 bytes_sent, bytes_received, packets_sent, packets_received;
};

struct xnat_upnp_soap {
	const struct xnat_map_fds *maps;
	const struct xnat_upnp_device *dev;
	struct xnat_upnp_policy policy;
	__be32 ext_addr;              /* 0: no external address (Disconnected) */
	__u32 started;                /* xnat_now() at start, for GetStatusInfo's uptime */
	/* The WAN link's speed for GetCommonLinkProperties (bit/s); 0: 1000000000. */
	__u32 bitrate_up, bitrate_down;
	/* Fills *t; NULL or -1: the totals actions answer 501. */
	int (*totals)(void *ctx, struct xnat_upnp_totals *t);
	void *totals_ctx;
	/* Each UPnP mapping's description (and whether enabled), by xnat_ports
	 * slot; allocated by init, strings owned here. */
	struct xnat_upnp_entry {
		char *description;
		bool enabled;
	} *entries;
	__u32 changes;                /* +1 on every add or delete, and on a sweep that freed some:
					 GENA's cue to notify */
	struct xnat_upnp_counters {
		__u64 requests, added, renewed, deleted, refused, malformed;
	} count;
};

/* Returns 0 or -1 (out of memory). maps and dev must outlive it. */
int xnat_upnp_soap_init(struct xnat_upnp_soap *s, const struct xnat_map_fds *maps,
			const struct xnat_upnp_device *dev, const struct xnat_upnp_policy *policy, __u32 now);
void xnat_upnp_soap_free(struct xnat_upnp_soap *s);

/*
 * A control request: the POST's path (XNAT_UPNP_CTL_*), its SOAPAction
 * header ("urn:schemas-upnp-org:service:WANIPConnection:2#AddPortMapping",
 * quotes included or not; may be NULL), the body, and the requester's
 * address. Writes the answer (a SOAP envelope: the action's response, or
 * a UPnPError fault) to out and returns the HTTP status: 200, or 500 for a
 * fault (401 Invalid Action, 402 Invalid Args, 501 Action Failed, 606, 7xx).
 * *out_len is the body's length (< cap, NUL-terminated). An answer that does
 * not fit in cap becomes a 501 fault (nothing changed when the action would
 * have changed something), or with a cap too small for that, 500 and
 * *out_len 0. Not thread-safe: one caller at a time per s.
 */
int xnat_upnp_soap_handle(struct xnat_upnp_soap *s, const char *path, const char *soap_action,
			  const char *body, size_t len, __be32 client, __u32 now, char *out, size_t cap,
			  size_t *out_len);

/* Forget descriptions of slots no longer held by UPnP (after the collector
 * expired leases); returns how many went. */
unsigned int xnat_upnp_soap_sweep(struct xnat_upnp_soap *s);

/* A UPnP mapping's description (NULL when the slot has none), and setting
 * one back for a lease restored from the lease file (0, or -1: no memory). */
const char *xnat_upnp_soap_description(const struct xnat_upnp_soap *s, __u8 proto, __u16 ext_port);
int xnat_upnp_soap_restore(struct xnat_upnp_soap *s, __u8 proto, __u16 ext_port, const char *description);

/* How many UPnP mappings there are (PortMappingNumberOfEntries). */
unsigned int xnat_upnp_soap_count(const struct xnat_upnp_soap *s);

#endif
