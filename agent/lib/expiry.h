/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* When a session is idle for too long: RFC 4787 (UDP), RFC 5382 (TCP), RFC 5508 (ICMP). */
#ifndef XNAT_AGENT_EXPIRY_H
#define XNAT_AGENT_EXPIRY_H

#include <xnat/nat.h>

enum xnat_tcp_state {
	XNAT_TCP_OPENING,     /* SYN seen, handshake not complete */
	XNAT_TCP_ESTABLISHED, /* SYN both ways and an ACK */
	XNAT_TCP_CLOSING,     /* FIN both ways */
	XNAT_TCP_RESET,       /* RST seen */
};

/* TCP state from the flags each direction has seen (XNAT_FLOW_*). */
enum xnat_tcp_state xnat_tcp_state(__u8 out_flags, __u8 in_flags);
const char *xnat_tcp_state_name(enum xnat_tcp_state s);

/* Idle timeout (seconds) of a session: TCP established or transitory, UDP,
 * ICMP; other protocols get the UDP timeout. */
__u32 xnat_session_timeout(const struct xnat_config *c, __u8 proto, __u8 out_flags, __u8 in_flags);

/* Has something last seen at `last` been idle for at least `timeout` at `now`? */
static inline int xnat_idle_for(__u32 now, __u32 last, __u32 timeout)
{
	return (__s32)(now - last) >= (__s32)timeout;
}

#endif
