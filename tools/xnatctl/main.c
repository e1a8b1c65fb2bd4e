// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xnatctl: shows and edits the NAT state pinned by xnatd; works while xnatd is stopped. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include "shown.h"
#include "xnatctl.h"

#define XNATCTL_VERSION "0.1"

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *usage;
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "status", "external address, settings, counts, xnatd running" },
	{ "mappings", cmd_mappings, "mappings", "external port -> internal endpoint, owner, idle, expiry" },
	{ "sessions", cmd_sessions, "sessions", "flows through the mappings, TCP state, idle" },
	{ "forward", cmd_forward, "forward add|del tcp|udp PORT[-PORT] ADDR[:PORT] | forward list",
	  "static port forwards (owner \"static\")" },
	{ "stats", cmd_stats, "stats [--all]", "counters: translated, passed, dropped by reason" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: xnatctl [--pin-root DIR] [--json] COMMAND [ARGS]\n"
		   "       xnatctl help | --version\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %s\n      %s\n", cmds[i].usage, cmds[i].help);
	fprintf(f, "\noptions (before or after the command):\n"
		   "  --pin-root DIR   maps pinned by xnatd (default $XNAT_PIN_ROOT or %s)\n"
		   "  --json, -j       machine-readable output\n"
		   "  --all            stats: zero counters too\n", XNAT_PIN_ROOT);
}

int ctl_usage(const char *cmd)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].name, cmd))
			fprintf(stderr, "usage: xnatctl %s\n", cmds[i].usage);
	return CTL_USAGE;
}

int ctl_fail(const char *what, int err)
{
	fprintf(stderr, "xnatctl: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return CTL_ERR;
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

void ctl_addr(char *buf, size_t len, __be32 addr)
{
	if (!inet_ntop(AF_INET, &addr, buf, len))
		snprintf(buf, len, "?");
}

void ctl_endpoint(char *buf, size_t len, __be32 addr, __be16 port, __u8 proto)
{
	char a[INET_ADDRSTRLEN];

	ctl_addr(a, sizeof(a), addr);
	snprintf(buf, len, proto == IPPROTO_ICMP ? "%s id %u" : "%s:%u", a, ntohs(port));
}

/* Global options may come before or after the command; the rest is kept in order. */
static int take_global_opts(struct ctl *c, int *argc, char **argv)
{
	struct xnat_shown q;
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			c->json = true;
		} else if (!strcmp(a, "--all")) {
			c->all = true;
		} else if (!strncmp(a, "--pin-root=", 11)) {
			c->pin_root = a + 11;
		} else if (!strcmp(a, "--pin-root")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "xnatctl: --pin-root needs a directory\n");
				return -1;
			}
			c->pin_root = argv[++i];
		} else if (a[0] == '-' && a[1] && strcmp(a, "-h") && strcmp(a, "--help") &&
			   strcmp(a, "--version")) {
			fprintf(stderr, "xnatctl: unknown option '%s'\n", xnat_shown(a, &q));
			return -1;
		} else {
			argv[out++] = argv[i];
		}
	}
	if (!*c->pin_root) {
		fprintf(stderr, "xnatctl: empty pin root\n");
		return -1;
	}
	*argc = out;
	return 0;
}

static int run(struct ctl *c, int argc, char **argv)
{
	struct xnat_shown q;

	if (!argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		usage(stdout);
		return CTL_OK;
	}
	if (!strcmp(argv[0], "--version")) {
		printf("xnatctl %s\n", XNATCTL_VERSION);
		return CTL_OK;
	}
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(c, argc - 1, argv + 1);
	fprintf(stderr, "xnatctl: unknown command '%s'\n\n", xnat_shown(argv[0], &q));
	usage(stderr);
	return CTL_USAGE;
}

int main(int argc, char **argv)
{
	struct ctl c = { .pin_root = getenv("XNAT_PIN_ROOT") };
	int rc;

	if (!c.pin_root || !*c.pin_root)
		c.pin_root = XNAT_PIN_ROOT;
	xnat_maps_init(&c.maps);
	argc--, argv++;
	if (take_global_opts(&c, &argc, argv))
		return CTL_USAGE;
	rc = run(&c, argc, argv);
	xnat_maps_close(&c.maps);
	/* A full disk or a closed pipe is an error too, not a silent truncation. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "xnatctl: writing the output: %s\n", strerror(errno));
		return CTL_ERR;
	}
	return rc;
}
