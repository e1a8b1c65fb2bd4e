// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * WANIPConnection's port mappings (IGD:1 and IGD:2) as leases of owner
 * XNAT_OWNER_UPNP in the fast path's tables (lease.h): added, renewed,
 * deleted, listed. One handler per action; where :1 and :2 differ (error
 * codes, lease durations) a small helper decides from the version. A
 * request is checked whole before anything changes; the description (the
 * one thing the tables cannot hold) is kept in s->entries by port slot.
 *
 * What the fast path cannot do is refused or documented here: a mapping
 * for one remote host only (726), a disabled mapping (not installed: see
 * add_port_mapping).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "upnp_actions.h"

#define UPNP_MASK (1u << XNAT_OWNER_UPNP)
/* IGD:1 lifetimes are kept below 2^31 s: expiry times (u32 seconds) must not wrap. */
#define V1_LONGEST 0x7fffffffu

#define LIST_START                                                                                 \
	"<NewPortListing><![CDATA[<p:PortMappingList xmlns:p=\"urn:schemas-upnp-org:gw:WANIPConnection\" " \
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                                   \
	"xsi:schemaLocation=\"urn:schemas-upnp-org:gw:WANIPConnection "                              \
	"http://www.upnp.org/schemas/gw/WANIPConnection-v2.xsd\">"
#define LIST_END "</p:PortMappingList>]]></NewPortListing>"

/* What AddPortMapping and AddAnyPortMapping ask for. */
struct mapping {
	__u8 proto;
	__u16 ext_port, int_port;
	__be32 int_addr;
	bool enabled;
	__u32 lifetime;  /* for xnat_lease_req */
	const char *description;
};

static struct xnat_upnp_entry *entry_of(struct xnat_upnp_soap *s, __u8 proto, __u16 port)
{
	return &s->entries[xnat_port_slot(proto, port)];
}

static const char *proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "TCP" : "UDP";
}

static bool v2(const struct xnat_upnp_ctx *x)
{
	return x->version >= 2;
}

/* Secure mode: a host maps and deletes for itself only. */
static bool may_act_for(const struct xnat_upnp_ctx *x, __be32 int_addr)
{
	return !x->s->policy.secure_mode || int_addr == x->client;
}

/*
 * Lease durations. IGD:1: 0 is permanent, others are capped by the policy.
 * IGD:2 has no permanent leases from control points: 0 and anything longer
 * become a week (WANIPConnection:2 2.3.16; miniupnpd does the same).
 */
static __u32 lifetime_of(const struct xnat_upnp_ctx *x, __u32 asked)
{
	__u32 cap = x->s->policy.max_lifetime && x->s->policy.max_lifetime < V1_LONGEST ?
			    x->s->policy.max_lifetime :
			    V1_LONGEST;

	if (v2(x))
		return !asked || asked > XNAT_UPNP_V2_MAX_LEASE ? XNAT_UPNP_V2_MAX_LEASE : asked;
	if (!asked)
		return XNAT_LEASE_PERMANENT;
	return asked > cap ? cap : asked;
}

/* Seconds left (0: permanent); an expired lease the collector has not removed yet has 1. */
static __u32 remaining(const struct xnat_lease *l, __u32 now)
{
	if (!l->expires)
		return 0;
	return l->expires > now ? l->expires - now : 1;
}

/* The port is held by something other than UPnP for another endpoint: IGD:2 says so. */
static int conflict_code(const struct xnat_upnp_ctx *x, const struct xnat_lease *holder)
{
	return holder->owner != XNAT_OWNER_UPNP && v2(x) ? XNAT_UPNP_OTHER_MECHANISM : XNAT_UPNP_CONFLICT;
}

static bool is_endpoint(const struct xnat_lease *l, __be32 addr, __u16 port)
{
	return l->int_addr == addr && l->int_port == port;
}

/*
 * Who holds m's external port: 0 when it is free, the endpoint's own UPnP
 * lease (*renewal) or its dynamic mapping (which lease.c adopts);
 * otherwise the conflict's error code.
 */
