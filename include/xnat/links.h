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

#endif
