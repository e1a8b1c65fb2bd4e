// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IGD's descriptions (see upnp_desc.h). The root description is built
 * per request into the caller's buffer (it carries the friendly name and
 * the configId); the SCPDs never change and are string constants put
 * together by the preprocessor from shared pieces. Elements follow the
 * order of UDA 1.1 2.3 and 2.5; every document says specVersion 1.1, the
 * IGD:1 face included, as miniupnpd does: the version is UDA's (configId,
 * BOOTID.UPNP.ORG), not the IGD's.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "strbuf.h"
#include "upnp_desc.h"
#include "xml_escape.h"

#define XML_DECL "<?xml version=\"1.0\"?>\n"
#define SPEC_VERSION "<specVersion><major>1</major><minor>1</minor></specVersion>"
#define MODEL_NUMBER "0.1"
#define DEFAULT_NAME "xnat Internet Gateway"

/* ------------------------------------------------------------- identity */

static void format_uuid(const __u8 seed[16], __u8 last, char out[XNAT_UPNP_UUID_LEN + 1])
{
	__u8 b[16];
	size_t n = 0;

	memcpy(b, seed, sizeof(b));
	b[15] = last;
	b[6] = (__u8)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (__u8)((b[8] & 0x3f) | 0x80); /* variant 10xx (RFC 4122) */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = "0123456789abcdef"[b[i] >> 4];
		out[n++] = "0123456789abcdef"[b[i] & 15];
	}
	out[n] = '\0';
}

void xnat_upnp_device_init(struct xnat_upnp_device *d, const __u8 seed[16])
{
	format_uuid(seed, seed[15], d->uuid_igd);
	format_uuid(seed, (__u8)(seed[15] + 1), d->uuid_wan);
	format_uuid(seed, (__u8)(seed[15] + 2), d->uuid_wcd);
	/* Names set by the caller stay, cut to their arrays if they filled them. */
	d->friendly_name[sizeof(d->friendly_name) - 1] = '\0';
	d->serial[sizeof(d->serial) - 1] = '\0';
	if (!d->friendly_name[0])
		snprintf(d->friendly_name, sizeof(d->friendly_name), "%s", DEFAULT_NAME);
	if (!d->serial[0])
		snprintf(d->serial, sizeof(d->serial), "%.8s", d->uuid_igd);
}

/* ------------------------------------------------------ root description */

/* A document written piece by piece into out; full once a piece did not fit. */
/* Its length, or -1 (and out "") when it did not fit: never half a document. */
static int finish(struct xnat_strbuf *w)
{
	if (w->full || w->len > INT_MAX) {
		if (w->cap)
			w->b[0] = '\0';
		return -1;
	}
	return (int)w->len;
}

/* A char array of the device (NUL-terminated or full) as XML text. */
static int escape_field(const char *field, size_t size, char *out, size_t cap)
{
	char text[sizeof(((struct xnat_upnp_device *)0)->friendly_name) + 1];
	size_t n = strnlen(field, size < sizeof(text) ? size : sizeof(text) - 1);

	memcpy(text, field, n);
	text[n] = '\0';
	return xnat_xml_escape(text, out, cap);
}

/* The three nested devices, each with its one service. */
static const struct level {
	const char *device;      /* deviceType's name; versioned like the face */
	const char *sub_name;    /* friendlyName of an embedded device */
	const char *service;     /* serviceType's name */
	bool service_versioned;  /* :1 or :2 like the face, else always :1 */
	const char *service_id;
	const char *scpd[2];     /* SCPDURL of the IGD:1 and the IGD:2 face */
	const char *control, *event;
} levels[] = {
	{ "InternetGatewayDevice", NULL, "Layer3Forwarding", false, "L3Forwarding1",
	  { XNAT_UPNP_PATH_L3F_SCPD, XNAT_UPNP_PATH_L3F_SCPD }, XNAT_UPNP_CTL_L3F, XNAT_UPNP_EVT_L3F },
	{ "WANDevice", "WANDevice", "WANCommonInterfaceConfig", false, "WANCommonIFC1",
	  { XNAT_UPNP_PATH_WANCFG_SCPD, XNAT_UPNP_PATH_WANCFG_SCPD }, XNAT_UPNP_CTL_WANCFG, XNAT_UPNP_EVT_WANCFG },
	{ "WANConnectionDevice", "WANConnectionDevice", "WANIPConnection", true, "WANIPConn1",
	  { XNAT_UPNP_PATH_WANIPC_SCPD1, XNAT_UPNP_PATH_WANIPC_SCPD }, XNAT_UPNP_CTL_WANIPC, XNAT_UPNP_EVT_WANIPC },
};