static int check_holder(const struct xnat_upnp_ctx *x, const struct mapping *m, bool *renewal)
{
	struct xnat_lease h;

	*renewal = false;
	if (xnat_lease_at(x->s->maps, m->proto, m->ext_port, &h))
		return XNAT_UPNP_OK;
	if (!is_endpoint(&h, m->int_addr, m->int_port))
		return conflict_code(x, &h);
	if (h.owner == XNAT_OWNER_UPNP)
		*renewal = true;
	else if (h.owner != XNAT_OWNER_DYNAMIC)
		return conflict_code(x, &h); /* e.g. a forward of the same endpoint: not ours to change */
	return XNAT_UPNP_OK;
}

static bool under_quota(const struct xnat_upnp_ctx *x, __be32 host)
{
	__u32 limit = x->s->policy.leases_per_host;

	return !limit || xnat_lease_count_host(x->s->maps, UPNP_MASK, host) < limit;
}

/* Remove a UPnP lease and its description. 0, or -1 when it was gone already. */
static int forget(struct xnat_upnp_soap *s, const struct xnat_lease *l)
{
	struct xnat_upnp_entry *e = entry_of(s, l->proto, l->ext_port);

	if (xnat_lease_remove(s->maps, l))
		return -1;
	free(e->description);
	e->description = NULL;
	e->enabled = false;
	s->count.deleted++;
	s->changes++;
	return 0;
}

/* The arguments both Add actions take, checked (any: AddAnyPortMapping). */
static int read_mapping(const struct xnat_upnp_ctx *x, struct mapping *m, bool any)
{
	const char *enabled = xnat_upnp_arg(x->call, "NewEnabled");
	const char *lease = xnat_upnp_arg(x->call, "NewLeaseDuration");
	__u32 asked = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	m->enabled = true;
	if ((rc = xnat_upnp_arg_port(x, "NewExternalPort", &m->ext_port)) ||
	    (rc = xnat_upnp_arg_proto(x, "NewProtocol", &m->proto)) ||
	    (rc = xnat_upnp_arg_port(x, "NewInternalPort", &m->int_port)) ||
	    (rc = xnat_upnp_arg_addr(x, "NewInternalClient", &m->int_addr)) ||
	    (enabled && (rc = xnat_upnp_arg_bool(x, "NewEnabled", &m->enabled))) ||
	    (lease && (rc = xnat_upnp_arg_uint(x, "NewLeaseDuration", UINT32_MAX, &asked))))
		return rc;
	m->description = xnat_upnp_arg(x->call, "NewPortMappingDescription");
	if (!m->description)
		m->description = "";
	if (!xnat_upnp_remote_is_wildcard(x))
		return XNAT_UPNP_REMOTE_WILDCARD_ONLY; /* the fast path maps a port for every remote host */
	if (!any && !m->ext_port)
		return XNAT_UPNP_WILDCARD_EXT_PORT;    /* IGD:2 too: AddAnyPortMapping is for that */
	if (!m->int_port)
		return v2(x) ? XNAT_UPNP_WILDCARD_INT_PORT : XNAT_UPNP_INVALID_ARGS;
	if (!may_act_for(x, m->int_addr)) /* RFC 6970 6.2.3; IGD:1 had no 606 */
		return v2(x) ? XNAT_UPNP_NOT_AUTHORIZED : XNAT_UPNP_CONFLICT;
	m->lifetime = lifetime_of(x, asked);
	return XNAT_UPNP_OK;
}

static int lease_error(const struct xnat_upnp_ctx *x, int rc, const struct xnat_lease *holder)
{
	if (rc == XNAT_LEASE_CONFLICT)
		return conflict_code(x, holder);
	if (rc == XNAT_LEASE_NO_PORT)
		return XNAT_UPNP_NO_PORT;
	if (rc == XNAT_LEASE_DENIED) /* miniupnpd's answer for a port its rules forbid */
		return v2(x) ? XNAT_UPNP_NOT_AUTHORIZED : XNAT_UPNP_CONFLICT;
	return XNAT_UPNP_ACTION_FAILED; /* INVALID (a policy without a port range) or SYSTEM */
}

