// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <linux/if_arp.h>
#include "link_kind.h"

#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519
#endif

enum xnat_link_kind xnat_link_kind_of(unsigned int arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
		return XNAT_LINK_ETHERNET;
	case ARPHRD_NONE:   /* tun, WireGuard */
	case ARPHRD_PPP:    /* pppd (PPPoE, PPPoA, modems): the PPP header is the driver's */
	case ARPHRD_RAWIP:  /* LTE/5G modems in raw-IP mode */
	case ARPHRD_TUNNEL: /* ipip */
	case ARPHRD_IPGRE:  /* gre */
		return XNAT_LINK_L3;
	default:
		return XNAT_LINK_UNSUPPORTED;
	}
}

const char *xnat_arphrd_name(unsigned int arphrd, char *buf, unsigned long len)
{
	switch (arphrd) {
	case ARPHRD_ETHER: return "ether";
	case ARPHRD_NONE: return "none";
	case ARPHRD_PPP: return "ppp";
	case ARPHRD_RAWIP: return "rawip";
	case ARPHRD_TUNNEL: return "ipip";
	case ARPHRD_IPGRE: return "gre";
	case ARPHRD_SIT: return "sit";
	case ARPHRD_TUNNEL6: return "ip6tnl";
	case ARPHRD_LOOPBACK: return "loopback";
	case ARPHRD_INFINIBAND: return "infiniband";
	case ARPHRD_IEEE80211_RADIOTAP: return "ieee802.11 (radiotap)";
	default:
		snprintf(buf, len, "type %u", arphrd);
		return buf;
	}
}
