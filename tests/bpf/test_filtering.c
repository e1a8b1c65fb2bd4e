// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Filtering modes (RFC 4787 REQ-8): unsolicited inbound packets to a dynamic mapping. */
#include <netinet/in.h>
#include "harness.h"

/* A fresh table in `mode` where H1:5000 -> REM:53 opened the mapping EXT:5000. */
static void mapping_in_mode(long mode)
{
	struct pkt_spec s = from_lan(flow_spec(IPPROTO_UDP, H1, 5000, REM, 53), MAC_H1);
	struct pkt out;

	env_reset();
	cfg_edit(cfg_set_filtering, mode);
	run_spec(run_xdp_lan, &s, &out);
}

/* `from`:from_port sends to EXT:5000: translated to H1:5000, or dropped as filtered. */
static bool inbound(const char *from, uint16_t from_port, const uint8_t *mac, bool admitted)
{
	struct pkt_spec s = from_wan(flow_spec(IPPROTO_UDP, from, from_port, EXT, 5000), mac);
	struct pkt_spec want = forwarded(s, MAC_GW_LAN, MAC_H1);

	want.dst = H1;
	if (!admitted)
		return expect(run_xdp_wan, &s, V_XDP_DROP, NULL, NULL) && counted_once(XNAT_STAT_DROP_FILTERED);
	return expect(run_xdp_wan, &s, V_XDP_REDIRECT, &want, NULL) && counted_once(XNAT_STAT_XLATE_IN) &&
	       flow_exists(from, from_port, EXT, 5000, IPPROTO_UDP, XNAT_DIR_IN, NULL) &&
	       flow_exists(H1, 5000, from, from_port, IPPROTO_UDP, XNAT_DIR_OUT, NULL);
}

void test_filtering(void)
{
	mapping_in_mode(XNAT_FILTER_ENDPOINT_INDEPENDENT);
	t_ok(inbound(REM2, 9999, MAC_REM2, true),
	     "endpoint-independent: another remote reaches 192.168.1.10:5000, session created");

	mapping_in_mode(XNAT_FILTER_ADDRESS_DEPENDENT);
	t_ok(inbound(REM, 54, MAC_REM, true), "address-dependent: same remote address, other port admitted");
	t_ok(inbound(REM2, 53, MAC_REM2, false), "address-dependent: other remote address dropped, counted drop_filtered");

	mapping_in_mode(XNAT_FILTER_ADDRESS_PORT_DEPENDENT);
	t_ok(inbound(REM, 53, MAC_REM, true), "address-and-port-dependent: the session's own remote (its reply) admitted");
	t_ok(inbound(REM, 54, MAC_REM, false), "address-and-port-dependent: same address, other port dropped, counted");
	t_ok(inbound(REM2, 53, MAC_REM2, false), "address-and-port-dependent: other remote dropped, counted");
}
