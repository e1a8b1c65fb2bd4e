// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnat-pcp: a PCP (RFC 6887) client for people and tests. Asks a gateway
 * for an inbound port (MAP), optionally open only to some remote peers
 * (FILTER options), deletes it, asks for the external address and port of
 * a session with one remote peer and keeps it alive (PEER), asks for the
 * gateway's epoch (ANNOUNCE), or listens for its announcements on
 * 224.0.0.1:5350. Datagrams are built and read through the packed structs
 * of include/xnat/pcp.h, the server's own definitions: a request never
 * grows past XNAT_PCP_MAX_DATAGRAM, and an answer is believed only when it
 * is long enough for what is read from it and echoes our opcode, nonce,
 * protocol and internal port (and PEER's remote peer).
 *
 * Exit status: 0 success, 2 the server answered with an error, 3 no
 * answer, 1 bad usage or a local failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xnat/pcp.h>

#define EXIT_USAGE 1
#define EXIT_REFUSED 2
#define EXIT_NO_ANSWER 3

#define MAX_FILTERS 64 /* on the command line; the server says how many it keeps */

static const char *const result_names[] = {
	"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST", "UNSUPP_OPCODE",
	"UNSUPP_OPTION", "MALFORMED_OPTION", "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL",
	"USER_EX_QUOTA", "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS",
};

struct opts {
	struct in_addr server;
	bool have_server;
	struct in_addr client; /* written in the request's client address; default: our own */
	bool have_client;
	struct in_addr third_party;
	bool have_third_party;
	bool prefer_failure;
	bool filter_clear;     /* a FILTER of prefix length 0 first: the mapping's filters go */
	unsigned int n_filters;
	struct filter {
		struct in_addr addr; /* host bits zero */
		unsigned int prefix_len; /* 1..32 */
		unsigned int port;   /* 0: any */
	} filters[MAX_FILTERS];
	unsigned long lifetime;
	__u8 nonce[12];
	bool have_nonce;
	const char *ifname;
	unsigned int source_port;
	double wait_s;   /* how long to wait for an answer (listen: for announcements) */
	unsigned int count; /* listen: stop after this many */
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xnat-pcp [options] map tcp|udp INTERNAL_PORT [SUGGESTED_EXTERNAL_PORT]\n"
		"       xnat-pcp [options] delete tcp|udp INTERNAL_PORT   (with -n, the map's nonce)\n"
		"       xnat-pcp [options] peer tcp|udp INTERNAL_PORT REMOTE_ADDR REMOTE_PORT\n"
		"                [SUGGESTED_EXTERNAL_PORT]   (-t 0: let go of the session)\n"
		"       xnat-pcp [options] announce\n"
		"       xnat-pcp [options] listen\n"
		"\n"
		"  -s, --server ADDR      the gateway (default: the default route's gateway)\n"
		"  -t, --lifetime SECS    asked lifetime of a mapping or peer session (default 7200)\n"
		"  -n, --nonce HEX        the mapping nonce, 24 hex digits (default: random, printed)\n"
		"  -c, --client ADDR      the client address written in the request (default: ours)\n"
		"      --third-party ADDR map or peer for another host (THIRD_PARTY option)\n"
		"      --prefer-failure   map: the suggested port or nothing (PREFER_FAILURE option)\n"
		"      --filter ADDR[/LEN][:PORT]\n"
		"                         map: only this remote prefix (LEN 1..32, default 32) and port\n"
		"                         (default 0: any) may send in (FILTER option); repeatable, up\n"
		"                         to %d, as many as fit in a datagram\n"
		"      --filter-clear     map: the mapping's earlier filters go (FILTER, prefix 0)\n"
		"  -i, --interface IF     send (and listen) on this interface only\n"
		"  -p, --source-port N    our UDP port (default: any)\n"
		"  -w, --wait SECS        how long to wait for an answer (default 4; listen: 10)\n"
		"      --count N          listen: stop after N announcements (default 1)\n"
		"  -j, --json             one JSON object per answer\n"
		"\nExit status: 0 success, 2 the server refused, 3 no answer, 1 usage or local error.\n",
		MAX_FILTERS);
}

static bool parse_addr(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1;
}

