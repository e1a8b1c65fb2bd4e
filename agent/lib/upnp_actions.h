/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside UPnP control: what an action handler gets (the request, the
 * requester, the service version, the answer being written), the readers
 * of typed arguments (upnp_args.c), and the handlers upnp_soap.c's table
 * dispatches to (upnp_portmap.c, upnp_info.c). Not for xnatd: it uses
 * upnp_soap.h.
 */
#ifndef XNAT_AGENT_UPNP_ACTIONS_H
#define XNAT_AGENT_UPNP_ACTIONS_H

#include <stdbool.h>
#include "upnp_envelope.h"
#include "upnp_soap.h"

#define XNAT_UPNP_SERVICE_PREFIX "urn:schemas-upnp-org:service:"
#define XNAT_UPNP_CONTROL_NS "urn:schemas-upnp-org:control-1-0" /* QueryStateVariable's */
#define XNAT_UPNP_ENTRY_SLOTS (2 * 65536) /* s->entries: TCP then UDP slots of xnat_ports */

struct xnat_upnp_ctx {
	struct xnat_upnp_soap *s;
	const struct xnat_upnp_call *call;
	unsigned int version;      /* of the request's service type (1 or 2) */
	__be32 client;             /* the requester */
	__u32 now;
	struct xnat_upnp_out *out; /* after the response's start: handlers write their arguments */
};

/* An action: 0 with its output arguments written, or a UPnP error code. */
typedef int (*xnat_upnp_action_fn)(struct xnat_upnp_ctx *x);

/*
 * Typed arguments: each returns 0 with *v set, or 402 (Invalid Args) when
 * the argument is missing or not of its type. Surrounding whitespace is
 * ignored; numbers are plain decimal (no sign), in range.
 */
int xnat_upnp_arg_uint(const struct xnat_upnp_ctx *x, const char *name, __u32 max, __u32 *v);
/* A port, 0..65535; "*" (a wildcard some clients send) reads as 0. */
int xnat_upnp_arg_port(const struct xnat_upnp_ctx *x, const char *name, __u16 *v);
/* 0/1, false/true, no/yes, any case. */
int xnat_upnp_arg_bool(const struct xnat_upnp_ctx *x, const char *name, bool *v);
/* "TCP" or "UDP", any case: IPPROTO_TCP or IPPROTO_UDP. */
int xnat_upnp_arg_proto(const struct xnat_upnp_ctx *x, const char *name, __u8 *v);
/* An IPv4 address in dotted-quad form, not 0.0.0.0. */
int xnat_upnp_arg_addr(const struct xnat_upnp_ctx *x, const char *name, __be32 *v);
/* A RemoteHost that is a wildcard: missing, empty or "*". */
bool xnat_upnp_remote_is_wildcard(const struct xnat_upnp_ctx *x);

/* WANIPConnection: port mappings (upnp_portmap.c). */
int xnat_upnp_add_port_mapping(struct xnat_upnp_ctx *x);
int xnat_upnp_add_any_port_mapping(struct xnat_upnp_ctx *x);
int xnat_upnp_delete_port_mapping(struct xnat_upnp_ctx *x);
int xnat_upnp_delete_port_mapping_range(struct xnat_upnp_ctx *x);
int xnat_upnp_get_generic_entry(struct xnat_upnp_ctx *x);
int xnat_upnp_get_specific_entry(struct xnat_upnp_ctx *x);
int xnat_upnp_get_list(struct xnat_upnp_ctx *x);

/* WANIPConnection: the connection (upnp_info.c). */
int xnat_upnp_get_external_ip(struct xnat_upnp_ctx *x);
int xnat_upnp_get_status_info(struct xnat_upnp_ctx *x);
int xnat_upnp_get_connection_type(struct xnat_upnp_ctx *x);
int xnat_upnp_set_connection_type(struct xnat_upnp_ctx *x);
int xnat_upnp_get_nat_rsip_status(struct xnat_upnp_ctx *x);
int xnat_upnp_not_authorized(struct xnat_upnp_ctx *x);
int xnat_upnp_query_state_variable(struct xnat_upnp_ctx *x);

/* WANCommonInterfaceConfig and Layer3Forwarding (upnp_info.c). */
int xnat_upnp_get_link_properties(struct xnat_upnp_ctx *x);
int xnat_upnp_get_bytes_sent(struct xnat_upnp_ctx *x);
int xnat_upnp_get_bytes_received(struct xnat_upnp_ctx *x);
int xnat_upnp_get_packets_sent(struct xnat_upnp_ctx *x);
int xnat_upnp_get_packets_received(struct xnat_upnp_ctx *x);
int xnat_upnp_get_default_service(struct xnat_upnp_ctx *x);
int xnat_upnp_set_default_service(struct xnat_upnp_ctx *x);

#endif
