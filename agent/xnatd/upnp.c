// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The UPnP IGD in xnatd: its life cycle, its identity (a uuid and boot id
 * kept in the state directory across restarts), the LAN interfaces it
 * serves, and its place in the main loop. HTTP is upnp_http.c's, SSDP
 * upnp_ssdp.c's, the control actions agent/lib/upnp_soap.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xnat/stats.h>
#include "shown.h"
#include "upnp_internal.h"

#define LOG_LINES_PER_SECOND 10

__u64 upnp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

/* path = dir/name, or -1 if it does not fit. */
static int state_path(const struct xnatd *d, const char *name, char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s/%s", d->cfg.state_dir, name);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int read_state(const struct xnatd *d, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (state_path(d, name, path, sizeof(path)))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Written to a temporary file and renamed: never a half-written state. */
static int write_state(const struct xnatd *d, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (state_path(d, name, path, sizeof(path)))
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	mkdir(d->cfg.state_dir, 0755);
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	if (fprintf(f, "%s\n", text) < 0 || fclose(f)) {
		unlink(tmp);
		return -1;
	}
	return rename(tmp, path);
}

static bool parse_seed(const char *hex, __u8 seed[16])
{
	if (strlen(hex) != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		seed[i] = (__u8)v;
	}
	return true;
}

/* The same uuid at every start (control points remember devices by it), a boot id one higher. */
static void init_identity(struct xnatd_upnp *up)
{
	char text[80];
	__u8 seed[16];
	unsigned long boot = 0;

	if (read_state(up->d, "upnp-uuid", text, sizeof(text)) || !parse_seed(text, seed)) {
		if (getrandom(seed, sizeof(seed), 0) != sizeof(seed))
			memset(seed, 0x5a, sizeof(seed));
		for (int i = 0; i < 16; i++)
			sprintf(text + 2 * i, "%02x", seed[i]);
		if (write_state(up->d, "upnp-uuid", text))
			xlog_warn("UPnP: cannot keep the device uuid in %s (%s): it changes at every start",
				  up->d->cfg.state_dir, strerror(errno));
	}
	if (!read_state(up->d, "upnp-bootid", text, sizeof(text)))
		boot = strtoul(text, NULL, 10);
	boot = (boot + 1) & 0x7fffffff; /* UDA 1.1: 0 to 2^31-1 */
	snprintf(text, sizeof(text), "%lu", boot);
	write_state(up->d, "upnp-bootid", text);
	memset(&up->dev, 0, sizeof(up->dev));
	xnat_upnp_device_init(&up->dev, seed);
	up->dev.boot_id = (__u32)boot;
	up->dev.config_id = 1; /* the descriptions change only with xnat's version */
}

static int lan_address(const char *ifname, struct in_addr *addr)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFADDR, &ifr);
	close(fd);
	if (rc)
		return -1;
	*addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
	return 0;
}

static int totals(void *ctx, struct xnat_upnp_totals *t)
{
	struct xnatd *d = ctx;
	struct xnat_counter c[XNAT_STAT_MAX];

	if (xnat_stats_read(d->maps.stats, c))
		return -1;
	t->bytes_sent = c[XNAT_STAT_XLATE_OUT].bytes + c[XNAT_STAT_XLATE_ICMP_ERR_OUT].bytes;
	t->packets_sent = c[XNAT_STAT_XLATE_OUT].packets + c[XNAT_STAT_XLATE_ICMP_ERR_OUT].packets;
	t->bytes_received = c[XNAT_STAT_XLATE_IN].bytes + c[XNAT_STAT_XLATE_ICMP_ERR_IN].bytes;
	t->packets_received = c[XNAT_STAT_XLATE_IN].packets + c[XNAT_STAT_XLATE_ICMP_ERR_IN].packets;
	return 0;
}

static struct xnat_upnp_policy policy_of(const struct xnatd *d)
{
	return (struct xnat_upnp_policy){
		.secure_mode = d->cfg.upnp_secure_mode, .leases_per_host = d->cfg.leases_per_host,
		.rules = &d->cfg.pm_rules,
		.max_lifetime = d->cfg.lease_max_lifetime, .port_min = d->cfg.port_min, .port_max = d->cfg.port_max,
	};
}

