// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which path each interface takes: XDP, where it delivers, or TC.
 *
 * XDP translates and redirects in the driver; the kernel stack forwards what
 * it passes, and TC translates that. XDP is worth it only where it delivers:
 * - a veth: its peer's packets are CHECKSUM_PARTIAL (a local socket's), which
 *   XDP can't see, so translated packets would leave with wrong checksums; and
 *   a frame redirected into a veth is dropped unless its peer runs XDP or has
 *   GRO on, which xnatd can't see from here (the peer is in another namespace);
 * - a bridge, a tun, a dummy: no native XDP (a bridge's ports may take it,
 *   for the frames the bridge routes to the WAN: bridge.c);
 * - any other driver: native XDP if it takes the program.
 * The XDP programs redirect only to interfaces on the XDP path (xnat_config);
 * a packet for another goes to the stack, untranslated, and the TC path has
 * it. --xdp-mode native|skb|none forces one path for all.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include "xnatd.h"

/* The interface's driver, as ethtool -i names it ("" when it can't be told). */
static void driver_of(const char *ifname, char *driver, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	driver[0] = '\0';
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(driver, len, "%s", info.driver);
	close(fd);
}

/* The path a mode gives an interface before trying it: XDP native or skb,
 * or TC with the reason in why. */
enum xnat_link_path xnatd_path_wanted(const char *ifname, enum xnat_xdp_mode mode, char *why, size_t len)
{
	char driver[32];

	driver_of(ifname, driver, sizeof(driver));
	switch (mode) {
	case XNAT_XDP_NONE:
		snprintf(why, len, "--xdp-mode none");
		return XNAT_PATH_TC;
	case XNAT_XDP_SKB:
		snprintf(why, len, "--xdp-mode skb");
		return XNAT_PATH_XDP_SKB;
	case XNAT_XDP_NATIVE:
		if (!strcmp(driver, "bridge"))
			break; /* never native: its ports may be (bridge.c) */
		snprintf(why, len, "--xdp-mode native");
		return XNAT_PATH_XDP_NATIVE;
	case XNAT_XDP_AUTO:
		break;
	}
	if (!strcmp(driver, "veth")) {
		snprintf(why, len, "veth: partial checksums, and redirects lost unless its peer runs XDP");
		return XNAT_PATH_TC;
	}
	if (!strcmp(driver, "bridge") || !strcmp(driver, "tun") || !strcmp(driver, "dummy")) {
		snprintf(why, len, "%s: no native XDP", driver);
		return XNAT_PATH_TC;
	}
	snprintf(why, len, "native XDP (driver %s)", driver[0] ? driver : "?");
	return XNAT_PATH_XDP_NATIVE;
}

const char *xnatd_path_name(enum xnat_link_path path)
{
	switch (path) {
	case XNAT_PATH_XDP_NATIVE: return "XDP";
	case XNAT_PATH_XDP_SKB: return "XDP (skb)";
	default: return "TC";
	}
}