/* Grant or renew m (exact: its external port or nothing); *port is the one held. */
static int grant(struct xnat_upnp_ctx *x, const struct mapping *m, bool exact, __u16 *port)
{
	struct xnat_upnp_soap *s = x->s;
	struct xnat_lease_req r = {
		.proto = m->proto, .owner = XNAT_OWNER_UPNP, .int_addr = m->int_addr, .int_port = m->int_port,
		.want_ext = m->ext_port, .lifetime = m->lifetime, .exact = exact, .reuse = false,
		.port_min = s->policy.port_min, .port_max = s->policy.port_max, .rules = s->policy.rules,
	};
	struct xnat_upnp_entry *e;
	struct xnat_lease l;
	char *desc = strdup(m->description); /* first: no lease without its description */
	int rc;

	if (!desc)
		return XNAT_UPNP_ACTION_FAILED;
	rc = xnat_lease_grant(s->maps, &r, x->now, &l);
	if (rc < 0) {
		free(desc);
		return lease_error(x, rc, &l);
	}
	e = entry_of(s, l.proto, l.ext_port);
	free(e->description);
	e->description = desc;
	e->enabled = true;
	if (rc == XNAT_LEASE_GRANTED) {
		s->count.added++;
		s->changes++;
	} else {
		s->count.renewed++;
	}
	*port = l.ext_port;
	return XNAT_UPNP_OK;
}

/* m's endpoint's own UPnP mapping of m's port, removed (NewEnabled 0). */
static int disable(struct xnat_upnp_ctx *x, const struct mapping *m)
{
	struct xnat_lease h;

	if (m->ext_port && !xnat_lease_at(x->s->maps, m->proto, m->ext_port, &h) &&
	    h.owner == XNAT_OWNER_UPNP && is_endpoint(&h, m->int_addr, m->int_port))
		forget(x->s, &h);
	return XNAT_UPNP_OK;
}

/*
 * AddPortMapping. NewEnabled 0 asks for a mapping kept but not forwarding:
 * the fast path has no such state, so nothing is installed, the endpoint's
 * own mapping of that port (if any) is removed, and the answer is a
 * success, as for an entry the control point may enable later.
 */
int xnat_upnp_add_port_mapping(struct xnat_upnp_ctx *x)
{
	struct mapping m;
	bool renewal;
	__u16 port;
	int rc = read_mapping(x, &m, false);

	if (!rc)
		rc = check_holder(x, &m, &renewal);
	if (rc)
		return rc;
	if (!m.enabled)
		return disable(x, &m);
	if (!renewal && !under_quota(x, m.int_addr))
		return XNAT_UPNP_NO_PORT;
	return grant(x, &m, true, &port);
}

/*
 * AddAnyPortMapping (IGD:2): the asked port if it is free (or already the
 * endpoint's), another one of the policy's range otherwise. NewEnabled 0
 * is handled as by AddPortMapping, and answers the asked port.
 */
int xnat_upnp_add_any_port_mapping(struct xnat_upnp_ctx *x)
{
	struct mapping m;
	bool renewal = false;
	__u16 port = 0;
	int rc = read_mapping(x, &m, true);

	if (rc)
		return rc;
	if (m.ext_port)
		check_holder(x, &m, &renewal); /* a conflict is no error here: another port will do */
	if (!m.enabled) {
		port = m.ext_port;
		rc = disable(x, &m);
	} else if (!renewal && !under_quota(x, m.int_addr)) {
		return XNAT_UPNP_NO_PORT;
	} else {
		rc = grant(x, &m, false, &port);
	}
	if (!rc)
		xnat_upnp_put_arg_u(x->out, "NewReservedPort", port);
	return rc;
}

