// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xnat-bench cost DIR`: per-packet cost of each fast-path path from
 * BPF_PROG_TEST_RUN, and the scale test (memory per entry, established
 * lookup with 1k vs 1M sessions in the table). Runs the real object in a
 * private network namespace (the BPF test harness); writes DIR/prog_cost.md
 * and DIR/scale.md.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "samples.h"

#define SCALE_SESSIONS 1000000u

static unsigned long long memlock(struct bpf_map *map)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", bpf_map__fd(map));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "memlock: %llu", &v);
	if (f)
		fclose(f);
	return v;
}

/* A softphone's INVITE with SDP (audio and video, RTCP next to RTP): the
 * ALG's common case, 760 bytes or so; pad more a= lines (about 60 bytes
 * each) for a longer one. */
static size_t sip_invite(char *out, size_t cap, int pad)
{
	static char sdp_padded[2048];
	int m;

	static const char sdp[] = "v=0\r\no=- 20518 0 IN IP4 192.168.1.10\r\ns=call\r\n"
				  "c=IN IP4 192.168.1.10\r\nt=0 0\r\n"
				  "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n"
				  "m=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
				  "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n";
	int n;

	m = snprintf(sdp_padded, sizeof(sdp_padded), "%s", sdp);
	for (int i = 0; i < pad && m > 0 && (size_t)m < sizeof(sdp_padded) - 64; i++)
		m += snprintf(sdp_padded + m, sizeof(sdp_padded) - (size_t)m, "a=x-pad-%02d:%s\r\n", i,
			      "opus/48000/2 maxplaybackrate=48000;stereo=1");
	n = snprintf(out, cap,
			 "INVITE sip:bob@198.51.100.2 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: \"Alice\" <sip:alice@192.168.1.10:5060>;tag=1928301774\r\n"
			 "To: <sip:bob@198.51.100.2>\r\n"
			 "Call-ID: a84b4c76e66710@192.168.1.10\r\n"
			 "CSeq: 314159 INVITE\r\n"
			 "Contact: <sip:alice@192.168.1.10:5060>\r\n"
			 "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r\n"
			 "User-Agent: xnat-bench\r\n"
			 "Content-Type: application/sdp\r\n"
			 "Content-Length: %d\r\n\r\n%s",
			 m, sdp_padded);

	return n > 0 ? (size_t)n : 0;
}

/* The INVITE through xnat_xdp_lan with the ALG on (the entry point, its
 * tail call to xnat_sip_xdp: scan, dialog, media mappings found, rewrite,
 * store), one call's retransmissions: the mappings exist after the first. */
static double sip_invite_cost(size_t *len, int pad, int alg, struct bpf_program *prog, int ifindex)
{
	static char msg[2048];
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5060, REM, 5060), MAC_H1);
	struct pkt in, out;

	env_reset();
	cfg_edit(cfg_set_sip, alg ? XNAT_SIP_DIR_OUT | XNAT_SIP_DIR_IN : 0);
	s.payload = (const uint8_t *)msg;
	s.payload_len = sip_invite(msg, sizeof(msg), pad);
	*len = s.payload_len;
	pkt_build(&in, &s);
	run_prog(prog, ifindex, &in, &out, 1, NULL);
	return sample_one(prog, ifindex, &in);
}

static void cost_values(const char *dir, double new_flow, double sip);