/* ADDR[/LEN][:PORT]: an IPv4 prefix (LEN 1..32, default 32) and a port (default 0: any). */
static bool parse_filter(const char *s, struct filter *f)
{
	char buf[INET_ADDRSTRLEN + 10], *colon, *slash, *end;
	unsigned long v;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	f->prefix_len = 32;
	f->port = 0;
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = 0;
		v = strtoul(colon, &end, 10);
		if (*colon < '0' || *colon > '9' || *end || v > 65535)
			return false;
		f->port = (unsigned int)v;
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = 0;
		v = strtoul(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end || v < 1 || v > 32)
			return false;
		f->prefix_len = (unsigned int)v;
	}
	if (!parse_addr(buf, &f->addr))
		return false;
	/* The prefix as the server keeps it (and echoes it): host bits zero. */
	f->addr.s_addr &= htonl(f->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> f->prefix_len));
	return true;
}

static bool parse_nonce(const char *s, __u8 out[12])
{
	if (strlen(s) != 24)
		return false;
	for (int i = 0; i < 12; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (__u8)v;
	}
	return true;
}

static void format_nonce(const __u8 n[12], char out[25])
{
	for (int i = 0; i < 12; i++)
		sprintf(out + 2 * i, "%02x", n[i]);
}

/* The gateway of the IPv4 default route, from /proc/net/route. */
static bool default_gateway(struct in_addr *gw)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifname[IF_NAMESIZE + 1];
	unsigned int dest, gateway, flags;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%16s %x %x %x", ifname, &dest, &gateway, &flags) == 4 && !dest &&
		    (flags & 2 /* RTF_GATEWAY */)) {
			gw->s_addr = gateway; /* already in network order */
			found = true;
		}
	fclose(f);
	return found;
}

static void mapped_v4(__u8 a[16], struct in_addr v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4.s_addr, 4);
}

static bool is_mapped_v4(const __u8 a[16])
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, prefix, 12);
}

