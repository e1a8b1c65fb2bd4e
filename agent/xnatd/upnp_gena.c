// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * GENA eventing in xnatd: the subscriptions (agent/lib/gena.c) and the
 * NOTIFY requests sent to them. Each subscription has at most one NOTIFY
 * on its way (a non-blocking TCP connection in xnatd's poll loop, 5 s to
 * finish); a change meanwhile is sent after it, as the state of that
 * moment, never more often than every EVENT_GAP_MS. Callbacks go only to
 * the subscriber's own address (gena.c refuses any other), from the LAN
 * interface the subscription came in on.
 *
 * Every event carries each evented variable of its service: clients keep
 * whichever they watch (miniupnpd does the same).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include "upnp_internal.h"

#define NOTIFY_DEADLINE_MS 5000
#define INITIAL_EVENT_DELAY_MS 100 /* after the SUBSCRIBE's answer has left */
#define EVENT_GAP_MS 200
#define NOTIFY_CAP 2048

void upnp_gena_init(struct xnatd_upnp *up)
{
	__u8 seed[16];

	if (getrandom(seed, sizeof(seed), 0) != sizeof(seed)) {
		__u64 t = upnp_now_ms() ^ (__u64)getpid() << 32;

		memcpy(seed, &t, sizeof(t));
		memcpy(seed + 8, &up, sizeof(up) < 8 ? sizeof(up) : 8);
	}
	xnat_gena_init(&up->gena, seed);
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		up->notify[i].fd = -1;
}

static void notify_close(struct upnp_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	n->len = n->sent = 0;
	n->reading = false;
}

static void notify_forget(struct upnp_notify *n)
{
	notify_close(n);
	n->due_ms = 0;
}

/* The state variables' values as events carry them. */
static void evented_now(const struct xnatd_upnp *up, struct upnp_evented *e)
{
	e->ext_addr = up->soap.ext_addr;
	e->changes = up->soap.changes; /* PortMappingNumberOfEntries may have moved */
}

static int event_body(const struct xnatd_upnp *up, enum xnat_gena_service s, char *out, size_t cap)
{
	char ext[INET_ADDRSTRLEN] = "", entries[12], update[12], service[XNAT_UPNP_UUID_LEN + 96];
	bool connected = up->soap.ext_addr != 0;
	struct xnat_gena_var v[5];
	size_t n = 0;

	switch (s) {
	case XNAT_GENA_WANIPC:
		if (connected)
			inet_ntop(AF_INET, &up->soap.ext_addr, ext, sizeof(ext));
		snprintf(entries, sizeof(entries), "%u", xnat_upnp_soap_count(&up->soap));
		v[n++] = (struct xnat_gena_var){ "PossibleConnectionTypes", "IP_Routed" };
		v[n++] = (struct xnat_gena_var){ "ConnectionStatus", connected ? "Connected" : "Disconnected" };
		v[n++] = (struct xnat_gena_var){ "ExternalIPAddress", ext };
		v[n++] = (struct xnat_gena_var){ "PortMappingNumberOfEntries", entries };
		/* IGD:2's, +1 with each add or delete; IGD:1 clients skip what they don't know */
		snprintf(update, sizeof(update), "%u", up->soap.changes);
		v[n++] = (struct xnat_gena_var){ "SystemUpdateID", update };
		break;
	case XNAT_GENA_WANCFG:
		v[n++] = (struct xnat_gena_var){ "PhysicalLinkStatus", connected ? "Up" : "Down" };
		break;
	case XNAT_GENA_L3F:
		snprintf(service, sizeof(service), "uuid:%s:WANConnectionDevice:1,urn:upnp-org:serviceId:WANIPConn1",
			 up->dev.uuid_wcd);
		v[n++] = (struct xnat_gena_var){ "DefaultConnectionService", service };
		break;
	default:
		return -1;
	}
	return xnat_gena_propertyset(v, n, out, cap);
}

/* Open the connection and build the request; the poll loop does the rest. */
static void notify_start(struct xnatd_upnp *up, int slot, __u64 now)
{
	struct xnat_gena_sub *sub = &up->gena.subs[slot];
	struct upnp_notify *n = &up->notify[slot];
	const struct upnp_lan *lan = &up->lan[n->lan < up->n ? n->lan : 0];
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr = lan->addr };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(sub->port),
				   .sin_addr.s_addr = sub->addr };
	char body[NOTIFY_CAP];
	int len;

	n->due_ms = 0;
	n->last_ms = now;
	if (!n->msg)
		n->msg = malloc(NOTIFY_CAP + 512);
	if (!n->msg || event_body(up, sub->service, body, sizeof(body)) < 0 ||
	    (len = xnat_gena_notify_request(sub, body, n->msg, NOTIFY_CAP + 512)) < 0) {
		up->count.notify_failed++;
		return;
	}
	n->len = (size_t)len;
	n->sent = 0;
	n->reading = n->answered = false;
	n->deadline_ms = now + NOTIFY_DEADLINE_MS;
	n->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (n->fd < 0 ||
	    setsockopt(n->fd, SOL_SOCKET, SO_BINDTODEVICE, lan->ifname, (socklen_t)strlen(lan->ifname)) ||
	    bind(n->fd, (struct sockaddr *)&src, sizeof(src)) ||
	    (connect(n->fd, (struct sockaddr *)&dst, sizeof(dst)) && errno != EINPROGRESS)) {
		up->count.notify_failed++;
		notify_close(n);
	}
}

