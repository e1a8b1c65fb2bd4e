# xnat: eBPF NAT gateway. `make` builds everything into build/; `make V=1` shows commands.
#
#   make            BPF object + skeleton, xnatd, xnatctl
#   make test       every test suite (needs root: BPF, netns); ends with "N passed, N failed"
#   make demo       installs what is missing, builds, shows traffic crossing the gateway
#   make compare    xnatd against miniupnpd, same UPnP/NAT-PMP/PCP clients (root): docs/upnp-vs-miniupnpd.md
#   make soak       xnatd under ASan+LSan, SOAK_SECONDS (300) of mixed traffic and port-mapping churn, then
#                   checks for leaks and drift (root; not part of `make test`): tools/soak/run.sh
#   make install    binaries, BPF object, config example, systemd unit (PREFIX, DESTDIR)
#   make vm-test    the kernel matrix only: the kernel-facing suites in a qemu guest on Debian 12's
#                   6.1 (tools/vm; `make test` runs it too, VM=no leaves it out). Root.
#   make verifier-report  each program's verifier figures on this kernel and on 6.1: docs/verifier.md

OUT        := build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CC         ?= gcc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep intermediate objects: faster rebuilds, and no "rm" after the test summary.
.SECONDARY:
.DEFAULT_GOAL := all

WARN      := -Wall -Wextra -Werror
USER_PKGS := libbpf libxdp inih libsystemd libmnl libmicrohttpd expat
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iagent/lib -Itests/bpf -I$(OUT) \
             $(shell $(PKG_CONFIG) --cflags $(USER_PKGS))
LDLIBS    := $(shell $(PKG_CONFIG) --libs $(USER_PKGS)) -lelf -lz
TEST_LDLIBS := $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka)

ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
              -Ivmlinux -Iinclude -Ibpf