/* The external port and protocol naming an existing mapping (Delete, GetSpecific). */
static int read_key(const struct xnat_upnp_ctx *x, __u8 *proto, __u16 *port)
{
	int rc;

	if ((rc = xnat_upnp_arg_port(x, "NewExternalPort", port)) ||
	    (rc = xnat_upnp_arg_proto(x, "NewProtocol", proto)))
		return rc;
	return *port ? XNAT_UPNP_OK : XNAT_UPNP_INVALID_ARGS;
}

/* The UPnP mapping of the request's key: 0, or 714 (none for that remote host either). */
static int find_keyed(const struct xnat_upnp_ctx *x, struct xnat_lease *l)
{
	__u16 port;
	__u8 proto;
	int rc = read_key(x, &proto, &port);

	if (rc)
		return rc;
	if (!xnat_upnp_remote_is_wildcard(x) || xnat_lease_at(x->s->maps, proto, port, l) ||
	    l->owner != XNAT_OWNER_UPNP)
		return XNAT_UPNP_NO_SUCH_ENTRY;
	return XNAT_UPNP_OK;
}

/*
 * DeletePortMapping. Secure mode and another host's mapping: 606 under
 * IGD:2 (as miniupnpd); IGD:1 defines no such error for this action, so
 * it answers 714, as if the requester's mapping did not exist.
 */
int xnat_upnp_delete_port_mapping(struct xnat_upnp_ctx *x)
{
	struct xnat_lease l;
	int rc = find_keyed(x, &l);

	if (rc)
		return rc;
	if (!may_act_for(x, l.int_addr))
		return v2(x) ? XNAT_UPNP_NOT_AUTHORIZED : XNAT_UPNP_NO_SUCH_ENTRY;
	return forget(x->s, &l) ? XNAT_UPNP_NO_SUCH_ENTRY : XNAT_UPNP_OK;
}

/*
 * Every UPnP lease, in slot order (TCP by port, then UDP), malloc'd; *n
 * is their count, or -1 (and NULL) when the tables could not be read.
 */
static struct xnat_lease *upnp_leases(const struct xnat_upnp_soap *s, int *n)
{
	int count = xnat_lease_list(s->maps, UPNP_MASK, NULL, 0);
	size_t room = count > 0 ? (size_t)count : 1;
	struct xnat_lease *all = count < 0 ? NULL : calloc(room, sizeof(*all));

	*n = -1;
	if (!all)
		return NULL;
	count = xnat_lease_list(s->maps, UPNP_MASK, all, room);
	if (count < 0) {
		free(all);
		return NULL;
	}
	*n = (size_t)count > room ? (int)room : count;
	return all;
}

/* A range request's common arguments (DeletePortMappingRange, GetListOfPortMappings). */
struct range {
	__u16 start, end;
	__u8 proto;
	bool manage;
};

static int read_range(const struct xnat_upnp_ctx *x, struct range *r)
{
	int rc;

	if ((rc = xnat_upnp_arg_port(x, "NewStartPort", &r->start)) ||
	    (rc = xnat_upnp_arg_port(x, "NewEndPort", &r->end)) ||
	    (rc = xnat_upnp_arg_proto(x, "NewProtocol", &r->proto)) ||
	    (rc = xnat_upnp_arg_bool(x, "NewManage", &r->manage)))
		return rc;
	return r->start > r->end ? XNAT_UPNP_INCONSISTENT : XNAT_UPNP_OK;
}

/* l is in the range, and the requester's own unless every host's is asked for (all). */
static bool in_range(const struct xnat_upnp_ctx *x, const struct range *r, const struct xnat_lease *l,
		     bool all)
{
	return l->proto == r->proto && l->ext_port >= r->start && l->ext_port <= r->end &&
	       (all || l->int_addr == x->client);
}

/*
 * DeletePortMappingRange (IGD:2). NewManage 0: the requester's own
 * mappings; 1: every host's, except in secure mode where it is not
 * honoured (the requester's own only). None deleted: 730.
 */