static const char *addr16_str(const __u8 a[16], char *buf, size_t len)
{
	if (is_mapped_v4(a))
		return inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static int open_socket(const struct opts *o, int port, struct in_addr bind_addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((__u16)port), .sin_addr = bind_addr };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0) {
		perror("xnat-pcp: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->ifname, (socklen_t)strlen(o->ifname))) {
		fprintf(stderr, "xnat-pcp: interface %s: %s\n", o->ifname, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xnat-pcp: bind to port %d: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The opcode data of a MAP or PEER request: how long, 0 for other opcodes. */
static size_t opcode_data_len(__u8 opcode)
{
	return opcode == XNAT_PCP_OP_MAP ? sizeof(struct xnat_pcp_map)
	       : opcode == XNAT_PCP_OP_PEER ? sizeof(struct xnat_pcp_peer) : 0;
}

/*
 * A PCP answer (version 2, our opcode with the R bit, at least a header)
 * is ours? RFC 6887 8.3: a length of whole 32-bit words; for MAP and PEER
 * the nonce, protocol and internal port of the request echoed (PEER: its
 * remote peer too), and a successful answer long enough to hold them all.
 * An error answer may be cut short (the server could not read the
 * request): what it holds must match.
 */
static bool answer_matches(const __u8 *req, const __u8 *resp, size_t n)
{
	const size_t off = sizeof(struct xnat_pcp_resp_hdr);
	size_t need = opcode_data_len(req[1]);
	struct xnat_pcp_peer q, a; /* MAP's data is PEER's first part */

	if (n % 4)
		return false;
	if (!need)
		return true;
	if (n < off + need)
		return resp[3] != XNAT_PCP_SUCCESS &&
		       (n < off + sizeof(q.map.nonce) ||
			!memcmp(req + sizeof(struct xnat_pcp_req_hdr), resp + off, sizeof(q.map.nonce)));
	memset(&q, 0, sizeof(q));
	memset(&a, 0, sizeof(a));
	memcpy(&q, req + sizeof(struct xnat_pcp_req_hdr), need);
	memcpy(&a, resp + off, need);
	return !memcmp(q.map.nonce, a.map.nonce, sizeof(q.map.nonce)) && q.map.protocol == a.map.protocol &&
	       q.map.internal_port == a.map.internal_port && q.remote_port == a.remote_port &&
	       !memcmp(q.remote_addr, a.remote_addr, sizeof(q.remote_addr));
}

/*
 * Send req until an answer to it comes from the server or wait_s is over:
 * first retry after 0.5 s, then doubling (RFC 6887 8.1.1's shape, shorter
 * for a command line). An answer must be a response to our request
 * (answer_matches); others from the server are counted in *ignored, as are
 * datagrams longer than cap.
 */
static ssize_t exchange(int fd, const struct opts *o, const __u8 *req, size_t len, __u8 *resp, size_t cap,
			unsigned int *ignored)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(XNAT_PCP_SERVER_PORT),
				  .sin_addr = o->server };
	double end = now_s() + o->wait_s, gap = 0.5;

	while (now_s() < end) {
		double next = now_s() + gap;

		if (sendto(fd, req, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			fprintf(stderr, "xnat-pcp: send to %s: %s\n", inet_ntoa(o->server), strerror(errno));
			return -1;
		}
		for (double left; (left = (next < end ? next : end) - now_s()) > 0;) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n;

			if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
				continue;
			/* MSG_TRUNC: the datagram's real length, to tell one too long */
			n = recvfrom(fd, resp, cap, MSG_TRUNC, (struct sockaddr *)&from, &fl);
			if (n < 0 || from.sin_addr.s_addr != o->server.s_addr)
				continue;
			if (n > (ssize_t)cap) {
				(*ignored)++;
				continue;
			}
			if (n >= (ssize_t)sizeof(struct xnat_pcp_resp_hdr) && resp[0] == XNAT_PCP_VERSION &&
			    resp[1] == (req[1] | XNAT_PCP_RESPONSE_BIT) && answer_matches(req, resp, (size_t)n))
				return n;
			if (n >= 2 && resp[0] != XNAT_PCP_VERSION)
				return n; /* a NAT-PMP-only server's answer: reported as unsupported */
			(*ignored)++;
		}
		gap *= 2;
	}
	return 0;
}

/* An option at buf + *len, its data padded to 4 bytes; false when it
 * would take the request past XNAT_PCP_MAX_DATAGRAM (buf's size). */
static bool add_option(__u8 *buf, size_t *len, __u8 code, const void *data, __u16 dlen)
{
	struct xnat_pcp_opt_hdr h = { .code = code, .length = htons(dlen) };
	size_t total = sizeof(h) + ((dlen + 3u) & ~3u);

	if (*len > XNAT_PCP_MAX_DATAGRAM || total > XNAT_PCP_MAX_DATAGRAM - *len)
		return false;
	memset(buf + *len, 0, total);
	memcpy(buf + *len, &h, sizeof(h));
	if (dlen)
		memcpy(buf + *len + sizeof(h), data, dlen);
	*len += total;
	return true;
}

/* A FILTER option's data: prefix length 0 (clear) or 96 + the IPv4 prefix's. */
static struct xnat_pcp_filter filter_data(const struct filter *f)
{
	struct xnat_pcp_filter d = { 0 };

	if (f) {
		d.prefix_len = (__u8)(96 + f->prefix_len);
		d.remote_port = htons((__u16)f->port);
		mapped_v4(d.remote_addr, f->addr);
	}
	return d;
}

/* The FILTER options echoed in a MAP answer, at resp[off, n): one text
 * line or one JSON array element each. Options are walked with their
 * lengths checked; a cut-short one ends the walk with a warning. */
static void print_filters(const struct opts *o, const __u8 *resp, size_t off, size_t n)
{
	bool first = true;

	if (o->json)
		printf(",\"filters\":[");
	while (off < n) {
		struct xnat_pcp_opt_hdr h;
		struct xnat_pcp_filter f;
		char addr[INET6_ADDRSTRLEN];
		size_t dlen, total;
		unsigned int len;

		if (n - off < sizeof(h)) {
			fprintf(stderr, "xnat-pcp: the answer ends in a cut-short option\n");
			break;
		}
		memcpy(&h, resp + off, sizeof(h));
		dlen = ntohs(h.length);
		total = sizeof(h) + ((dlen + 3) & ~(size_t)3);
		if (total > n - off) {
			fprintf(stderr, "xnat-pcp: the answer's option %u is longer than the answer\n", h.code);
			break;
		}
		if (h.code != XNAT_PCP_OPT_FILTER || dlen != sizeof(f)) {
			if (h.code == XNAT_PCP_OPT_FILTER)
				fprintf(stderr, "xnat-pcp: the answer has a FILTER option of %zu bytes (not %zu)\n",
					dlen, sizeof(f));
			off += total;
			continue;
		}
		memcpy(&f, resp + off + sizeof(h), sizeof(f));
		off += total;
		addr16_str(f.remote_addr, addr, sizeof(addr));
		/* IPv4-mapped: the IPv4 prefix length; otherwise the 128-bit one
		 * (0, in JSON too: the mapping's earlier filters were removed) */
		len = f.prefix_len >= 96 && is_mapped_v4(f.remote_addr) ? f.prefix_len - 96u : f.prefix_len;
		if (o->json) {
			printf("%s{\"address\":\"%s\",\"prefix_len\":%u,\"port\":%u}", first ? "" : ",", addr, len,
			       ntohs(f.remote_port));
		} else if (!f.prefix_len) {
			printf("filter clear (earlier filters removed)\n");
		} else if (f.remote_port) {
			printf("filter %s/%u port %u\n", addr, len, ntohs(f.remote_port));
		} else {
			printf("filter %s/%u port any\n", addr, len);
		}
		first = false;
	}
	if (o->json)
		printf("]");
}

static int print_answer(const struct opts *o, const __u8 *resp, size_t n, const char *what)
{
	const size_t off = sizeof(struct xnat_pcp_resp_hdr);
	struct xnat_pcp_resp_hdr h;
	const char *rname, *proto = "";
	char nonce[25] = "", ext[INET6_ADDRSTRLEN] = "", rem[INET6_ADDRSTRLEN] = "";
	struct xnat_pcp_peer p; /* MAP's opcode data is PEER's first part */
	bool has_map, has_peer;
	__u8 op;

	if (resp[0] != XNAT_PCP_VERSION) {
		fprintf(stderr, "xnat-pcp: the server answered version %u (NAT-PMP only?)\n", resp[0]);
		return EXIT_REFUSED;
	}
	memcpy(&h, resp, sizeof(h));
	op = h.opcode & (__u8)~XNAT_PCP_RESPONSE_BIT;
	rname = h.result < sizeof(result_names) / sizeof(result_names[0]) ? result_names[h.result] : "UNKNOWN";
	has_peer = op == XNAT_PCP_OP_PEER && n >= off + sizeof(p);
	has_map = has_peer || (op == XNAT_PCP_OP_MAP && n >= off + sizeof(p.map));
	if (has_map) {
		memset(&p, 0, sizeof(p));
		memcpy(&p, resp + off, has_peer ? sizeof(p) : sizeof(p.map));
		format_nonce(p.map.nonce, nonce);
		addr16_str(p.map.external_addr, ext, sizeof(ext));
		proto = p.map.protocol == IPPROTO_TCP ? "tcp" : "udp";
	}
	if (has_peer)
		addr16_str(p.remote_addr, rem, sizeof(rem));
	if (o->json) {
		printf("{\"request\":\"%s\",\"result\":\"%s\",\"result_code\":%u,\"lifetime\":%u,\"epoch\":%u",
		       what, rname, h.result, ntohl(h.lifetime), ntohl(h.epoch));
		if (has_map)
			printf(",\"protocol\":%u,\"internal_port\":%u,\"external_address\":\"%s\","
			       "\"external_port\":%u,\"nonce\":\"%s\"",
			       p.map.protocol, ntohs(p.map.internal_port), ext, ntohs(p.map.external_port), nonce);
		if (has_peer)
			printf(",\"remote_address\":\"%s\",\"remote_port\":%u", rem, ntohs(p.remote_port));
		if (has_map && !has_peer && !h.result && !strcmp(what, "map"))
			print_filters(o, resp, off + sizeof(p.map), n);
		printf("}\n");
	} else if (h.result) {
		printf("%s refused: %s (%u), retry after %u s, epoch %u\n", what, rname, h.result,
		       ntohl(h.lifetime), ntohl(h.epoch));
	} else if (has_peer && !o->lifetime) {
		printf("released peer %s %u -> %s:%u (epoch %u)\n", proto, ntohs(p.map.internal_port), rem,
		       ntohs(p.remote_port), ntohl(h.epoch));
	} else if (has_peer) {
		printf("peer %s %u -> %s:%u -> %s:%u for %u s (epoch %u, nonce %s)\n", proto,
		       ntohs(p.map.internal_port), ext, ntohs(p.map.external_port), rem, ntohs(p.remote_port),
		       ntohl(h.lifetime), ntohl(h.epoch), nonce);
	} else if (has_map && !strcmp(what, "map")) {
		printf("mapped %s %u -> %s:%u for %u s (epoch %u, nonce %s)\n", proto, ntohs(p.map.internal_port),
		       ext, ntohs(p.map.external_port), ntohl(h.lifetime), ntohl(h.epoch), nonce);
		print_filters(o, resp, off + sizeof(p.map), n);
	} else if (has_map) {
		printf("deleted %s %u (epoch %u)\n", proto, ntohs(p.map.internal_port), ntohl(h.epoch));
	} else {
		printf("%s: %s, epoch %u\n", what, rname, ntohl(h.epoch));
	}
	return h.result ? EXIT_REFUSED : 0;
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	return -1;
}

static int parse_port(const char *s, bool zero_ok)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v > 65535 || (!v && !zero_ok))
		return -1;
	return (int)v;
}

