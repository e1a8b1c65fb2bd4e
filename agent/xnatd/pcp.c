// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT-PMP and PCP on the wire: one UDP socket on port 5351 per LAN
 * interface (SO_BINDTODEVICE, so the WAN side is never answered), the
 * requests handed to agent/lib/pcp_server.c, the answers sent back from the
 * address the request went to, and the announcements multicast to
 * 224.0.0.1:5350 after a start or an address change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "first_packet.h"
#include "pcp_server.h"
#include "slowrun.h"
#include "xnatd.h"
#include "xnat.skel.h"

/* RFC 6886 3.2.1: ten announcements, the first interval 250 ms, doubling. */
#define ANNOUNCE_TIMES 10
#define ANNOUNCE_FIRST_MS 250
/* A LAN host that floods the server must not flood the journal too. */
#define LOG_LINES_PER_SECOND 10

struct xnatd_pcp {
	struct xnat_pcp_server srv;
	struct xnat_ratelimit *limit; /* xnatd's, shared with UPnP */
	int fd[XNAT_MAX_LAN];
	unsigned int ifindex[XNAT_MAX_LAN];
	int n;
	int prog_lan;            /* the fast path's LAN program, for PEER's first packets */
	unsigned int req_ifindex; /* the LAN interface of the request being served */
	int announce_left;       /* announcements still to send */
	__u64 announce_at_ms;    /* CLOCK_MONOTONIC */
	__u32 announce_gap_ms;
	__u64 log_second;        /* rate limit of per-request lines */
	unsigned int log_lines, log_dropped;
	struct xnat_pcp_counters logged; /* counters as last logged */
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

static int open_lan_socket(const char *ifname, unsigned int ifindex)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(XNAT_PCP_SERVER_PORT) };
	struct ip_mreqn mc = { .imr_ifindex = (int)ifindex };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, zero = 0;

	if (fd < 0)
		return -1;
	/* Bound to the device before the port: one socket per LAN on the same port. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mc, sizeof(mc)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void schedule_announcements(struct xnatd_pcp *p)
{
	p->announce_left = ANNOUNCE_TIMES;
	p->announce_gap_ms = ANNOUNCE_FIRST_MS;
	p->announce_at_ms = now_ms();
}

/* The config's [portmap] and NAT port range, as the server applies them. */
static struct xnat_pcp_policy policy_of(const struct xnatd *d)
{
	return (struct xnat_pcp_policy){
		.min_lifetime = d->cfg.lease_min_lifetime, .max_lifetime = d->cfg.lease_max_lifetime,
		.leases_per_host = d->cfg.leases_per_host, .allow_third_party = d->cfg.allow_third_party,
		.rules = &d->cfg.pm_rules,
		.port_min = d->cfg.port_min, .port_max = d->cfg.port_max,
	};
}

/* PEER with no session yet: the fast path makes it from the packet the
 * endpoint would send, as if it had come in on the request's interface.
 * The translated frame is not sent: the session is what was wanted. */
static int peer_create(void *ctx, __u8 proto, __be32 int_addr, __be16 int_port, __be32 rem_addr,
		       __be16 rem_port)
{
	struct xnatd_pcp *p = ctx;
	static __u8 out[XNAT_SLOW_RUN_MAX];
	__u8 frame[XNAT_FIRST_PACKET_MAX];
	struct xnat_slow_meta meta;
	size_t len = xnat_first_packet(proto, int_addr, int_port, rem_addr, rem_port, frame), out_len;
	int v;

	if (!len || p->prog_lan < 0)
		return -EINVAL;
	v = xnat_slow_run(p->prog_lan, p->req_ifindex, XNAT_SLOW_NO_DIVERT, frame, len, out, &out_len, &meta);
	if (v < 0)
		return v;
	return v == XDP_REDIRECT || v == XDP_TX ? 0 : -EHOSTUNREACH;
}

int xnatd_pcp_start(struct xnatd *d)
{
	struct xnat_pcp_policy policy = policy_of(d);
	struct xnatd_pcp *p;

	if (!d->cfg.natpmp)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p || xnat_pcp_server_init(&p->srv, &d->maps, &policy, xnat_now())) {
		free(p);
		xlog_err("NAT-PMP/PCP: out of memory");
		return -1;
	}
	p->srv.ext_addr = d->ext_addr;
	p->limit = &d->ratelimit;
	p->prog_lan = d->skel ? bpf_program__fd(d->skel->progs.xnat_xdp_lan) : -1;
	p->srv.peer_create = peer_create;
	p->srv.peer_ctx = p;
	for (int i = 0; i < d->cfg.n_lan; i++) {
		int fd = open_lan_socket(d->cfg.lan[i], d->lan_ifindex[i]);

		if (fd < 0) {
			xlog_warn("NAT-PMP/PCP: no server on %s (UDP %d): %s", d->cfg.lan[i],
				  XNAT_PCP_SERVER_PORT, strerror(errno));
			continue;
		}
		p->fd[p->n] = fd;
		p->ifindex[p->n++] = d->lan_ifindex[i];
	}
	if (!p->n) {
		xnat_pcp_server_free(&p->srv);
		free(p);
		return -1;
	}
	d->pcp = p;
	schedule_announcements(p);
	xlog_info("NAT-PMP/PCP: serving UDP %d on %d LAN interface(s), lifetimes %u-%u s, %u per host%s",
		  XNAT_PCP_SERVER_PORT, p->n, policy.min_lifetime, policy.max_lifetime,
		  policy.leases_per_host, policy.allow_third_party ? ", third party allowed" : "");
	return 0;
}

