// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xnatctl forward: static forwards added here are owner "static"; the
 * config file's are "config" and are re-applied by xnatd on reload. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "forward.h"
#include "xnatctl.h"

#define MAX_LIST 4096

static int parse_args(int argc, char **argv, struct xnat_forward *fw)
{
	char text[160], err[160];

	if (argc != 3) {
		fprintf(stderr, "xnatctl: usage: forward add|del tcp|udp PORT[-PORT] ADDR[:PORT]\n");
		return -1;
	}
	snprintf(text, sizeof(text), "%s %s %s", argv[0], argv[1], argv[2]);
	if (xnat_forward_parse(text, fw, err, sizeof(err))) {
		fprintf(stderr, "xnatctl: %s\n", err);
		return -1;
	}
	fw->owner = XNAT_OWNER_STATIC;
	return 0;
}

static int forward_list(struct ctl *c)
{
	static struct xnat_forward list[MAX_LIST];
	int n = xnat_forward_list(&c->maps, list, MAX_LIST);
	struct xnat_json j;

	if (n < 0) {
		fprintf(stderr, "xnatctl: reading %s: %s\n", XNAT_MAP_PORTS, strerror(-n));
		return 1;
	}
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
	} else {
		printf("%-5s %-13s %-22s %s\n", "PROTO", "PORTS", "TO", "OWNER");
	}
	for (int i = 0; i < n && i < MAX_LIST; i++) {
		const struct xnat_forward *f = &list[i];
		char ports[16], to[48], addr[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &f->int_addr, addr, sizeof(addr));
		snprintf(ports, sizeof(ports), f->ext_min == f->ext_max ? "%u" : "%u-%u", f->ext_min,
			 f->ext_max);
		snprintf(to, sizeof(to), "%s:%u", addr, f->int_port);
		if (!c->json) {
			printf("%-5s %-13s %-22s %s\n", ctl_proto_name(f->proto), ports, to,
			       ctl_owner_name(f->owner));
			continue;
		}
		xnat_json_object_begin(&j);
		xnat_json_kv_string(&j, "proto", ctl_proto_name(f->proto));
		xnat_json_kv_uint(&j, "external_port_min", f->ext_min);
		xnat_json_kv_uint(&j, "external_port_max", f->ext_max);
		xnat_json_kv_string(&j, "internal_address", addr);
		xnat_json_kv_uint(&j, "internal_port", f->int_port);
		xnat_json_kv_string(&j, "owner", ctl_owner_name(f->owner));
		xnat_json_object_end(&j);
	}
	if (c->json)
		xnat_json_array_end(&j);
	return 0;
}

int cmd_forward(struct ctl *c, int argc, char **argv)
{
	struct xnat_forward fw;
	char err[256], text[96];
	int n;

	if (argc >= 1 && !strcmp(argv[0], "list"))
		return forward_list(c);
	if (argc >= 1 && !strcmp(argv[0], "add")) {
		if (parse_args(argc - 1, argv + 1, &fw))
			return 2;
		if (xnat_forward_add(&c->maps, &fw, err, sizeof(err))) {
			fprintf(stderr, "xnatctl: %s\n", err);
			return 1;
		}
		xnat_forward_format(&fw, text, sizeof(text));
		printf("added forward %s\n", text);
		return 0;
	}
	if (argc >= 1 && !strcmp(argv[0], "del")) {
		if (parse_args(argc - 1, argv + 1, &fw))
			return 2;
		n = xnat_forward_del(&c->maps, &fw, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "xnatctl: %s\n", err);
			return 1;
		}
		printf("removed %d port%s\n", n, n == 1 ? "" : "s");
		return 0;
	}
	fprintf(stderr, "xnatctl: usage: forward add|del PROTO PORT[-PORT] ADDR[:PORT] | forward list\n");
	return 2;
}
