/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The UPnP IGD as clients see it: the device's identity (uuids, boot and
 * config ids), the root device description in its IGD:1 and IGD:2 forms,
 * and the service descriptions (SCPDs). Pure string building, no sockets:
 * xnatd's upnp.c serves them over HTTP, ssdp.c advertises them.
 *
 * One device, two faces: Windows and game consoles give up on IGD:2
 * descriptions, so IGD:1 (WANIPConnection:1) is served to clients that ask
 * for :1 or identify as Microsoft, IGD:2 (WANIPConnection:2) to the rest.
 * Both name the same control URLs: the SOAPAction's service version says
 * which rules a request follows.
 */
#ifndef XNAT_AGENT_UPNP_DESC_H
#define XNAT_AGENT_UPNP_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define XNAT_UPNP_UUID_LEN 36 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */

/* Paths served over HTTP (the same for both faces, except the root). */
#define XNAT_UPNP_PATH_ROOT "/rootDesc.xml"    /* IGD:2, or IGD:1 for Microsoft clients */
#define XNAT_UPNP_PATH_ROOT1 "/rootDesc1.xml"  /* always IGD:1: the LOCATION of :1 searches */
#define XNAT_UPNP_PATH_WANIPC_SCPD "/WANIPCn.xml"
#define XNAT_UPNP_PATH_WANIPC_SCPD1 "/WANIPCn1.xml"
#define XNAT_UPNP_PATH_WANCFG_SCPD "/WANCfg.xml"
#define XNAT_UPNP_PATH_L3F_SCPD "/L3F.xml"
#define XNAT_UPNP_CTL_WANIPC "/ctl/IPConn"
#define XNAT_UPNP_CTL_WANCFG "/ctl/CmnIfCfg"
#define XNAT_UPNP_CTL_L3F "/ctl/L3F"
#define XNAT_UPNP_EVT_WANIPC "/evt/IPConn"
#define XNAT_UPNP_EVT_WANCFG "/evt/CmnIfCfg"
#define XNAT_UPNP_EVT_L3F "/evt/L3F"

struct xnat_upnp_device {
	/* The root device (InternetGatewayDevice), its WANDevice and its
	 * WANConnectionDevice: three uuids, kept across restarts by xnatd. */
	char uuid_igd[XNAT_UPNP_UUID_LEN + 1];
	char uuid_wan[XNAT_UPNP_UUID_LEN + 1];
	char uuid_wcd[XNAT_UPNP_UUID_LEN + 1];
	char friendly_name[64];  /* plain text; escaped where it is written */
	char serial[32];
	__u32 boot_id;           /* UDA 1.1 BOOTID.UPNP.ORG: +1 at every start */
	__u32 config_id;         /* CONFIGID.UPNP.ORG: changes when the descriptions do */
};

/*
 * Three uuids from the 16 random bytes of seed (RFC 4122 version 4 form,
 * lowercase): the IGD's is the seed's, the WANDevice's and the
 * WANConnectionDevice's have its last byte +1 and +2. Only the uuids and
 * the defaults are written: an empty friendly name becomes "xnat Internet
 * Gateway", an empty serial the uuid's first 8 hex digits; names already
 * set stay (cut to their arrays), boot_id and config_id are the caller's.
 * Zero *d first, or set the names and ids before or after.
 */
void xnat_upnp_device_init(struct xnat_upnp_device *d, const __u8 seed[16]);

/*
 * The root device description, IGD:1 (igd_version 1) or IGD:2 (2), with
 * presentation-free URLs relative to the LOCATION it was fetched from. Both
 * faces are UDA 1.1 documents (specVersion 1.1, configId = d->config_id).
 * Returns its length (< cap, NUL-terminated) or -1 (out "") when cap is too
 * small or igd_version is neither 1 nor 2.
 */
int xnat_upnp_root_desc(const struct xnat_upnp_device *d, int igd_version, char *out, size_t cap);

/* The SCPD served at path (XNAT_UPNP_PATH_*_SCPD*), or NULL for another path. */
const char *xnat_upnp_scpd(const char *path);

/* The Microsoft rule: a User-Agent (may be NULL) that gets IGD:1. */
bool xnat_upnp_wants_igd1(const char *user_agent);

#endif