void xnatd_pcp_reconfigure(struct xnatd *d)
{
	struct xnatd_pcp *p = d->pcp;

	if (!p)
		return;
	p->srv.policy = policy_of(d);
}

void xnatd_pcp_address_changed(struct xnatd *d)
{
	struct xnatd_pcp *p = d->pcp;

	if (!p)
		return;
	/* RFC 6886 3.6 and RFC 6887 8.5: a new address starts a new epoch. */
	p->srv.ext_addr = d->ext_addr;
	p->limit = &d->ratelimit;
	p->srv.epoch_start = xnat_now();
	schedule_announcements(p);
}

int xnatd_pcp_fds(const struct xnatd *d, struct pollfd *out)
{
	const struct xnatd_pcp *p = d->pcp;

	for (int i = 0; p && i < p->n; i++)
		out[i] = (struct pollfd){ .fd = p->fd[i], .events = POLLIN };
	return p ? p->n : 0;
}

int xnatd_pcp_timeout_ms(const struct xnatd *d, int max_ms)
{
	const struct xnatd_pcp *p = d->pcp;
	__u64 now;

	if (!p || !p->announce_left)
		return max_ms;
	now = now_ms();
	if (p->announce_at_ms <= now)
		return 0;
	return p->announce_at_ms - now < (__u64)max_ms ? (int)(p->announce_at_ms - now) : max_ms;
}

static void send_announcements(struct xnatd_pcp *p)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(XNAT_PCP_CLIENT_PORT),
				  .sin_addr.s_addr = htonl(INADDR_ALLHOSTS_GROUP) };
	__u8 natpmp[XNAT_PCP_MAX_DATAGRAM], pcp[XNAT_PCP_MAX_DATAGRAM];
	size_t n1 = xnat_pcp_natpmp_announcement(&p->srv, xnat_now(), natpmp);
	size_t n2 = xnat_pcp_announcement(&p->srv, xnat_now(), pcp);

	for (int i = 0; i < p->n; i++) {
		/* No multicast route on a LAN is not an error worth a line ten times over. */
		sendto(p->fd[i], natpmp, n1, 0, (struct sockaddr *)&to, sizeof(to));
		sendto(p->fd[i], pcp, n2, 0, (struct sockaddr *)&to, sizeof(to));
	}
}

static bool may_log(struct xnatd_pcp *p)
{
	__u64 second = now_ms() / 1000;

	if (second != p->log_second) {
		if (p->log_dropped)
			xlog_info("NAT-PMP/PCP: %u request lines not logged", p->log_dropped);
		p->log_second = second;
		p->log_lines = p->log_dropped = 0;
	}
	if (p->log_lines++ < LOG_LINES_PER_SECOND)
		return true;
	p->log_dropped++;
	return false;
}

static void log_outcome(struct xnatd_pcp *p)
{
	const struct xnat_pcp_outcome *o = &p->srv.last;
	const char *proto = o->proto == IPPROTO_TCP ? "tcp" : o->proto == IPPROTO_UDP ? "udp" : "proto";
	const char *who = o->pcp ? "PCP" : "NAT-PMP";
	char host[INET_ADDRSTRLEN];

	if (!o->set || !may_log(p))
		return;
	inet_ntop(AF_INET, &o->host, host, sizeof(host));
	if (o->peer) {
		char peer[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &o->peer_addr, peer, sizeof(peer));
		if (o->result)
			xlog_info("PCP: peer %s:%u %s -> %s:%u refused: %s", host, o->int_port, proto, peer,
				  o->peer_port, xnat_pcp_result_name(o->result));
		else
			xlog_info("PCP: peer %s:%u %s -> %s:%u on external port %u for %u s", host, o->int_port,
				  proto, peer, o->peer_port, o->ext_port, o->lifetime);
		return;
	}
	if (o->result)
		xlog_info("%s: %s %s:%u %s refused: %s", who, o->deleted ? "delete" : "map", host,
			  o->int_port, proto,
			  o->pcp ? xnat_pcp_result_name(o->result) : xnat_natpmp_result_name(o->result));
	else if (o->deleted)
		xlog_info("%s: %s:%u %s deleted", who, host, o->int_port, proto);
	else
		xlog_info("%s: %s:%u %s reachable on external port %u for %u s", who, host, o->int_port,
			  proto, o->ext_port, o->lifetime);
}

