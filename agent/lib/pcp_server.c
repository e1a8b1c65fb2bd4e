// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * NAT-PMP and PCP requests (see pcp_server.h). Every datagram is checked
 * against its length before a field is read, and copied into the packed
 * structs of include/xnat/pcp.h; an answer is built from scratch in resp.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "pcp_filter.h"
#include "pcp_internal.h"

#define ERR_SHORT_LIFETIME 30   /* errors a retry may clear (RFC 6887 7.4) */
#define ERR_LONG_LIFETIME 1800  /* errors it won't */
#define NONCE_SLOTS (2 * 65536) /* TCP and UDP slots of xnat_ports */
#define LEASE_OWNERS ((1u << XNAT_OWNER_NATPMP) | (1u << XNAT_OWNER_PCP))

static const char *const result_names[] = {
	"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST", "UNSUPP_OPCODE",
	"UNSUPP_OPTION", "MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL",
	"USER_EX_QUOTA", "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS",
};

const char *xnat_pcp_result_name(unsigned int result)
{
	return result < sizeof(result_names) / sizeof(result_names[0]) ? result_names[result] : "UNKNOWN";
}

const char *xnat_natpmp_result_name(unsigned int result)
{
	static const char *const names[] = {
		"SUCCESS", "UNSUPP_VERSION", "REFUSED", "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_OPCODE",
	};

	return result < sizeof(names) / sizeof(names[0]) ? names[result] : "UNKNOWN";
}

int xnat_pcp_server_init(struct xnat_pcp_server *s, const struct xnat_map_fds *maps,
			 const struct xnat_pcp_policy *policy, __u32 now)
{
	memset(s, 0, sizeof(*s));
	s->nonce = calloc(NONCE_SLOTS, sizeof(*s->nonce));
	if (!s->nonce)
		return -1;
	s->maps = maps;
	s->policy = *policy;
	s->epoch_start = now;
	return 0;
}

void xnat_pcp_server_free(struct xnat_pcp_server *s)
{
	free(s->nonce);
	s->nonce = NULL;
}

static __u32 epoch(const struct xnat_pcp_server *s, __u32 now)
{
	return now - s->epoch_start;
}

static __u32 clamp_lifetime(const struct xnat_pcp_server *s, __u32 want)
{
	if (want < s->policy.min_lifetime)
		return s->policy.min_lifetime;
	return want > s->policy.max_lifetime ? s->policy.max_lifetime : want;
}

/* The host may hold one more lease (NAT-PMP and PCP together)? */
static bool under_quota(const struct xnat_pcp_server *s, __be32 host)
{
	return !s->policy.leases_per_host ||
	       xnat_lease_count_host(s->maps, LEASE_OWNERS, host) < s->policy.leases_per_host;
}

static struct xnat_lease_req lease_req(const struct xnat_pcp_server *s, __u8 owner, __u8 proto, __be32 addr,
				       __u16 int_port, __u16 want, __u32 lifetime, bool exact)
{
	struct xnat_lease_req r = {
		.proto = proto, .owner = owner, .int_addr = addr, .int_port = int_port, .want_ext = want,
		.lifetime = lifetime, .exact = exact && want, .reuse = true,
		.port_min = s->policy.port_min, .port_max = s->policy.port_max, .rules = s->policy.rules,
	};

	return r;
}

/* ------------------------------------------------------------- NAT-PMP */

static size_t natpmp_header(const struct xnat_pcp_server *s, __u8 opcode, __u16 result, __u32 now, __u8 *out)
{
	struct xnat_natpmp_resp_hdr h = {
		.version = XNAT_NATPMP_VERSION, .opcode = (__u8)(opcode + XNAT_NATPMP_OP_RESPONSE),
		.result = htons(result), .epoch = htonl(epoch(s, now)),
	};

	memcpy(out, &h, sizeof(h));
	return sizeof(h);
}

