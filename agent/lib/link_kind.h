/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What an interface's packets start with, by its link type (ARPHRD_*):
 * an Ethernet header, or the IPv4 header itself (PPP, WireGuard and tun,
 * raw-IP modems, IP tunnels). xnat parses both; on any other link it
 * could not tell an IPv4 packet, so it refuses the interface rather than
 * let a LAN host's packets leave untranslated.
 */
#ifndef XNAT_AGENT_LINK_KIND_H
#define XNAT_AGENT_LINK_KIND_H

enum xnat_link_kind {
	XNAT_LINK_ETHERNET,
	XNAT_LINK_L3,          /* no link-layer header: XNAT_CFG_WAN_L3 */
	XNAT_LINK_UNSUPPORTED,
};

enum xnat_link_kind xnat_link_kind_of(unsigned int arphrd);

/* "ether", "ppp", "none", ..., or "type N" (buf, at least 16 bytes) */
const char *xnat_arphrd_name(unsigned int arphrd, char *buf, unsigned long len);

#endif