static bool start_lan(struct xnatd_upnp *up, int i)
{
	struct upnp_lan *lan = &up->lan[up->n];
	char a[INET_ADDRSTRLEN];

	*lan = (struct upnp_lan){ .up = up, .ifindex = up->d->lan_ifindex[i], .http_fd = -1, .ssdp_fd = -1 };
	snprintf(lan->ifname, sizeof(lan->ifname), "%s", up->d->cfg.lan[i]);
	if (lan_address(lan->ifname, &lan->addr)) {
		xlog_warn("UPnP: %s has no IPv4 address: not served", lan->ifname);
		return false;
	}
	inet_ntop(AF_INET, &lan->addr, a, sizeof(a));
	snprintf(lan->location, sizeof(lan->location), "http://%s:%u", a, up->http_port);
	if (upnp_http_start(lan)) {
		xlog_warn("UPnP: no HTTP server on %s (%s:%u): %s", lan->ifname, a, up->http_port, strerror(errno));
		return false;
	}
	if (upnp_ssdp_open(lan)) {
		xlog_warn("UPnP: no SSDP on %s (UDP %d): %s", lan->ifname, XNAT_SSDP_PORT, strerror(errno));
		upnp_http_stop(lan);
		return false;
	}
	up->n++;
	return true;
}

int xnatd_upnp_start(struct xnatd *d)
{
	struct xnat_upnp_policy policy = policy_of(d);
	struct xnatd_upnp *up;

	if (!d->cfg.upnp)
		return 0;
	up = calloc(1, sizeof(*up));
	if (up)
		up->answer = malloc(UPNP_ANSWER_CAP);
	if (!up || !up->answer) {
		free(up);
		xlog_err("UPnP: out of memory");
		return -1;
	}
	up->d = d;
	up->http_port = d->cfg.upnp_http_port;
	init_identity(up);
	if (xnat_upnp_soap_init(&up->soap, &d->maps, &up->dev, &policy, xnat_now())) {
		free(up->answer);
		free(up);
		return -1;
	}
	up->soap.ext_addr = d->ext_addr;
	up->soap.totals = totals;
	up->soap.totals_ctx = d;
	upnp_gena_init(up);
	for (int i = 0; i < d->cfg.n_lan; i++)
		start_lan(up, i);
	d->upnp = up;
	if (!up->n) {
		xnatd_upnp_stop(d);
		return -1;
	}
	up->notify_at_ms = upnp_now_ms();
	xlog_info("UPnP IGD: uuid:%s on %d LAN interface(s), HTTP port %u, boot id %u, secure mode %s",
		  up->dev.uuid_igd, up->n, up->http_port, up->dev.boot_id,
		  policy.secure_mode ? "on" : "off");
	return 0;
}

_Static_assert(XNATD_UPNP_FDS >= 2 * XNAT_MAX_LAN + XNAT_GENA_MAX_SUBS, "room for every NOTIFY");

int xnatd_upnp_fds(const struct xnatd *d, struct pollfd *out)
{
	struct xnatd_upnp *up = d->upnp;
	int n = 0;

	for (int i = 0; up && i < up->n; i++) {
		out[n++] = (struct pollfd){ .fd = up->lan[i].http_fd, .events = POLLIN };
		out[n++] = (struct pollfd){ .fd = up->lan[i].ssdp_fd, .events = POLLIN };
	}
	if (up)
		n += upnp_gena_fds(up, out + n);
	return n;
}

int xnatd_upnp_timeout_ms(const struct xnatd *d, int max_ms)
{
	struct xnatd_upnp *up = d->upnp;
	int ms;

	if (!up)
		return max_ms;
	ms = upnp_ssdp_tick(up, max_ms);
	ms = upnp_gena_tick(up, ms);
	for (int i = 0; i < up->n; i++)
		ms = upnp_http_timeout_ms(&up->lan[i], ms);
	return ms;
}

void xnatd_upnp_poll(struct xnatd *d, const struct pollfd *pfds)
{
	struct xnatd_upnp *up = d->upnp;

	for (int i = 0; up && i < up->n; i++) {
		upnp_http_run(&up->lan[i]); /* every time: its timeouts too */
		if (pfds[2 * i + 1].revents & POLLIN)
			upnp_ssdp_read(&up->lan[i]);
	}
	if (up)
		upnp_gena_poll(up, pfds + 2 * up->n);
}

void xnatd_upnp_address_changed(struct xnatd *d)
{
	if (d->upnp)
		d->upnp->soap.ext_addr = d->ext_addr;
}