size_t xnat_pcp_natpmp_announcement(const struct xnat_pcp_server *s, __u32 now, __u8 *out)
{
	struct xnat_natpmp_addr_resp a;

	natpmp_header(s, XNAT_NATPMP_OP_ADDRESS, s->ext_addr ? XNAT_NATPMP_SUCCESS : XNAT_NATPMP_NETWORK_FAILURE,
		      now, (__u8 *)&a.h);
	a.external_addr = s->ext_addr;
	memcpy(out, &a, sizeof(a));
	return sizeof(a);
}

/* Lifetime 0: the lease of that internal port goes, or with port 0 every
 * NAT-PMP lease of the host for the protocol (RFC 6886 3.4). */
static void natpmp_delete(struct xnat_pcp_server *s, __be32 src, __u8 proto, __u16 int_port)
{
	struct xnat_lease l, all[256];
	int n;

	if (int_port) {
		if (!xnat_lease_find(s->maps, XNAT_OWNER_NATPMP, proto, src, int_port, 0, &l) &&
		    !xnat_lease_remove(s->maps, &l))
			s->count.deleted++;
		return;
	}
	n = xnat_lease_list(s->maps, 1u << XNAT_OWNER_NATPMP, all, 256);
	for (int i = 0; i < n && i < 256; i++)
		if (all[i].int_addr == src && all[i].proto == proto && !xnat_lease_remove(s->maps, &all[i]))
			s->count.deleted++;
}

static __u16 natpmp_map(struct xnat_pcp_server *s, __be32 src, __u8 proto, __u16 int_port, __u16 want,
			__u32 lifetime, __u32 now, struct xnat_lease *l)
{
	struct xnat_lease_req r = lease_req(s, XNAT_OWNER_NATPMP, proto, src, int_port, want,
					    clamp_lifetime(s, lifetime), false);
	int rc;

	if (!int_port)
		return XNAT_NATPMP_REFUSED;
	if (xnat_lease_find(s->maps, XNAT_OWNER_NATPMP, proto, src, int_port, 0, l) && !under_quota(s, src))
		return XNAT_NATPMP_NO_RESOURCES;
	rc = xnat_lease_grant(s->maps, &r, now, l);
	if (rc == XNAT_LEASE_GRANTED || rc == XNAT_LEASE_RENEWED) {
		s->count.granted += rc == XNAT_LEASE_GRANTED;
		s->count.renewed += rc == XNAT_LEASE_RENEWED;
		return XNAT_NATPMP_SUCCESS;
	}
	/* RFC 6886 3.5: 2, "Not Authorized/Refused", for what policy forbids */
	return rc == XNAT_LEASE_INVALID || rc == XNAT_LEASE_DENIED ? XNAT_NATPMP_REFUSED : XNAT_NATPMP_NO_RESOURCES;
}

