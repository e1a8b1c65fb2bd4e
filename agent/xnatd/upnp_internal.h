/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The UPnP IGD inside xnatd: state shared by upnp.c (life cycle, device
 * identity), upnp_http.c (libmicrohttpd) and upnp_ssdp.c (discovery). */
#ifndef XNATD_UPNP_INTERNAL_H
#define XNATD_UPNP_INTERNAL_H

#include <netinet/in.h>
#include <poll.h>
#include <net/if.h>
#include "gena.h"
#include "ssdp.h"
#include "upnp_soap.h"
#include "xnatd.h"

#define UPNP_ANSWER_CAP (64u * 1024) /* GetListOfPortMappings can be long */
#define UPNP_PENDING_MAX 64 /* search responses waiting for their MX delay */

struct xnatd_upnp;

/* An HTTP connection's deadline: its request must be whole by then (a byte
 * a second would hold it for ever against libmicrohttpd's idle timeout). */
#define UPNP_HTTP_CONNECTIONS 32u
struct upnp_http_conn {
	int fd;                   /* -1: slot free */
	__u64 deadline_ms;        /* CLOCK_MONOTONIC; 0: cut already */
};

struct upnp_lan {
	struct xnatd_upnp *up;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	struct in_addr addr;      /* the interface's address: where HTTP listens, LOCATION */
	char location[40];        /* "http://ADDR:PORT" */
	struct MHD_Daemon *mhd;
	int http_fd;              /* libmicrohttpd's epoll fd */
	struct upnp_http_conn conns[UPNP_HTTP_CONNECTIONS];
	int ssdp_fd;
};

/* A search response due at a time within the search's MX. */
struct upnp_pending {
	__u64 at_ms;
	int lan;
	struct sockaddr_in to;
	struct xnat_ssdp_target t;
};

/* A subscription's NOTIFY: the one on its way, and when the next is due. */
struct upnp_notify {
	int fd;                   /* -1: none on its way */
	int lan;                  /* the interface the subscription came in on */
	char *msg;                /* the request, allocated on first use */
	size_t len, sent;
	bool reading, answered;   /* sent whole; the status line seen */
	__u64 deadline_ms;
	__u64 due_ms;             /* 0: nothing to send */
	__u64 last_ms;            /* when the last one started */
};

/* What the evented variables were at the last look. */
struct upnp_evented {
	__be32 ext_addr;
	__u32 changes;            /* the SOAP side's count of adds and deletes */
};

struct xnatd_upnp {
	struct xnatd *d;
	struct xnat_upnp_device dev;
	struct xnat_upnp_soap soap;
	__u16 http_port;
	struct upnp_lan lan[XNAT_MAX_LAN];
	int n;
	struct upnp_pending pending[UPNP_PENDING_MAX];
	int n_pending;
	__u64 notify_at_ms;       /* next ssdp:alive round */
	int notify_round;         /* rounds sent since start */
	char *answer;             /* HTTP answers are built here */
	struct xnat_gena gena;
	struct upnp_notify notify[XNAT_GENA_MAX_SUBS];
	int notify_pfd[XNAT_GENA_MAX_SUBS]; /* the subscription of each NOTIFY pollfd */
	int n_notify_pfd;
	struct upnp_evented evented;
	struct {
		__u64 http, http_refused, searches, search_answers, search_dropped, ssdp_malformed;
		__u64 notify_sent, notify_failed;
	} count, logged;                /* totals since start, and as last logged */
	struct xnat_upnp_counters soap_logged;
	__u32 soap_logged_at;     /* rate limit of per-request log lines */
	unsigned int soap_lines;
};

__u64 upnp_now_ms(void);

/* upnp_http.c */
int upnp_http_start(struct upnp_lan *lan);
int upnp_http_timeout_ms(const struct upnp_lan *lan, int max_ms);
void upnp_http_run(struct upnp_lan *lan);
void upnp_http_stop(struct upnp_lan *lan);

/* upnp_ssdp.c */
int upnp_ssdp_open(struct upnp_lan *lan);
void upnp_ssdp_read(struct upnp_lan *lan);
/* Due search responses and NOTIFY rounds; returns ms until the next one (at most max_ms). */
int upnp_ssdp_tick(struct xnatd_upnp *up, int max_ms);
void upnp_ssdp_byebye(struct xnatd_upnp *up);
void upnp_ssdp_close(struct upnp_lan *lan);

/* upnp_gena.c */
void upnp_gena_init(struct xnatd_upnp *up);
/* A new subscription in slot came in on lan: its initial event is due. */
void upnp_gena_subscribed(struct xnatd_upnp *up, int slot, int lan);
void upnp_gena_unsubscribed(struct xnatd_upnp *up, int slot);
/* Expiry, changes, NOTIFYs due; returns ms until the next thing to do (at most max_ms). */
int upnp_gena_tick(struct xnatd_upnp *up, int max_ms);
int upnp_gena_fds(struct xnatd_upnp *up, struct pollfd *out);
void upnp_gena_poll(struct xnatd_upnp *up, const struct pollfd *pfds);
void upnp_gena_stop(struct xnatd_upnp *up);
void upnp_gena_log(struct xnatd_upnp *up, __be32 client, bool subscribe, const struct xnat_gena_answer *a);

/* upnp.c */
bool upnp_log_budget(struct xnatd_upnp *up);
void xnatd_upnp_log_request(struct xnatd_upnp *up, __be32 client, const char *action, int status,
			    const char *answer, size_t len);

#endif
