// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "mapwalk.h"
#include "xnatctl.h"

static const struct ctl_column columns[] = {
	{ .name = "PROTO" }, { .name = "LAN" }, { .name = "EXTERNAL" }, { .name = "REMOTE" },
	{ .name = "STATE" }, { .name = "IDLE", .right = true }, { .name = "OWNER" },
};

/* One session: its OUT entry (from the snapshot) and its IN entry. */
struct session {
	const struct xnat_flow_key *k; /* OUT key: LAN tuple */
	const struct xnat_flow *out;
	struct xnat_flow in;
	bool partial;                  /* IN entry missing: being created or collected */
};

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

/* TCP, UDP, ICMP: the order of xnat_ports, so mappings and sessions agree. */
static __u32 proto_rank(__u8 proto)
{
	int slot = xnat_port_slot(proto, 0);

	return slot < 0 ? 3 : (__u32)slot / 65536;
}

/* By protocol, LAN endpoint, remote endpoint: stable output for people and diffs. */
static int cmp_session(const void *pa, const void *pb)
{
	const struct xnat_flow_key *a = ((const struct session *)pa)->k;
	const struct xnat_flow_key *b = ((const struct session *)pb)->k;
	int r;

	if ((r = cmp_u32(proto_rank(a->proto), proto_rank(b->proto))) ||
	    (r = cmp_u32(ntohl(a->saddr), ntohl(b->saddr))) ||
	    (r = cmp_u32(ntohs(a->sport), ntohs(b->sport))) ||
	    (r = cmp_u32(ntohl(a->daddr), ntohl(b->daddr))))
		return r;
	return cmp_u32(ntohs(a->dport), ntohs(b->dport));
}

/* The sessions of a snapshot of xnat_flows, sorted; *n set. NULL on ENOMEM. */
static struct session *collect(int flows_fd, const struct xnat_snapshot *flows, size_t *n)
{
	struct session *s = calloc(flows->n ? flows->n : 1, sizeof(*s));

	*n = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < flows->n; i++) {
		const struct xnat_flow_key *k = xnat_snapshot_key(flows, i);
		struct session *e = &s[*n];
		struct xnat_flow_key ki;

		if (k->dir != XNAT_DIR_OUT)
			continue;
		e->k = k;
		e->out = xnat_snapshot_val(flows, i);
		xnat_flow_in_key(k, e->out, &ki);
		e->partial = bpf_map_lookup_elem(flows_fd, &ki, &e->in) != 0;
		(*n)++;
	}
	qsort(s, *n, sizeof(*s), cmp_session);
	return s;
}

/* TCP state from both directions' flags; NULL for other protocols. */
static const char *state_name(const struct session *s)
{
	if (s->partial)
		return "partial";
	if (s->k->proto != IPPROTO_TCP)
		return NULL;
	return xnat_tcp_state_name(xnat_tcp_state(s->out->flags, s->in.flags));
}

static __u32 idle_seconds(const struct session *s, __u32 now)
{
	__u32 last = s->out->last_seen > s->in.last_seen ? s->out->last_seen : s->in.last_seen;

	return now > last ? now - last : 0;
}

/* The remote of an ICMP query has no port: the identifier is on our side. */
static void remote_name(char *buf, size_t len, const struct xnat_flow_key *k)
{
	if (k->proto == IPPROTO_ICMP)
		ctl_addr(buf, len, k->daddr);
	else
		ctl_endpoint(buf, len, k->daddr, k->dport, k->proto);
}

static void json_row(struct xnat_json *j, const struct session *s, __u32 now)
{
	const struct xnat_flow_key *k = s->k;
	char lan[48], ext[48], rem[48], addr[INET_ADDRSTRLEN];
	const char *state = state_name(s);

	ctl_endpoint(lan, sizeof(lan), k->saddr, k->sport, k->proto);
	ctl_endpoint(ext, sizeof(ext), s->out->addr, s->out->port, k->proto);
	remote_name(rem, sizeof(rem), k);
	xnat_json_object_begin(j);
	xnat_json_kv_string(j, "proto", ctl_proto_name(k->proto));
	xnat_json_kv_string(j, "lan", lan);
	ctl_addr(addr, sizeof(addr), k->saddr);
	xnat_json_kv_string(j, "lan_address", addr);
	xnat_json_kv_uint(j, "lan_port", ntohs(k->sport));
	xnat_json_kv_string(j, "external", ext);
	ctl_addr(addr, sizeof(addr), s->out->addr);
	xnat_json_kv_string(j, "external_address", addr);
	xnat_json_kv_uint(j, "external_port", ntohs(s->out->port));
	xnat_json_kv_string(j, "remote", rem);
	ctl_addr(addr, sizeof(addr), k->daddr);
	xnat_json_kv_string(j, "remote_address", addr);
	if (k->proto == IPPROTO_ICMP)
		xnat_json_kv_null(j, "remote_port");
	else
		xnat_json_kv_uint(j, "remote_port", ntohs(k->dport));
	if (state)
		xnat_json_kv_string(j, "state", state);
	else
		xnat_json_kv_null(j, "state");
	xnat_json_kv_uint(j, "idle_seconds", idle_seconds(s, now));
	xnat_json_kv_string(j, "owner", ctl_owner_name(s->out->owner));
	xnat_json_object_end(j);
}

static void text_row(struct ctl_table *t, const struct session *s, __u32 now)
{
	const struct xnat_flow_key *k = s->k;
	char lan[48], ext[48], rem[48];
	const char *state = state_name(s);

	ctl_endpoint(lan, sizeof(lan), k->saddr, k->sport, k->proto);
	ctl_endpoint(ext, sizeof(ext), s->out->addr, s->out->port, k->proto);
	remote_name(rem, sizeof(rem), k);
	ctl_table_cell(t, "%s", ctl_proto_name(k->proto));
	ctl_table_cell(t, "%s", lan);
	ctl_table_cell(t, "%s", ext);
	ctl_table_cell(t, "%s", rem);
	ctl_table_cell(t, "%s", state ? state : "-");
	ctl_table_cell(t, "%us", idle_seconds(s, now));
	ctl_table_cell(t, "%s", ctl_owner_name(s->out->owner));
}

int cmd_sessions(struct ctl *c, int argc, char **argv)
{
	struct xnat_snapshot flows;
	struct session *s;
	struct ctl_table t;
	struct xnat_json j;
	__u32 now = xnat_now();
	int err, rc = CTL_OK;
	size_t n;

	(void)argv;
	if (argc)
		return ctl_usage("sessions");
	if (ctl_open(c))
		return CTL_ERR;
	err = xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
				 &flows);
	if (err)
		return ctl_fail("reading " XNAT_MAP_FLOWS, err);
	s = collect(c->maps.flows, &flows, &n);
	if (!s) {
		xnat_snapshot_free(&flows);
		return ctl_fail("listing sessions", -ENOMEM);
	}
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
		for (size_t i = 0; i < n; i++)
			json_row(&j, &s[i], now);
		xnat_json_array_end(&j);
	} else {
		ctl_table_init(&t, columns, sizeof(columns) / sizeof(columns[0]));
		for (size_t i = 0; i < n; i++)
			text_row(&t, &s[i], now);
		if (ctl_table_print(&t, stdout))
			rc = CTL_ERR;
	}
	free(s);
	xnat_snapshot_free(&flows);
	return rc;
}