# ---------------------------------------------------------------- BPF
VMLINUX_H := vmlinux/vmlinux.h
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/xnat/*.h)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# Generated from the running kernel's BTF, never committed (see vmlinux/README).
$(VMLINUX_H):
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUT)/bpf/%.tmp.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX_H) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# `gen object` links the object (static functions resolved, BTF deduplicated).
$(OUT)/bpf/%.bpf.o: $(OUT)/bpf/%.tmp.o
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

# The stage-removal profile's variants of the fast path (bpf/profile.h), one
# stage of the established path left out each: `xnat-bench profile`.
PROFILE_STAGES := parse lookup clock touch stats rewrite fib redirect
PROFILE_OBJS   := $(patsubst %,$(OUT)/bpf/profile/skip-%.bpf.o,$(PROFILE_STAGES))

$(OUT)/bpf/profile/skip-%.tmp.o: bpf/xnat.bpf.c $(BPF_HDRS) $(VMLINUX_H)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DXNAT_PROFILE_SKIP=XNAT_STAGE_$(shell echo $* | tr a-z A-Z) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@

# ---------------------------------------------------------------- user space
LIB_SRCS    := $(wildcard agent/lib/*.c)
LIB_OBJS    := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
XNATD_SRCS  := $(wildcard agent/xnatd/*.c)
XNATD_OBJS  := $(patsubst %.c,$(OUT)/obj/%.o,$(XNATD_SRCS))
XNATCTL_SRCS := $(wildcard tools/xnatctl/*.c)
XNATCTL_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(XNATCTL_SRCS))
USER_HDRS   := $(wildcard include/xnat/*.h agent/lib/*.h agent/xnatd/*.h tools/xnatctl/*.h tests/bpf/*.h)

$(OUT)/obj/%.o: %.c $(USER_HDRS) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libxnat.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/xnatd: $(XNATD_OBJS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/xnatctl: $(XNATCTL_OBJS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The PCP client: no libxnat, only the wire structs of include/xnat/pcp.h.
$(OUT)/xnat-pcp: tools/pcp/xnat-pcp.c include/xnat/pcp.h
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@

BENCH_SRCS := $(wildcard tools/bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(BENCH_SRCS))

# The cost measurements reuse the BPF test harness (private netns, packet builder).
BENCH_OBJS += $(OUT)/obj/tests/bpf/harness.o $(OUT)/obj/tests/bpf/pkt.o

$(OUT)/xnat-bench: $(BENCH_OBJS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# The verifier's figures for each program on the running kernel (tools/verifier).
VERIFIER_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(wildcard tools/verifier/*.c))

$(OUT)/xnat-verifier: $(VERIFIER_OBJS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

# ---------------------------------------------------------------- tests
# tests/unit/test_*.c: one cmocka binary each, linked with libxnat.a.
# tests/bpf/*.c: one binary running BPF_PROG_TEST_RUN fixtures on the real object.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(patsubst %.c,$(OUT)/obj/%.o,$(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c)))
BPFT_SRCS  := $(wildcard tests/bpf/*.c)
BPFT_OBJS  := $(patsubst %.c,$(OUT)/obj/%.o,$(BPFT_SRCS))

$(OUT)/tests/test_%: $(OUT)/obj/tests/unit/test_%.o $(UNIT_HELPERS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(TEST_LDLIBS) -o $@

$(OUT)/tests/bpf_prog_tests: $(BPFT_OBJS) $(OUT)/libxnat.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ $(TEST_LDLIBS) -o $@

TEST_BINS := $(UNIT_BINS) $(if $(BPFT_SRCS),$(OUT)/tests/bpf_prog_tests)

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (clang, ASan + UBSan) over the code that parses what the
# network (and the admin's files) send; tests/fuzz/corpus/NAME holds each one's
# seeds. tests/fuzz/fuzz_NAME.c is built with the agent/lib sources of
# FUZZ_SRCS_NAME, compiled with the same flags (the sanitizers see what they
# instrument), and the libraries of FUZZ_LIBS_NAME. Those on BPF maps (pcp,
# soap) need root to run. `make fuzz` runs each for FUZZ_SECONDS from a random seed; `make test`
# replays its corpus and inputs mutated from it from a fixed seed (tests/fuzz/run.sh).
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -D_GNU_SOURCE -Iinclude -Iagent/lib $(shell $(PKG_CONFIG) --cflags libbpf inih expat)
FUZZ_SECONDS ?= 300
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_NAMES:%=$(OUT)/fuzz/fuzz_%)
FUZZ_BPF     := $(shell $(PKG_CONFIG) --libs libbpf) -lelf -lz
# The fast path's tables, real maps (tests/unit/lease_maps.c), and lease.c on them.
FUZZ_TABLES  := tests/unit/lease_maps.c $(addprefix agent/lib/,lease.c ports.c maps.c portmap_rules.c shown.c)

FUZZ_SRCS_sip        := agent/lib/sip.c agent/lib/sip_big.c
FUZZ_SRCS_oversize   := $(addprefix agent/lib/,sip.c sip_big.c sip_digest.c sip_oversize.c strbuf.c)
FUZZ_SRCS_pcp        := $(FUZZ_TABLES) $(addprefix agent/lib/,pcp_server.c pcp_peer.c pcp_filter.c expiry.c)
FUZZ_LIBS_pcp        := $(FUZZ_BPF)
FUZZ_SRCS_ssdp       := $(addprefix agent/lib/,ssdp.c upnp_desc.c xml_escape.c strbuf.c)
FUZZ_SRCS_soap       := $(FUZZ_TABLES) $(addprefix agent/lib/,upnp_envelope.c upnp_soap.c upnp_portmap.c \
                        upnp_info.c upnp_args.c upnp_desc.c xml_escape.c strbuf.c)
FUZZ_LIBS_soap       := $(FUZZ_BPF) $(shell $(PKG_CONFIG) --libs expat)
FUZZ_SRCS_gena       := $(addprefix agent/lib/,gena.c xml_escape.c)
FUZZ_SRCS_config     := $(addprefix agent/lib/,config.c forward.c portmap_rules.c ports.c maps.c shown.c)
FUZZ_LIBS_config     := $(shell $(PKG_CONFIG) --libs inih) $(FUZZ_BPF)
FUZZ_SRCS_lease_file := agent/lib/lease_file.c

$(foreach n,$(FUZZ_NAMES),$(eval $(OUT)/fuzz/fuzz_$(n): $(FUZZ_SRCS_$(n))))

# make test's fuzz inputs, the same every time (tests/fuzz/run.sh --runs)
$(OUT)/fuzz/mutants: tests/fuzz/mutants.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h tests/unit/*.h) $(USER_HDRS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*) -o $@

# ---------------------------------------------------------------- goals
$(OUT)/bpf:
	$(Q)mkdir -p $@

all: $(BPF_OBJS) $(SKELS) $(OUT)/xnatd $(OUT)/xnatctl $(OUT)/xnat-pcp

tests: all $(TEST_BINS) $(FUZZ_TARGETS) $(OUT)/fuzz/mutants $(OUT)/xnat-verifier

# Every suite; the runner prints the summary line last. Needs root.
test: tests
	$(Q)tests/run

fuzz: $(FUZZ_TARGETS)
	$(Q)for t in $(FUZZ_TARGETS); do tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

demo:
	$(Q)tools/demo.sh

# Benchmarks in network namespaces; writes docs/bench/. Needs root.
bench: all $(OUT)/xnat-bench $(PROFILE_OBJS)
	$(Q)BUILD=$(OUT) tools/bench/run.sh

# Soak (root, SOAK_SECONDS of traffic + a 140 s drain): xnatd built with ASan+UBSan
# into $(OUT)/asan/, tables back to their baseline, no leak, no counter drift.
soak: all
	$(Q)BUILD=$(OUT) SOAK_SECONDS=$(or $(SOAK_SECONDS),300) tools/soak/run.sh

# The kernel matrix alone (`make test` ends with it).
vm-test: tests
	$(Q)ONLY='^vm/' tests/run

# The guest itself (tools/vm/run.sh): exit status, netns, veth, tc, bpffs, an XDP load.
vm-check:
	$(Q)tools/vm/selftest.sh

verifier-report: $(OUT)/xnat-verifier
	$(Q)BUILD=$(OUT) tools/verifier/report.sh docs/verifier.md

deps:
	$(Q)tools/install-deps.sh

# xnatd against miniupnpd (installed, never started on the host) on the e2e bed:
# the same client commands, the results compared; rewrites the results in
# docs/upnp-vs-miniupnpd.md. Needs root.
compare: all
	$(Q)tools/install-deps.sh --compare
	$(Q)BUILD=$(OUT) tools/compare/miniupnpd.sh --doc docs/upnp-vs-miniupnpd.md

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/xnat \
	           $(DESTDIR)$(SYSCONFDIR)/xnat $(DESTDIR)$(UNITDIR)
	install -m 0755 $(OUT)/xnatd $(OUT)/xnatctl $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(OUT)/xnat-pcp $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(OUT)/bpf/xnat.bpf.o $(DESTDIR)$(PREFIX)/lib/xnat/
	install -m 0644 etc/xnat.conf.example $(DESTDIR)$(SYSCONFDIR)/xnat/xnat.conf.example
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' etc/xnatd.service.in > $(DESTDIR)$(UNITDIR)/xnatd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/xnatd.service

clean:
	rm -rf $(OUT) $(VMLINUX_H)

.PHONY: all tests test fuzz demo bench soak deps compare install clean vm-test vm-check verifier-report
