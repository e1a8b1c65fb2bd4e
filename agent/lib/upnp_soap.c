// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * UPnP control requests (see upnp_soap.h): which service and action a
 * request names (its body, its SOAPAction header, its path must agree),
 * the table of actions, and the answer around the action's arguments.
 * The envelope is read by upnp_envelope.c, the actions live in
 * upnp_portmap.c and upnp_info.c.
 */
#include <stdlib.h>
#include <string.h>
#include "upnp_actions.h"

/* Room an action gets for its output arguments before it runs: more than
 * any action that changes something writes, so a change is never made for
 * an answer that cannot be sent. */
#define MIN_ROOM 64

enum service_id { SVC_WANIPC, SVC_WANCFG, SVC_L3F, SVC_CONTROL };

/* The services of each control URL: urn:schemas-upnp-org:service:NAME:1..versions. */
static const struct service {
	const char *path, *name;
	unsigned int versions;
	enum service_id id;
} services[] = {
	{ XNAT_UPNP_CTL_WANIPC, "WANIPConnection", 2, SVC_WANIPC },
	{ XNAT_UPNP_CTL_WANCFG, "WANCommonInterfaceConfig", 1, SVC_WANCFG },
	{ XNAT_UPNP_CTL_L3F, "Layer3Forwarding", 1, SVC_L3F },
};