static int cost_table(FILE *md, const char *dir)
{
	struct pkt out_t, in_t, err_t, quoted;
	struct pkt_spec q, e;
	double est_out, est_in, est_tc, new_flow, icmp_err, rep_out, sip, sip_off, sip_tc, sip_long;
	size_t sip_len, long_len;

	udp_templates(&out_t, &in_t);
	env_reset();
	new_flow = sample(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, &out_t, 0, 1, 1);
	open_sessions(&out_t, 1000);
	est_out = sample(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, &out_t, 0, 1, 0);
	est_in = sample(env.skel->progs.xnat_xdp_wan, env.wan_ifindex, &in_t, 1, 1, 0);
	est_tc = sample(env.skel->progs.xnat_tc_egress, 0, &out_t, 0, 1, 0);
	set_udp_ports(&out_t, 2000, 2000);
	rep_out = sample_one(env.skel->progs.xnat_xdp_lan, env.lan_ifindex, &out_t);

	q = flow_spec(IPPROTO_UDP, EXT, 2000, REM, 2000);
	q.ttl = 63;
	pkt_build(&quoted, &q);
	e = from_wan(flow_spec(IPPROTO_ICMP, REM, 0, EXT, 0), MAC_REM);
	e.icmp_type = 3, e.icmp_code = 3, e.quote = &quoted, e.quote_len = 28;
	pkt_build(&err_t, &e);
	icmp_err = sample_one(env.skel->progs.xnat_xdp_wan, env.wan_ifindex, &err_t);
	sip = sip_invite_cost(&sip_len, 0, 1, env.skel->progs.xnat_xdp_lan, env.lan_ifindex);
	sip_off = sip_invite_cost(&sip_len, 0, 0, env.skel->progs.xnat_xdp_lan, env.lan_ifindex);
	/* TC for the per-byte slope: XDP's test frame can't grow a longer one */
	sip_tc = sip_invite_cost(&sip_len, 0, 1, env.skel->progs.xnat_tc_egress, 0);
	sip_long = sip_invite_cost(&long_len, 18, 1, env.skel->progs.xnat_tc_egress, 0);

	cost_values(dir, new_flow, sip);
	fprintf(md, "## Per-packet cost of each BPF path (BPF_PROG_TEST_RUN)\n\n");
	fprintf(md, "Program run time only (the kernel's test timer), 64-byte UDP unless said. \"%u samples\":\n"
		    "that many single runs over distinct flows (cache effects included); \"one flow\": as\n"
		    "many single runs of the same packet (hot cache).\n\n", SAMPLES);
	fprintf(md, "| path | program | ns/packet |\n|---|---|---:|\n");
	fprintf(md, "| established, LAN -> WAN, 1k flows, %u samples | xnat_xdp_lan | %.0f |\n", SAMPLES, est_out);
	fprintf(md, "| established, LAN -> WAN, one flow, %u samples | xnat_xdp_lan | %.0f |\n", SAMPLES, rep_out);
	fprintf(md, "| established reply, WAN -> LAN, %u samples | xnat_xdp_wan | %.0f |\n", SAMPLES, est_in);
	fprintf(md, "| established, stack path, %u samples | xnat_tc_egress | %.0f |\n", SAMPLES, est_tc);
	fprintf(md, "| new flow (new mapping + session), %u samples | xnat_xdp_lan | %.0f |\n", SAMPLES, new_flow);
	fprintf(md, "| ICMP port unreachable, WAN -> LAN, one flow, %u samples | xnat_xdp_wan | %.0f |\n", SAMPLES,
		icmp_err);
	fprintf(md, "| SIP INVITE with SDP (%zu bytes, 2 streams), the ALG on, one call, %u samples (target <= 2000) "
		    "| xnat_xdp_lan + xnat_sip_xdp | %.0f |\n", sip_len, SAMPLES, sip);
	fprintf(md, "| ... the same INVITE, the ALG off | xnat_xdp_lan | %.0f |\n", sip_off);
	fprintf(md, "| ... the same INVITE, the ALG on, stack path | xnat_tc_egress + xnat_sip_tc | %.0f |\n", sip_tc);
	fprintf(md, "| ... a %zu-byte INVITE (more SDP lines), stack path | xnat_tc_egress + xnat_sip_tc | %.0f |\n",
		long_len, sip_long);
	return 0;
}

static void scale_values(const char *dir, double per_mapping, double ratio);

