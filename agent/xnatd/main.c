// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnatd: loads the fast path, attaches it, keeps its state in line with the
 * config and the WAN address, collects expired state. Packets never wait on
 * it: established flows keep forwarding while it restarts, or if it dies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>
#include "addr_class.h"
#include "gc.h"
#include "link_kind.h"
#include "progload.h"
#include "xnat.skel.h"
#include "xnatd.h"

#define XNATD_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xnatd --wan IF --lan IF [--lan IF ...] [options]\n"
		"       xnatd --unload [--pin-root DIR]\n"
		"\n"
		"  -w, --wan IF         WAN (external) interface; its IPv4 address is the external address\n"
		"  -l, --lan IF         LAN interface (repeat for more)\n"
		"  -c, --config FILE    configuration file (see xnat.conf.example)\n"
		"  -p, --pin-root DIR   where maps and programs are pinned (default %s)\n"
		"  -s, --state-dir DIR  what outlives xnatd: the UPnP uuid (default /var/lib/xnat)\n"
		"  -m, --xdp-mode MODE  auto (default: per interface, XDP where its driver has it and a redirect\n"
		"                       there is safe, else TC), native, skb, or none (TC only)\n"
		"  -t, --check          check the configuration, and that this kernel loads the programs, and exit\n"
		"  -v, --verbose        the verifier's whole log of a program the kernel refuses, here\n"
		"                       (else in verifier-PROGRAM.log in the state directory)\n"
		"  -u, --unload         detach everything and remove the pinned state\n"
		"  -V, --version\n"
		"  -h, --help\n"
		"\nSignals: TERM/INT detach and exit (pinned state kept for the next start),\n"
		"HUP reloads the config file (timeouts, port range, filtering, forwards),\n"
		"USR2 exits leaving the programs attached, for a restart without a gap.\n",
		XNAT_PIN_ROOT);
}

struct cli {
	const char *config;
	const char *wan;
	const char *lan[XNAT_MAX_LAN];
	int n_lan;
	const char *pin_root;
	const char *state_dir;
	const char *xdp_mode;
	int check, unload, verbose;
};

