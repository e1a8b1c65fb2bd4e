/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which path each of the gateway's interfaces takes, as xnatd chose and
 * attached it: the pinned array map "xnat_links" (WAN first, then the LAN
 * interfaces), for xnatctl and bpftool. The fast path reads the choice from
 * xnat_config (XNAT_CFG_WAN_XDP, xdp_lans), not from here.
 */
#ifndef XNAT_LINKS_H
#define XNAT_LINKS_H

#include "compat.h"
#include "nat.h"

#define XNAT_MAP_LINKS "xnat_links"
#define XNAT_MAX_LINKS (1 + XNAT_MAX_LAN)

enum xnat_link_role {
	XNAT_LINK_UNUSED = 0,
	XNAT_LINK_WAN = 1,
	XNAT_LINK_LAN = 2,
	XNAT_LINK_BRIDGE_PORT = 3, /* xnatctl's view: a port of a LAN bridge (xnat_bridge_ports) */
};

enum xnat_link_path {
	XNAT_PATH_TC = 0,         /* the stack forwards, TC translates */
	XNAT_PATH_XDP_NATIVE = 1, /* XDP in the driver translates and redirects */
	XNAT_PATH_XDP_SKB = 2,    /* XDP in generic mode */
};

struct xnat_link_info {
	char name[16];  /* IF_NAMESIZE */
	__u32 ifindex;
	__u8 role;      /* enum xnat_link_role */
	__u8 path;      /* enum xnat_link_path */
	__u16 pad;
	char why[96];   /* why this path */
};

/*
 * XDP on the ports of a bridge that is a LAN interface (agent/xnatd/bridge.c):
 * the pinned hash "xnat_bridge_ports", port ifindex -> its bridge. xnat_xdp_lan
 * runs on these ports and takes only what the bridge would route to the WAN:
 * a frame for the bridge's own MAC address, on a forwarding port; it routes
 * it as if it came in by the bridge. Everything else (frames for other LAN
 * hosts, the hairpin, the replies) goes through the bridge, the TC path.
 * xnatd writes an entry before it attaches XDP to the port and deletes it
 * after detaching; the fast path reads it when XNAT_CFG_BRIDGE_PORTS is set.
 */
#define XNAT_MAP_BRIDGE_PORTS "xnat_bridge_ports"
#define XNAT_MAX_BRIDGE_PORTS 64

struct xnat_bridge_port {
	__u32 bridge_ifindex;
	__u8 bridge_mac[6];  /* the bridge's address: frames for it are routed */
	__u8 forwarding;     /* the port is in STP state forwarding */
	__u8 pad;
	char name[16];       /* the port's, for bpftool and xnatctl */
	char bridge[16];
};

#endif
