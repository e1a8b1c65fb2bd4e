// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mapwalk.h"
#include "ports.h"
#include "xnatctl.h"

/* Sessions per slot: the IN entries arriving on its external port. */
static void count_sessions(__u32 *sessions, const struct xnat_snapshot *flows)
{
	for (size_t i = 0; i < flows->n; i++) {
		const struct xnat_flow_key *k = xnat_snapshot_key(flows, i);
		const struct xnat_flow *v = xnat_snapshot_val(flows, i);
		int slot = xnat_port_slot(k->proto, ntohs(k->dport));

		if (k->dir == XNAT_DIR_IN && v->owner != XNAT_OWNER_LOCAL && slot >= 0)
			sessions[slot]++;
	}
}

int cmd_mappings(struct ctl *c, int argc, char **argv)
{
	struct xnat_port_table ports;
	struct xnat_snapshot flows;
	struct xnat_config m;
	__u32 now = xnat_now(), *sessions;
	struct xnat_json j;

	(void)argv;
	if (argc) {
		fprintf(stderr, "xnatctl: mappings takes no arguments\n");
		return 2;
	}
	if (xnat_config_read(c->maps.config, &m) || xnat_ports_open(c->maps.ports, false, &ports)) {
		perror("xnatctl: reading the maps");
		return 1;
	}
	if (xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow), &flows)) {
		xnat_ports_close(&ports);
		perror("xnatctl: reading the maps");
		return 1;
	}
	sessions = calloc(XNAT_PORT_SLOTS, sizeof(*sessions));
	if (sessions)
		count_sessions(sessions, &flows);
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
	} else {
		printf("%-5s %-22s %-22s %-8s %8s %8s %10s\n", "PROTO", "EXTERNAL", "INTERNAL", "OWNER",
		       "SESSIONS", "IDLE", "EXPIRES");
	}
	/* Slots are in (protocol, port) order. */
	for (__u32 slot = 0; sessions && slot < XNAT_PORT_SLOTS; slot++) {
		const struct xnat_port_owner *v = &ports.slots[slot];
		__u8 proto = xnat_slot_proto(slot);
		__be16 port = htons(xnat_slot_port(slot));
		char ext[48], in[48], expires[24] = "never";
		__u32 idle;

		if (!v->in_use)
			continue;
		idle = now > v->last_used ? now - v->last_used : 0;
		ctl_endpoint(ext, sizeof(ext), m.ext_addr, port, proto);
		ctl_endpoint(in, sizeof(in), v->int_addr, v->int_port, proto);
		if (v->expires)
			snprintf(expires, sizeof(expires), "%ds", (int)(v->expires - now));
		if (!c->json) {
			printf("%-5s %-22s %-22s %-8s %8u %7us %10s\n", ctl_proto_name(proto), ext, in,
			       ctl_owner_name(v->owner), sessions[slot], idle, expires);
			continue;
		}
		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "proto", ctl_proto_name(proto));
		xnat_json_kv_string(&j, "external", ext);
		xnat_json_kv_uint(&j, "external_port", xnat_slot_port(slot));
		xnat_json_kv_string(&j, "internal", in);
		xnat_json_kv_uint(&j, "internal_port", ntohs(v->int_port));
		xnat_json_kv_string(&j, "owner", ctl_owner_name(v->owner));
		xnat_json_kv_uint(&j, "sessions", sessions[slot]);
		xnat_json_kv_uint(&j, "idle_seconds", idle);
		xnat_json_key(&j, "expires_in_seconds");
		if (v->expires)
			xnat_json_int(&j, (int)(v->expires - now));
		else
			xnat_json_null(&j);
		xnat_json_object_end(&j);
	}
	if (c->json)
		xnat_json_array_end(&j);
	free(sessions);
	xnat_ports_close(&ports);
	xnat_snapshot_free(&flows);
	return 0;
}
