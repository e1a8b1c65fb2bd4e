/* SPDX-License-Identifier: GPL-2.0 */
/* UAPI constants that vmlinux.h (types only) does not carry. */
#ifndef XNAT_BPF_CONSTS_H
#define XNAT_BPF_CONSTS_H

#define ETH_P_IP   0x0800
#define ETH_ALEN   6
#define AF_INET    2
#define IP_MF      0x2000
#define IP_OFFSET  0x1fff

#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

#define ICMP_ECHOREPLY      0
#define ICMP_DEST_UNREACH   3
#define ICMP_SOURCE_QUENCH  4
#define ICMP_ECHO           8
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12

#define NSEC_PER_SEC 1000000000ULL

#endif