static void device(struct xnat_strbuf *w, const struct level *l, int version, const char *name, const char *serial,
		   const char *uuid)
{
	xnat_strbuf_printf(w, "<device><deviceType>urn:schemas-upnp-org:device:%s:%d</deviceType>"
	       "<friendlyName>%s</friendlyName><manufacturer>xnat</manufacturer>"
	       "<modelDescription>xnat eBPF NAT gateway</modelDescription><modelName>xnat</modelName>"
	       "<modelNumber>" MODEL_NUMBER "</modelNumber><serialNumber>%s</serialNumber>"
	       "<UDN>uuid:%.*s</UDN>",
	    l->device, version, l->sub_name ? l->sub_name : name, serial, XNAT_UPNP_UUID_LEN, uuid);
	xnat_strbuf_printf(w, "<serviceList><service><serviceType>urn:schemas-upnp-org:service:%s:%d</serviceType>"
	       "<serviceId>urn:upnp-org:serviceId:%s</serviceId><SCPDURL>%s</SCPDURL>"
	       "<controlURL>%s</controlURL><eventSubURL>%s</eventSubURL></service></serviceList>",
	    l->service, l->service_versioned ? version : 1, l->service_id, l->scpd[version - 1], l->control, l->event);
}

int xnat_upnp_root_desc(const struct xnat_upnp_device *d, int igd_version, char *out, size_t cap)
{
	const char *uuids[] = { d->uuid_igd, d->uuid_wan, d->uuid_wcd };
	/* Escaping makes a character 6 at most ("&quot;"). */
	char name[6 * sizeof(d->friendly_name) + 1], serial[6 * sizeof(d->serial) + 1];
	struct xnat_strbuf w = { .b = out, .cap = cap };
	int n = (int)(sizeof(levels) / sizeof(levels[0]));

	if ((igd_version != 1 && igd_version != 2) ||
	    escape_field(d->friendly_name, sizeof(d->friendly_name), name, sizeof(name)) < 0 ||
	    escape_field(d->serial, sizeof(d->serial), serial, sizeof(serial)) < 0) {
		w.full = true;
		return finish(&w);
	}
	xnat_strbuf_printf(&w, XML_DECL "<root xmlns=\"urn:schemas-upnp-org:device-1-0\" configId=\"%u\">" SPEC_VERSION,
	    d->config_id);
	/* No URLBase: the paths are relative to the LOCATION the client fetched. */
	for (int i = 0; i < n; i++) {
		if (i)
			xnat_strbuf_printf(&w, "<deviceList>");
		device(&w, &levels[i], igd_version, name, serial, uuids[i]);
	}
	for (int i = n - 1; i >= 0; i--)
		xnat_strbuf_printf(&w, i ? "</device></deviceList>" : "</device>");
	xnat_strbuf_printf(&w, "</root>\n");
	return finish(&w);
}

/* ----------------------------------------------------------------- SCPDs */

#define ARG(dir, name, var)                                                                          \
	"<argument><name>" name "</name><direction>" dir "</direction>"                             \
	"<relatedStateVariable>" var "</relatedStateVariable></argument>"
#define ARG_IN(name, var) ARG("in", name, var)
#define ARG_OUT(name, var) ARG("out", name, var)
#define ACTION(name, args) "<action><name>" name "</name><argumentList>" args "</argumentList></action>"
#define ACTION_NO_ARGS(name) "<action><name>" name "</name></action>"
#define VAR(events, name, type, more)                                                                \
	"<stateVariable sendEvents=\"" events "\"><name>" name "</name><dataType>" type "</dataType>"  \
	more "</stateVariable>"
#define VALUES(list) "<allowedValueList>" list "</allowedValueList>"
#define V(x) "<allowedValue>" x "</allowedValue>"
#define RANGE(min, max) "<allowedValueRange><minimum>" #min "</minimum><maximum>" #max "</maximum></allowedValueRange>"
#define SCPD(actions, vars)                                                                          \
	XML_DECL "<scpd xmlns=\"urn:schemas-upnp-org:service-1-0\">" SPEC_VERSION "<actionList>"      \
	actions "</actionList><serviceStateTable>" vars "</serviceStateTable></scpd>\n"