/* Writable: send what is left; then read the answer until the peer closes. */
static void notify_progress(struct xnatd_upnp *up, struct upnp_notify *n, short revents)
{
	char buf[512];
	ssize_t r;

	if (!n->reading && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		r = send(n->fd, n->msg + n->sent, n->len - n->sent, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			up->count.notify_failed++;
			notify_close(n);
			return;
		}
		n->sent += (size_t)r;
		n->reading = n->sent == n->len;
		return;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	r = recv(n->fd, buf, sizeof(buf) - 1, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0 && !n->answered) {
		buf[r] = '\0';
		n->answered = true;
		if (!strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 8, " 200", 4))
			up->count.notify_sent++;
		else
			up->count.notify_failed++;
	}
	if (r > 0)
		return;
	if (!n->answered)
		up->count.notify_failed++;
	notify_close(n);
}

void upnp_gena_subscribed(struct xnatd_upnp *up, int slot, int lan)
{
	struct upnp_notify *n = &up->notify[slot];

	notify_forget(n); /* the slot's previous holder's NOTIFY, if any */
	n->lan = lan;
	n->due_ms = upnp_now_ms() + INITIAL_EVENT_DELAY_MS;
	n->last_ms = 0;
}

void upnp_gena_unsubscribed(struct xnatd_upnp *up, int slot)
{
	notify_forget(&up->notify[slot]);
}

int upnp_gena_tick(struct xnatd_upnp *up, int max_ms)
{
	__u64 now = upnp_now_ms(), next = now + (__u64)max_ms;
	struct upnp_evented e;
	bool changed;

	if (xnat_gena_expire(&up->gena, xnat_now()))
		for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
			if (!up->gena.subs[i].used)
				notify_forget(&up->notify[i]);
	evented_now(up, &e);
	changed = memcmp(&e, &up->evented, sizeof(e)) != 0;
	up->evented = e;
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		const struct xnat_gena_sub *sub = &up->gena.subs[i];
		struct upnp_notify *n = &up->notify[i];

		if (!sub->used)
			continue;
		/* WANIPConnection's variables are the ones that change (PhysicalLinkStatus with the address). */
		if (changed && !n->due_ms && (sub->service == XNAT_GENA_WANIPC || sub->service == XNAT_GENA_WANCFG))
			n->due_ms = n->last_ms + EVENT_GAP_MS > now ? n->last_ms + EVENT_GAP_MS : now;
		if (n->fd >= 0 && now >= n->deadline_ms) {
			if (!n->answered)
				up->count.notify_failed++;
			notify_close(n);
		}
		if (n->fd < 0 && n->due_ms && n->due_ms <= now)
			notify_start(up, i, now);
		if (n->fd >= 0 && n->deadline_ms < next)
			next = n->deadline_ms;
		if (n->fd < 0 && n->due_ms && n->due_ms < next)
			next = n->due_ms;
	}
	return (int)(next - now);
}

int upnp_gena_fds(struct xnatd_upnp *up, struct pollfd *out)
{
	int k = 0;

	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		struct upnp_notify *n = &up->notify[i];

		if (n->fd < 0)
			continue;
		up->notify_pfd[k] = i;
		out[k++] = (struct pollfd){ .fd = n->fd, .events = n->reading ? POLLIN : POLLOUT };
	}
	up->n_notify_pfd = k;
	return k;
}

void upnp_gena_poll(struct xnatd_upnp *up, const struct pollfd *pfds)
{
	for (int k = 0; k < up->n_notify_pfd; k++) {
		struct upnp_notify *n = &up->notify[up->notify_pfd[k]];

		if (pfds[k].revents && n->fd == pfds[k].fd)
			notify_progress(up, n, pfds[k].revents);
	}
}

void upnp_gena_stop(struct xnatd_upnp *up)
{
	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++) {
		notify_forget(&up->notify[i]);
		free(up->notify[i].msg);
		up->notify[i].msg = NULL;
	}
}

/* New subscriptions, unsubscriptions and refusals, one line each (renewals are routine). */
void upnp_gena_log(struct xnatd_upnp *up, __be32 client, bool subscribe, const struct xnat_gena_answer *a)
{
	char who[INET_ADDRSTRLEN];

	if ((a->status == 200 && subscribe && a->slot < 0) || !upnp_log_budget(up))
		return;
	inet_ntop(AF_INET, &client, who, sizeof(who));
	if (a->status != 200)
		xlog_info("UPnP: %s %sSUBSCRIBE refused (%d): %s", who, subscribe ? "" : "UN", a->status,
			  a->reason ? a->reason : "?");
	else if (subscribe)
		xlog_info("UPnP: %s subscribed (%s, %u s), callback port %u", who, a->sid, a->timeout,
			  up->gena.subs[a->slot].port);
	else
		xlog_info("UPnP: %s unsubscribed", who);
}
