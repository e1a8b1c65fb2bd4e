// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SSDP on the wire: one UDP 1900 socket per LAN interface, joined to
 * 239.255.255.250 there only (SO_BINDTODEVICE: nothing from the WAN is
 * read). A search is answered after a random delay within its MX (capped
 * at 5 s), unicast searches at once; ssdp:alive rounds go out at the start
 * (twice, a second apart: UDP gets lost) and then every third of max-age;
 * ssdp:byebye when xnatd stops. Messages are built by agent/lib/ssdp.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include "upnp_internal.h"

#define SSDP_TTL 2
#define NOTIFY_EVERY_MS (XNAT_SSDP_MAX_AGE * 1000ull / 3)

int upnp_ssdp_open(struct upnp_lan *lan)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(XNAT_SSDP_PORT) };
	struct ip_mreqn group = { .imr_ifindex = (int)lan->ifindex };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, zero = 0,
	    ttl = SSDP_TTL;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, XNAT_SSDP_GROUP, &group.imr_multiaddr);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, lan->ifname, (socklen_t)strlen(lan->ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &group, sizeof(group)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group, sizeof(group))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	lan->ssdp_fd = fd;
	return 0;
}

void upnp_ssdp_close(struct upnp_lan *lan)
{
	if (lan->ssdp_fd >= 0)
		close(lan->ssdp_fd);
	lan->ssdp_fd = -1;
}

static void queue_answer(struct xnatd_upnp *up, int lan, const struct sockaddr_in *to,
			 const struct xnat_ssdp_target *t, unsigned int mx)
{
	__u32 rnd = 0;

	if (up->n_pending == UPNP_PENDING_MAX) {
		up->count.search_dropped++;
		return;
	}
	if (mx && getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = 0;
	up->pending[up->n_pending++] = (struct upnp_pending){
		.at_ms = upnp_now_ms() + (mx ? rnd % (mx * 1000u) : 0), .lan = lan, .to = *to, .t = *t,
	};
}

void upnp_ssdp_read(struct upnp_lan *lan)
{
	struct xnatd_upnp *up = lan->up;
	char buf[1500];

	for (int budget = 64; budget > 0; budget--) {
		struct xnat_ssdp_target targets[XNAT_SSDP_MAX_TARGETS];
		struct xnat_ssdp_search s;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(lan->ssdp_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		int found;

		if (n < 0)
			return;
		if (!xnat_ratelimit_allow(&up->d->ratelimit, from.sin_addr.s_addr, upnp_now_ms()))
			continue;
		if (xnat_ssdp_parse_msearch(buf, (size_t)n, &s)) {
			/* NOTIFYs of other devices are normal traffic; only count what claims to be a search. */
			if (n >= 8 && !memcmp(buf, "M-SEARCH", 8))
				up->count.ssdp_malformed++;
			continue;
		}
		up->count.searches++;
		found = xnat_ssdp_match(&up->dev, s.st, targets, XNAT_SSDP_MAX_TARGETS);
		for (int i = 0; i < found; i++)
			queue_answer(up, (int)(lan - up->lan), &from, &targets[i], s.unicast ? 0 : s.mx);
	}
}

static void send_due_answers(struct xnatd_upnp *up, __u64 now)
{
	char msg[1024];

	for (int i = 0; i < up->n_pending;) {
		struct upnp_pending *p = &up->pending[i];
		struct upnp_lan *lan = &up->lan[p->lan];
		int len;

		if (p->at_ms > now) {
			i++;
			continue;
		}
		len = xnat_ssdp_response(&up->dev, lan->location, &p->t, msg, sizeof(msg));
		if (len > 0 && sendto(lan->ssdp_fd, msg, (size_t)len, 0, (struct sockaddr *)&p->to, sizeof(p->to)) == len)
			up->count.search_answers++;
		*p = up->pending[--up->n_pending];
	}
}

static void notify_all(struct xnatd_upnp *up, bool alive)
{
	struct xnat_ssdp_target targets[XNAT_SSDP_MAX_TARGETS];
	struct sockaddr_in group = { .sin_family = AF_INET, .sin_port = htons(XNAT_SSDP_PORT) };
	int n = xnat_ssdp_notify_targets(&up->dev, targets, XNAT_SSDP_MAX_TARGETS);
	char msg[1024];

	inet_pton(AF_INET, XNAT_SSDP_GROUP, &group.sin_addr);
	for (int l = 0; l < up->n; l++)
		for (int i = 0; i < n; i++) {
			int len = xnat_ssdp_notify(&up->dev, up->lan[l].location, &targets[i], alive, msg, sizeof(msg));

			if (len > 0)
				sendto(up->lan[l].ssdp_fd, msg, (size_t)len, 0, (struct sockaddr *)&group,
				       sizeof(group));
		}
}

int upnp_ssdp_tick(struct xnatd_upnp *up, int max_ms)
{
	__u64 now = upnp_now_ms(), next = now + (__u64)max_ms;

	send_due_answers(up, now);
	if (now >= up->notify_at_ms) {
		notify_all(up, true);
		up->notify_round++;
		up->notify_at_ms = now + (up->notify_round == 1 ? 1000 : NOTIFY_EVERY_MS);
	}
	if (up->notify_at_ms < next)
		next = up->notify_at_ms;
	for (int i = 0; i < up->n_pending; i++)
		if (up->pending[i].at_ms < next)
			next = up->pending[i].at_ms;
	return next > now ? (int)(next - now) : 0;
}

void upnp_ssdp_byebye(struct xnatd_upnp *up)
{
	notify_all(up, false);
}