static size_t natpmp(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 now, __u8 *resp)
{
	struct xnat_natpmp_map_req mr;
	struct xnat_natpmp_map_resp out = { 0 };
	struct xnat_lease l = { 0 };
	__u8 op = req[1];
	__u16 result;
	__u32 lifetime;

	if (op >= XNAT_NATPMP_OP_RESPONSE)
		return 0; /* another server's answer: never answered */
	s->count.natpmp++;
	if (op == XNAT_NATPMP_OP_ADDRESS)
		return xnat_pcp_natpmp_announcement(s, now, resp);
	if (op != XNAT_NATPMP_OP_MAP_UDP && op != XNAT_NATPMP_OP_MAP_TCP) {
		s->count.refused++;
		return natpmp_header(s, op, XNAT_NATPMP_UNSUPP_OPCODE, now, resp);
	}
	if (len < sizeof(mr)) {
		s->count.malformed++;
		return 0;
	}
	memcpy(&mr, req, sizeof(mr));
	lifetime = ntohl(mr.lifetime);
	out.internal_port = mr.internal_port;
	if (!s->ext_addr) {
		result = XNAT_NATPMP_NETWORK_FAILURE;
	} else if (!lifetime) {
		natpmp_delete(s, src, op == XNAT_NATPMP_OP_MAP_UDP ? IPPROTO_UDP : IPPROTO_TCP,
			      ntohs(mr.internal_port));
		result = XNAT_NATPMP_SUCCESS;
	} else {
		result = natpmp_map(s, src, op == XNAT_NATPMP_OP_MAP_UDP ? IPPROTO_UDP : IPPROTO_TCP,
				    ntohs(mr.internal_port), ntohs(mr.external_port), lifetime, now, &l);
		if (result == XNAT_NATPMP_SUCCESS) {
			out.external_port = htons(l.ext_port);
			out.lifetime = htonl(l.expires - now);
		}
	}
	if (result != XNAT_NATPMP_SUCCESS)
		s->count.refused++;
	s->last = (struct xnat_pcp_outcome){
		.set = true, .deleted = !lifetime, .result = (__u8)result,
		.proto = op == XNAT_NATPMP_OP_MAP_UDP ? IPPROTO_UDP : IPPROTO_TCP, .host = src,
		.int_port = ntohs(mr.internal_port), .ext_port = ntohs(out.external_port),
		.lifetime = ntohl(out.lifetime),
	};
	natpmp_header(s, op, result, now, (__u8 *)&out.h);
	memcpy(resp, &out, sizeof(out));
	return sizeof(out);
}

/* ------------------------------------------------------------------ PCP */

void xnat_pcp_mapped_v4(__u8 a[16], __be32 v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4, 4);
}

/* The IPv4 address of an IPv4-mapped one; false for any other form. */
bool xnat_pcp_v4_of(const __u8 a[16], __be32 *v4)
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, prefix, sizeof(prefix)))
		return false;
	memcpy(v4, a + 12, 4);
	return true;
}

/* "No preference" for a suggested external address: :: or ::ffff:0.0.0.0. */
static bool no_address(const __u8 a[16])
{
	static const __u8 zero[16];
	__be32 v4;

	return !memcmp(a, zero, 16) || (xnat_pcp_v4_of(a, &v4) && !v4);
}

/* A PCP answer: the header, then body_len bytes already at resp + 24. */
size_t xnat_pcp_answer(const struct xnat_pcp_server *s, __u8 opcode, __u8 result, __u32 lifetime, __u32 now,
			 __u8 *resp, size_t body_len)
{
	struct xnat_pcp_resp_hdr h = {
		.version = XNAT_PCP_VERSION, .opcode = (__u8)(opcode | XNAT_PCP_RESPONSE_BIT),
		.result = result, .lifetime = htonl(lifetime), .epoch = htonl(epoch(s, now)),
	};

	memcpy(resp, &h, sizeof(h));
	return sizeof(h) + body_len;
}

/* An error answer: the request's own bytes after the header, as many as fit (RFC 6887 8.3). */
size_t xnat_pcp_error(struct xnat_pcp_server *s, const __u8 *req, size_t len, __u8 result, __u32 now,
			__u8 *resp)
{
	size_t body = len > XNAT_PCP_MAX_DATAGRAM ? XNAT_PCP_MAX_DATAGRAM : len;
	bool short_lived = result == XNAT_PCP_NETWORK_FAILURE || result == XNAT_PCP_NO_RESOURCES ||
			   result == XNAT_PCP_USER_EX_QUOTA || result == XNAT_PCP_CANNOT_PROVIDE_EXTERNAL;

	body = body > sizeof(struct xnat_pcp_req_hdr) ? (body - sizeof(struct xnat_pcp_req_hdr)) & ~(size_t)3 : 0;
	memcpy(resp + sizeof(struct xnat_pcp_resp_hdr), req + sizeof(struct xnat_pcp_req_hdr), body);
	if (result == XNAT_PCP_MALFORMED_REQUEST || result == XNAT_PCP_MALFORMED_OPTION)
		s->count.malformed++;
	else
		s->count.refused++;
	return xnat_pcp_answer(s, req[1], result, short_lived ? ERR_SHORT_LIFETIME : ERR_LONG_LIFETIME, now, resp,
			  body);
}

