// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnat-pcp: a PCP (RFC 6887) client for people and tests. Asks a gateway
 * for an inbound port (MAP), deletes it, asks for its epoch (ANNOUNCE),
 * or listens for the gateway's announcements on 224.0.0.1:5350.
 * Datagrams are built and read through the packed structs of
 * include/xnat/pcp.h, the server's own definitions.
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
		"       xnat-pcp [options] announce\n"
		"       xnat-pcp [options] listen\n"
		"\n"
		"  -s, --server ADDR      the gateway (default: the default route's gateway)\n"
		"  -t, --lifetime SECS    asked lifetime of a mapping (default 7200)\n"
		"  -n, --nonce HEX        the mapping nonce, 24 hex digits (default: random, printed)\n"
		"  -c, --client ADDR      the client address written in the request (default: ours)\n"
		"      --third-party ADDR map for another host (THIRD_PARTY option)\n"
		"      --prefer-failure   the suggested port or nothing (PREFER_FAILURE option)\n"
		"  -i, --interface IF     send (and listen) on this interface only\n"
		"  -p, --source-port N    our UDP port (default: any)\n"
		"  -w, --wait SECS        how long to wait for an answer (default 4; listen: 10)\n"
		"      --count N          listen: stop after N announcements (default 1)\n"
		"  -j, --json             one JSON object per answer\n"
		"\nExit status: 0 success, 2 the server refused, 3 no answer, 1 usage or local error.\n");
}

static bool parse_addr(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1;
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

static const char *addr16_str(const __u8 a[16], char *buf, size_t len)
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, prefix, 12))
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

/*
 * Send req until an answer to it comes from the server or wait_s is over:
 * first retry after 0.5 s, then doubling (RFC 6887 8.1.1's shape, shorter
 * for a command line). An answer must be a response to our opcode.
 */
static ssize_t exchange(int fd, const struct opts *o, const __u8 *req, size_t len, __u8 *resp, size_t cap)
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
			n = recvfrom(fd, resp, cap, 0, (struct sockaddr *)&from, &fl);
			if (n >= (ssize_t)sizeof(struct xnat_pcp_resp_hdr) && from.sin_addr.s_addr == o->server.s_addr &&
			    resp[0] == XNAT_PCP_VERSION && resp[1] == (req[1] | XNAT_PCP_RESPONSE_BIT))
				return n;
			if (n >= 2 && resp[0] != XNAT_PCP_VERSION && from.sin_addr.s_addr == o->server.s_addr)
				return n; /* a NAT-PMP-only server's answer: reported as unsupported */
		}
		gap *= 2;
	}
	return 0;
}

static void add_option(__u8 *buf, size_t *len, __u8 code, const void *data, __u16 dlen)
{
	struct xnat_pcp_opt_hdr h = { .code = code, .length = htons(dlen) };

	memcpy(buf + *len, &h, sizeof(h));
	memcpy(buf + *len + sizeof(h), data, dlen);
	*len += sizeof(h) + ((dlen + 3u) & ~3u);
}

