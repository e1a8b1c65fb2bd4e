// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The UPnP IGD's HTTP side, by libmicrohttpd: the descriptions (GET) and
 * SOAP control (POST), one server per LAN interface, listening on that
 * interface's address only. libmicrohttpd runs in xnatd's own loop (its
 * epoll fd is polled with the others): no threads touch the maps.
 * Limits: 32 connections, 8 per address, 10 s idle, 10 s for a request to
 * come whole (from the connection's start or the last answer: a client
 * trickling a byte a second is cut too), 8 KiB request bodies, a Host
 * header that names our address (DNS rebinding).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "upnp_internal.h"

#define HTTP_CONNECTIONS UPNP_HTTP_CONNECTIONS
#define HTTP_PER_ADDRESS 8u
#define HTTP_IDLE_SECONDS 10u
#define HTTP_REQUEST_MS 10000u
#define HTTP_MEMORY (32u * 1024)

/* A POST's body, gathered over the handler's calls. */
struct upload {
	size_t len;
	bool too_big;
	char buf[XNAT_UPNP_MAX_BODY + 1];
};

/* "OS/version UPnP/1.1 xnat/0.1", as SSDP says it. */
static const char *server_header(void)
{
	static char server[XNAT_SSDP_SERVER_MAX];

	if (!server[0] && xnat_ssdp_server(server, sizeof(server)) < 0)
		snprintf(server, sizeof(server), "Linux/0 UPnP/1.1 xnat/0.1");
	return server;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned int status, const char *type, const char *body,
			      size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_SERVER, server_header());
	MHD_add_response_header(r, "EXT", "");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result plain(struct MHD_Connection *c, unsigned int status, const char *text)
{
	return answer(c, status, "text/plain", text, strlen(text));
}

/* The Host header must be our address (with or without the port): a name
 * would let a web page rebind it to us (DNS rebinding). */
static bool host_ok(const struct upnp_lan *lan, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	char addr[INET_ADDRSTRLEN], with_port[INET_ADDRSTRLEN + 8];

	if (!host)
		return false;
	inet_ntop(AF_INET, &lan->addr, addr, sizeof(addr));
	snprintf(with_port, sizeof(with_port), "%s:%u", addr, lan->up->http_port);
	return !strcmp(host, addr) || !strcmp(host, with_port);
}

static __be32 client_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct sockaddr_in sin;

	if (!i || !i->client_addr || i->client_addr->sa_family != AF_INET)
		return 0;
	memcpy(&sin, i->client_addr, sizeof(sin));
	return sin.sin_addr.s_addr;
}

static enum MHD_Result get(struct upnp_lan *lan, struct MHD_Connection *c, const char *url)
{
	char *doc = lan->up->answer;
	const char *scpd = xnat_upnp_scpd(url);
	int len, version = 0;