size_t xnat_pcp_announcement(const struct xnat_pcp_server *s, __u32 now, __u8 *out)
{
	return xnat_pcp_answer(s, XNAT_PCP_OP_ANNOUNCE, XNAT_PCP_SUCCESS, 0, now, out, 0);
}

/* One FILTER option (RFC 6887 13.3, errata 3891): prefix 0 clears the
 * mapping's filters; otherwise an IPv4 prefix (97..128 in the 128-bit
 * form) and a port. Returns 0 or a PCP result. */
static __u8 parse_filter(const __u8 *data, size_t dlen, struct xnat_pcp_opts *o)
{
	struct xnat_pcp_filter f;
	struct xnat_remote_filter r = { 0 };

	if (dlen != sizeof(f))
		return XNAT_PCP_MALFORMED_OPTION;
	memcpy(&f, data, sizeof(f));
	o->filter = true;
	if (!f.prefix_len) {
		o->filter_clear = true; /* what came before in this request goes too */
		o->n_filters = 0;
		return XNAT_PCP_SUCCESS;
	}
	if (f.prefix_len < 97 || f.prefix_len > 128 || !xnat_pcp_v4_of(f.remote_addr, &r.addr))
		return XNAT_PCP_MALFORMED_OPTION;
	r.prefix_len = (__u8)(f.prefix_len - 96);
	r.addr &= xnat_prefix_mask(r.prefix_len);
	r.port = f.remote_port;
	return xnat_pcp_filter_add(o->filters, &o->n_filters, &r) ? XNAT_PCP_EXCESSIVE_REMOTE_PEERS
								   : XNAT_PCP_SUCCESS;
}

__u8 xnat_pcp_parse_options(__u8 opcode, const __u8 *req, size_t off, size_t len, struct xnat_pcp_opts *o)
{
	while (off < len) {
		struct xnat_pcp_opt_hdr h;
		size_t dlen, total;
		const __u8 *data;
		__u8 rc = XNAT_PCP_SUCCESS;

		if (len - off < sizeof(h))
			return XNAT_PCP_MALFORMED_OPTION;
		memcpy(&h, req + off, sizeof(h));
		dlen = ntohs(h.length);
		total = sizeof(h) + ((dlen + 3) & ~(size_t)3);
		if (total > len - off)
			return XNAT_PCP_MALFORMED_OPTION;
		data = req + off + sizeof(h);
		if (h.code == XNAT_PCP_OPT_THIRD_PARTY) {
			__u8 a[16];

			if (dlen != 16 || o->third_party)
				return XNAT_PCP_MALFORMED_OPTION;
			memcpy(a, data, 16);
			if (!xnat_pcp_v4_of(a, &o->third_party_addr) || !o->third_party_addr)
				return XNAT_PCP_MALFORMED_OPTION;
			o->third_party = true;
		} else if (h.code == XNAT_PCP_OPT_PREFER_FAILURE && opcode == XNAT_PCP_OP_MAP) {
			if (dlen != 0 || o->prefer_failure)
				return XNAT_PCP_MALFORMED_OPTION;
			o->prefer_failure = true;
		} else if (h.code == XNAT_PCP_OPT_FILTER && opcode == XNAT_PCP_OP_MAP) {
			rc = parse_filter(data, dlen, o);
		} else if (h.code == XNAT_PCP_OPT_PREFER_FAILURE || h.code == XNAT_PCP_OPT_FILTER) {
			return XNAT_PCP_MALFORMED_OPTION; /* MAP's options in another opcode */
		} else if (h.code < XNAT_PCP_OPT_OPTIONAL) {
			return XNAT_PCP_UNSUPP_OPTION;
		} else {
			off += total; /* optional, not understood: skipped, not echoed */
			continue;
		}
		if (rc)
			return rc;
		/* Echoed in the answer; what fits in a datagram fits here. */
		memcpy(o->keep + o->kept, req + off, total);
		o->kept += total;
		off += total;
	}
	return XNAT_PCP_SUCCESS;
}

