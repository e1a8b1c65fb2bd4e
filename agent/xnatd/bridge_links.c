// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bridges and their ports as rtnetlink tells them (one RTM_GETLINK
 * dump): this network namespace's, which /sys/class/net is not when xnatd
 * was started in a namespace that did not mount its own sysfs.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include "xnatd.h"

struct dump {
	struct xnatd_link *links;
	int max, n;
};

/* IFLA_INFO_DATA of a bridge, IFLA_INFO_SLAVE_DATA of its port. */
static int on_bridge_attr(const struct nlattr *a, void *data)
{
	struct xnatd_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_BR_VLAN_FILTERING && !mnl_attr_validate(a, MNL_TYPE_U8))
		l->vlan_filtering = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int on_port_attr(const struct nlattr *a, void *data)
{
	struct xnatd_link *l = data;

	if (mnl_attr_get_type(a) == IFLA_BRPORT_STATE && !mnl_attr_validate(a, MNL_TYPE_U8))
		l->port_state = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int on_linkinfo_attr(const struct nlattr *a, void *data)
{
	struct xnatd_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_INFO_KIND:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			l->is_bridge = !strcmp(mnl_attr_get_str(a), "bridge");
		break;
	case IFLA_INFO_SLAVE_KIND:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			l->is_port = !strcmp(mnl_attr_get_str(a), "bridge");
		break;
	case IFLA_INFO_DATA:
		mnl_attr_parse_nested(a, on_bridge_attr, l);
		break;
	case IFLA_INFO_SLAVE_DATA:
		mnl_attr_parse_nested(a, on_port_attr, l);
		break;
	}
	return MNL_CB_OK;
}

static int on_link_attr(const struct nlattr *a, void *data)
{
	struct xnatd_link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(l->name, sizeof(l->name), "%.15s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (!mnl_attr_validate(a, MNL_TYPE_U32))
			l->master = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == sizeof(l->mac)) {
			memcpy(l->mac, mnl_attr_get_payload(a), sizeof(l->mac));
			l->has_mac = true;
		}
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, on_linkinfo_attr, l);
		break;
	}
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct xnatd_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || d->n >= d->max)
		return MNL_CB_OK;
	l = &d->links[d->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = (unsigned int)ifi->ifi_index;
	l->port_state = -1;
	mnl_attr_parse(nlh, sizeof(*ifi), on_link_attr, l);
	return MNL_CB_OK;
}

int xnatd_links_dump(struct xnatd_link *links, int max)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct dump d = { .links = links, .max = max };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	unsigned int seq = (unsigned int)time(NULL), port;
	ssize_t n;
	int rc = -1;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) || mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	port = mnl_socket_get_portid(nl);
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq, port, on_link, &d);
		if (rc <= MNL_CB_STOP)
			break;
	}
	rc = rc == MNL_CB_STOP ? d.n : -1;
out:
	if (rc < 0)
		xlog_warn("cannot list the interfaces (rtnetlink): %s", strerror(errno));
	if (nl)
		mnl_socket_close(nl);
	return rc;
}
