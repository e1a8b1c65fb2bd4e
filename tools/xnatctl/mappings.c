// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "mapwalk.h"
#include "pcp_filter.h"
#include "ports.h"
#include "xnatctl.h"

static const struct ctl_column columns[] = {
	{ .name = "PROTO" }, { .name = "EXTERNAL" }, { .name = "INTERNAL" }, { .name = "OWNER" },
	{ .name = "SESSIONS", .right = true }, { .name = "IDLE", .right = true },
	{ .name = "EXPIRES", .right = true }, { .name = "FILTER" },
};

/* A PCP mapping's FILTER rules (none for the other owners). */
static int filters_of(const struct ctl *c, __u32 slot, const struct xnat_port_owner *v,
		      struct xnat_remote_filter *out)
{
	struct xnat_lease l = { .proto = xnat_slot_proto(slot), .owner = v->owner,
				.ext_port = xnat_slot_port(slot), .int_addr = v->int_addr,
				.int_port = ntohs(v->int_port) };

	return v->owner == XNAT_OWNER_PCP ? xnat_pcp_filters_get(&c->maps, &l, out) : 0;
}

/* "203.0.113.0/24,198.51.100.2/32:3478", or "-" for none. */
static void filters_text(char *buf, size_t len, const struct xnat_remote_filter *f, int n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++) {
		char a[INET_ADDRSTRLEN];

		ctl_addr(a, sizeof(a), f[i].addr);
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u", i ? "," : "", a, f[i].prefix_len);
		if (f[i].port && off < len)
			off += (size_t)snprintf(buf + off, len - off, ":%u", ntohs(f[i].port));
	}
	if (!n)
		snprintf(buf, len, "-");
}

/* Sessions per slot: the IN entries arriving on its external port (the
 * gateway's own identity sessions ride on no mapping). */
static int count_sessions(int flows_fd, __u32 *sessions)
{
	struct xnat_snapshot flows;
	int err = xnat_snapshot_take(flows_fd, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow),
				     &flows);

	if (err)
		return err;
	for (size_t i = 0; i < flows.n; i++) {
		const struct xnat_flow_key *k = xnat_snapshot_key(&flows, i);
		const struct xnat_flow *v = xnat_snapshot_val(&flows, i);
		int slot = xnat_port_slot(k->proto, ntohs(k->dport));

		if (k->dir == XNAT_DIR_IN && v->owner != XNAT_OWNER_LOCAL && slot >= 0)
			sessions[slot]++;
	}
	xnat_snapshot_free(&flows);
	return 0;
}

static void json_row(const struct ctl *c, struct xnat_json *j, __u32 slot, const struct xnat_port_owner *v,
		     __be32 ext_addr, __u32 sessions, __u32 idle, __s32 expires_in)
{
	struct xnat_remote_filter f[XNAT_PORT_FILTERS];
	int n = filters_of(c, slot, v, f);
	__u8 proto = xnat_slot_proto(slot);
	char ext[48], in[48], addr[INET_ADDRSTRLEN];

	ctl_endpoint(ext, sizeof(ext), ext_addr, htons(xnat_slot_port(slot)), proto);
	ctl_endpoint(in, sizeof(in), v->int_addr, v->int_port, proto);
	xnat_json_object_begin(j);
	xnat_json_kv_string(j, "proto", ctl_proto_name(proto));
	xnat_json_kv_string(j, "external", ext);
	ctl_addr(addr, sizeof(addr), ext_addr);
	xnat_json_kv_string(j, "external_address", addr);
	xnat_json_kv_uint(j, "external_port", xnat_slot_port(slot));
	xnat_json_kv_string(j, "internal", in);
	ctl_addr(addr, sizeof(addr), v->int_addr);
	xnat_json_kv_string(j, "internal_address", addr);
	xnat_json_kv_uint(j, "internal_port", ntohs(v->int_port));
	xnat_json_kv_string(j, "owner", ctl_owner_name(v->owner));
	xnat_json_kv_uint(j, "sessions", sessions);
	xnat_json_kv_uint(j, "idle_seconds", idle);
	if (v->expires)
		xnat_json_kv_int(j, "expires_in_seconds", expires_in);
	else
		xnat_json_kv_null(j, "expires_in_seconds");
	xnat_json_key(j, "filters");
	xnat_json_array_begin(j);
	for (int i = 0; i < n; i++) {
		ctl_addr(addr, sizeof(addr), f[i].addr);
		xnat_json_object_begin(j);
		xnat_json_kv_string(j, "address", addr);
		xnat_json_kv_uint(j, "prefix_len", f[i].prefix_len);
		xnat_json_kv_uint(j, "port", ntohs(f[i].port));
		xnat_json_object_end(j);
	}
	xnat_json_array_end(j);
	xnat_json_object_end(j);
}