static int print_answer(const struct opts *o, const __u8 *resp, size_t n, const char *what)
{
	struct xnat_pcp_resp_hdr h;
	const char *rname;
	char nonce[25] = "", ext[INET6_ADDRSTRLEN] = "";
	struct xnat_pcp_map m;
	bool has_map;

	if (resp[0] != XNAT_PCP_VERSION) {
		fprintf(stderr, "xnat-pcp: the server answered version %u (NAT-PMP only?)\n", resp[0]);
		return EXIT_REFUSED;
	}
	memcpy(&h, resp, sizeof(h));
	rname = h.result < sizeof(result_names) / sizeof(result_names[0]) ? result_names[h.result] : "UNKNOWN";
	has_map = (h.opcode & 0x7f) == XNAT_PCP_OP_MAP && n >= sizeof(h) + sizeof(m);
	if (has_map) {
		memcpy(&m, resp + sizeof(h), sizeof(m));
		format_nonce(m.nonce, nonce);
		addr16_str(m.external_addr, ext, sizeof(ext));
	}
	if (o->json) {
		printf("{\"request\":\"%s\",\"result\":\"%s\",\"result_code\":%u,\"lifetime\":%u,\"epoch\":%u",
		       what, rname, h.result, ntohl(h.lifetime), ntohl(h.epoch));
		if (has_map)
			printf(",\"protocol\":%u,\"internal_port\":%u,\"external_address\":\"%s\","
			       "\"external_port\":%u,\"nonce\":\"%s\"",
			       m.protocol, ntohs(m.internal_port), ext, ntohs(m.external_port), nonce);
		printf("}\n");
	} else if (h.result) {
		printf("%s refused: %s (%u), retry after %u s, epoch %u\n", what, rname, h.result,
		       ntohl(h.lifetime), ntohl(h.epoch));
	} else if (has_map && !strcmp(what, "map")) {
		printf("mapped %s %u -> %s:%u for %u s (epoch %u, nonce %s)\n",
		       m.protocol == IPPROTO_TCP ? "tcp" : "udp", ntohs(m.internal_port), ext,
		       ntohs(m.external_port), ntohl(h.lifetime), ntohl(h.epoch), nonce);
	} else if (has_map) {
		printf("deleted %s %u (epoch %u)\n", m.protocol == IPPROTO_TCP ? "tcp" : "udp",
		       ntohs(m.internal_port), ntohl(h.epoch));
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

/* map, delete, announce: one request, one answer. */
static int request(struct opts *o, const char *cmd, char **args, int nargs)
{
	__u8 req[XNAT_PCP_MAX_DATAGRAM] = { 0 }, resp[XNAT_PCP_MAX_DATAGRAM];
	struct xnat_pcp_req_hdr h = { .version = XNAT_PCP_VERSION };
	struct sockaddr_in self;
	socklen_t sl = sizeof(self);
	size_t len = sizeof(h);
	bool is_map = !strcmp(cmd, "map"), is_delete = !strcmp(cmd, "delete");
	int fd, rc;
	ssize_t n;

	if (is_map || is_delete) {
		struct xnat_pcp_map m = { 0 };
		int proto = nargs >= 2 ? parse_proto(args[0]) : -1;
		int iport = nargs >= 2 ? parse_port(args[1], false) : -1;
		int eport = nargs == 3 && is_map ? parse_port(args[2], true) : 0;

		if (proto < 0 || iport < 0 || eport < 0 || nargs > (is_map ? 3 : 2)) {
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
		h.opcode = XNAT_PCP_OP_MAP;
		h.lifetime = htonl(is_delete ? 0 : (__u32)o->lifetime);
		memcpy(m.nonce, o->nonce, sizeof(m.nonce));
		m.protocol = (__u8)proto;
		m.internal_port = htons((__u16)iport);
		m.external_port = htons((__u16)eport);
		mapped_v4(m.external_addr, (struct in_addr){ 0 });
		memcpy(req + len, &m, sizeof(m));
		len += sizeof(m);
		if (o->have_third_party) {
			__u8 a[16];

			mapped_v4(a, o->third_party);
			add_option(req, &len, XNAT_PCP_OPT_THIRD_PARTY, a, 16);
		}
		if (o->prefer_failure)
			add_option(req, &len, XNAT_PCP_OPT_PREFER_FAILURE, NULL, 0);
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
	n = exchange(fd, o, req, len, resp, sizeof(resp));
	close(fd);
	if (n < 0)
		return EXIT_USAGE;
	if (!n) {
		fprintf(stderr, "xnat-pcp: no answer from %s:%d in %.1f s\n", inet_ntoa(o->server),
			XNAT_PCP_SERVER_PORT, o->wait_s);
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
	enum { OPT_THIRD_PARTY = 256, OPT_PREFER_FAILURE, OPT_COUNT };
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
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .lifetime = 7200, .wait_s = -1, .count = 1 };
	char *end;
	int c, port;

	while ((c = getopt_long(argc, argv, "s:t:n:c:i:p:w:jh", longopts, NULL)) != -1) {
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
	fprintf(stderr, "xnat-pcp: bad value '%s' for -%c\n", optarg, c < 256 ? c : '-');
	usage(stderr);
	return EXIT_USAGE;
}
