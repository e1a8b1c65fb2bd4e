// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "expiry.h"
#include "mapwalk.h"
#include "xnatctl.h"

/* The IN entry of the session whose OUT entry is (k, v). */
static int lookup_in(int flows_fd, const struct xnat_flow_key *k, const struct xnat_flow *v,
		     struct xnat_flow *in)
{
	struct xnat_flow_key ki;

	xnat_flow_in_key(k, v, &ki);
	return bpf_map_lookup_elem(flows_fd, &ki, in);
}

int cmd_sessions(struct ctl *c, int argc, char **argv)
{
	struct xnat_snapshot flows;
	__u32 now = xnat_now();
	struct xnat_json j;

	(void)argv;
	if (argc) {
		fprintf(stderr, "xnatctl: sessions takes no arguments\n");
		return 2;
	}
	if (xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow), &flows)) {
		perror("xnatctl: reading the maps");
		return 1;
	}
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
	} else {
		printf("%-5s %-22s %-22s %-22s %-12s %7s %s\n", "PROTO", "LAN", "EXTERNAL", "REMOTE",
		       "STATE", "IDLE", "OWNER");
	}
	for (size_t i = 0; i < flows.n; i++) {
		const struct xnat_flow_key *k = xnat_snapshot_key(&flows, i);
		const struct xnat_flow *v = xnat_snapshot_val(&flows, i);
		struct xnat_flow in = {};
		char lan[48], ext[48], rem[48];
		const char *state = "-";
		__u32 last, idle;
		int half;

		if (k->dir != XNAT_DIR_OUT)
			continue;
		half = lookup_in(c->maps.flows, k, v, &in) != 0;
		last = v->last_seen > in.last_seen ? v->last_seen : in.last_seen;
		idle = now > last ? now - last : 0;
		if (k->proto == IPPROTO_TCP)
			state = xnat_tcp_state_name(xnat_tcp_state(v->flags, in.flags));
		if (half)
			state = "half";
		ctl_endpoint(lan, sizeof(lan), k->saddr, k->sport, k->proto);
		ctl_endpoint(ext, sizeof(ext), v->addr, v->port, k->proto);
		ctl_endpoint(rem, sizeof(rem), k->daddr, k->dport, k->proto == IPPROTO_ICMP ? 0 : k->proto);
		if (k->proto == IPPROTO_ICMP) /* the remote of a query has no port */
			*strrchr(rem, ':') = '\0';
		if (!c->json) {
			printf("%-5s %-22s %-22s %-22s %-12s %6us %s\n", ctl_proto_name(k->proto), lan, ext,
			       rem, state, idle, ctl_owner_name(v->owner));
			continue;
		}
		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "proto", ctl_proto_name(k->proto));
		xnat_json_kv_string(&j, "lan", lan);
		xnat_json_kv_string(&j, "external", ext);
		xnat_json_kv_string(&j, "remote", rem);
		xnat_json_kv_string(&j, "state", state);
		xnat_json_kv_uint(&j, "idle_seconds", idle);
		xnat_json_kv_string(&j, "owner", ctl_owner_name(v->owner));
		xnat_json_object_end(&j);
	}
	if (c->json)
		xnat_json_array_end(&j);
	xnat_snapshot_free(&flows);
	return 0;
}