static int parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option opts[] = {
		{ "wan", required_argument, NULL, 'w' },
		{ "lan", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "check", no_argument, NULL, 't' },
		{ "unload", no_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "w:l:c:p:s:m:tuvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'w': cli->wan = optarg; break;
		case 'l':
			if (cli->n_lan == XNAT_MAX_LAN) {
				fprintf(stderr, "xnatd: at most %d --lan\n", XNAT_MAX_LAN);
				return 2;
			}
			cli->lan[cli->n_lan++] = optarg;
			break;
		case 'c': cli->config = optarg; break;
		case 'p': cli->pin_root = optarg; break;
		case 's': cli->state_dir = optarg; break;
		case 'm': cli->xdp_mode = optarg; break;
		case 't': cli->check = 1; break;
		case 'u': cli->unload = 1; break;
		case 'v': cli->verbose = 1; break;
		case 'V': printf("xnatd %s\n", XNATD_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xnatd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

/* Only the length is checked here (the field must hold it); what makes a
 * valid name is xnat_config_validate()'s to say, for file and command line alike. */
static int copy_ifname(char *dst, const char *src, const char *what)
{
	if (strlen(src) >= IF_NAMESIZE) {
		fprintf(stderr, "xnatd: bad %s interface name '%s'\n", what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

/* Defaults, then the file, then the command line; checked as a whole. */
static int build_config(const struct cli *cli, struct xnat_agent_config *c)
{
	char err[1024];

	xnat_config_defaults(c);
	if (cli->config && xnat_config_load(cli->config, c, err, sizeof(err))) {
		fprintf(stderr, "xnatd: %s\n", err);
		return -1;
	}
	if (cli->wan && copy_ifname(c->wan, cli->wan, "WAN"))
		return -1;
	if (cli->n_lan) {
		c->n_lan = cli->n_lan;
		for (int i = 0; i < cli->n_lan; i++)
			if (copy_ifname(c->lan[i], cli->lan[i], "LAN"))
				return -1;
	}
	if (cli->pin_root) {
		if (cli->pin_root[0] != '/' || strlen(cli->pin_root) >= sizeof(c->pin_root)) {
			fprintf(stderr, "xnatd: --pin-root must be an absolute path\n");
			return -1;
		}
		strcpy(c->pin_root, cli->pin_root);
	}
	if (cli->state_dir) {
		if (cli->state_dir[0] != '/' || strlen(cli->state_dir) >= sizeof(c->state_dir) - 64) {
			fprintf(stderr, "xnatd: --state-dir must be an absolute path\n");
			return -1;
		}
		strcpy(c->state_dir, cli->state_dir);
	}
	if (cli->xdp_mode && xnat_xdp_mode_parse(cli->xdp_mode, &c->xdp_mode)) {
		fprintf(stderr, "xnatd: --xdp-mode must be auto, native, skb or none\n");
		return -1;
	}
	if (xnat_config_validate(c, err, sizeof(err))) {
		fprintf(stderr, "xnatd: %s\n", err);
		return -1;
	}
	return 0;
}

/* What link the interface is (link_kind.h): 0, *l3 set; -1 with why when
 * xnat can't take it (nothing would be translated there). */
static int check_link(const char *role, const char *ifname, bool l3_ok, bool *l3, char *why, size_t len)
{
	char name[16];
	int type = xnatd_link_type(ifname);

	if (type < 0) {
		snprintf(why, len, "%s interface %s: %s", role, ifname, strerror(-type));
		return -1;
	}
	switch (xnat_link_kind_of((unsigned int)type)) {
	case XNAT_LINK_ETHERNET:
		*l3 = false;
		return 0;
	case XNAT_LINK_L3:
		if (l3_ok) {
			*l3 = true;
			return 0;
		}
		break;
	default:
		break;
	}
	snprintf(why, len, "%s interface %s: its link (%s) is not one xnat can parse (%s)", role, ifname,
		 xnat_arphrd_name((unsigned int)type, name, sizeof(name)),
		 l3_ok ? "Ethernet, or IPv4 without a link-layer header: PPP, tun, WireGuard, raw IP, ipip, gre"
		       : "Ethernet");
	return -1;
}

static int resolve_interfaces(struct xnatd *d)
{
	char why[160];
	bool l3;

	d->wan_ifindex = if_nametoindex(d->cfg.wan);
	if (!d->wan_ifindex) {
		fprintf(stderr, "xnatd: WAN interface %s: %s\n", d->cfg.wan, strerror(errno));
		return -1;
	}
	/* A link xnat can't parse: refuse rather than let a LAN host's packets
	 * leave with their private address. */
	if (check_link("WAN", d->cfg.wan, true, &d->wan_l3, why, sizeof(why))) {
		fprintf(stderr, "xnatd: %s; not starting: nothing would be translated there\n", why);
		return -1;
	}
	for (int i = 0; i < d->cfg.n_lan; i++) {
		d->lan_ifindex[i] = if_nametoindex(d->cfg.lan[i]);
		if (!d->lan_ifindex[i]) {
			fprintf(stderr, "xnatd: LAN interface %s: %s\n", d->cfg.lan[i], strerror(errno));
			return -1;
		}
		if (check_link("LAN", d->cfg.lan[i], false, &l3, why, sizeof(why))) {
			fprintf(stderr, "xnatd: %s; not starting\n", why);
			return -1;
		}
	}
	/* every one on the TC path until attached (attach.c) */
	memset(d->links, 0, sizeof(d->links));
	d->n_links = 1 + d->cfg.n_lan;
	for (int i = 0; i < d->n_links; i++) {
		struct xnat_link_info *l = &d->links[i];

		snprintf(l->name, sizeof(l->name), "%s", i ? d->cfg.lan[i - 1] : d->cfg.wan);
		l->ifindex = i ? d->lan_ifindex[i - 1] : d->wan_ifindex;
		l->role = i ? XNAT_LINK_LAN : XNAT_LINK_WAN;
		l->path = XNAT_PATH_TC;
	}
	xnatd_bridges_find(d);
	return 0;
}

/* The stack forwards what XDP hands it; a NAT gateway routes. */
static void enable_forwarding(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_forward", "w");

	if (!f || fputs("1\n", f) < 0)
		xlog_warn("cannot enable net.ipv4.ip_forward: %s", strerror(errno));
	if (f)
		fclose(f);
}

static void notify_status(const struct xnatd *d)
{
	enum xnat_addr_class class = xnat_addr_classify(d->ext_addr);
	char addr[INET_ADDRSTRLEN] = "none";

	if (d->ext_addr)
		inet_ntop(AF_INET, &d->ext_addr, addr, sizeof(addr));
	bool behind = class == XNAT_ADDR_PRIVATE || class == XNAT_ADDR_SHARED;

	sd_notifyf(0, "STATUS=NAT %s on %s, external address %s%s%s%s", d->ext_addr ? "active" : "waiting",
		   d->cfg.wan, addr, behind ? " (" : "", behind ? xnat_addr_class_name(class) : "",
		   behind ? ": behind another NAT)" : "");
}

/* Behind a double NAT or a carrier-grade NAT xnat works as anywhere, but
 * the admin should know why a granted port is not reachable from outside. */
static void warn_address_class(const struct xnatd *d)
{
	const char *note = xnat_addr_class_note(xnat_addr_classify(d->ext_addr));
	char a[INET_ADDRSTRLEN];

	if (!note)
		return;
	inet_ntop(AF_INET, &d->ext_addr, a, sizeof(a));
	xlog_warn("external address %s: %s (port mappings are granted all the same)", a, note);
}

static void follow_address(struct xnatd *d)
{
	__be32 now = xnatd_if_address(d->wan_ifindex), old = d->ext_addr;
	char a[INET_ADDRSTRLEN] = "none";

	if (now == old)
		return;
	d->ext_addr = now;
	if (now)
		inet_ntop(AF_INET, &now, a, sizeof(a));
	xlog_info("external address of %s: %s", d->cfg.wan, a);
	warn_address_class(d);
	xnatd_push_config(d);
	xnatd_flush_address(d, old);
	xnatd_pcp_address_changed(d);
	xnatd_upnp_address_changed(d);
	notify_status(d);
}

/*
 * The WAN interface made anew under its name (pppd creates a new ppp0 for
 * each session, a VPN its interface on each start): the programs follow it
 * to its new ifindex, with its link type and address. One xnat can't parse
 * gets the egress program all the same, which then drops every IPv4 packet
 * leaving there (never untranslated): closed until the link is one again.
 */
static void follow_wan_link(struct xnatd *d)
{
	unsigned int now = if_nametoindex(d->cfg.wan);
	char why[160];
	bool l3;

	if (now && now == d->wan_ifindex && xnatd_link_mtu(d->cfg.wan) != d->wan_mtu) {
		xnatd_push_config(d);
		xlog_info("WAN %s: MTU %d, TCP MSS clamped to %d", d->cfg.wan, d->wan_mtu, d->wan_mtu - 40);
	}
	if (!now || now == d->wan_ifindex)
		return;
	d->wan_ifindex = now;
	d->links[0].ifindex = now;
	if (check_link("WAN", d->cfg.wan, true, &l3, why, sizeof(why))) {
		d->wan_l3 = false;
		xlog_err("%s: every IPv4 packet leaving it is dropped until it is one", why);
	} else {
		d->wan_l3 = l3;
		xlog_info("WAN %s is a new interface (ifindex %u, %s): translating there", d->cfg.wan, now,
			  l3 ? "no link-layer header" : "Ethernet");
	}
	if (xnatd_attach_wan(d))
		xlog_err("WAN %s: cannot attach the programs there", d->cfg.wan);
	follow_address(d);
}

/* What the SIP fragment slow path did since the last time it was logged. */
static void log_slow_path(struct xnatd *d)
{
	static struct xnatd_slow_stats last;
	struct xnatd_slow_stats st;

	xnatd_slow_stats(d, &st);
	if (st.oversize_rewritten != last.oversize_rewritten || st.oversize_unchanged != last.oversize_unchanged) {
		unsigned long long rw = st.oversize_rewritten - last.oversize_rewritten,
				   un = st.oversize_unchanged - last.oversize_unchanged,
				   whole = st.whole_in - last.whole_in;

		if (un)
			xlog_info("SIP messages too big for the fast path: %llu rewritten by xnatd, %llu left as "
				  "they were (the last: %s); %llu came whole", rw, un, st.oversize_why, whole);
		else
			xlog_info("SIP messages too big for the fast path: %llu rewritten by xnatd; %llu came whole",
				  rw, whole);
	}
	if (st.fragments_in == last.fragments_in && st.timed_out == last.timed_out && st.df_too_big == last.df_too_big) {
		last = st;
		return;
	}
	xlog_info("SIP fragments: %llu in, %llu datagrams reassembled, %llu given back as they were "
		  "(%llu datagrams incomplete), %llu frames sent, %llu not forwarded, %llu errors, "
		  "%llu too big for the next hop with DF set (ICMP sent back)",
		  (unsigned long long)(st.fragments_in - last.fragments_in),
		  (unsigned long long)(st.datagrams - last.datagrams),
		  (unsigned long long)(st.given_back - last.given_back),
		  (unsigned long long)(st.timed_out - last.timed_out),
		  (unsigned long long)(st.frames_sent - last.frames_sent),
		  (unsigned long long)(st.not_forwarded - last.not_forwarded),
		  (unsigned long long)(st.run_errors + st.send_errors + st.bad_records -
				       last.run_errors - last.send_errors - last.bad_records),
		  (unsigned long long)(st.df_too_big - last.df_too_big));
	last = st;
}

static void collect(struct xnatd *d)
{
	struct xnat_config m;
	struct xnat_gc_result r;
	int err;

	if (xnat_config_read(d->maps.config, &m))
		return;
	err = xnat_gc_run(&d->maps, &m, xnat_now(), &r);
	if (err) {
		xlog_warn("collection failed: %s", strerror(-err));
		return;
	}
	if (r.sessions_expired || r.sessions_unmapped || r.half_sessions || r.mappings_freed ||
	    r.leases_expired || r.sip_dialogs_removed || r.sip_tcp_removed)
		xlog_info("collected: %u sessions expired, %u unmapped, %u half, %u mappings freed, "
			  "%u leases expired, %u SIP dialogs ended with %u media mappings, "
			  "%u SIP/TCP connections' sequence adjustments",
			  r.sessions_expired, r.sessions_unmapped, r.half_sessions, r.mappings_freed,
			  r.leases_expired, r.sip_dialogs_removed, r.sip_mappings_removed, r.sip_tcp_removed);
	log_slow_path(d);
	xnatd_pcp_log_counters(d);
	xnatd_upnp_collected(d);
	xnatd_leases_sync(d);
	if (d->ratelimit.refused != d->ratelimit_logged) {
		xlog_info("rate limit: %llu requests from LAN hosts dropped (over %u a second each)",
			  (unsigned long long)(d->ratelimit.refused - d->ratelimit_logged), d->cfg.rate_limit);
		d->ratelimit_logged = d->ratelimit.refused;
	}
}

/* SIGHUP: a bad file changes nothing; interfaces need a restart. */
static void reload(struct xnatd *d, const struct cli *cli)
{
	struct xnat_agent_config next, old = d->cfg;

	sd_notify(0, "RELOADING=1");
	if (build_config(cli, &next)) {
		xlog_err("reload: keeping the running configuration");
		goto out;
	}
	if (strcmp(next.wan, old.wan) || next.n_lan != old.n_lan ||
	    memcmp(next.lan, old.lan, sizeof(next.lan)) || next.xdp_mode != old.xdp_mode ||
	    strcmp(next.pin_root, old.pin_root))
		xlog_warn("reload: interface, xdp-mode and pin-root changes need a restart");
	strcpy(next.wan, old.wan);
	memcpy(next.lan, old.lan, sizeof(next.lan));
	next.n_lan = old.n_lan;
	next.xdp_mode = old.xdp_mode;
	strcpy(next.pin_root, old.pin_root);
	d->cfg = next;
	if (xnatd_sync_forwards(d)) {
		xlog_err("reload: keeping the running configuration");
		d->cfg = old;
		xnatd_sync_forwards(d);
		goto out;
	}
	xnatd_push_config(d);
	if (next.natpmp != old.natpmp)
		xlog_warn("reload: switching [portmap] natpmp needs a restart");
	if (next.upnp != old.upnp || next.upnp_http_port != old.upnp_http_port)
		xlog_warn("reload: switching [portmap] upnp or changing http-port needs a restart");
	xnatd_pcp_reconfigure(d);
	xnatd_upnp_reconfigure(d);
	if (next.rate_limit != old.rate_limit) {
		__u64 refused = d->ratelimit.refused;

		xnat_ratelimit_init(&d->ratelimit, d->cfg.rate_limit, 2 * d->cfg.rate_limit);
		d->ratelimit.refused = refused;
	}
	xlog_info("configuration reloaded");
out:
	sd_notify(0, "READY=1");
	notify_status(d);
}

static int setup_fds(struct xnatd *d, int *sig_fd, int *timer_fd)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = d->cfg.gc_interval },
		.it_interval = { .tv_sec = d->cfg.gc_interval },
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	*sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	*timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (*sig_fd < 0 || *timer_fd < 0 || timerfd_settime(*timer_fd, 0, &its, NULL)) {
		xlog_err("cannot set up signals and timer: %s", strerror(errno));
		return -1;
	}
	d->nl_fd = xnatd_netlink_open();
	if (d->nl_fd < 0)
		xlog_warn("cannot follow address changes (rtnetlink): %s", strerror(errno));
	return 0;
}

/* What ended the main loop. */
enum run_end {
	RUN_DETACH,   /* SIGTERM, SIGINT: stop being a NAT */
	RUN_HANDOVER, /* SIGUSR2: leave the programs to the next xnatd */
	RUN_FAILED,
};

static enum run_end run(struct xnatd *d, const struct cli *cli)
{
	int sig_fd, timer_fd;

	if (setup_fds(d, &sig_fd, &timer_fd))
		return RUN_FAILED;
	for (;;) {
		struct pollfd p[4 + XNAT_MAX_LAN + XNATD_UPNP_FDS] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = timer_fd, .events = POLLIN },
			{ .fd = d->nl_fd, .events = POLLIN },
			{ .fd = xnatd_slow_fd(d), .events = POLLIN },
		};
		/* Woken at least once a second: the slow path's promise to the fast path.
		 * The timers run first: they may open or close sockets to poll. */
		int timeout = xnatd_upnp_timeout_ms(d, xnatd_pcp_timeout_ms(d, 1000));
		int n_pcp = xnatd_pcp_fds(d, p + 4);
		int n = 4 + n_pcp + xnatd_upnp_fds(d, p + 4 + n_pcp);
		struct signalfd_siginfo si;
		__u64 ticks;

		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			xlog_err("poll: %s", strerror(errno));
			return RUN_FAILED;
		}
		xnatd_pcp_poll(d, p + 4);
		xnatd_upnp_poll(d, p + 4 + n_pcp);
		if (p[3].revents & POLLIN)
			xnatd_slow_poll(d);
		xnatd_slow_tick(d);
		if (p[2].revents & POLLIN) {
			unsigned int changed = xnatd_netlink_changed(d->nl_fd, d->wan_ifindex);

			if (changed & XNATD_NL_LINK)
				follow_wan_link(d);
			if (changed & XNATD_NL_WAN_ADDR)
				follow_address(d);
			if ((changed & XNATD_NL_LINK) && xnatd_bridge_ports_wanted(d))
				xnatd_bridge_sync(d);
			if (changed & XNATD_NL_ROUTING)
				xnatd_fib_changed(d);
		}
		if ((p[1].revents & POLLIN) && read(timer_fd, &ticks, sizeof(ticks)) > 0)
			collect(d);
		if ((p[0].revents & POLLIN) && read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(d, cli);
				continue;
			}
			sd_notify(0, "STOPPING=1");
			if (si.ssi_signo == SIGUSR2) {
				xlog_info("handover: exiting with the programs attached; the next "
					  "xnatd adopts them");
				return RUN_HANDOVER;
			}
			xlog_info("signal %u: detaching; state stays pinned in %s", si.ssi_signo,
				  d->cfg.pin_root);
			return RUN_DETACH;
		}
	}
}

