// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The actions that only describe the gateway: WANIPConnection's connection
 * (an always-routed, never-dialled IP connection), WANCommonInterfaceConfig
 * (link and totals) and Layer3Forwarding (one connection service, so one
 * default). Answers follow miniupnpd's, which clients are tested against.
 */
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include "upnp_actions.h"

#define DEFAULT_BITRATE 1000000000u /* bit/s reported when xnatd does not know the link's */
#define WANIPC_SERVICE_ID "urn:upnp-org:serviceId:WANIPConn1"

static bool connected(const struct xnat_upnp_ctx *x)
{
	return x->s->ext_addr != 0;
}

static const char *connection_status(const struct xnat_upnp_ctx *x)
{
	return connected(x) ? "Connected" : "Disconnected";
}

/* "" without an address: WANIPConnection:2 2.3.13 (and miniupnpd for both versions). */
static void external_ip(const struct xnat_upnp_ctx *x, char out[INET_ADDRSTRLEN])
{
	out[0] = '\0';
	if (connected(x))
		inet_ntop(AF_INET, &x->s->ext_addr, out, INET_ADDRSTRLEN);
}

int xnat_upnp_get_external_ip(struct xnat_upnp_ctx *x)
{
	char a[INET_ADDRSTRLEN];

	external_ip(x, a);
	xnat_upnp_put_arg(x->out, "NewExternalIPAddress", a);
	return XNAT_UPNP_OK;
}

int xnat_upnp_get_status_info(struct xnat_upnp_ctx *x)
{
	xnat_upnp_put_arg(x->out, "NewConnectionStatus", connection_status(x));
	xnat_upnp_put_arg(x->out, "NewLastConnectionError", "ERROR_NONE");
	xnat_upnp_put_arg_u(x->out, "NewUptime", x->now - x->s->started);
	return XNAT_UPNP_OK;
}

int xnat_upnp_get_connection_type(struct xnat_upnp_ctx *x)
{
	xnat_upnp_put_arg(x->out, "NewConnectionType", "IP_Routed");
	xnat_upnp_put_arg(x->out, "NewPossibleConnectionTypes", "IP_Routed");
	return XNAT_UPNP_OK;
}

/* The connection type is the gateway's, not a control point's to change (miniupnpd: 731). */
int xnat_upnp_set_connection_type(struct xnat_upnp_ctx *x)
{
	return xnat_upnp_arg(x->call, "NewConnectionType") ? XNAT_UPNP_READ_ONLY : XNAT_UPNP_INVALID_ARGS;
}

int xnat_upnp_get_nat_rsip_status(struct xnat_upnp_ctx *x)
{
	xnat_upnp_put_arg(x->out, "NewRSIPAvailable", "0");
	xnat_upnp_put_arg(x->out, "NewNATEnabled", "1");
	return XNAT_UPNP_OK;
}

/* RequestConnection, ForceTermination: the WAN link is not a LAN host's to
 * bring up or down (miniupnpd answers both with 606). */
int xnat_upnp_not_authorized(struct xnat_upnp_ctx *x)
{
	(void)x;
	return XNAT_UPNP_NOT_AUTHORIZED;
}

/*
 * QueryStateVariable (UDA 1.0, deprecated since; Windows still asks it for
 * the connection's status): the few variables worth answering, others 404.
 */
int xnat_upnp_query_state_variable(struct xnat_upnp_ctx *x)
{
	const char *name = xnat_upnp_arg(x->call, "varName");
	char a[INET_ADDRSTRLEN];

	if (!name)
		return XNAT_UPNP_INVALID_ARGS;
	if (!strcmp(name, "ConnectionStatus")) {
		xnat_upnp_put_arg(x->out, "return", connection_status(x));
	} else if (!strcmp(name, "ExternalIPAddress")) {
		external_ip(x, a);
		xnat_upnp_put_arg(x->out, "return", a);
	} else if (!strcmp(name, "PortMappingNumberOfEntries")) {
		xnat_upnp_put_arg_u(x->out, "return", xnat_upnp_soap_count(x->s));
	} else {
		return XNAT_UPNP_INVALID_VAR;
	}
	return XNAT_UPNP_OK;
}

/* --------------------------------------------- WANCommonInterfaceConfig */

int xnat_upnp_get_link_properties(struct xnat_upnp_ctx *x)
{
	xnat_upnp_put_arg(x->out, "NewWANAccessType", "Ethernet");
	xnat_upnp_put_arg_u(x->out, "NewLayer1UpstreamMaxBitRate",
			    x->s->bitrate_up ? x->s->bitrate_up : DEFAULT_BITRATE);
	xnat_upnp_put_arg_u(x->out, "NewLayer1DownstreamMaxBitRate",
			    x->s->bitrate_down ? x->s->bitrate_down : DEFAULT_BITRATE);
	xnat_upnp_put_arg(x->out, "NewPhysicalLinkStatus", connected(x) ? "Up" : "Down");
	return XNAT_UPNP_OK;
}

/* One of the totals (at offset in struct xnat_upnp_totals), a ui4: it wraps at 2^32. */
static int put_total(struct xnat_upnp_ctx *x, const char *name, size_t offset)
{
	struct xnat_upnp_totals t;
	__u64 v;

	if (!x->s->totals || x->s->totals(x->s->totals_ctx, &t))
		return XNAT_UPNP_ACTION_FAILED;
	memcpy(&v, (const char *)&t + offset, sizeof(v));
	xnat_upnp_put_arg_u(x->out, name, (unsigned long)(v & 0xffffffffu));
	return XNAT_UPNP_OK;
}

int xnat_upnp_get_bytes_sent(struct xnat_upnp_ctx *x)
{
	return put_total(x, "NewTotalBytesSent", offsetof(struct xnat_upnp_totals, bytes_sent));
}

int xnat_upnp_get_bytes_received(struct xnat_upnp_ctx *x)
{
	return put_total(x, "NewTotalBytesReceived", offsetof(struct xnat_upnp_totals, bytes_received));
}

int xnat_upnp_get_packets_sent(struct xnat_upnp_ctx *x)
{
	return put_total(x, "NewTotalPacketsSent", offsetof(struct xnat_upnp_totals, packets_sent));
}

int xnat_upnp_get_packets_received(struct xnat_upnp_ctx *x)
{
	return put_total(x, "NewTotalPacketsReceived", offsetof(struct xnat_upnp_totals, packets_received));
}

/* ----------------------------------------------------- Layer3Forwarding */

/* "uuid:<WANConnectionDevice's uuid>:WANConnectionDevice:1,<serviceId>" (L3F:1 2.2.1, miniupnpd's form). */
int xnat_upnp_get_default_service(struct xnat_upnp_ctx *x)
{
	xnat_upnp_putf(x->out, "<NewDefaultConnectionService>uuid:");
	xnat_upnp_put_text(x->out, x->s->dev->uuid_wcd);
	xnat_upnp_put(x->out, ":WANConnectionDevice:1," WANIPC_SERVICE_ID "</NewDefaultConnectionService>");
	return XNAT_UPNP_OK;
}

/* There is one connection service: whatever is asked, it stays the default (miniupnpd: ignored). */
int xnat_upnp_set_default_service(struct xnat_upnp_ctx *x)
{
	return xnat_upnp_arg(x->call, "NewDefaultConnectionService") ? XNAT_UPNP_OK : XNAT_UPNP_INVALID_ARGS;
}