void xnatd_upnp_reconfigure(struct xnatd *d)
{
	if (d->upnp)
		d->upnp->soap.policy = policy_of(d);
}

static unsigned int subscriptions(const struct xnatd_upnp *up)
{
	unsigned int n = 0;

	for (int i = 0; i < XNAT_GENA_MAX_SUBS; i++)
		n += up->gena.subs[i].used;
	return n;
}

/* After a collection: descriptions of expired leases go; counters logged when they moved. */
void xnatd_upnp_collected(struct xnatd *d)
{
	struct xnatd_upnp *up = d->upnp;
	const struct xnat_upnp_counters *c;

	if (!up)
		return;
	xnat_upnp_soap_sweep(&up->soap);
	c = &up->soap.count;
	if (!memcmp(&up->count, &up->logged, sizeof(up->count)) && !memcmp(c, &up->soap_logged, sizeof(*c)))
		return;
	xlog_info("UPnP: %llu HTTP requests (%llu refused for their Host), %llu SOAP: %llu added, %llu renewed, "
		  "%llu deleted, %llu refused, %llu malformed; %llu searches, %llu answers, %llu dropped; "
		  "%u subscriptions, %llu events sent, %llu failed; %u mappings",
		  (unsigned long long)up->count.http, (unsigned long long)up->count.http_refused,
		  (unsigned long long)c->requests, (unsigned long long)c->added, (unsigned long long)c->renewed,
		  (unsigned long long)c->deleted, (unsigned long long)c->refused, (unsigned long long)c->malformed,
		  (unsigned long long)up->count.searches, (unsigned long long)up->count.search_answers,
		  (unsigned long long)up->count.search_dropped, subscriptions(up),
		  (unsigned long long)up->count.notify_sent, (unsigned long long)up->count.notify_failed,
		  xnat_upnp_soap_count(&up->soap));
	up->logged = up->count;
	up->soap_logged = *c;
}

/* May one more request be logged this second? (LOG_LINES_PER_SECOND at most:
 * a LAN host must not fill the journal.) */
bool upnp_log_budget(struct xnatd_upnp *up)
{
	__u32 now = xnat_now();

	if (now != up->soap_logged_at) {
		up->soap_logged_at = now;
		up->soap_lines = 0;
	}
	return up->soap_lines++ < LOG_LINES_PER_SECOND;
}

/* Changes and refusals, one line each. */
void xnatd_upnp_log_request(struct xnatd_upnp *up, __be32 client, const char *action, int status,
			    const char *answer, size_t len)
{
	const char *name = action ? strchr(action, '#') : NULL, *code;
	char who[INET_ADDRSTRLEN];
	struct xnat_shown act; /* the client's text: cut short and escaped */

	(void)len;
	if (name)
		xnat_shown_n(name + 1, strcspn(name + 1, "\""), &act);
	else
		xnat_shown("?", &act);
	if (status == 200 && strncmp(act.s, "Add", 3) && strncmp(act.s, "Delete", 6))
		return;
	if (!upnp_log_budget(up))
		return;
	inet_ntop(AF_INET, &client, who, sizeof(who));
	code = strstr(answer, "<errorCode>");
	if (status == 200)
		xlog_info("UPnP: %s %s: done", who, act.s);
	else
		xlog_info("UPnP: %s %s refused: error %.3s", who, act.s, code ? code + 11 : "?");
}

void xnatd_upnp_stop(struct xnatd *d)
{
	struct xnatd_upnp *up = d->upnp;

	if (!up)
		return;
	if (up->n)
		upnp_ssdp_byebye(up);
	upnp_gena_stop(up);
	for (int i = 0; i < up->n; i++) {
		upnp_http_stop(&up->lan[i]);
		upnp_ssdp_close(&up->lan[i]);
	}
	xnat_upnp_soap_free(&up->soap);
	free(up->answer);
	free(up);
	d->upnp = NULL;
}

const char *xnatd_upnp_description(const struct xnatd *d, __u8 proto, __u16 ext_port)
{
	return d->upnp ? xnat_upnp_soap_description(&d->upnp->soap, proto, ext_port) : NULL;
}

void xnatd_upnp_set_description(struct xnatd *d, __u8 proto, __u16 ext_port, const char *text)
{
	if (d->upnp)
		xnat_upnp_soap_restore(&d->upnp->soap, proto, ext_port, text);
}