/* WANIPConnection. A mapping's key, and its settings (DIR: ARG_IN or ARG_OUT). */
#define MAPPING_KEY(DIR)                                                                             \
	DIR("NewRemoteHost", "RemoteHost") DIR("NewExternalPort", "ExternalPort")                   \
	DIR("NewProtocol", "PortMappingProtocol")
#define MAPPING_SETTINGS(DIR)                                                                        \
	DIR("NewInternalPort", "InternalPort") DIR("NewInternalClient", "InternalClient")           \
	DIR("NewEnabled", "PortMappingEnabled") DIR("NewPortMappingDescription", "PortMappingDescription") \
	DIR("NewLeaseDuration", "PortMappingLeaseDuration")
/* The range of ports v2's range actions work on. */
#define PORT_RANGE                                                                                   \
	ARG_IN("NewStartPort", "ExternalPort") ARG_IN("NewEndPort", "ExternalPort")                  \
	ARG_IN("NewProtocol", "PortMappingProtocol") ARG_IN("NewManage", "A_ARG_TYPE_Manage")

#define WANIPC_ACTIONS                                                                               \
	ACTION("SetConnectionType", ARG_IN("NewConnectionType", "ConnectionType"))                   \
	ACTION("GetConnectionTypeInfo", ARG_OUT("NewConnectionType", "ConnectionType")               \
		ARG_OUT("NewPossibleConnectionTypes", "PossibleConnectionTypes"))                     \
	ACTION_NO_ARGS("RequestConnection")                                                          \
	ACTION_NO_ARGS("ForceTermination")                                                           \
	ACTION("GetStatusInfo", ARG_OUT("NewConnectionStatus", "ConnectionStatus")                   \
		ARG_OUT("NewLastConnectionError", "LastConnectionError") ARG_OUT("NewUptime", "Uptime")) \
	ACTION("GetNATRSIPStatus", ARG_OUT("NewRSIPAvailable", "RSIPAvailable")                      \
		ARG_OUT("NewNATEnabled", "NATEnabled"))                                               \
	ACTION("GetGenericPortMappingEntry", ARG_IN("NewPortMappingIndex", "PortMappingNumberOfEntries") \
		MAPPING_KEY(ARG_OUT) MAPPING_SETTINGS(ARG_OUT))                                      \
	ACTION("GetSpecificPortMappingEntry", MAPPING_KEY(ARG_IN) MAPPING_SETTINGS(ARG_OUT))        \
	ACTION("AddPortMapping", MAPPING_KEY(ARG_IN) MAPPING_SETTINGS(ARG_IN))                       \
	ACTION("DeletePortMapping", MAPPING_KEY(ARG_IN))                                             \
	ACTION("GetExternalIPAddress", ARG_OUT("NewExternalIPAddress", "ExternalIPAddress"))

#define WANIPC_ACTIONS_V2                                                                            \
	ACTION("AddAnyPortMapping", MAPPING_KEY(ARG_IN) MAPPING_SETTINGS(ARG_IN)                     \
		ARG_OUT("NewReservedPort", "ExternalPort"))                                          \
	ACTION("DeletePortMappingRange", PORT_RANGE)                                                 \
	ACTION("GetListOfPortMappings", PORT_RANGE ARG_IN("NewNumberOfPorts", "PortMappingNumberOfEntries") \
		ARG_OUT("NewPortListing", "A_ARG_TYPE_PortListing"))