	if (!strcmp(url, XNAT_UPNP_PATH_ROOT))
		version = xnat_upnp_wants_igd1(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
									    MHD_HTTP_HEADER_USER_AGENT)) ? 1 : 2;
	else if (!strcmp(url, XNAT_UPNP_PATH_ROOT1))
		version = 1;
	if (version) {
		len = xnat_upnp_root_desc(&lan->up->dev, version, doc, UPNP_ANSWER_CAP);
		if (len < 0)
			return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "description too long\n");
		return answer(c, MHD_HTTP_OK, "text/xml; charset=\"utf-8\"", doc, (size_t)len);
	}
	if (scpd)
		return answer(c, MHD_HTTP_OK, "text/xml; charset=\"utf-8\"", scpd, strlen(scpd));
	return plain(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

static enum MHD_Result post(struct upnp_lan *lan, struct MHD_Connection *c, const char *url, struct upload *u)
{
	struct xnatd_upnp *up = lan->up;
	const char *action = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "SOAPACTION");
	size_t out_len = 0;
	int status;

	if (u->too_big)
		return plain(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
	u->buf[u->len] = '\0';
	status = xnat_upnp_soap_handle(&up->soap, url, action, u->buf, u->len, client_of(c), xnat_now(),
				       up->answer, UPNP_ANSWER_CAP, &out_len);
	xnatd_upnp_log_request(up, client_of(c), action, status, up->answer, out_len);
	if (!out_len)
		return plain(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "answer too long\n");
	return answer(c, (unsigned int)status, "text/xml; charset=\"utf-8\"", up->answer, out_len);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* GENA: SUBSCRIBE (new or renewal) and UNSUBSCRIBE on an event URL. */
static enum MHD_Result gena(struct upnp_lan *lan, struct MHD_Connection *c, const char *url, bool subscribe)
{
	struct xnatd_upnp *up = lan->up;
	struct xnat_gena_answer a = { .slot = -1 };
	struct MHD_Response *r;
	enum MHD_Result rc;
	char timeout[24];
	__be32 client = client_of(c);

	if (subscribe)
		xnat_gena_subscribe(&up->gena, url, header(c, "CALLBACK"), header(c, "NT"), header(c, "TIMEOUT"),
				    header(c, "SID"), client, xnat_now(), &a);
	else
		xnat_gena_unsubscribe(&up->gena, url, header(c, "SID"), header(c, "CALLBACK"), header(c, "NT"),
				      client, &a);
	upnp_gena_log(up, client, subscribe, &a);
	if (a.status != MHD_HTTP_OK)
		return plain(c, (unsigned int)a.status, a.reason ? a.reason : "refused");
	if (!subscribe) {
		for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
			if (!up->gena.subs[i].used)
				upnp_gena_unsubscribed(up, i);
		return answer(c, MHD_HTTP_OK, NULL, "", 0);
	}
	if (a.slot >= 0)
		upnp_gena_subscribed(up, a.slot, (int)(lan - up->lan));
	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	snprintf(timeout, sizeof(timeout), "Second-%u", a.timeout);
	MHD_add_response_header(r, MHD_HTTP_HEADER_SERVER, server_header());
	MHD_add_response_header(r, "SID", a.sid);
	MHD_add_response_header(r, "TIMEOUT", timeout);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *data_size, void **req_cls)
{
	struct upnp_lan *lan = cls;
	struct upload *u = *req_cls;

	(void)version;
	if (!strcmp(method, MHD_HTTP_METHOD_POST)) {
		if (!u) { /* the headers: make room for the body */
			u = calloc(1, sizeof(*u));
			if (!u)
				return MHD_NO;
			*req_cls = u;
			return MHD_YES;
		}
		if (*data_size) {
			if (u->len + *data_size > XNAT_UPNP_MAX_BODY)
				u->too_big = true;
			else
				memcpy(u->buf + u->len, data, *data_size);
			u->len += u->too_big ? 0 : *data_size;
			*data_size = 0;
			return MHD_YES;
		}
	}
	lan->up->count.http++;
	if (!xnat_ratelimit_allow(&lan->up->d->ratelimit, client_of(c), upnp_now_ms()))
		return plain(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many requests from this address: wait a second\n");
	if (!host_ok(lan, c)) {
		lan->up->count.http_refused++;
		return plain(c, MHD_HTTP_FORBIDDEN, "the Host header must be the gateway's address\n");
	}
	if (!strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD))
		return get(lan, c, url);
	if (!strcmp(method, MHD_HTTP_METHOD_POST))
		return post(lan, c, url, u);
	if (!strcmp(method, "SUBSCRIBE") || !strcmp(method, "UNSUBSCRIBE"))
		return gena(lan, c, url, method[0] == 'S');
	return plain(c, MHD_HTTP_NOT_IMPLEMENTED, "not implemented\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode why)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct upnp_http_conn *slot = info ? info->socket_context : NULL;

	(void)cls;
	(void)why;
	free(*req_cls);
	*req_cls = NULL;
	if (slot && slot->fd >= 0 && slot->deadline_ms) /* answered: the next request has its own time */
		slot->deadline_ms = upnp_now_ms() + HTTP_REQUEST_MS;
}

/* Each connection gets a slot with its deadline while it is open. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct upnp_lan *lan = cls;
	struct upnp_http_conn *slot = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (slot)
			slot->fd = -1;
		*socket_context = NULL;
		return;
	}
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (unsigned int i = 0; info && i < UPNP_HTTP_CONNECTIONS; i++)
		if (lan->conns[i].fd < 0) {
			lan->conns[i] = (struct upnp_http_conn){ .fd = info->connect_fd,
								 .deadline_ms = upnp_now_ms() + HTTP_REQUEST_MS };
			*socket_context = &lan->conns[i];
			return;
		}
}

/* Past its deadline a connection is shut down: libmicrohttpd sees the end
 * and closes it (the socket is its own). */
static void cut_late_connections(struct upnp_lan *lan)
{
	__u64 now = upnp_now_ms();

	for (unsigned int i = 0; i < UPNP_HTTP_CONNECTIONS; i++) {
		struct upnp_http_conn *s = &lan->conns[i];

		if (s->fd >= 0 && s->deadline_ms && s->deadline_ms <= now) {
			shutdown(s->fd, SHUT_RDWR);
			s->deadline_ms = 0;
		}
	}
}

/* A listening socket on the LAN address only, bound to the device too. */
static int listen_on(const struct upnp_lan *lan, __u16 port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = lan->addr };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, lan->ifname, (socklen_t)strlen(lan->ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int upnp_http_start(struct upnp_lan *lan)
{
	const union MHD_DaemonInfo *info;
	int fd = listen_on(lan, lan->up->http_port);

	if (fd < 0)
		return -1;
	for (unsigned int i = 0; i < UPNP_HTTP_CONNECTIONS; i++)
		lan->conns[i].fd = -1;
	lan->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, lan,
				    MHD_OPTION_LISTEN_SOCKET, fd,
				    MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS,
				    MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_PER_ADDRESS,
				    MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_SECONDS,
				    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY,
				    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				    MHD_OPTION_NOTIFY_CONNECTION, on_connection, lan,
				    MHD_OPTION_END);
	if (!lan->mhd) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	info = MHD_get_daemon_info(lan->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	lan->http_fd = info ? info->epoll_fd : -1;
	return 0;
}

int upnp_http_timeout_ms(const struct upnp_lan *lan, int max_ms)
{
	MHD_UNSIGNED_LONG_LONG ms;
	__u64 now = upnp_now_ms();

	if (!lan->mhd)
		return max_ms;
	if (MHD_get_timeout(lan->mhd, &ms) == MHD_YES && ms < (MHD_UNSIGNED_LONG_LONG)max_ms)
		max_ms = (int)ms;
	for (unsigned int i = 0; i < UPNP_HTTP_CONNECTIONS; i++) {
		const struct upnp_http_conn *s = &lan->conns[i];
		__u64 left = s->deadline_ms > now ? s->deadline_ms - now : 0;

		if (s->fd >= 0 && s->deadline_ms && left < (__u64)max_ms)
			max_ms = (int)left;
	}
	return max_ms;
}

void upnp_http_run(struct upnp_lan *lan)
{
	if (!lan->mhd)
		return;
	cut_late_connections(lan);
	MHD_run(lan->mhd);
}

void upnp_http_stop(struct upnp_lan *lan)
{
	if (lan->mhd)
		MHD_stop_daemon(lan->mhd); /* closes the listening socket too */
	lan->mhd = NULL;
	lan->http_fd = -1;
}
