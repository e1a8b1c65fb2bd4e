// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPv4 fragments: later ones follow the translation of the first. */
#include <netinet/in.h>
#include <string.h>
#include "harness.h"
#include "mapwalk.h"

/* Split a built UDP datagram's IP payload at `cut` into two fragments. */
static void split(const struct pkt *whole, struct pkt_spec s, size_t cut, struct pkt *first,
		  struct pkt *second)
{
	const uint8_t *l4 = whole->buf + 14 + 20;
	size_t l4len = whole->len - 14 - 20;

	s.frag = 0x2000; /* MF, offset 0 */
	pkt_build_raw(first, &s, l4, cut);
	s.frag = (uint16_t)(cut / 8);
	pkt_build_raw(second, &s, l4 + cut, l4len - cut);
}

void test_fragments(void)
{
	static uint8_t data[48];
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 6000, REM, 7000), MAC_H1), want;
	struct pkt whole, whole_want, f1, f2, e1, e2, out;
	int v1, v2;

	env_reset();
	memset(data, 0xab, sizeof(data));
	s.payload = data, s.payload_len = sizeof(data);
	want = forwarded(s, MAC_GW_WAN, MAC_REM);
	want.src = EXT;
	pkt_build(&whole, &s);
	pkt_build(&whole_want, &want);
	split(&whole, s, 32, &f1, &f2);
	split(&whole_want, want, 32, &e1, &e2);

	v1 = run_xdp_lan(&f1, &out);
	t_ok(v1 == V_XDP_REDIRECT && pkt_same(&out, &e1), "first fragment: translated with its flow (UDP checksum of the whole datagram)");
	t_ok(xnat_map_count(bpf_map__fd(env.skel->maps.xnat_frags)) == 1, "first fragment: recorded in xnat_frags");
	v2 = run_xdp_lan(&f2, &out);
	t_ok(v2 == V_XDP_REDIRECT && pkt_same(&out, &e2), "later fragment: same addresses, IP checksum right, payload untouched");
	t_ok(stat_delta(XNAT_STAT_XLATE_FRAG) == 1, "later fragment: counted translated_fragment");

	s.ip_id = 0x7777; /* a datagram whose first fragment never came */
	split(&whole, s, 32, &f1, &f2);
	v2 = run_xdp_lan(&f2, &out);
	t_ok(v2 == V_XDP_DROP && stat_delta(XNAT_STAT_DROP_FRAG_NO_STATE) == 1,
	     "later fragment without its first: dropped and counted");
}
