// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xnat-bench: the traffic generator and sink of `make bench`.
 *
 *   xnat-bench send OPTIONS   attach the sink to SINK_DEV (in SINK_NS), send
 *                             COUNT frames at RATE from GEN_DEV (in GEN_NS),
 *                             count what arrives at the sink
 *   xnat-bench fwd NS DEV...  attach the no-NAT XDP forwarder (contender "limit")
 *   xnat-bench cost DIR       per-path program cost and the scale test (prog_cost.c)
 *   xnat-bench profile OBJDIR DIR  what each stage of the established path costs (profile.c)
 *
 * The generator is an AF_PACKET socket with the qdisc bypassed, sending
 * batches of 64 frames with sendmmsg, paced. (BPF_PROG_TEST_RUN live frames
 * were tried: each call waits for an RCU grace period when it swaps the XDP
 * dispatcher, and a veth peer only takes the first 64 frames of a call.)
 * Flow i is lo(i) -> hi(i), lo = 2000 + i % LO_SPAN (the LAN side's port),
 * hi = 2000 + i / LO_SPAN (the remote's port); forward frames carry (lo, hi),
 * --reply frames (hi, lo). --flows N cycles over N flows; 0 = a new flow
 * on every frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.skel.h"

int cmd_cost(const char *dir); /* prog_cost.c */

/* The bench programs, their maps never pinned: the fast path's headers
 * bring xnat's maps along (pinned by name), and a gateway running at the
 * default pin root must not share them. */
struct bench_bpf *bench_open_unpinned(void)
{
	struct bench_bpf *b = bench_bpf__open();
	struct bpf_map *map;

	if (!b)
		return NULL;
	bpf_object__for_each_map(map, b->obj)
		bpf_map__set_pin_path(map, NULL);
	if (bench_bpf__load(b)) {
		bench_bpf__destroy(b);
		return NULL;
	}
	return b;
}
int cmd_profile(const char *objdir, const char *dir); /* profile.c */

#define BATCH 64
#define FRAME_LEN 60 /* a 64-byte Ethernet frame without its FCS */

struct send_opts {
	const char *gen_ns, *gen_dev, *sink_ns, *sink_dev;
	const char *src, *dst, *src_mac, *dst_mac;
	unsigned int flows, lo_span, reply, count;
	int gw_cpu; /* the CPU doing the gateway's work, for its busy time */
	double rate;
};

static int enter_ns(const char *name)
{
	char path[256];
	int fd, rc;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xnat-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	if (rc)
		fprintf(stderr, "xnat-bench: setns %s: %s\n", name, strerror(errno));
	return rc;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		      &mac[5]) == 6 ? 0 : -1;
}

static unsigned short csum(const void *data, size_t len)
{
	const unsigned char *b = data;
	unsigned int sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned int)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

/* eth + IPv4 + UDP (checksum 0) padded to FRAME_LEN; ports are set per packet. */
static int build_template(const struct send_opts *o, unsigned char *f)
{
	unsigned char *ip = f + 14, *udp = ip + 20;
	struct in_addr src, dst;
	unsigned short c;

	memset(f, 0, FRAME_LEN);
	if (parse_mac(o->dst_mac, f) || parse_mac(o->src_mac, f + 6) ||
	    inet_pton(AF_INET, o->src, &src) != 1 || inet_pton(AF_INET, o->dst, &dst) != 1) {
		fprintf(stderr, "xnat-bench: bad address or MAC\n");
		return -1;
	}
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = FRAME_LEN - 14;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = csum(ip, 20);
	ip[10] = c >> 8, ip[11] = c & 0xff;
	udp[5] = FRAME_LEN - 14 - 20;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Busy time of one CPU in seconds (from /proc/stat): user nice system irq softirq steal. */
static double cpu_busy_s(int cpu)
{
	unsigned long long v[8];
	char line[512], want[16];
	double busy = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf(_SC_CLK_TCK);
	}
	fclose(f);
	return busy;
}

static unsigned long long sink_packets(struct bench_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long total = 0, vals[ncpu * 2];
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.sink_counts), &zero, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		total += vals[i * 2];
	return total;
}

