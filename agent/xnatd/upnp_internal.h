/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The UPnP IGD inside xnatd: state shared by upnp.c (life cycle, device
 * identity), upnp_http.c (libmicrohttpd) and upnp_ssdp.c (discovery). */
#ifndef XNATD_UPNP_INTERNAL_H
#define XNATD_UPNP_INTERNAL_H

#include <netinet/in.h>
#include <net/if.h>
#include "ssdp.h"
#include "upnp_soap.h"
#include "xnatd.h"

#define UPNP_ANSWER_CAP (64u * 1024) /* GetListOfPortMappings can be long */
#define UPNP_PENDING_MAX 64 /* search responses waiting for their MX delay */

struct xnatd_upnp;

struct upnp_lan {
	struct xnatd_upnp *up;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	struct in_addr addr;      /* the interface's address: where HTTP listens, LOCATION */
	char location[40];        /* "http://ADDR:PORT" */
	struct MHD_Daemon *mhd;
	int http_fd;              /* libmicrohttpd's epoll fd */
	int ssdp_fd;
};

/* A search response due at a time within the search's MX. */
struct upnp_pending {
	__u64 at_ms;
	int lan;
	struct sockaddr_in to;
	struct xnat_ssdp_target t;
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
	struct {
		__u64 http, http_refused, searches, search_answers, search_dropped, ssdp_malformed;
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

/* upnp.c */
void xnatd_upnp_log_request(struct xnatd_upnp *up, __be32 client, const char *action, int status,
			    const char *answer, size_t len);

#endif