/* v2 bounds the lease duration and the internal port; v1 does not. */
#define WANIPC_VARS(lease_more, port_more)                                                           \
	VAR("no", "ConnectionType", "string", "")                                                    \
	VAR("yes", "PossibleConnectionTypes", "string", VALUES(V("Unconfigured") V("IP_Routed") V("IP_Bridged"))) \
	VAR("yes", "ConnectionStatus", "string",                                                     \
	    VALUES(V("Unconfigured") V("Connecting") V("Connected") V("PendingDisconnect")           \
		   V("Disconnecting") V("Disconnected")))                                           \
	VAR("no", "Uptime", "ui4", "")                                                               \
	VAR("no", "LastConnectionError", "string", VALUES(V("ERROR_NONE")))                          \
	VAR("no", "RSIPAvailable", "boolean", "")                                                    \
	VAR("no", "NATEnabled", "boolean", "")                                                       \
	VAR("yes", "ExternalIPAddress", "string", "")                                                \
	VAR("yes", "PortMappingNumberOfEntries", "ui2", "")                                          \
	VAR("no", "PortMappingEnabled", "boolean", "")                                               \
	VAR("no", "PortMappingLeaseDuration", "ui4", lease_more)                                     \
	VAR("no", "RemoteHost", "string", "")                                                        \
	VAR("no", "ExternalPort", "ui2", "")                                                         \
	VAR("no", "InternalPort", "ui2", port_more)                                                  \
	VAR("no", "PortMappingProtocol", "string", VALUES(V("TCP") V("UDP")))                        \
	VAR("no", "InternalClient", "string", "")                                                    \
	VAR("no", "PortMappingDescription", "string", "")

#define WANIPC_VARS_V2                                                                               \
	VAR("yes", "SystemUpdateID", "ui4", "")                                                      \
	VAR("no", "A_ARG_TYPE_Manage", "boolean", "")                                                \
	VAR("no", "A_ARG_TYPE_PortListing", "string", "")

static const char wanipc1[] = SCPD(WANIPC_ACTIONS, WANIPC_VARS("", ""));
static const char wanipc2[] = SCPD(WANIPC_ACTIONS WANIPC_ACTIONS_V2,
				   WANIPC_VARS(RANGE(0, 604800), RANGE(1, 65535)) WANIPC_VARS_V2);

#define TOTAL(what) ACTION("GetTotal" what, ARG_OUT("NewTotal" what, "Total" what))

static const char wancfg[] = SCPD(
	ACTION("GetCommonLinkProperties", ARG_OUT("NewWANAccessType", "WANAccessType")
		ARG_OUT("NewLayer1UpstreamMaxBitRate", "Layer1UpstreamMaxBitRate")
		ARG_OUT("NewLayer1DownstreamMaxBitRate", "Layer1DownstreamMaxBitRate")
		ARG_OUT("NewPhysicalLinkStatus", "PhysicalLinkStatus"))
	TOTAL("BytesSent") TOTAL("BytesReceived") TOTAL("PacketsSent") TOTAL("PacketsReceived"),
	VAR("no", "WANAccessType", "string", VALUES(V("DSL") V("POTS") V("Cable") V("Ethernet")))
	VAR("no", "Layer1UpstreamMaxBitRate", "ui4", "")
	VAR("no", "Layer1DownstreamMaxBitRate", "ui4", "")
	VAR("yes", "PhysicalLinkStatus", "string", VALUES(V("Up") V("Down")))
	VAR("no", "TotalBytesSent", "ui4", "")
	VAR("no", "TotalBytesReceived", "ui4", "")
	VAR("no", "TotalPacketsSent", "ui4", "")
	VAR("no", "TotalPacketsReceived", "ui4", ""));

static const char l3f[] = SCPD(
	ACTION("SetDefaultConnectionService", ARG_IN("NewDefaultConnectionService", "DefaultConnectionService"))
	ACTION("GetDefaultConnectionService", ARG_OUT("NewDefaultConnectionService", "DefaultConnectionService")),
	VAR("yes", "DefaultConnectionService", "string", ""));

const char *xnat_upnp_scpd(const char *path)
{
	static const struct {
		const char *path, *doc;
	} scpds[] = {
		{ XNAT_UPNP_PATH_WANIPC_SCPD, wanipc2 },
		{ XNAT_UPNP_PATH_WANIPC_SCPD1, wanipc1 },
		{ XNAT_UPNP_PATH_WANCFG_SCPD, wancfg },
		{ XNAT_UPNP_PATH_L3F_SCPD, l3f },
	};

	for (size_t i = 0; path && i < sizeof(scpds) / sizeof(scpds[0]); i++)
		if (!strcmp(path, scpds[i].path))
			return scpds[i].doc;
	return NULL;
}

bool xnat_upnp_wants_igd1(const char *user_agent)
{
	return user_agent && strcasestr(user_agent, "Microsoft");
}