static void text_row(const struct ctl *c, struct ctl_table *t, __u32 slot, const struct xnat_port_owner *v,
		     __be32 ext_addr, __u32 sessions, __u32 idle, __s32 expires_in)
{
	struct xnat_remote_filter f[XNAT_PORT_FILTERS];
	__u8 proto = xnat_slot_proto(slot);
	char ext[48], in[48], filters[XNAT_PORT_FILTERS * 28];

	ctl_endpoint(ext, sizeof(ext), ext_addr, htons(xnat_slot_port(slot)), proto);
	ctl_endpoint(in, sizeof(in), v->int_addr, v->int_port, proto);
	ctl_table_cell(t, "%s", ctl_proto_name(proto));
	ctl_table_cell(t, "%s", ext);
	ctl_table_cell(t, "%s", in);
	ctl_table_cell(t, "%s", ctl_owner_name(v->owner));
	ctl_table_cell(t, "%u", sessions);
	ctl_table_cell(t, "%us", idle);
	if (!v->expires)
		ctl_table_cell(t, "never");
	else if (expires_in <= 0) /* due: the collector's next round takes it */
		ctl_table_cell(t, "expired");
	else
		ctl_table_cell(t, "%ds", expires_in);
	filters_text(filters, sizeof(filters), f, filters_of(c, slot, v, f));
	ctl_table_cell(t, "%s", filters);
}

int cmd_mappings(struct ctl *c, int argc, char **argv)
{
	struct xnat_port_table ports;
	struct xnat_config m;
	struct ctl_table t;
	struct xnat_json j;
	__u32 now = xnat_now(), *sessions;
	int err, rc = CTL_OK;

	(void)argv;
	if (argc)
		return ctl_usage("mappings");
	if (ctl_open(c))
		return CTL_ERR;
	err = xnat_config_read(c->maps.config, &m);
	if (err)
		return ctl_fail("reading " XNAT_MAP_CONFIG, err);
	sessions = calloc(XNAT_PORT_SLOTS, sizeof(*sessions));
	if (!sessions)
		return ctl_fail("counting sessions", -ENOMEM);
	err = count_sessions(c->maps.flows, sessions);
	if (!err)
		err = xnat_ports_open(c->maps.ports, false, &ports);
	if (err) {
		free(sessions);
		return ctl_fail("reading " XNAT_MAP_FLOWS " and " XNAT_MAP_PORTS, err);
	}

	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
	} else {
		ctl_table_init(&t, columns, sizeof(columns) / sizeof(columns[0]));
	}
	/* Slots are in (protocol, port) order: TCP, UDP, ICMP. */
	for (__u32 slot = 0; slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *v = &ports.slots[slot];
		__u32 idle = now > v->last_used ? now - v->last_used : 0;
		__s32 expires_in = (__s32)(v->expires - now);

		if (!v->in_use)
			continue;
		if (c->json)
			json_row(c, &j, slot, v, m.ext_addr, sessions[slot], idle, expires_in);
		else
			text_row(c, &t, slot, v, m.ext_addr, sessions[slot], idle, expires_in);
	}
	if (c->json)
		xnat_json_array_end(&j);
	else if (ctl_table_print(&t, stdout))
		rc = CTL_ERR;
	free(sessions);
	xnat_ports_close(&ports);
	return rc;
}