/* Sent from the address the request went to, when it was a unicast one. */
static void reply(int fd, const struct sockaddr_in *to, const struct in_pktinfo *from, const __u8 *resp,
		  size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = (void *)resp, .iov_len = len };
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = &iov,
			    .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (from->ipi_spec_dst.s_addr) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(*from));
		memcpy(CMSG_DATA(c), from, sizeof(*from));
	}
	sendmsg(fd, &m, MSG_DONTWAIT); /* a lost answer is retried by the client */
}

/* Every datagram waiting on one socket. */
static void serve(struct xnatd_pcp *p, int fd, unsigned int ifindex)
{
	__u8 req[XNAT_PCP_MAX_DATAGRAM + 4], resp[XNAT_PCP_MAX_DATAGRAM];
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];

	for (int budget = 64; budget > 0; budget--) {
		struct sockaddr_in from;
		struct iovec iov = { .iov_base = req, .iov_len = sizeof(req) };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				      .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct in_pktinfo reply_from = { 0 };
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &msg, MSG_TRUNC);
		size_t out;

		if (n < 0)
			return; /* EAGAIN: drained */
		if (!xnat_ratelimit_allow(p->limit, from.sin_addr.s_addr, now_ms()))
			continue; /* counted there; a client retries (RFC 6886 3.1, RFC 6887 8.1.1) */
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				/* Answer from the address asked (not a broadcast or group one). */
				if (!IN_MULTICAST(ntohl(pi.ipi_addr.s_addr)) &&
				    pi.ipi_addr.s_addr != htonl(INADDR_BROADCAST))
					reply_from.ipi_spec_dst = pi.ipi_addr;
			}
		/* Over-long datagrams are cut to what PCP allows, so they answer MALFORMED. */
		p->req_ifindex = ifindex;
		out = xnat_pcp_handle(&p->srv, from.sin_addr.s_addr, req,
				      (size_t)n > sizeof(req) ? sizeof(req) : (size_t)n, xnat_now(), resp);
		log_outcome(p);
		if (out)
			reply(fd, &from, &reply_from, resp, out);
	}
}

void xnatd_pcp_poll(struct xnatd *d, const struct pollfd *pfds)
{
	struct xnatd_pcp *p = d->pcp;

	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		if (pfds[i].revents & POLLIN)
			serve(p, p->fd[i], p->ifindex[i]);
	if (p->announce_left && now_ms() >= p->announce_at_ms) {
		send_announcements(p);
		p->announce_left--;
		p->announce_at_ms = now_ms() + p->announce_gap_ms;
		p->announce_gap_ms *= 2;
	}
}

void xnatd_pcp_log_counters(struct xnatd *d)
{
	struct xnatd_pcp *p = d->pcp;
	const struct xnat_pcp_counters *c, *l;

	if (!p || !memcmp(&p->srv.count, &p->logged, sizeof(p->logged)))
		return;
	c = &p->srv.count;
	l = &p->logged;
	xlog_info("NAT-PMP/PCP: %llu NAT-PMP and %llu PCP requests, %llu granted, %llu renewed, "
		  "%llu deleted, %llu peer, %llu refused, %llu malformed",
		  (unsigned long long)(c->natpmp - l->natpmp), (unsigned long long)(c->pcp - l->pcp),
		  (unsigned long long)(c->granted - l->granted), (unsigned long long)(c->renewed - l->renewed),
		  (unsigned long long)(c->deleted - l->deleted), (unsigned long long)(c->peer - l->peer),
		  (unsigned long long)(c->refused - l->refused),
		  (unsigned long long)(c->malformed - l->malformed));
	p->logged = *c;
}

void xnatd_pcp_stop(struct xnatd *d)
{
	struct xnatd_pcp *p = d->pcp;

	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		close(p->fd[i]);
	xnat_pcp_server_free(&p->srv);
	free(p);
	d->pcp = NULL;
}

const __u8 *xnatd_pcp_nonce(const struct xnatd *d, __u8 proto, __u16 ext_port)
{
	const __u8 *n;

	if (!d->pcp || (proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !ext_port)
		return NULL;
	n = d->pcp->srv.nonce[xnat_port_slot(proto, ext_port)];
	for (int i = 0; i < 12; i++)
		if (n[i])
			return n;
	return NULL; /* all zero: none known */
}

void xnatd_pcp_set_nonce(struct xnatd *d, __u8 proto, __u16 ext_port, const __u8 nonce[12])
{
	if (d->pcp && (proto == IPPROTO_TCP || proto == IPPROTO_UDP) && ext_port)
		memcpy(d->pcp->srv.nonce[xnat_port_slot(proto, ext_port)], nonce, 12);
}
