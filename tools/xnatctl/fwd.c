// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xnatctl forward: static forwards added here are owner "static"; the
 * config file's are "config" and are re-applied by xnatd on reload. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "forward.h"
#include "xnatctl.h"

static const struct ctl_column columns[] = {
	{ .name = "PROTO" }, { .name = "PORTS" }, { .name = "TO" }, { .name = "OWNER" },
};

/* "PROTO PORTS ADDR[:PORT]" from three arguments, owned by xnatctl. */
static int parse_args(int argc, char **argv, struct xnat_forward *fw)
{
	char text[256], err[160];

	if (argc != 3)
		return ctl_usage("forward");
	if (snprintf(text, sizeof(text), "%s %s %s", argv[0], argv[1], argv[2]) >= (int)sizeof(text)) {
		fprintf(stderr, "xnatctl: forward: arguments too long\n");
		return CTL_ERR;
	}
	if (xnat_forward_parse(text, fw, err, sizeof(err))) {
		fprintf(stderr, "xnatctl: forward: %s\n", err);
		return CTL_ERR;
	}
	fw->owner = XNAT_OWNER_STATIC;
	return CTL_OK;
}

static void json_row(struct xnat_json *j, const struct xnat_forward *f)
{
	char addr[INET_ADDRSTRLEN];

	ctl_addr(addr, sizeof(addr), f->int_addr);
	xnat_json_object_begin(j);
	xnat_json_kv_string(j, "proto", ctl_proto_name(f->proto));
	xnat_json_kv_uint(j, "external_port_min", f->ext_min);
	xnat_json_kv_uint(j, "external_port_max", f->ext_max);
	xnat_json_kv_string(j, "internal_address", addr);
	xnat_json_kv_uint(j, "internal_port_min", f->int_port);
	xnat_json_kv_uint(j, "internal_port_max", f->int_port + (f->ext_max - f->ext_min));
	xnat_json_kv_string(j, "owner", ctl_owner_name(f->owner));
	xnat_json_object_end(j);
}

static void text_row(struct ctl_table *t, const struct xnat_forward *f)
{
	char addr[INET_ADDRSTRLEN];

	ctl_addr(addr, sizeof(addr), f->int_addr);
	ctl_table_cell(t, "%s", ctl_proto_name(f->proto));
	if (f->ext_min == f->ext_max)
		ctl_table_cell(t, "%u", f->ext_min);
	else
		ctl_table_cell(t, "%u-%u", f->ext_min, f->ext_max);
	ctl_table_cell(t, "%s:%u", addr, f->int_port);
	ctl_table_cell(t, "%s", ctl_owner_name(f->owner));
}

static int forward_list(struct ctl *c)
{
	struct xnat_forward *list = NULL;
	struct ctl_table t;
	struct xnat_json j;
	int n, max = 0, rc = CTL_OK;

	/* The count comes back even when it exceeds the room: grow and retry. */
	for (;;) {
		n = xnat_forward_list(&c->maps, list, max);
		if (n < 0) {
			free(list);
			return ctl_fail("reading " XNAT_MAP_PORTS, n);
		}
		if (n <= max)
			break;
		free(list);
		max = n;
		list = calloc(max, sizeof(*list));
		if (!list)
			return ctl_fail("listing forwards", -ENOMEM);
	}
	if (c->json) {
		xnat_json_init(&j, stdout);
		xnat_json_array_begin(&j);
		for (int i = 0; i < n; i++)
			json_row(&j, &list[i]);
		xnat_json_array_end(&j);
	} else {
		ctl_table_init(&t, columns, sizeof(columns) / sizeof(columns[0]));
		for (int i = 0; i < n; i++)
			text_row(&t, &list[i]);
		if (ctl_table_print(&t, stdout))
			rc = CTL_ERR;
	}
	free(list);
	return rc;
}

static int forward_add(struct ctl *c, int argc, char **argv)
{
	struct xnat_forward fw;
	char err[512], text[96];
	int rc = parse_args(argc, argv, &fw);

	if (rc)
		return rc;
	if (ctl_open(c))
		return CTL_ERR;
	if (xnat_forward_add(&c->maps, &fw, err, sizeof(err))) {
		fprintf(stderr, "xnatctl: forward add: %s\n", err);
		return CTL_ERR;
	}
	xnat_forward_format(&fw, text, sizeof(text));
	printf("added forward %s\n", text);
	return CTL_OK;
}

static int forward_del(struct ctl *c, int argc, char **argv)
{
	struct xnat_forward fw;
	char err[512];
	int n, rc = parse_args(argc, argv, &fw);

	if (rc)
		return rc;
	if (ctl_open(c))
		return CTL_ERR;
	n = xnat_forward_del(&c->maps, &fw, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "xnatctl: forward del: %s\n", err);
		return CTL_ERR;
	}
	printf("removed %d port%s\n", n, n == 1 ? "" : "s");
	return CTL_OK;
}

int cmd_forward(struct ctl *c, int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "list")) {
		if (ctl_open(c))
			return CTL_ERR;
		return forward_list(c);
	}
	if (argc >= 1 && !strcmp(argv[0], "add"))
		return forward_add(c, argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "del"))
		return forward_del(c, argc - 1, argv + 1);
	return ctl_usage("forward");
}
