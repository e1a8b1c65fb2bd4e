/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Static port forwards (DNAT): external ports of the external address bound
 * to a LAN endpoint. Stored in the fast path's own tables: one xnat_ports
 * entry per external port (owner CONFIG or STATIC, never expires) and, when
 * the internal endpoint has no mapping yet, the matching xnat_eim entry so
 * the host's outbound traffic from that port leaves from the same port.
 */
#ifndef XNAT_AGENT_FORWARD_H
#define XNAT_AGENT_FORWARD_H

#include <stddef.h>
#include <xnat/nat.h>
#include "maps.h"

struct xnat_forward {
	__u8 proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 owner;      /* XNAT_OWNER_CONFIG (config file) or XNAT_OWNER_STATIC (xnatctl) */
	__u16 ext_min;   /* host order, inclusive */
	__u16 ext_max;   /* host order, inclusive; == ext_min for a single port */
	__u16 int_port;  /* host order; internal port of ext_min, the range maps 1:1 */
	__be32 int_addr; /* LAN host */
};

/*
 * Parse "PROTO EXT[-EXT_END] ADDR[:PORT]", e.g. "tcp 6891-6900 192.168.1.10",
 * "tcp 3389 192.168.1.20:3390". PORT defaults to EXT. Sets owner to
 * XNAT_OWNER_CONFIG. Returns 0, or -1 with a one-line reason in err.
 */
int xnat_forward_parse(const char *text, struct xnat_forward *fw, char *err, size_t errlen);

/* The same form back: "tcp 6891-6900 192.168.1.10:6891". */
int xnat_forward_format(const struct xnat_forward *fw, char *buf, size_t len);

/*
 * Install every port of fw, all or nothing. Re-adding an identical forward
 * succeeds. A port held by another mapping (dynamic, lease or another
 * forward) fails with err naming the port and its holder, and nothing is
 * changed. Returns 0 or -1 (err set).
 */
int xnat_forward_add(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen);

/* Remove every port of fw that is still held by this forward (proto, ports,
 * internal endpoint, any forward owner). Returns the number of ports removed,
 * or -1 with err set when none was found. The sessions riding on them are
 * collected by xnatd. */
int xnat_forward_del(const struct xnat_map_fds *m, const struct xnat_forward *fw,
		     char *err, size_t errlen);

/* The forwards present in xnat_ports (owners CONFIG and STATIC), consecutive
 * ports to consecutive internal ports of one host coalesced into ranges,
 * sorted by proto then port. Returns the count (may exceed max: only max are
 * stored) or -errno. */
int xnat_forward_list(const struct xnat_map_fds *m, struct xnat_forward *out, size_t max);

#endif