/* One line: every interface and its path (paths.c), then why, a line each. */
static void say_ready(const struct xnatd *d, const char *addr)
{
	char paths[XNAT_MAX_LINKS * (IF_NAMESIZE + 16)] = "";
	size_t n = 0;

	for (int i = 0; i < d->n_links && n < sizeof(paths); i++)
		n += (size_t)snprintf(paths + n, sizeof(paths) - n, "%s%s %s", i > 1 ? ", " : i ? "; LAN " : "WAN ",
				      d->links[i].name, xnatd_path_name(d->links[i].path));
	xlog_info("ready: %s (external address %s), pins in %s", paths, addr, d->cfg.pin_root);
	for (int i = 0; i < d->n_links; i++)
		xlog_info("%s: %s path: %s", d->links[i].name, xnatd_path_name(d->links[i].path), d->links[i].why);
}

/* Everything that can fail on bad input is checked before anything is attached. */
static int start(struct xnatd *d)
{
	if (resolve_interfaces(d) || xnatd_prepare_pin_root(d) || xnatd_load(d))
		return -1;
	d->ext_addr = xnatd_if_address(d->wan_ifindex);
	if (xnatd_push_config(d) || xnatd_sync_forwards(d))
		return -1;
	enable_forwarding();
	if (xnatd_attach(d))
		return -1;
	xnatd_flows_take_over(d, 1); /* what an older xnat's programs opened meanwhile */
	xnat_ratelimit_init(&d->ratelimit, d->cfg.rate_limit, 2 * d->cfg.rate_limit);
	xnatd_slow_start(d); /* without it SIP fragments go on unchanged: not fatal */
	xnatd_pcp_start(d);  /* without it applications can't open ports: not fatal either */
	xnatd_upnp_start(d);
	xnatd_leases_start(d); /* after both: it hands them descriptions and nonces */
	return 0;
}