int xnat_upnp_delete_port_mapping_range(struct xnat_upnp_ctx *x)
{
	struct xnat_lease *all;
	unsigned int deleted = 0;
	struct range r;
	int n, rc = read_range(x, &r);

	if (rc)
		return rc;
	all = upnp_leases(x->s, &n);
	if (!all)
		return XNAT_UPNP_ACTION_FAILED;
	for (int i = 0; i < n; i++)
		if (in_range(x, &r, &all[i], r.manage && !x->s->policy.secure_mode) && !forget(x->s, &all[i]))
			deleted++;
	free(all);
	return deleted ? XNAT_UPNP_OK : XNAT_UPNP_NOT_FOUND;
}

/* A mapping's output arguments; with_key: its remote host, port and protocol first. */
static void put_mapping(struct xnat_upnp_ctx *x, const struct xnat_lease *l, bool with_key)
{
	const struct xnat_upnp_entry *e = entry_of(x->s, l->proto, l->ext_port);
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &l->int_addr, addr, sizeof(addr));
	if (with_key) {
		xnat_upnp_put_arg(x->out, "NewRemoteHost", "");
		xnat_upnp_put_arg_u(x->out, "NewExternalPort", l->ext_port);
		xnat_upnp_put_arg(x->out, "NewProtocol", proto_name(l->proto));
	}
	xnat_upnp_put_arg_u(x->out, "NewInternalPort", l->int_port);
	xnat_upnp_put_arg(x->out, "NewInternalClient", addr);
	xnat_upnp_put_arg(x->out, "NewEnabled", "1"); /* disabled mappings are never installed */
	xnat_upnp_put_arg(x->out, "NewPortMappingDescription", e->description ? e->description : "");
	xnat_upnp_put_arg_u(x->out, "NewLeaseDuration", remaining(l, x->now));
}

/* GetGenericPortMappingEntry: the index-th UPnP mapping, in slot order. */
int xnat_upnp_get_generic_entry(struct xnat_upnp_ctx *x)
{
	struct xnat_lease *all;
	__u32 index;
	int n, rc = xnat_upnp_arg_uint(x, "NewPortMappingIndex", 65535, &index);

	if (rc)
		return rc;
	all = upnp_leases(x->s, &n);
	if (!all)
		return XNAT_UPNP_ACTION_FAILED;
	if (index < (__u32)n)
		put_mapping(x, &all[index], true);
	else
		rc = XNAT_UPNP_BAD_INDEX;
	free(all);
	return rc;
}

/* GetSpecificPortMappingEntry. */
int xnat_upnp_get_specific_entry(struct xnat_upnp_ctx *x)
{
	struct xnat_lease l;
	int rc = find_keyed(x, &l);

	if (!rc)
		put_mapping(x, &l, false);
	return rc;
}

/* One PortMappingEntry of the listing. */
static void put_list_entry(struct xnat_upnp_ctx *x, const struct xnat_lease *l)
{
	const struct xnat_upnp_entry *e = entry_of(x->s, l->proto, l->ext_port);
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &l->int_addr, addr, sizeof(addr));
	xnat_upnp_putf(x->out,
		       "<p:PortMappingEntry><p:NewRemoteHost></p:NewRemoteHost>"
		       "<p:NewExternalPort>%u</p:NewExternalPort><p:NewProtocol>%s</p:NewProtocol>"
		       "<p:NewInternalPort>%u</p:NewInternalPort>"
		       "<p:NewInternalClient>%s</p:NewInternalClient>"
		       "<p:NewEnabled>1</p:NewEnabled><p:NewDescription>",
		       l->ext_port, proto_name(l->proto), l->int_port, addr);
	xnat_upnp_put_text(x->out, e->description ? e->description : "");
	xnat_upnp_putf(x->out, "</p:NewDescription><p:NewLeaseTime>%u</p:NewLeaseTime></p:PortMappingEntry>",
		       remaining(l, x->now));
}