static const struct action {
	const char *name;
	enum service_id service;
	unsigned int since;  /* the service version that has it */
	xnat_upnp_action_fn run;
} actions[] = {
	{ "GetExternalIPAddress", SVC_WANIPC, 1, xnat_upnp_get_external_ip },
	{ "GetStatusInfo", SVC_WANIPC, 1, xnat_upnp_get_status_info },
	{ "GetConnectionTypeInfo", SVC_WANIPC, 1, xnat_upnp_get_connection_type },
	{ "SetConnectionType", SVC_WANIPC, 1, xnat_upnp_set_connection_type },
	{ "GetNATRSIPStatus", SVC_WANIPC, 1, xnat_upnp_get_nat_rsip_status },
	{ "RequestConnection", SVC_WANIPC, 1, xnat_upnp_not_authorized },
	{ "ForceTermination", SVC_WANIPC, 1, xnat_upnp_not_authorized },
	{ "AddPortMapping", SVC_WANIPC, 1, xnat_upnp_add_port_mapping },
	{ "DeletePortMapping", SVC_WANIPC, 1, xnat_upnp_delete_port_mapping },
	{ "GetGenericPortMappingEntry", SVC_WANIPC, 1, xnat_upnp_get_generic_entry },
	{ "GetSpecificPortMappingEntry", SVC_WANIPC, 1, xnat_upnp_get_specific_entry },
	{ "AddAnyPortMapping", SVC_WANIPC, 2, xnat_upnp_add_any_port_mapping },
	{ "DeletePortMappingRange", SVC_WANIPC, 2, xnat_upnp_delete_port_mapping_range },
	{ "GetListOfPortMappings", SVC_WANIPC, 2, xnat_upnp_get_list },
	{ "QueryStateVariable", SVC_CONTROL, 1, xnat_upnp_query_state_variable },
	{ "GetCommonLinkProperties", SVC_WANCFG, 1, xnat_upnp_get_link_properties },
	{ "GetTotalBytesSent", SVC_WANCFG, 1, xnat_upnp_get_bytes_sent },
	{ "GetTotalBytesReceived", SVC_WANCFG, 1, xnat_upnp_get_bytes_received },
	{ "GetTotalPacketsSent", SVC_WANCFG, 1, xnat_upnp_get_packets_sent },
	{ "GetTotalPacketsReceived", SVC_WANCFG, 1, xnat_upnp_get_packets_received },
	{ "GetDefaultConnectionService", SVC_L3F, 1, xnat_upnp_get_default_service },
	{ "SetDefaultConnectionService", SVC_L3F, 1, xnat_upnp_set_default_service },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int xnat_upnp_soap_init(struct xnat_upnp_soap *s, const struct xnat_map_fds *maps,
			const struct xnat_upnp_device *dev, const struct xnat_upnp_policy *policy, __u32 now)
{
	memset(s, 0, sizeof(*s));
	s->entries = calloc(XNAT_UPNP_ENTRY_SLOTS, sizeof(*s->entries));
	if (!s->entries)
		return -1;
	s->maps = maps;
	s->dev = dev;
	s->policy = *policy;
	s->started = now;
	return 0;
}

void xnat_upnp_soap_free(struct xnat_upnp_soap *s)
{
	if (!s->entries)
		return;
	for (size_t i = 0; i < XNAT_UPNP_ENTRY_SLOTS; i++)
		free(s->entries[i].description);
	free(s->entries);
	s->entries = NULL;
}

/* "urn:schemas-upnp-org:service:NAME:V" with V in 1..max: V, else 0. */
static unsigned int version_of(const char *type, const char *name, unsigned int max)
{
	size_t pre = strlen(XNAT_UPNP_SERVICE_PREFIX), n = strlen(name);

	if (strncmp(type, XNAT_UPNP_SERVICE_PREFIX, pre) || strncmp(type + pre, name, n) ||
	    type[pre + n] != ':')
		return 0;
	type += pre + n + 1;
	return type[0] >= '1' && type[0] <= '0' + (int)max && !type[1] ? (unsigned int)(type[0] - '0') : 0;
}

/* The service type as served at path: 0, or 401 (not there, or not that version). */
static int find_service(const char *path, const char *type, enum service_id *id, unsigned int *version)
{
	for (size_t i = 0; path && i < ARRAY_SIZE(services); i++) {
		if (strcmp(path, services[i].path))
			continue;
		if (services[i].id == SVC_WANIPC && !strcmp(type, XNAT_UPNP_CONTROL_NS)) {
			*id = SVC_CONTROL;
			*version = 1;
			return XNAT_UPNP_OK;
		}
		*version = version_of(type, services[i].name, services[i].versions);
		*id = services[i].id;
		return *version ? XNAT_UPNP_OK : XNAT_UPNP_INVALID_ACTION;
	}
	return XNAT_UPNP_INVALID_ACTION;
}

static const struct action *find_action(enum service_id id, unsigned int version, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (actions[i].service == id && version >= actions[i].since && !strcmp(actions[i].name, name))
			return &actions[i];
	return NULL;
}

/* A SOAPAction header: "service#action", quotes optional. */
struct soap_action {
	bool present;
	char service[XNAT_UPNP_MAX_SERVICE + 1];
	char action[XNAT_UPNP_MAX_NAME + 1];
};

/* 0, or 401 for a header that is not of that form. Absent, empty or "": not present. */
static int read_soap_action(const char *h, struct soap_action *sa)
{
	static const char ws[] = " \t";
	const char *end, *hash;
	size_t len;

	memset(sa, 0, sizeof(*sa));
	if (!h)
		return XNAT_UPNP_OK;
	h += strspn(h, ws);
	end = h + strlen(h);
	while (end > h && strchr(ws, end[-1]))
		end--;
	if (end - h >= 2 && h[0] == '"' && end[-1] == '"')
		h++, end--;
	if (end == h)
		return XNAT_UPNP_OK;
	len = (size_t)(end - h);
	hash = memrchr(h, '#', len);
	if (!hash || hash == h || (size_t)(hash - h) > XNAT_UPNP_MAX_SERVICE || end - hash - 1 < 1 ||
	    end - hash - 1 > XNAT_UPNP_MAX_NAME || memchr(h, '"', len))
		return XNAT_UPNP_INVALID_ACTION;
	memcpy(sa->service, h, (size_t)(hash - h));
	memcpy(sa->action, hash + 1, (size_t)(end - hash - 1));
	sa->present = true;
	return XNAT_UPNP_OK;
}

/* The out buffer has room for the action's arguments and the end of the answer? */
static bool has_room(const struct xnat_upnp_out *o)
{
	return !o->full && o->len + o->reserve + MIN_ROOM < o->cap;
}

/*
 * The answer to one request: 0 with the response written to o, or the
 * UPnP error code. Which action: the body's, or when the body is broken
 * before it, the header's; both present must agree. A request whose action
 * is known but whose envelope or arguments are not valid is 402.
 */
static int answer(struct xnat_upnp_soap *s, const char *path, const char *header, const char *body,
		  size_t len, __be32 client, __u32 now, struct xnat_upnp_call *call, struct xnat_upnp_out *o)
{
	struct soap_action sa;
	const char *service, *name;
	const struct action *a;
	struct xnat_upnp_ctx x;
	enum service_id id;
	unsigned int version;
	int parsed, rc;

	parsed = len > XNAT_UPNP_MAX_BODY ? XNAT_UPNP_INVALID_ACTION : xnat_upnp_parse(body, len, call);
	if (parsed == XNAT_UPNP_INVALID_ACTION)
		memset(call, 0, sizeof(*call));
	if ((rc = read_soap_action(header, &sa)))
		return rc;
	if (call->action[0] && sa.present &&
	    (strcmp(sa.service, call->service) || strcmp(sa.action, call->action)))
		return XNAT_UPNP_INVALID_ACTION; /* the header and the body disagree */
	if (!call->action[0] && !sa.present)
		return XNAT_UPNP_INVALID_ACTION;
	service = call->action[0] ? call->service : sa.service;
	name = call->action[0] ? call->action : sa.action;
	if ((rc = find_service(path, service, &id, &version)))
		return rc;
	a = find_action(id, version, name);
	if (!a)
		return XNAT_UPNP_INVALID_ACTION;
	if (parsed)
		return XNAT_UPNP_INVALID_ARGS;

	x = (struct xnat_upnp_ctx){
		.s = s, .call = call, .version = version, .client = client, .now = now, .out = o,
	};
	xnat_upnp_begin(o, service, a->name);
	o->reserve = xnat_upnp_end_len(a->name);
	if (!has_room(o))
		return XNAT_UPNP_ACTION_FAILED;
	rc = a->run(&x);
	if (rc)
		return rc;
	o->reserve = 0;
	xnat_upnp_end(o, a->name);
	return o->full ? XNAT_UPNP_ACTION_FAILED : XNAT_UPNP_OK;
}

static void count_fault(struct xnat_upnp_soap *s, int code)
{
	if (code >= 400 && code < 500)
		s->count.malformed++;
	else if (code >= 600)
		s->count.refused++;
}

int xnat_upnp_soap_handle(struct xnat_upnp_soap *s, const char *path, const char *soap_action,
			  const char *body, size_t len, __be32 client, __u32 now, char *out, size_t cap,
			  size_t *out_len)
{
	struct xnat_upnp_call call;
	struct xnat_upnp_out o;
	int code;

	s->count.requests++;
	xnat_upnp_out_init(&o, out, cap);
	code = answer(s, path, soap_action, body, len, client, now, &call, &o);
	if (code) {
		count_fault(s, code);
		xnat_upnp_fault(&o, code);
	}
	*out_len = o.len;
	return code || !o.len ? 500 : 200;
}