static int unload_command(const char *pin_root)
{
	int fd = open(pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "xnatd: an xnatd is running on %s: stop it first\n", pin_root);
		close(fd);
		return 1;
	}
	if (fd >= 0)
		close(fd);
	return xnatd_unload(pin_root);
}

/* --check: the configuration (checked by now), then whether this kernel
 * takes the programs (loaded unpinned, nothing attached). Exit 1 when xnatd
 * would not start. */
static int check_command(const struct xnat_agent_config *c, int verbose)
{
	struct xnat_load l;
	int rc;

	printf("configuration OK\n");
	if (geteuid()) {
		printf("kernel: not checked (loading BPF programs needs root)\n");
		return 0;
	}
	rc = xnatd_load_programs(c, NULL, verbose, &l);
	if (!rc) {
		printf("kernel: Linux %s takes the programs%s\n", xnat_kernel_release(),
		       l.features_off ? ", some features off:" : "");
		for (unsigned int i = 0; i < l.n; i++) {
			const struct xnat_prog_info *pi = &l.prog[i];

			if (pi->state == XNAT_PROG_LOADED)
				printf("  %-16s loaded, %u instructions verified\n", pi->name, pi->insns);
			else
				printf("  %-16s refused: %s (%s off)\n", pi->name, pi->reason,
				       xnat_feature_name(pi->feature));
		}
		xnat_bpf__destroy(l.skel);
	}
	return rc ? 1 : 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Netlink's own words for expected misses (no clsact qdisc yet while
	 * probing for our filters); our messages carry the errno anyway. */
	if ((level == LIBBPF_DEBUG || strstr(fmt, "Kernel error message")) &&
	    !getenv("XNATD_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct xnatd d = { .lock_fd = -1, .nl_fd = -1 };
	struct cli cli = {};
	char addr[32] = "none (waiting for one)";
	enum run_end end;
	int rc;

	rc = parse_cli(argc, argv, &cli);
	if (rc)
		return rc;
	libbpf_set_print(libbpf_log);
	if (cli.unload)
		return unload_command(cli.pin_root ? cli.pin_root : XNAT_PIN_ROOT);
	xnat_maps_init(&d.maps);
	if (build_config(&cli, &d.cfg))
		return 1;
	if (cli.check)
		return check_command(&d.cfg, cli.verbose);
	d.verbose = cli.verbose;
	if (start(&d)) {
		xnatd_unload_skeleton(&d);
		return 1;
	}
	if (d.ext_addr)
		inet_ntop(AF_INET, &d.ext_addr, addr, sizeof(addr));
	say_ready(&d, addr);
	warn_address_class(&d);
	xnatd_write_pidlink(d.cfg.pin_root);
	sd_notify(0, "READY=1");
	notify_status(&d);
	end = run(&d, &cli);
	xnatd_leases_stop(&d);
	xnatd_slow_stop(&d);
	xnatd_pcp_stop(&d);
	xnatd_upnp_stop(&d);
	if (end != RUN_HANDOVER)
		xnatd_detach_all(d.cfg.pin_root);
	xnatd_remove_pidlink(d.cfg.pin_root);
	xnatd_unload_skeleton(&d);
	return end == RUN_FAILED;
}
