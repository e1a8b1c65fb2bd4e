/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What kind of IPv4 address the external address is. A gateway whose WAN
 * address is private (RFC 1918) or shared (RFC 6598) sits behind another
 * NAT: a home router behind the ISP's box (double NAT) or behind a
 * carrier-grade NAT. xnat translates and grants port mappings there all
 * the same (miniupnpd refuses to), and says so in its logs and status:
 * a mapped port is reachable from the network of that outer NAT, and from
 * the Internet only if the outer NAT forwards it too.
 */
#ifndef XNAT_AGENT_ADDR_CLASS_H
#define XNAT_AGENT_ADDR_CLASS_H

#include <stdbool.h>
#include <linux/types.h>

enum xnat_addr_class {
	XNAT_ADDR_PUBLIC,
	XNAT_ADDR_PRIVATE,       /* 10/8, 172.16/12, 192.168/16 (RFC 1918): double NAT */
	XNAT_ADDR_SHARED,        /* 100.64/10 (RFC 6598): carrier-grade NAT */
	XNAT_ADDR_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737) */
	XNAT_ADDR_BENCHMARK,     /* 198.18/15 (RFC 2544) */
	XNAT_ADDR_LINK_LOCAL,    /* 169.254/16 */
	XNAT_ADDR_LOOPBACK,      /* 127/8 */
	XNAT_ADDR_RESERVED,      /* 0/8, 192.0.0/24, 240/4, multicast */
	XNAT_ADDR_NONE,          /* 0.0.0.0: no address yet */
};

enum xnat_addr_class xnat_addr_classify(__be32 addr);

/* "public", "private", "shared", ... (one word, for JSON and logs). */
const char *xnat_addr_class_name(enum xnat_addr_class c);

/* A sentence saying what it means for port mappings, or NULL for a public
 * address: "private address (RFC 1918): behind another NAT (double NAT)". */
const char *xnat_addr_class_note(enum xnat_addr_class c);

#endif
