/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UPnP eventing (GENA, UPnP Device Architecture 1.1 section 4): the table
 * of subscriptions to the IGD's three services, SUBSCRIBE (new and
 * renewal) and UNSUBSCRIBE judged into an HTTP status, and the event
 * messages written (the propertyset body and the whole NOTIFY request).
 * No sockets and no clock of its own: xnatd's upnp.c hands it the headers,
 * the TCP peer's address and the time, and sends the NOTIFYs.
 *
 * Subscribers are any LAN host, so the table is bounded (in all and per
 * address) and a callback is only ever the subscriber itself: since
 * CallStranger (CVE-2020-12695) a CALLBACK naming another host, or a name
 * instead of an address, is refused, so no NOTIFY can be aimed elsewhere.
 */
#ifndef XNAT_AGENT_GENA_H
#define XNAT_AGENT_GENA_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define XNAT_GENA_MAX_SUBS 32          /* across all services: a bounded table (CallStranger-era hygiene) */
#define XNAT_GENA_MAX_PER_HOST 8       /* subscriptions one LAN address may hold */
#define XNAT_GENA_DEFAULT_TIMEOUT 1800 /* TIMEOUT absent or "Second-infinite" */
#define XNAT_GENA_MIN_TIMEOUT 60
#define XNAT_GENA_MAX_TIMEOUT 86400    /* longer requests are cut to this */
#define XNAT_GENA_PATH_MAX 256
#define XNAT_GENA_SID_LEN 41           /* "uuid:" + 36 */
#define XNAT_GENA_CALLBACK_MAX 1024    /* a longer CALLBACK header is refused whole */

enum xnat_gena_service { XNAT_GENA_WANIPC, XNAT_GENA_WANCFG, XNAT_GENA_L3F, XNAT_GENA_SERVICES };

struct xnat_gena_sub {
	bool used;
	enum xnat_gena_service service;
	char sid[XNAT_GENA_SID_LEN + 1];
	__be32 addr;                       /* callback host = the subscriber's own address */
	__u16 port;                        /* host order */
	char path[XNAT_GENA_PATH_MAX + 1]; /* callback path, starts with '/' */
	__u32 expires;                     /* seconds of the caller's monotonic clock */
	__u32 seq;                         /* SEQ of the next NOTIFY: 0 for the initial event,
					      then 1.. wrapping 0xffffffff -> 1 */
};

struct xnat_gena {
	struct xnat_gena_sub subs[XNAT_GENA_MAX_SUBS];
	__u64 sid_counter;                 /* with the seed, makes unique SIDs */
	__u8 seed[16];                     /* random bytes from the caller (xnatd reads getrandom) */
	struct xnat_gena_counters {
		/* refused: SUBSCRIBE or UNSUBSCRIBE answered other than 200;
		 * expired: freed by xnat_gena_expire or found expired by a renewal. */
		__u64 subscribed, renewed, unsubscribed, expired, refused;
	} count;
};

/* An empty table; seed (16 random bytes) keys the SIDs. */
void xnat_gena_init(struct xnat_gena *g, const __u8 seed[16]);

/*
 * The service an event path names (XNAT_UPNP_EVT_WANIPC "/evt/IPConn",
 * XNAT_UPNP_EVT_WANCFG, XNAT_UPNP_EVT_L3F from upnp_desc.h), or -1.
 */
int xnat_gena_service_of(const char *path);

struct xnat_gena_answer {
	int status;                        /* HTTP status to answer */
	char sid[XNAT_GENA_SID_LEN + 1];   /* on 200 for SUBSCRIBE: the SID header ("" otherwise) */
	__u32 timeout;                     /* on 200 for SUBSCRIBE: the TIMEOUT header's seconds ("Second-N") */
	int slot;                          /* on 200 for a NEW subscription: its index in subs (the caller
					      sends the initial event to it); -1 otherwise */
	const char *reason;                /* short text for the log, e.g. "callback not the subscriber's address" */
};

