// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The external address: the WAN interface's primary IPv4 address, followed
 * through rtnetlink address notifications (DHCP renewals, PPP reconnects);
 * and every change a route lookup could see (routes, rules, neighbours,
 * addresses, links), which makes the fast path's cached next hops stale. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "xnatd.h"

/* ioctl req on the interface named ifname into *ifr: 0 or -errno. */
static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int xnatd_link_type(const char *ifname)
{
	struct ifreq ifr;
	int err = if_ioctl(ifname, SIOCGIFHWADDR, &ifr);

	return err ? err : ifr.ifr_hwaddr.sa_family;
}

int xnatd_link_mtu(const char *ifname)
{
	struct ifreq ifr;

	return if_ioctl(ifname, SIOCGIFMTU, &ifr) ? 0 : ifr.ifr_mtu;
}

__be32 xnatd_if_address(unsigned int ifindex)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	__be32 addr = 0;

	if (!if_indextoname(ifindex, name) || getifaddrs(&ifa))
		return 0;
	/* The kernel lists the primary address of a subnet before its secondaries. */
	for (i = ifa; i && !addr; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !strcmp(i->ifa_name, name))
			addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
	}
	freeifaddrs(ifa);
	return addr;
}

int xnatd_netlink_open(void)
{
	/* A plain socket (libmnl's mnl_socket would be an allocation kept for
	 * the process's life only to hand back its fd): messages are parsed
	 * with libmnl all the same. */
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_LINK | RTMGRP_IPV4_ROUTE |
					       RTMGRP_IPV4_RULE | RTMGRP_NEIGH };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

struct addr_event {
	unsigned int ifindex;
	unsigned int changed; /* XNATD_NL_* */
};

/* Could the IPv4 route lookup of a packet answer otherwise after this
 * message? Routes, rules and neighbours of IPv4 (a bridge's forwarding
 * entries, AF_BRIDGE, are the bridge's own business), addresses, links. */
static int changes_routing(const struct nlmsghdr *nlh)
{
	const struct rtgenmsg *g = mnl_nlmsg_get_payload(nlh);

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return 1;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_NEWRULE:
	case RTM_DELRULE:
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		/* each message's header starts with its family */
		return nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*g)) && g->rtgen_family == AF_INET;
	}
	return 0;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct addr_event *ev = data;
	const struct ifaddrmsg *ifa;

	if (changes_routing(nlh))
		ev->changed |= XNATD_NL_ROUTING;
	/* Links: a port joining or leaving a bridge (IFLA_MASTER), its STP
	 * state (AF_BRIDGE messages), the bridge's address. */
	if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK)
		ev->changed |= XNATD_NL_LINK;
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET && ifa->ifa_index == ev->ifindex)
		ev->changed |= XNATD_NL_WAN_ADDR;
	return MNL_CB_OK;
}

unsigned int xnatd_netlink_changed(int fd, unsigned int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct addr_event ev = { .ifindex = ifindex };
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == ENOBUFS)
				/* lost notifications: look again */
				ev.changed = XNATD_NL_WAN_ADDR | XNATD_NL_LINK | XNATD_NL_ROUTING;
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		mnl_cb_run(buf, n, 0, 0, on_message, &ev);
	}
	return ev.changed;
}
