// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xnatctl: shows and edits the NAT state pinned by xnatd; works while xnatd is stopped. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "xnatctl.h"

#define XNATCTL_VERSION "0.1"

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "status                      external address, settings, counts" },
	{ "mappings", cmd_mappings, "mappings                    external port -> internal endpoint, owner" },
	{ "sessions", cmd_sessions, "sessions                    flows through the mappings, TCP state" },
	{ "forward", cmd_forward, "forward add|del PROTO PORT[-PORT] ADDR[:PORT] | forward list" },
	{ "stats", cmd_stats, "stats [--all]               counters: translated, passed, dropped by reason" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xnatctl [--pin-root DIR] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
	fprintf(f, "\n  --pin-root DIR   maps pinned by xnatd (default %s, or $XNAT_PIN_ROOT)\n"
		   "  --json           machine-readable output\n", XNAT_PIN_ROOT);
}

int ctl_open(struct ctl *c)
{
	const char *missing = "?";
	int err = xnat_maps_open_pinned(c->pin_root, &c->maps, &missing);

	if (err) {
		fprintf(stderr, "xnatctl: cannot open %s/%s: %s (is xnatd loaded? see --pin-root)\n",
			c->pin_root, missing, strerror(-err));
		return -1;
	}
	return 0;
}

const char *ctl_proto_name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	default: return "?";
	}
}

const char *ctl_owner_name(__u8 owner)
{
	static const char *const names[XNAT_OWNER_MAX] = {
		[XNAT_OWNER_DYNAMIC] = "dynamic", [XNAT_OWNER_CONFIG] = "config",
		[XNAT_OWNER_STATIC] = "static", [XNAT_OWNER_UPNP] = "upnp",
		[XNAT_OWNER_NATPMP] = "natpmp", [XNAT_OWNER_PCP] = "pcp",
		[XNAT_OWNER_SIP] = "sip", [XNAT_OWNER_LOCAL] = "local",
	};

	return owner < XNAT_OWNER_MAX ? names[owner] : "?";
}

void ctl_endpoint(char *buf, size_t len, __be32 addr, __be16 port, __u8 proto)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (proto == IPPROTO_ICMP)
		snprintf(buf, len, "%s id %u", a, ntohs(port));
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
}

/* Global options may come before or after the command. */
static int take_global_opts(struct ctl *c, int *argc, char **argv)
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			c->json = true;
		} else if (!strcmp(argv[i], "--all")) {
			c->all = true;
		} else if (!strcmp(argv[i], "--pin-root")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "xnatctl: --pin-root needs a directory\n");
				return -1;
			}
			c->pin_root = argv[++i];
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl c = { .pin_root = getenv("XNAT_PIN_ROOT") };
	int rc;

	if (!c.pin_root)
		c.pin_root = XNAT_PIN_ROOT;
	xnat_maps_init(&c.maps);
	argc--, argv++;
	if (take_global_opts(&c, &argc, argv))
		return 2;
	if (!argc || !strcmp(argv[0], "help") || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage(argc ? stdout : stderr);
		return argc ? 0 : 2;
	}
	if (!strcmp(argv[0], "--version")) {
		printf("xnatctl %s\n", XNATCTL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[0], cmds[i].name))
			continue;
		if (ctl_open(&c))
			return 1;
		rc = cmds[i].fn(&c, argc - 1, argv + 1);
		xnat_maps_close(&c.maps);
		return rc;
	}
	fprintf(stderr, "xnatctl: unknown command '%s'\n\n", argv[0]);
	usage(stderr);
	return 2;
}