/* map, delete, peer, announce: one request, one answer. */
static int request(struct opts *o, const char *cmd, char **args, int nargs)
{
	__u8 req[XNAT_PCP_MAX_DATAGRAM] = { 0 }, resp[XNAT_PCP_MAX_DATAGRAM];
	struct xnat_pcp_req_hdr h = { .version = XNAT_PCP_VERSION };
	struct sockaddr_in self;
	socklen_t sl = sizeof(self);
	size_t len = sizeof(h);
	bool is_map = !strcmp(cmd, "map"), is_delete = !strcmp(cmd, "delete"), is_peer = !strcmp(cmd, "peer");
	unsigned int ignored = 0;
	int fd, rc;
	ssize_t n;

	if (is_map || is_delete || is_peer) {
		struct xnat_pcp_peer p = { 0 }; /* MAP's opcode data is PEER's first part */
		int proto = nargs >= 2 ? parse_proto(args[0]) : -1;
		int iport = nargs >= 2 ? parse_port(args[1], false) : -1;
		int eport = 0, rport = 0;
		struct in_addr remote = { 0 };
		size_t before_filters;

		if (is_peer) {
			rport = nargs >= 4 ? parse_port(args[3], false) : -1;
			eport = nargs == 5 ? parse_port(args[4], true) : 0;
			if (nargs < 4 || nargs > 5 || !parse_addr(args[2], &remote) || !remote.s_addr)
				rport = -1;
		} else {
			eport = nargs == 3 && is_map ? parse_port(args[2], true) : 0;
			if (nargs > (is_map ? 3 : 2))
				eport = -1;
		}
		if (proto < 0 || iport < 0 || eport < 0 || rport < 0) {
			usage(stderr);
			return EXIT_USAGE;
		}
		if (is_peer && (o->prefer_failure || o->n_filters || o->filter_clear)) {
			fprintf(stderr, "xnat-pcp: peer: --prefer-failure, --filter and --filter-clear are MAP's "
					"options\n");
			usage(stderr);
			return EXIT_USAGE;
		}
		if (is_delete && !o->have_nonce) {
			fprintf(stderr, "xnat-pcp: delete needs the mapping's nonce (-n)\n");
			return EXIT_USAGE;
		}
		if (!o->have_nonce && getrandom(o->nonce, sizeof(o->nonce), 0) != sizeof(o->nonce)) {
			perror("xnat-pcp: getrandom");
			return EXIT_USAGE;
		}
		h.opcode = is_peer ? XNAT_PCP_OP_PEER : XNAT_PCP_OP_MAP;
		h.lifetime = htonl(is_delete ? 0 : (__u32)o->lifetime);
		memcpy(p.map.nonce, o->nonce, sizeof(p.map.nonce));
		p.map.protocol = (__u8)proto;
		p.map.internal_port = htons((__u16)iport);
		p.map.external_port = htons((__u16)eport);
		/* No preference: IPv4's all-zeros address (RFC 6887 5, 11.1, 12.1) */
		mapped_v4(p.map.external_addr, (struct in_addr){ 0 });
		p.remote_port = htons((__u16)rport);
		mapped_v4(p.remote_addr, remote);
		memcpy(req + len, &p, is_peer ? sizeof(p) : sizeof(p.map));
		len += is_peer ? sizeof(p) : sizeof(p.map);
		if (o->have_third_party) {
			__u8 a[16];

			mapped_v4(a, o->third_party);
			add_option(req, &len, XNAT_PCP_OPT_THIRD_PARTY, a, 16);
		}
		if (o->prefer_failure)
			add_option(req, &len, XNAT_PCP_OPT_PREFER_FAILURE, NULL, 0);
		before_filters = len;
		for (int i = -!!o->filter_clear; i < (int)o->n_filters; i++) {
			struct xnat_pcp_filter f = filter_data(i < 0 ? NULL : &o->filters[i]);

			if (!add_option(req, &len, XNAT_PCP_OPT_FILTER, &f, sizeof(f))) {
				size_t each = sizeof(struct xnat_pcp_opt_hdr) + sizeof(f);

				fprintf(stderr, "xnat-pcp: %u FILTER options make the request longer than PCP's %d "
						"bytes: at most %zu fit\n",
					o->n_filters + !!o->filter_clear, XNAT_PCP_MAX_DATAGRAM,
					(XNAT_PCP_MAX_DATAGRAM - before_filters) / each);
				return EXIT_USAGE;
			}
		}
	} else if (!strcmp(cmd, "announce") && !nargs) {
		h.opcode = XNAT_PCP_OP_ANNOUNCE;
	} else {
		usage(stderr);
		return EXIT_USAGE;
	}
	fd = open_socket(o, (int)o->source_port, (struct in_addr){ 0 });
	if (fd < 0)
		return EXIT_USAGE;
	/* Our own address, as the server will see it: the route's source. */
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(XNAT_PCP_SERVER_PORT),
					  .sin_addr = o->server };

		if (connect(fd, (struct sockaddr *)&to, sizeof(to)) || getsockname(fd, (struct sockaddr *)&self, &sl)) {
			fprintf(stderr, "xnat-pcp: no route to %s: %s\n", inet_ntoa(o->server), strerror(errno));
			close(fd);
			return EXIT_USAGE;
		}
		/* Unconnected again: the answer may come from any of the server's ports. */
		to.sin_family = AF_UNSPEC;
		connect(fd, (struct sockaddr *)&to, sizeof(to));
	}
	mapped_v4(h.client_addr, o->have_client ? o->client : self.sin_addr);
	memcpy(req, &h, sizeof(h));
	n = exchange(fd, o, req, len, resp, sizeof(resp), &ignored);
	close(fd);
	if (n < 0)
		return EXIT_USAGE;
	if (!n) {
		fprintf(stderr, "xnat-pcp: no answer from %s:%d in %.1f s", inet_ntoa(o->server), XNAT_PCP_SERVER_PORT,
			o->wait_s);
		if (ignored)
			fprintf(stderr, " (%u datagram(s) from it ignored: not an answer to this request, or malformed)",
				ignored);
		fprintf(stderr, "\n");
		return EXIT_NO_ANSWER;
	}
	rc = print_answer(o, resp, (size_t)n, cmd);
	fflush(stdout);
	return rc;
}