static int packet_socket(const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		fprintf(stderr, "xnat-bench: packet socket on %s: %s\n", dev, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Frame k of the batch gets flow `idx`'s ports. */
static void set_flow(unsigned char *f, const struct send_opts *o, unsigned long long idx)
{
	unsigned char *udp = f + 14 + 20;
	unsigned int lo, hi;

	if (o->flows)
		idx %= o->flows;
	lo = 2000 + (unsigned int)(idx % o->lo_span);
	hi = 2000 + (unsigned int)(idx / o->lo_span);
	if (o->reply) {
		unsigned int t = lo;

		lo = hi, hi = t;
	}
	udp[0] = lo >> 8, udp[1] = lo & 0xff;
	udp[2] = hi >> 8, udp[3] = hi & 0xff;
}

static int cmd_send(const struct send_opts *o)
{
	static unsigned char frames[BATCH][FRAME_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct bench_bpf *skel;
	unsigned int sink_ifindex = 0;
	unsigned long long sent = 0, got, before, idx = 0;
	double t0, t1, cpu0, cpu1, next;
	int fd = -1, rc = 1;

	if (build_template(o, frames[0]))
		return 1;
	for (int k = 0; k < BATCH; k++) {
		memcpy(frames[k], frames[0], FRAME_LEN);
		iov[k] = (struct iovec){ .iov_base = frames[k], .iov_len = FRAME_LEN };
		msgs[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
	}
	skel = bench_open_unpinned();
	if (!skel)
		return 1;
	if (enter_ns(o->sink_ns))
		goto out;
	sink_ifindex = if_nametoindex(o->sink_dev);
	if (!sink_ifindex || bpf_xdp_attach(sink_ifindex, bpf_program__fd(skel->progs.bench_sink),
					    XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "xnat-bench: cannot attach the sink to %s\n", o->sink_dev);
		goto out;
	}
	if (enter_ns(o->gen_ns) || (fd = packet_socket(o->gen_dev)) < 0)
		goto detach;
	before = sink_packets(skel);
	cpu0 = cpu_busy_s(o->gw_cpu);
	t0 = next = now_s();
	while (sent < o->count) {
		int n;

		for (int k = 0; k < BATCH; k++)
			set_flow(frames[k], o, idx + (unsigned int)k);
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			fprintf(stderr, "xnat-bench: sendmmsg: %s\n", strerror(errno));
			goto detach;
		}
		idx += (unsigned int)n;
		sent += (unsigned int)n;
		next += n / o->rate;
		while (now_s() < next)
			; /* spin: sleeping is far too coarse at these rates */
	}
	t1 = now_s();
	usleep(200000); /* let the last frames land */
	cpu1 = cpu_busy_s(o->gw_cpu);
	got = sink_packets(skel) - before;
	/* gw_cpu_ns: busy time of the gateway's CPU per frame received at the sink */
	printf("sent=%llu received=%llu seconds=%.4f offered_pps=%.0f received_pps=%.0f gw_cpu_ns=%.1f\n",
	       sent, got, t1 - t0, sent / (t1 - t0), got / (t1 - t0),
	       got ? (cpu1 - cpu0) * 1e9 / got : 0.0);
	rc = 0;
detach:
	if (fd >= 0)
		close(fd);
	if (!enter_ns(o->sink_ns))
		bpf_xdp_detach(sink_ifindex, XDP_FLAGS_DRV_MODE, NULL);
out:
	bench_bpf__destroy(skel);
	return rc;
}

static int cmd_fwd(int argc, char **argv)
{
	struct bench_bpf *skel;

	if (argc < 2 || enter_ns(argv[0]))
		return 2;
	skel = bench_open_unpinned();
	if (!skel)
		return 1;
	for (int i = 1; i < argc; i++) {
		unsigned int ifindex = if_nametoindex(argv[i]);

		if (!ifindex || bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.bench_fwd),
					       XDP_FLAGS_DRV_MODE, NULL)) {
			fprintf(stderr, "xnat-bench: cannot attach the forwarder to %s\n", argv[i]);
			return 1;
		}
	}
	bench_bpf__destroy(skel); /* the attachments stay */
	return 0;
}

static int parse_send(int argc, char **argv, struct send_opts *o)
{
	static const struct option opts[] = {
		{ "gen-ns", 1, NULL, 'g' }, { "gen-dev", 1, NULL, 'G' },
		{ "sink-ns", 1, NULL, 's' }, { "sink-dev", 1, NULL, 'S' },
		{ "src", 1, NULL, 'a' }, { "dst", 1, NULL, 'b' },
		{ "src-mac", 1, NULL, 'm' }, { "dst-mac", 1, NULL, 'M' },
		{ "flows", 1, NULL, 'f' }, { "lo-span", 1, NULL, 'l' },
		{ "reply", 0, NULL, 'r' }, { "rate", 1, NULL, 'R' }, { "count", 1, NULL, 'c' },
		{ "gw-cpu", 1, NULL, 'C' },
		{}
	};
	int c;

	*o = (struct send_opts){ .flows = 1, .lo_span = 1000, .rate = 100000, .count = 100000, .gw_cpu = 1 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g': o->gen_ns = optarg; break;
		case 'G': o->gen_dev = optarg; break;
		case 's': o->sink_ns = optarg; break;
		case 'S': o->sink_dev = optarg; break;
		case 'a': o->src = optarg; break;
		case 'b': o->dst = optarg; break;
		case 'm': o->src_mac = optarg; break;
		case 'M': o->dst_mac = optarg; break;
		case 'f': o->flows = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'l': o->lo_span = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': o->reply = 1; break;
		case 'R': o->rate = strtod(optarg, NULL); break;
		case 'c': o->count = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'C': o->gw_cpu = atoi(optarg); break;
		default: return -1;
		}
	}
	if (!o->gen_ns || !o->gen_dev || !o->sink_ns || !o->sink_dev || !o->src || !o->dst ||
	    !o->src_mac || !o->dst_mac || o->rate <= 0 || !o->lo_span) {
		fprintf(stderr, "xnat-bench send: --gen-ns --gen-dev --sink-ns --sink-dev --src --dst "
				"--src-mac --dst-mac are required\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct send_opts o;

	libbpf_set_print(NULL);
	if (argc > 1 && !strcmp(argv[1], "send")) {
		if (parse_send(argc - 1, argv + 1, &o))
			return 2;
		return cmd_send(&o);
	}
	if (argc > 1 && !strcmp(argv[1], "fwd"))
		return cmd_fwd(argc - 2, argv + 2);
	if (argc > 2 && !strcmp(argv[1], "cost"))
		return cmd_cost(argv[2]);
	if (argc > 3 && !strcmp(argv[1], "profile"))
		return cmd_profile(argv[2], argv[3]);
	fprintf(stderr, "usage: xnat-bench send OPTIONS | xnat-bench fwd NETNS DEV... | xnat-bench cost DIR | \n"
			"       xnat-bench profile OBJDIR DIR\n");
	return 2;
}