__u8 xnat_pcp_options_for(struct xnat_pcp_server *s, __u8 opcode, const __u8 *req, size_t off, size_t len,
			  struct xnat_pcp_opts *o, __be32 *addr)
{
	__u8 rc = xnat_pcp_parse_options(opcode, req, off, len, o);

	if (rc || !o->third_party)
		return rc;
	if (!s->policy.allow_third_party)
		return XNAT_PCP_NOT_AUTHORIZED;
	*addr = o->third_party_addr;
	s->last.host = *addr;
	return XNAT_PCP_SUCCESS;
}

static bool nonce_is_zero(const __u8 n[12])
{
	static const __u8 zero[12];

	return !memcmp(n, zero, 12);
}

static __u8 *nonce_of(struct xnat_pcp_server *s, __u8 proto, __u16 ext_port)
{
	return s->nonce[xnat_port_slot(proto, ext_port)];
}

/* The lease may be renewed or deleted with this nonce? A lost one is taken over. */
static bool nonce_ok(struct xnat_pcp_server *s, const struct xnat_lease *l, const __u8 nonce[12])
{
	const __u8 *held = nonce_of(s, l->proto, l->ext_port);

	return nonce_is_zero(held) || !memcmp(held, nonce, 12);
}

static __u8 map_delete(struct xnat_pcp_server *s, const struct xnat_pcp_map *m, __be32 addr)
{
	struct xnat_lease l;

	if (xnat_lease_find(s->maps, XNAT_OWNER_PCP, m->protocol, addr, ntohs(m->internal_port), 0, &l))
		return XNAT_PCP_SUCCESS; /* nothing to delete is a success (RFC 6887 15) */
	if (!nonce_ok(s, &l, m->nonce))
		return XNAT_PCP_NOT_AUTHORIZED;
	if (!xnat_lease_remove(s->maps, &l)) {
		memset(nonce_of(s, l.proto, l.ext_port), 0, 12);
		xnat_pcp_filters_set(s->maps, &l, NULL, 0);
		s->count.deleted++;
	}
	return XNAT_PCP_SUCCESS;
}

/* The filters the mapping will have: a new one those of the request; a
 * renewed one keeps its own and adds the request's, unless the request
 * cleared them (prefix length 0). Returns 0 or EXCESSIVE_REMOTE_PEERS. */
static __u8 filters_after(const struct xnat_pcp_server *s, const struct xnat_lease *have,
			  const struct xnat_pcp_opts *o, struct xnat_remote_filter *out, unsigned int *n)
{
	*n = 0;
	if (have && !o->filter_clear)
		*n = (unsigned int)xnat_pcp_filters_get(s->maps, have, out);
	for (unsigned int i = 0; i < o->n_filters; i++)
		if (xnat_pcp_filter_add(out, n, &o->filters[i]))
			return XNAT_PCP_EXCESSIVE_REMOTE_PEERS;
	return XNAT_PCP_SUCCESS;
}

