// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include "expiry.h"

enum xnat_tcp_state xnat_tcp_state(__u8 out_flags, __u8 in_flags)
{
	__u8 both = out_flags & in_flags, any = out_flags | in_flags;

	if (any & XNAT_FLOW_RST)
		return XNAT_TCP_RESET;
	if (both & XNAT_FLOW_FIN)
		return XNAT_TCP_CLOSING;
	if ((both & XNAT_FLOW_SYN) && (any & XNAT_FLOW_ACK))
		return XNAT_TCP_ESTABLISHED;
	/* Picked up mid-stream (state lost, address change): ACKs both ways. */
	if (!(any & XNAT_FLOW_SYN) && (both & XNAT_FLOW_ACK))
		return XNAT_TCP_ESTABLISHED;
	return XNAT_TCP_OPENING;
}

const char *xnat_tcp_state_name(enum xnat_tcp_state s)
{
	switch (s) {
	case XNAT_TCP_OPENING:
		return "opening";
	case XNAT_TCP_ESTABLISHED:
		return "established";
	case XNAT_TCP_CLOSING:
		return "closing";
	case XNAT_TCP_RESET:
		return "reset";
	}
	return "?";
}

__u32 xnat_session_timeout(const struct xnat_config *c, __u8 proto, __u8 out_flags, __u8 in_flags)
{
	switch (proto) {
	case IPPROTO_TCP:
		return xnat_tcp_state(out_flags, in_flags) == XNAT_TCP_ESTABLISHED
			       ? c->timeout_tcp_established
			       : c->timeout_tcp_transitory;
	case IPPROTO_ICMP:
		return c->timeout_icmp;
	default:
		return c->timeout_udp;
	}
}