static int scale_table(FILE *md, const char *dir)
{
	struct pkt out_t, in_t;
	struct xnat_bpf *s = env.skel;
	double at1k, at1m;
	unsigned long long flows_mem = memlock(s->maps.xnat_flows), eim_mem = memlock(s->maps.xnat_eim),
			   ports_mem = memlock(s->maps.xnat_ports);
	unsigned int flows_max = bpf_map__max_entries(s->maps.xnat_flows),
		     map_max = bpf_map__max_entries(s->maps.xnat_eim);

	udp_templates(&out_t, &in_t);
	env_reset();
	open_sessions(&out_t, 1000);
	at1k = sample(s->progs.xnat_xdp_lan, env.lan_ifindex, &out_t, 0, 1, 0);
	env_reset();
	open_sessions(&out_t, SCALE_SESSIONS);
	at1m = sample(s->progs.xnat_xdp_lan, env.lan_ifindex, &out_t, 0, SCALE_SESSIONS / 1000, 0);

	scale_values(dir, (double)eim_mem / map_max + (double)ports_mem / XNAT_PORT_SLOTS,
		     at1k > 0 ? at1m / at1k : 0);
	fprintf(md, "## Scale\n\n");
	fprintf(md, "%u sessions opened by the fast path itself (1000 internal endpoints x 1000 remote ports,\n"
		    "so 1000 mappings: one external address has at most 3 x 65536 mappings, TCP/UDP/ICMP;\n"
		    "the EIM table is sized for 1M and measured per entry). Maps are preallocated: memory\n"
		    "is per slot, used or not (`memlock` of the map).\n\n", SCALE_SESSIONS);
	fprintf(md, "| table | slots | bytes | bytes/slot |\n|---|---:|---:|---:|\n");
	fprintf(md, "| xnat_flows (2 per session) | %u | %llu | %.0f |\n", flows_max, flows_mem,
		(double)flows_mem / flows_max);
	fprintf(md, "| xnat_eim (1 per mapping) | %u | %llu | %.0f |\n", map_max, eim_mem, (double)eim_mem / map_max);
	fprintf(md, "| xnat_ports (array, 1 slot per external port and protocol) | %u | %llu | %.0f |\n",
		XNAT_PORT_SLOTS, ports_mem, (double)ports_mem / XNAT_PORT_SLOTS);
	fprintf(md, "\n**Memory per mapping: %.0f bytes** (EIM entry + port slot; the port array is a fixed %.1f MB\n"
		    "for every port of the external address); per session %.0f bytes (two flow entries).\n\n",
		(double)eim_mem / map_max + (double)ports_mem / XNAT_PORT_SLOTS, ports_mem / 1e6,
		2.0 * flows_mem / flows_max);
	fprintf(md, "| established lookup, LAN -> WAN, %u random samples | ns/packet |\n|---|---:|\n", SAMPLES);
	fprintf(md, "| 1k sessions in the table | %.0f |\n| 1M sessions in the table | %.0f |\n", at1k, at1m);
	fprintf(md, "| ratio 1M / 1k (target <= 1.5) | %.2f |\n", at1k > 0 ? at1m / at1k : 0);
	return 0;
}

/* The figures the report checks against the targets, one "name value" a
 * line, in DIR/NAME. */
static void values_write(const char *dir, const char *name, const char *fmt, double a, double b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, fmt, a, b);
	fclose(f);
}

static void cost_values(const char *dir, double new_flow, double sip)
{
	values_write(dir, "cost.tsv", "new_flow_ns\t%.0f\nsip_invite_ns\t%.0f\n", new_flow, sip);
}

static void scale_values(const char *dir, double per_mapping, double ratio)
{
	values_write(dir, "scale.tsv", "bytes_per_mapping\t%.0f\nlookup_1m_over_1k\t%.2f\n", per_mapping, ratio);
}

int cmd_cost(const char *dir)
{
	char path[512];
	FILE *md;

	if (env_setup_sized(2 * SCALE_SESSIONS + 65536, SCALE_SESSIONS)) {
		fprintf(stderr, "xnat-bench cost: cannot set up the test namespace and object\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/prog_cost.md", dir);
	md = fopen(path, "w");
	if (!md || cost_table(md, dir))
		return 1;
	fclose(md);
	snprintf(path, sizeof(path), "%s/scale.md", dir);
	md = fopen(path, "w");
	if (!md || scale_table(md, dir))
		return 1;
	fclose(md);
	xnat_bpf__destroy(env.skel);
	return 0;
}
