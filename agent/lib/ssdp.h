/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SSDP (UPnP Device Architecture 1.1, section 1): M-SEARCH requests read,
 * search responses and NOTIFY messages written. No sockets: xnatd's upnp.c
 * owns them (UDP 1900, group 239.255.255.250, LAN interfaces only, TTL 2).
 * Requests come from anyone on the LAN: every field is length-checked and
 * an unusual datagram is refused, never half-read.
 */
#ifndef XNAT_AGENT_SSDP_H
#define XNAT_AGENT_SSDP_H

#include <stdbool.h>
#include <stddef.h>
#include "upnp_desc.h"

#define XNAT_SSDP_PORT 1900
#define XNAT_SSDP_GROUP "239.255.255.250"
#define XNAT_SSDP_MAX_AGE 1800     /* CACHE-CONTROL max-age; NOTIFY rounds at most every max-age/2 */
#define XNAT_SSDP_MX_CAP 5         /* MX above this is treated as 5 (UDA 1.1) */
#define XNAT_SSDP_MAX_TARGETS 16
#define XNAT_SSDP_ST_MAX 200

struct xnat_ssdp_search {
	char st[XNAT_SSDP_ST_MAX + 1];
	unsigned int mx;       /* seconds, 1..XNAT_SSDP_MX_CAP (unicast searches without MX: 0) */
	bool unicast;          /* sent to our address, not the group (no MX needed) */
	char user_agent[128];  /* USER-AGENT, "" when absent */
};

/*
 * An M-SEARCH in buf (len bytes, not NUL-terminated). Returns 0 with *s
 * filled; -1 (*s zeroed) for anything else: NOTIFY, responses, garbage, a
 * missing or wrong MAN (exactly "ssdp:discover" in quotes), no ST or one
 * over XNAT_SSDP_ST_MAX, a multicast search without an MX >= 1, a line over
 * 512 bytes or without its end (the empty line ending the headers
 * included), over 32 headers, a header without ':' or with a blank in its
 * name, HOST, MAN, MX, ST or USER-AGENT given twice, a control byte (NUL,
 * lone CR) before the empty line. Bytes after it are not read. A HOST
 * other than the group's makes it a unicast search (MX not read); no HOST
 * is judged as multicast.
 */
int xnat_ssdp_parse_msearch(const char *buf, size_t len, struct xnat_ssdp_search *s);

/* One answer: the ST (or NT) to send and its USN. */
struct xnat_ssdp_target {
	char st[XNAT_SSDP_ST_MAX + 1];
	char usn[XNAT_SSDP_ST_MAX + 64];
	int igd_version;       /* which description its LOCATION names: 1 or 2 */
};

/*
 * The targets answering search target st: ssdp:all (every one of
 * xnat_ssdp_notify_targets), upnp:rootdevice, one of the three uuids, or a
 * urn of a device or service we have at a version we support (a lower
 * version is answered with the version asked, UDA 1.1 1.3.2), compared
 * exactly. A search for IGD:1's InternetGatewayDevice, WANDevice,
 * WANConnectionDevice or WANIPConnection gets igd_version 1, anything else
 * 2. Returns the count written to out (at most max); 0 when nothing matches.
 */
int xnat_ssdp_match(const struct xnat_upnp_device *d, const char *st, struct xnat_ssdp_target *out, size_t max);

/* Every (NT, USN) a NOTIFY round announces (the IGD:2 face). Returns the count. */
int xnat_ssdp_notify_targets(const struct xnat_upnp_device *d, struct xnat_ssdp_target *out, size_t max);

/*
 * The search response (HTTP/1.1 200 OK, CACHE-CONTROL, EXT, LOCATION, SERVER,
 * ST, USN, BOOTID.UPNP.ORG, CONFIGID.UPNP.ORG) for target t; location is the
 * base URL "http://ADDR:PORT" (the path follows from t->igd_version).
 * Returns the length written (< cap, NUL-terminated) or -1.
 */
int xnat_ssdp_response(const struct xnat_upnp_device *d, const char *location, const struct xnat_ssdp_target *t,
		       char *out, size_t cap);

/* NOTIFY ssdp:alive (alive true) or ssdp:byebye for target t. Same return. */
int xnat_ssdp_notify(const struct xnat_upnp_device *d, const char *location, const struct xnat_ssdp_target *t,
		     bool alive, char *out, size_t cap);

#define XNAT_SSDP_SERVER_MAX 192 /* room for any xnat_ssdp_server() */

/*
 * The SERVER value of the messages above, "OS/release UPnP/1.1 xnat/0.1"
 * from uname(2) ("Linux/0" if it fails); UDA 1.1 wants the same in the HTTP
 * answers' SERVER header. Same return.
 */
int xnat_ssdp_server(char *out, size_t cap);

#endif
