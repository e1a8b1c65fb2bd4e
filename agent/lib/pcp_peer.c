// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * PCP PEER (RFC 6887 12): the external address and port of an endpoint's
 * session with one remote peer, made if it isn't there yet, and kept alive
 * for the lifetime answered. xnat's mappings are endpoint-independent, so
 * the session's external port is the endpoint's mapping, the one every
 * peer sees. The lifetime is the session's own idle timeout: each PEER
 * (like each packet) restarts it, and a client that renews before it ends
 * keeps the session without sending keepalives. Lifetime 0 lets go of it:
 * the session then lives on its traffic alone (PCP never cuts a flow the
 * traffic made). No nonce is held: the session belongs to the traffic,
 * not to a PCP client, and PEER only reports and prolongs it.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "maps.h"
#include "pcp_internal.h"

/* The session's idle timeout restarts now, in both directions. */
static void touch(const struct xnat_map_fds *m, const struct xnat_flow_key *k, struct xnat_flow *out, __u32 now)
{
	struct xnat_flow_key ik;
	struct xnat_flow in;

	out->last_seen = now;
	bpf_map_update_elem(m->flows, k, out, BPF_EXIST);
	xnat_flow_in_key(k, out, &ik);
	if (!bpf_map_lookup_elem(m->flows, &ik, &in)) {
		in.last_seen = now;
		bpf_map_update_elem(m->flows, &ik, &in, BPF_EXIST);
	}
}

static __u32 session_lifetime(const struct xnat_map_fds *m, const struct xnat_flow_key *k,
			      const struct xnat_flow *out)
{
	struct xnat_config c;
	struct xnat_flow_key ik;
	struct xnat_flow in = { 0 };

	if (xnat_config_read(m->config, &c))
		return 0;
	xnat_flow_in_key(k, out, &ik);
	bpf_map_lookup_elem(m->flows, &ik, &in);
	return xnat_session_timeout(&c, k->proto, out->flags, in.flags);
}

static size_t peer_answer(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 lifetime,
			  __u32 now, __u8 *resp)
{
	const size_t off = sizeof(struct xnat_pcp_req_hdr);
	static struct xnat_pcp_opts o; /* a datagram's worth of echoed options: not on the stack */
	struct xnat_pcp_peer p;
	struct xnat_flow_key k = { 0 };
	struct xnat_flow out;
	__be32 addr = src, rem;
	__u32 granted = 0;
	__u8 rc;

	if (len < off + sizeof(p))
		return xnat_pcp_error(s, req, len, XNAT_PCP_MALFORMED_REQUEST, now, resp);
	memcpy(&p, req + off, sizeof(p));
	memset(&o, 0, sizeof(o));
	rc = xnat_pcp_options_for(s, XNAT_PCP_OP_PEER, req, off + sizeof(p), len, &o, &addr);
	if (rc)
		return xnat_pcp_error(s, req, len, rc, now, resp);
	if (p.map.protocol != IPPROTO_TCP && p.map.protocol != IPPROTO_UDP)
		return xnat_pcp_error(s, req, len, XNAT_PCP_UNSUPP_PROTOCOL, now, resp);
	if (!p.map.internal_port || !p.remote_port || !xnat_pcp_v4_of(p.remote_addr, &rem) || !rem)
		return xnat_pcp_error(s, req, len, XNAT_PCP_MALFORMED_REQUEST, now, resp);
	if (!s->ext_addr)
		return xnat_pcp_error(s, req, len, XNAT_PCP_NETWORK_FAILURE, now, resp);
	k = (struct xnat_flow_key){ .saddr = addr, .daddr = rem, .sport = p.map.internal_port,
				    .dport = p.remote_port, .proto = p.map.protocol, .dir = XNAT_DIR_OUT };
	s->last.peer_addr = rem;
	s->last.peer_port = ntohs(p.remote_port);
	if (bpf_map_lookup_elem(s->maps->flows, &k, &out)) {
		if (!lifetime) { /* nothing to let go of */
			memset(p.map.external_addr, 0, sizeof(p.map.external_addr));
			p.map.external_port = 0;
			goto answer;
		}
		if (!s->peer_create ||
		    s->peer_create(s->peer_ctx, k.proto, addr, k.sport, rem, k.dport) ||
		    bpf_map_lookup_elem(s->maps->flows, &k, &out))
			return xnat_pcp_error(s, req, len, XNAT_PCP_NO_RESOURCES, now, resp);
	}
	if (lifetime) {
		touch(s->maps, &k, &out, now);
		granted = session_lifetime(s->maps, &k, &out);
	}
	p.map.external_port = out.port;
	xnat_pcp_mapped_v4(p.map.external_addr, out.addr);
answer:
	s->count.peer++;
	memcpy(resp + off, &p, sizeof(p));
	memcpy(resp + off + sizeof(p), o.keep, o.kept);
	return xnat_pcp_answer(s, XNAT_PCP_OP_PEER, XNAT_PCP_SUCCESS, granted, now, resp, sizeof(p) + o.kept);
}

/* PEER, with its outcome kept for the log. */
size_t xnat_pcp_peer(struct xnat_pcp_server *s, __be32 src, const __u8 *req, size_t len, __u32 lifetime,
		     __u32 now, __u8 *resp)
{
	size_t n = peer_answer(s, src, req, len, lifetime, now, resp);

	xnat_pcp_keep_outcome(s, src, resp, n, lifetime);
	s->last.peer = s->last.set;
	return n;
}