/* Announcements multicast to 224.0.0.1:5350: NAT-PMP address answers and PCP ANNOUNCEs. */
static int listen_announcements(const struct opts *o)
{
	__u8 buf[XNAT_PCP_MAX_DATAGRAM];
	double end = now_s() + o->wait_s;
	unsigned int seen = 0;
	int fd = open_socket(o, XNAT_PCP_CLIENT_PORT, (struct in_addr){ 0 });

	if (fd < 0)
		return EXIT_USAGE;
	while (seen < o->count && now_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		char src[INET_ADDRSTRLEN], ext[INET_ADDRSTRLEN];
		ssize_t n;

		if (poll(&p, 1, (int)((end - now_s()) * 1000) + 1) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		inet_ntop(AF_INET, &from.sin_addr, src, sizeof(src));
		if (n == sizeof(struct xnat_natpmp_addr_resp) && buf[0] == XNAT_NATPMP_VERSION &&
		    buf[1] == XNAT_NATPMP_OP_RESPONSE) {
			struct xnat_natpmp_addr_resp a;

			memcpy(&a, buf, sizeof(a));
			inet_ntop(AF_INET, &a.external_addr, ext, sizeof(ext));
			if (o->json)
				printf("{\"from\":\"%s\",\"protocol\":\"natpmp\",\"result_code\":%u,"
				       "\"external_address\":\"%s\",\"epoch\":%u}\n",
				       src, ntohs(a.h.result), ext, ntohl(a.h.epoch));
			else
				printf("NAT-PMP announcement from %s: external address %s, result %u, epoch %u\n",
				       src, ext, ntohs(a.h.result), ntohl(a.h.epoch));
		} else if (n >= (ssize_t)sizeof(struct xnat_pcp_resp_hdr) && buf[0] == XNAT_PCP_VERSION &&
			   buf[1] == (XNAT_PCP_OP_ANNOUNCE | XNAT_PCP_RESPONSE_BIT)) {
			struct xnat_pcp_resp_hdr h;

			memcpy(&h, buf, sizeof(h));
			if (o->json)
				printf("{\"from\":\"%s\",\"protocol\":\"pcp\",\"result_code\":%u,\"epoch\":%u}\n",
				       src, h.result, ntohl(h.epoch));
			else
				printf("PCP ANNOUNCE from %s: result %u, epoch %u\n", src, h.result, ntohl(h.epoch));
		} else {
			continue;
		}
		fflush(stdout);
		seen++;
	}
	close(fd);
	return seen ? 0 : EXIT_NO_ANSWER;
}

int main(int argc, char **argv)
{
	enum { OPT_THIRD_PARTY = 256, OPT_PREFER_FAILURE, OPT_COUNT, OPT_FILTER, OPT_FILTER_CLEAR };
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "lifetime", required_argument, NULL, 't' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "client", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "source-port", required_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "third-party", required_argument, NULL, OPT_THIRD_PARTY },
		{ "prefer-failure", no_argument, NULL, OPT_PREFER_FAILURE },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "filter-clear", no_argument, NULL, OPT_FILTER_CLEAR },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .lifetime = 7200, .wait_s = -1, .count = 1 };
	char *end;
	int c, port, li = -1;

	while ((li = -1, c = getopt_long(argc, argv, "s:t:n:c:i:p:w:jh", longopts, &li)) != -1) {
		switch (c) {
		case 's':
			if (!parse_addr(optarg, &o.server))
				goto bad;
			o.have_server = true;
			break;
		case 't':
			o.lifetime = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || o.lifetime > 0xffffffffUL)
				goto bad;
			break;
		case 'n':
			if (!parse_nonce(optarg, o.nonce))
				goto bad;
			o.have_nonce = true;
			break;
		case 'c':
			if (!parse_addr(optarg, &o.client))
				goto bad;
			o.have_client = true;
			break;
		case 'i': o.ifname = optarg; break;
		case 'p':
			port = parse_port(optarg, false);
			if (port < 0)
				goto bad;
			o.source_port = (unsigned int)port;
			break;
		case 'w':
			o.wait_s = strtod(optarg, &end);
			if (*end || !(o.wait_s > 0 && o.wait_s <= 3600))
				goto bad;
			break;
		case 'j': o.json = true; break;
		case OPT_THIRD_PARTY:
			if (!parse_addr(optarg, &o.third_party))
				goto bad;
			o.have_third_party = true;
			break;
		case OPT_PREFER_FAILURE: o.prefer_failure = true; break;
		case OPT_FILTER:
			if (o.n_filters == MAX_FILTERS) {
				fprintf(stderr, "xnat-pcp: at most %d --filter\n", MAX_FILTERS);
				usage(stderr);
				return EXIT_USAGE;
			}
			if (!parse_filter(optarg, &o.filters[o.n_filters]))
				goto bad;
			o.n_filters++;
			break;
		case OPT_FILTER_CLEAR: o.filter_clear = true; break;
		case OPT_COUNT:
			o.count = (unsigned int)strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end)
				goto bad;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "listen")) {
		if (o.wait_s < 0)
			o.wait_s = 10;
		return optind + 1 == argc ? listen_announcements(&o) : (usage(stderr), EXIT_USAGE);
	}
	if (o.wait_s < 0)
		o.wait_s = 4;
	if (!o.have_server && !default_gateway(&o.server)) {
		fprintf(stderr, "xnat-pcp: no default gateway: give the server with -s\n");
		return EXIT_USAGE;
	}
	return request(&o, argv[optind], argv + optind + 1, argc - optind - 1);
bad:
	if (li >= 0)
		fprintf(stderr, "xnat-pcp: bad value '%s' for --%s\n", optarg, longopts[li].name);
	else
		fprintf(stderr, "xnat-pcp: bad value '%s' for -%c\n", optarg, c);
	usage(stderr);
	return EXIT_USAGE;
}