/*
 * GetListOfPortMappings (IGD:2). The listing is an XML document of its
 * own, carried in a CDATA section as miniupnpd does: miniupnpc reads the
 * element's raw text and would not decode escaped markup. Descriptions in
 * it are escaped, so "]]>" can never occur. NewManage 0 lists the
 * requester's mappings, 1 every host's (reading is not restricted by
 * secure mode: GetGenericPortMappingEntry shows them all anyway).
 * NewNumberOfPorts 0 is no limit; the answer is cut at an entry boundary
 * where it would not fit the caller's buffer.
 */
int xnat_upnp_get_list(struct xnat_upnp_ctx *x)
{
	struct xnat_upnp_out *o = x->out;
	struct xnat_lease *all;
	unsigned int matched = 0, written = 0;
	struct range r;
	__u32 max;
	int n, rc = read_range(x, &r);

	if (!rc)
		rc = xnat_upnp_arg_uint(x, "NewNumberOfPorts", 65535, &max);
	if (rc)
		return rc;
	all = upnp_leases(x->s, &n);
	if (!all)
		return XNAT_UPNP_ACTION_FAILED;
	xnat_upnp_put(o, LIST_START);
	if (o->full) {
		free(all);
		return XNAT_UPNP_ACTION_FAILED;
	}
	o->reserve += strlen(LIST_END);
	for (int i = 0; i < n && (!max || written < max); i++) {
		size_t mark = o->len;

		if (!in_range(x, &r, &all[i], r.manage))
			continue;
		matched++;
		put_list_entry(x, &all[i]);
		if (o->full) { /* cut here: the entries so far make a whole document */
			o->len = mark;
			o->buf[mark] = '\0';
			o->full = false;
			break;
		}
		written++;
	}
	free(all);
	o->reserve -= strlen(LIST_END);
	xnat_upnp_put(o, LIST_END);
	if (!matched)
		return XNAT_UPNP_NOT_FOUND;
	return written ? XNAT_UPNP_OK : XNAT_UPNP_ACTION_FAILED;
}

unsigned int xnat_upnp_soap_sweep(struct xnat_upnp_soap *s)
{
	__u64 held[XNAT_UPNP_ENTRY_SLOTS / 64]; /* 16 KiB: which slots UPnP still holds */
	struct xnat_lease *all;
	unsigned int gone = 0;
	int n;

	if (!s->entries)
		return 0;
	all = upnp_leases(s, &n);
	if (!all)
		return 0;
	memset(held, 0, sizeof(held));
	for (int i = 0; i < n; i++) {
		__u32 slot = (__u32)xnat_port_slot(all[i].proto, all[i].ext_port);

		held[slot / 64] |= 1ull << (slot % 64);
	}
	free(all);
	for (__u32 slot = 0; slot < XNAT_UPNP_ENTRY_SLOTS; slot++) {
		struct xnat_upnp_entry *e = &s->entries[slot];

		if (!e->description || held[slot / 64] & (1ull << (slot % 64)))
			continue;
		free(e->description);
		e->description = NULL;
		e->enabled = false;
		gone++;
	}
	if (gone)
		s->changes++; /* expired mappings: PortMappingNumberOfEntries moved */
	return gone;
}

const char *xnat_upnp_soap_description(const struct xnat_upnp_soap *s, __u8 proto, __u16 ext_port)
{
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !ext_port)
		return NULL;
	return s->entries[xnat_port_slot(proto, ext_port)].description;
}

int xnat_upnp_soap_restore(struct xnat_upnp_soap *s, __u8 proto, __u16 ext_port, const char *description)
{
	struct xnat_upnp_entry *e;
	char *copy;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !ext_port)
		return -1;
	copy = strdup(description ? description : "");
	if (!copy)
		return -1;
	e = entry_of(s, proto, ext_port);
	free(e->description);
	e->description = copy;
	e->enabled = true;
	s->changes++;
	return 0;
}

unsigned int xnat_upnp_soap_count(const struct xnat_upnp_soap *s)
{
	int n = xnat_lease_list(s->maps, UPNP_MASK, NULL, 0);

	return n > 0 ? (unsigned int)n : 0;
}