static __u8 map_grant(struct xnat_pcp_server *s, struct xnat_pcp_map *m, __be32 addr, __u32 lifetime,
		      const struct xnat_pcp_opts *o, __u32 now, __u32 *granted)
{
	struct xnat_remote_filter filters[XNAT_PORT_FILTERS];
	unsigned int n_filters;
	struct xnat_lease l;
	struct xnat_lease_req r;
	bool have = !xnat_lease_find(s->maps, XNAT_OWNER_PCP, m->protocol, addr, ntohs(m->internal_port), 0, &l);
	int rc;

	if (have && !nonce_ok(s, &l, m->nonce))
		return XNAT_PCP_NOT_AUTHORIZED;
	if (!have && !under_quota(s, addr))
		return XNAT_PCP_USER_EX_QUOTA;
	if (filters_after(s, have ? &l : NULL, o, filters, &n_filters))
		return XNAT_PCP_EXCESSIVE_REMOTE_PEERS;
	r = lease_req(s, XNAT_OWNER_PCP, m->protocol, addr, ntohs(m->internal_port), ntohs(m->external_port),
		      clamp_lifetime(s, lifetime), o->prefer_failure);
	rc = xnat_lease_grant(s->maps, &r, now, &l);
	if (rc == XNAT_LEASE_CONFLICT)
		return XNAT_PCP_CANNOT_PROVIDE_EXTERNAL;
	if (rc == XNAT_LEASE_INVALID)
		return XNAT_PCP_MALFORMED_REQUEST;
	if (rc == XNAT_LEASE_DENIED)
		return XNAT_PCP_NOT_AUTHORIZED;
	if (rc < 0)
		return XNAT_PCP_NO_RESOURCES;
	/* A mapping must never be open wider than it was asked to be: when
	 * its filters can't be stored, a new one goes again. */
	if ((o->filter || rc == XNAT_LEASE_GRANTED) && xnat_pcp_filters_set(s->maps, &l, filters, n_filters)) {
		if (rc == XNAT_LEASE_GRANTED)
			xnat_lease_remove(s->maps, &l);
		return XNAT_PCP_NO_RESOURCES;
	}
	s->count.granted += rc == XNAT_LEASE_GRANTED;
	s->count.renewed += rc == XNAT_LEASE_RENEWED;
	memcpy(nonce_of(s, l.proto, l.ext_port), m->nonce, 12);
	m->external_port = htons(l.ext_port);
	xnat_pcp_mapped_v4(m->external_addr, s->ext_addr);
	*granted = l.expires - now;
	return XNAT_PCP_SUCCESS;
}

static size_t pcp_map_answer(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len,
			     __u32 lifetime, __u32 now, __u8 *resp);

void xnat_pcp_keep_outcome(struct xnat_pcp_server *s, __be32 src, const __u8 *resp, size_t n, __u32 lifetime)
{
	const size_t data_off = sizeof(struct xnat_pcp_req_hdr);
	struct xnat_pcp_resp_hdr h;
	struct xnat_pcp_map m; /* MAP's data, and the start of PEER's */

	if (n < data_off + sizeof(m))
		return;
	memcpy(&h, resp, sizeof(h));
	memcpy(&m, resp + data_off, sizeof(m));
	s->last.set = s->last.pcp = true;
	s->last.deleted = !lifetime;
	s->last.result = h.result;
	s->last.proto = m.protocol;
	s->last.host = s->last.host ? s->last.host : src; /* THIRD_PARTY's when it named one */
	s->last.int_port = ntohs(m.internal_port);
	s->last.ext_port = h.result ? 0 : ntohs(m.external_port);
	s->last.lifetime = h.result ? 0 : ntohl(h.lifetime);
}

/* MAP, with its outcome kept for the log. */
static size_t pcp_map(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 lifetime,
		      __u32 now, __u8 *resp)
{
	size_t n = pcp_map_answer(s, src, req, len, lifetime, now, resp);

	xnat_pcp_keep_outcome(s, src, resp, n, lifetime);
	return n;
}

