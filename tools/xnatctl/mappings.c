// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mapwalk.h"
#include "xnatctl.h"

struct row {
	struct xnat_port_key k;
	struct xnat_port_owner v;
	__u32 sessions;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->k.proto != y->k.proto)
		return x->k.proto - y->k.proto;
	return (int)ntohs(x->k.ext_port) - (int)ntohs(y->k.ext_port);
}

/* Sessions per mapping: the IN entries arriving on its external port. */
static void count_sessions(struct row *rows, size_t n, const struct xnat_snapshot *flows)
{
	for (size_t i = 0; i < flows->n; i++) {
		const struct xnat_flow_key *k = xnat_snapshot_key(flows, i);
		const struct xnat_flow *v = xnat_snapshot_val(flows, i);
		struct row key = { .k = { .ext_port = k->dport, .proto = k->proto } }, *r;

		if (k->dir != XNAT_DIR_IN || v->owner == XNAT_OWNER_LOCAL)
			continue;
		r = bsearch(&key, rows, n, sizeof(*rows), cmp_row);
		if (r)
			r->sessions++;
	}
}

int cmd_mappings(struct ctl *c, int argc, char **argv)
{
	struct xnat_snapshot ports, flows;
	struct xnat_config m;
	__u32 now = xnat_now();
	struct row *rows;
	struct xnat_json j;

	(void)argv;
	if (argc) {
		fprintf(stderr, "xnatctl: mappings takes no arguments\n");
		return 2;
	}
	if (xnat_config_read(c->maps.config, &m) ||
	    xnat_snapshot_take(c->maps.ports, sizeof(struct xnat_port_key),
			       sizeof(struct xnat_port_owner), &ports)) {
		perror("xnatctl: reading the maps");
		return 1;
	}
	if (xnat_snapshot_take(c->maps.flows, sizeof(struct xnat_flow_key), sizeof(struct xnat_flow), &flows)) {
		xnat_snapshot_free(&ports);
		perror("xnatctl: reading the maps");
		return 1;
	}
	rows = calloc(ports.n + 1, sizeof(*rows));
	for (size_t i = 0; rows && i < ports.n; i++) {
		rows[i].k = *(struct xnat_port_key *)xnat_snapshot_key(&ports, i);
		rows[i].v = *(struct xnat_port_owner *)xnat_snapshot_val(&ports, i);
	}
	if (rows) {
		qsort(rows, ports.n, sizeof(*rows), cmp_row);
		count_sessions(rows, ports.n, &flows);
	}
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
	} else {
		printf("%-5s %-22s %-22s %-8s %8s %8s %10s\n", "PROTO", "EXTERNAL", "INTERNAL", "OWNER",
		       "SESSIONS", "IDLE", "EXPIRES");
	}
	for (size_t i = 0; rows && i < ports.n; i++) {
		const struct row *r = &rows[i];
		char ext[48], in[48], expires[24] = "never";
		__u32 idle = now > r->v.last_used ? now - r->v.last_used : 0;

		ctl_endpoint(ext, sizeof(ext), m.ext_addr, r->k.ext_port, r->k.proto);
		ctl_endpoint(in, sizeof(in), r->v.int_addr, r->v.int_port, r->k.proto);
		if (r->v.expires)
			snprintf(expires, sizeof(expires), "%ds", (int)(r->v.expires - now));
		if (!c->json) {
			printf("%-5s %-22s %-22s %-8s %8u %7us %10s\n", ctl_proto_name(r->k.proto), ext, in,
			       ctl_owner_name(r->v.owner), r->sessions, idle, expires);
			continue;
		}
		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "proto", ctl_proto_name(r->k.proto));
		xnat_json_kv_string(&j, "external", ext);
		xnat_json_kv_uint(&j, "external_port", ntohs(r->k.ext_port));
		xnat_json_kv_string(&j, "internal", in);
		xnat_json_kv_uint(&j, "internal_port", ntohs(r->v.int_port));
		xnat_json_kv_string(&j, "owner", ctl_owner_name(r->v.owner));
		xnat_json_kv_uint(&j, "sessions", r->sessions);
		xnat_json_kv_uint(&j, "idle_seconds", idle);
		xnat_json_key(&j, "expires_in_seconds");
		if (r->v.expires)
			xnat_json_int(&j, (int)(r->v.expires - now));
		else
			xnat_json_null(&j);
		xnat_json_object_end(&j);
	}
	if (c->json)
		xnat_json_array_end(&j);
	free(rows);
	xnat_snapshot_free(&ports);
	xnat_snapshot_free(&flows);
	return 0;
}