/*
 * SUBSCRIBE on path with its headers as the HTTP server gave them (each
 * NULL when absent): callback (CALLBACK), nt (NT), timeout (TIMEOUT), sid
 * (SID), from client (the TCP peer's IPv4, network order); now is the
 * caller's monotonic clock in seconds.
 *
 * New subscription: CALLBACK and NT "upnp:event" required, no SID.
 * Renewal: SID, and neither CALLBACK nor NT. Statuses:
 *  200;
 *  400 Bad Request: SID together with CALLBACK or NT (UDA 4.1.1
 *      "incompatible headers"), or path not an event path;
 *  412 Precondition Failed: NT other than "upnp:event", CALLBACK missing
 *      or without one acceptable URL, renewal of an unknown or expired
 *      SID, or of a SID held by another address (a SID names one
 *      subscription to one service: on another service's path it is unknown);
 *  503 Service Unavailable: the table or the host's quota is full (after
 *      expired entries were reclaimed).
 *
 * CALLBACK is one or more "<url>" in angle brackets (blanks between
 * allowed). A URL is acceptable only when it is "http://" (scheme
 * case-insensitive) + a dotted-quad IPv4 literal EQUAL to client
 * (CallStranger, CVE-2020-12695: never call back anyone else; host names
 * are refused; decimal without leading zeros, as "010" is octal to
 * inet_aton) + optional ":port" (1..65535 decimal, default 80) + a path
 * starting with '/' (absent: "/") of at most XNAT_GENA_PATH_MAX printable
 * ASCII bytes without spaces, CR, LF or control bytes; no userinfo '@', no
 * fragment '#'. The first acceptable URL is used. Malformed brackets
 * anywhere or a header over XNAT_GENA_CALLBACK_MAX bytes => 412.
 *
 * TIMEOUT: "Second-N" (case-insensitive "second-", N decimal) clamped to
 * [MIN, MAX]; "Second-infinite", absent or malformed => DEFAULT.
 * A renewal keeps its seq and callback; it updates expires and answers
 * the same SID.
 */
void xnat_gena_subscribe(struct xnat_gena *g, const char *path, const char *callback, const char *nt,
			 const char *timeout, const char *sid, __be32 client, __u32 now, struct xnat_gena_answer *a);

/*
 * UNSUBSCRIBE: an unknown path => 400 as for SUBSCRIBE; SID required
 * (missing or empty => 412, UDA 4.1.3), CALLBACK or NT present => 400,
 * unknown SID or another client's => 412, else 200 and the slot freed.
 * No clock here: a SID expired but not yet freed may still be removed.
 */
void xnat_gena_unsubscribe(struct xnat_gena *g, const char *path, const char *sid, const char *callback,
			   const char *nt, __be32 client, struct xnat_gena_answer *a);

/* Free subscriptions expired at now (now >= expires, wrap-safe); returns how many. */
unsigned int xnat_gena_expire(struct xnat_gena *g, __u32 now);

/* One evented state variable: name and value (plain text; escaped when written). */
struct xnat_gena_var {
	const char *name;
	const char *value;
};

/*
 * The event body: <?xml version="1.0"?> then
 * <e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0"> with one
 * <e:property><Name>value</Name></e:property> per var (values XML-escaped
 * with xml_escape.h; a NULL value is written empty). Returns the length
 * (< cap, NUL-terminated) or -1 when it does not fit (out ""). Names must
 * be [A-Za-z0-9_]+ else -1; no vars (n 0) is -1 too: an event carries at
 * least one.
 */
int xnat_gena_propertyset(const struct xnat_gena_var *vars, size_t n, char *out, size_t cap);

/*
 * The whole NOTIFY request for subscription sub carrying body: request
 * line "NOTIFY <path> HTTP/1.1", headers HOST: a.b.c.d:port, CONTENT-TYPE:
 * text/xml; charset="utf-8", NT: upnp:event, NTS: upnp:propchange, SID,
 * SEQ (sub->seq), CONTENT-LENGTH, CONNECTION: close, blank line, body.
 * Returns the length (< cap, NUL-terminated) or -1 (out "") when it does
 * not fit or sub is not a subscription in use with a valid path and SID.
 * Then advances sub->seq (0 -> 1 ... 0xffffffff -> 1) only when it
 * succeeded.
 */
int xnat_gena_notify_request(struct xnat_gena_sub *sub, const char *body, char *out, size_t cap);

/*
 * What is evented per service (names, in UDA order), for the caller to
 * build initial events: WANIPConnection: PossibleConnectionTypes,
 * ConnectionStatus, ExternalIPAddress, PortMappingNumberOfEntries;
 * WANCommonInterfaceConfig: PhysicalLinkStatus; Layer3Forwarding:
 * DefaultConnectionService. Returns the count, the names in *names (0 and
 * NULL for another service).
 */
size_t xnat_gena_evented(enum xnat_gena_service s, const char *const **names);

#endif