static size_t pcp_map_answer(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len,
			     __u32 lifetime, __u32 now, __u8 *resp)
{
	const size_t data_off = sizeof(struct xnat_pcp_req_hdr);
	struct xnat_pcp_opts o = { 0 };
	struct xnat_pcp_map m;
	__u32 granted = 0;
	__be32 addr = src;
	__u8 rc;

	if (len < data_off + sizeof(m))
		return xnat_pcp_error(s, req, len, XNAT_PCP_MALFORMED_REQUEST, now, resp);
	memcpy(&m, req + data_off, sizeof(m));
	rc = xnat_pcp_options_for(s, XNAT_PCP_OP_MAP, req, data_off + sizeof(m), len, &o, &addr);
	if (rc)
		return xnat_pcp_error(s, req, len, rc, now, resp);
	if (m.protocol != IPPROTO_TCP && m.protocol != IPPROTO_UDP)
		return xnat_pcp_error(s, req, len, XNAT_PCP_UNSUPP_PROTOCOL, now, resp);
	if (!m.internal_port)
		return xnat_pcp_error(s, req, len, XNAT_PCP_MALFORMED_REQUEST, now, resp);
	if (!s->ext_addr)
		return xnat_pcp_error(s, req, len, XNAT_PCP_NETWORK_FAILURE, now, resp);
	if (lifetime) {
		__be32 want;

		if (o.prefer_failure && !no_address(m.external_addr) &&
		    (!xnat_pcp_v4_of(m.external_addr, &want) || want != s->ext_addr))
			return xnat_pcp_error(s, req, len, XNAT_PCP_CANNOT_PROVIDE_EXTERNAL, now, resp);
		rc = map_grant(s, &m, addr, lifetime, &o, now, &granted);
	} else {
		rc = map_delete(s, &m, addr);
	}
	if (rc)
		return xnat_pcp_error(s, req, len, rc, now, resp);
	memcpy(resp + data_off, &m, sizeof(m));
	memcpy(resp + data_off + sizeof(m), o.keep, o.kept);
	return xnat_pcp_answer(s, XNAT_PCP_OP_MAP, XNAT_PCP_SUCCESS, granted, now, resp, sizeof(m) + o.kept);
}

static size_t pcp(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 now, __u8 *resp)
{
	struct xnat_pcp_req_hdr h;
	__u8 client[16];

	if (req[1] & XNAT_PCP_RESPONSE_BIT)
		return 0; /* an answer: never answered */
	s->count.pcp++;
	if (req[0] != XNAT_PCP_VERSION)
		return xnat_pcp_error(s, req, len, XNAT_PCP_UNSUPP_VERSION, now, resp);
	if (len < sizeof(h) || len > XNAT_PCP_MAX_DATAGRAM || len % 4)
		return xnat_pcp_error(s, req, len, XNAT_PCP_MALFORMED_REQUEST, now, resp);
	memcpy(&h, req, sizeof(h));
	xnat_pcp_mapped_v4(client, src);
	if (memcmp(client, h.client_addr, 16)) /* behind another NAT, or spoofing another host */
		return xnat_pcp_error(s, req, len, XNAT_PCP_ADDRESS_MISMATCH, now, resp);
	switch (h.opcode) {
	case XNAT_PCP_OP_ANNOUNCE:
		return xnat_pcp_answer(s, h.opcode, XNAT_PCP_SUCCESS, 0, now, resp, 0);
	case XNAT_PCP_OP_MAP:
		return pcp_map(s, src, req, len, ntohl(h.lifetime), now, resp);
	case XNAT_PCP_OP_PEER:
		return xnat_pcp_peer(s, src, req, len, ntohl(h.lifetime), now, resp);
	default:
		return xnat_pcp_error(s, req, len, XNAT_PCP_UNSUPP_OPCODE, now, resp);
	}
}

size_t xnat_pcp_handle(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 now,
		       __u8 *resp)
{
	memset(&s->last, 0, sizeof(s->last));
	if (len < 2)
		return 0;
	if (req[0] == XNAT_NATPMP_VERSION)
		return natpmp(s, src, req, len, now, resp);
	/* PCP, or a version neither speaks: PCP's UNSUPP_VERSION names version 2 */
	return pcp(s, src, req, len, now, resp);
}
