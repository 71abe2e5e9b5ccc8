# SPDX-License-Identifier: GPL-2.0
# Lunatik: Lua 5.4 in the kernel, scriptable netfilter.
#
#   make deps             (root) the Debian packages, and Lua's sources
#   make                  the kernel modules for the running kernel, the tools
#                         and the man pages
#   sudo make install     everything below, then depmod
#     install-core        modules (kbuild modules_install) and the core's scripts
#     install-tools       lunatik, nft-lua, their man pages and completion
#     install-xtable      the plugin generator, its header and pkg-config file
#     install-examples    dnsblock and dnsdoctor (scripts, plugins, configuration)
#   sudo make uninstall   (edited example configuration is kept)
#   make dist             lunatik-VERSION.tar.gz, which builds offline
#   make deb              Debian packages (DKMS modules, tools, generator, examples)
#   make check            set up, build and run every test (host and VM, 6.1 and 6.12)
#   make demo             set up, build and show Lua running in a test VM
#
# KERNEL_RELEASE (default: uname -r) and KDIR select the kernel to build for.
# INSTALL_MOD_PATH (default: DESTDIR) and INSTALL_MOD_DIR are kbuild's.
# VMLINUX_BTF and RESOLVE_BTFIDS: what luaxdp.ko's BTF is built with, when
# kbuild does not (kernel/lib/luaxdp-btf.sh; README, "xdp").
# WERROR=1 turns compiler and objtool warnings into errors (the tests set it).
# MODULE_COMPRESS=no installs the modules uncompressed.

VERSION := $(strip $(file <$(CURDIR)/VERSION))
KERNEL_RELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNEL_RELEASE)/build
DESTDIR ?=
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= extra/lunatik
WERROR ?=
SHELL := /bin/bash
SCRIPTS_DIR := $(DESTDIR)/lib/modules/lua
SUBMAKE = $(MAKE) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) SYSCONFDIR=$(SYSCONFDIR) \
	MANDIR=$(MANDIR) BASHCOMPDIR=$(BASHCOMPDIR) WERROR=$(WERROR)

# The iptables plugins of the examples, generated from their Lua descriptions.
XT_PLUGINS := examples/dnsblock examples/dnsdoctor
KBUILD_DIRS := kernel $(if $(wildcard xt/Kbuild),xt)

.PHONY: ebpf ebpf_install all modules list-modules lua-src userspace man install install-core modules_install \
	scripts_install install-tools install-xtable install-examples examples_install \
	uninstall uninstall-core uninstall-tools uninstall-xtable uninstall-examples \
	deps check demo dist deb dkms-source clean clean-modules

all: modules userspace man

# Lua's sources: extracted, checked and patched from kernel/lua/dl (what
# `make deps` downloads, or what the release tarball carries), or LUA_SRC.
lua-src:
	kernel/lua/fetch.sh

# xt/ links against the core's symbols: a second kbuild pass with its
# Module.symvers (kbuild reruns modpost only when its own inputs change, so
# a newer core's symbol versions remove xt's output to make it run). objtool warnings matter: on 6.12 they flag indirect jumps
# that indirect branch tracking would fault on, which QEMU cannot catch.
modules: lua-src
	@[ -e $(KDIR)/Makefile ] || { echo "No kernel headers at $(KDIR) for $(KERNEL_RELEASE):" \
		"install linux-headers-$(KERNEL_RELEASE) (make deps does for Debian's default" \
		"kernel) or set KERNEL_RELEASE=... KDIR=..." >&2; exit 1; }
	set -o pipefail; { \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules && \
		if [ -f xt/Kbuild ]; then \
			if [ xt/Module.symvers -ot kernel/Module.symvers ]; then rm -f xt/Module.symvers; fi; \
			$(MAKE) -C $(KDIR) M=$(CURDIR)/xt \
			KBUILD_EXTRA_SYMBOLS=$(CURDIR)/kernel/Module.symvers modules; fi; \
	} 2>&1 | tee .modules.log
	VMLINUX_BTF="$(VMLINUX_BTF)" RESOLVE_BTFIDS="$(RESOLVE_BTFIDS)" \
		kernel/lib/luaxdp-btf.sh kernel/lib/luaxdp.ko $(KDIR) $(KERNEL_RELEASE)
	@! grep 'objtool: ' .modules.log || { echo "objtool warnings: indirect jumps that" \
		"IBT would fault on" >&2; [ "$(WERROR)" != 1 ]; }

# The modules' paths relative to the top, one a line (dkms.conf reads this).
list-modules:
	@for d in $(KBUILD_DIRS); do \
		$(MAKE) -s --no-print-directory -f kernel/modules.mk src=$(CURDIR)/$$d \
			KBUILD=$$d/Kbuild | tr ' ' '\n' | sed -n "s|^\(.*\)\.o$$|$$d/\1.ko|p"; \
	done

userspace:
	+$(SUBMAKE) -C usr/bin
	+$(SUBMAKE) -C nft
	+set -e; for d in $(XT_PLUGINS); do $(SUBMAKE) -C $$d; done
	$(MAKE) -C tests/xt	# test plugins of the VM tests, never installed

man:
	$(MAKE) -C docs/man

# The eBPF half of examples/filter (clang, libbpf-dev): https.o, installed
# into $(PREFIX)/lib/bpf/lunatik (README, "filter").
ebpf:
	$(MAKE) -C examples/filter ebpf WERROR=$(WERROR)

ebpf_install:
	$(MAKE) -C examples/filter ebpf_install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

install: install-core install-tools install-xtable install-examples
	[ -n "$(INSTALL_MOD_PATH)" ] || depmod -a $(KERNEL_RELEASE)

install-core: modules_install scripts_install

# kbuild installs, signs and compresses as the kernel is configured;
# MODULE_COMPRESS=no keeps them uncompressed (the VM bench: decompressing
# at every modprobe is slow under emulation).
modules_install:
	set -e; for d in $(KBUILD_DIRS); do \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/$$d INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
			INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
			$(if $(filter no,$(MODULE_COMPRESS)),CONFIG_MODULE_COMPRESS_ALL=) modules_install; \
	done

scripts_install:
	install -d $(SCRIPTS_DIR)/lunatik
	install -m 0644 kernel/lib/lunatik/*.lua $(SCRIPTS_DIR)/lunatik/
	install -d $(SCRIPTS_DIR)/socket
	install -m 0644 kernel/lib/socket/*.lua $(SCRIPTS_DIR)/socket/
	install -d $(SCRIPTS_DIR)/syscall
	install -m 0644 kernel/lib/syscall/*.lua $(SCRIPTS_DIR)/syscall/

install-tools:
	+$(SUBMAKE) -C usr/bin install
	+$(SUBMAKE) -C nft install
	$(MAKE) -C docs/man install DESTDIR=$(DESTDIR) MANDIR=$(MANDIR)
	install -D -m 0644 usr/share/bash-completion/completions/lunatik $(DESTDIR)$(BASHCOMPDIR)/lunatik
	install -D -m 0644 usr/share/bash-completion/completions/nft-lua $(DESTDIR)$(BASHCOMPDIR)/nft-lua

install-xtable:
	+$(SUBMAKE) -C usr/lib/xtable install-generator

install-examples examples_install:
	+$(SUBMAKE) -C examples install
	+set -e; for d in $(XT_PLUGINS); do $(SUBMAKE) -C $$d install; done

uninstall: uninstall-core uninstall-tools uninstall-xtable uninstall-examples
	[ -n "$(INSTALL_MOD_PATH)" ] || depmod -a $(KERNEL_RELEASE)

uninstall-core:
	rm -rf $(INSTALL_MOD_PATH)/lib/modules/$(KERNEL_RELEASE)/$(INSTALL_MOD_DIR)
	rm -rf $(SCRIPTS_DIR)/lunatik $(SCRIPTS_DIR)/socket $(SCRIPTS_DIR)/syscall
	-rmdir $(SCRIPTS_DIR) 2>/dev/null

uninstall-tools:
	+$(SUBMAKE) -C usr/bin uninstall
	+$(SUBMAKE) -C nft uninstall
	$(MAKE) -C docs/man uninstall DESTDIR=$(DESTDIR) MANDIR=$(MANDIR)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/lunatik $(DESTDIR)$(BASHCOMPDIR)/nft-lua

uninstall-xtable:
	+$(SUBMAKE) -C usr/lib/xtable uninstall-generator

uninstall-examples:
	+$(SUBMAKE) -C examples uninstall
	+set -e; for d in $(XT_PLUGINS); do $(SUBMAKE) -C $$d uninstall; done

# The modules' sources as DKMS builds them (dkms.conf, the two kbuild
# passes, Lua's sources from kernel/lua/dl), into DKMS_SRC.
DKMS_SRC ?= $(DESTDIR)/usr/src/lunatik-$(VERSION)
dkms-source:
	kernel/lua/fetch.sh --check-download
	install -d $(DKMS_SRC)
	install -m 0644 Makefile VERSION dkms.conf $(DKMS_SRC)/
	find kernel xt \( -path kernel/lua/src -o -path kernel/lua/dl \) -prune -o -type f \
		\( -name '*.[chS]' -o -name Kbuild -o -name '*.mk' -o -name '*.patch' \
		-o -name '*.sh' \) ! -name '*.mod.c' -print | \
		while read -r f; do install -D -m $$([ -x $$f ] && echo 0755 || echo 0644) \
			$$f $(DKMS_SRC)/$$f; done
	install -d $(DKMS_SRC)/kernel/lua/dl
	install -m 0644 kernel/lua/dl/lua5.4_5.4.4.orig.tar.gz \
		kernel/lua/dl/lua5.4_5.4.4-*.debian.tar.xz $(DKMS_SRC)/kernel/lua/dl/

# Root: Debian packages, the deb-src entry and Lua's sources (the only
# target that uses the network).
deps:
	tests/setup-host.sh

check: deps
	WERROR=1 tests/check

demo: deps
	tests/vm/run --kernel 6.1 --tests tests/vm/demo -v

# A release tarball from the committed tree, plus what a build would
# otherwise download or generate: Lua's checked sources and the man pages.
DIST := lunatik-$(VERSION)
dist: man
	kernel/lua/fetch.sh --check-download
	rm -rf build/dist && mkdir -p build/dist
	git archive --prefix=$(DIST)/ HEAD | tar -x -C build/dist
	install -d build/dist/$(DIST)/kernel/lua/dl
	cp kernel/lua/dl/lua5.4_5.4.4.orig.tar.gz kernel/lua/dl/lua5.4_5.4.4-*.debian.tar.xz \
		kernel/lua/dl/lua5.4_5.4.4-*.dsc build/dist/$(DIST)/kernel/lua/dl/
	install -d build/dist/$(DIST)/docs/man && cp docs/man/*.[0-9] build/dist/$(DIST)/docs/man/
	tar -C build/dist --owner=0 --group=0 --sort=name -czf $(DIST).tar.gz $(DIST)
	rm -rf build/dist
	@echo "$(DIST).tar.gz"

# Binary packages, built in a copy of the tree (committed and new files,
# Lua's sources): DEB_DIR/*.deb. debian/ says what goes where.
DEB_DIR ?= build/deb
deb: D := $(abspath $(DEB_DIR))
deb:
	kernel/lua/fetch.sh --check-download
	@v=$$(dpkg-parsechangelog -S Version); [ "$${v%-*}" = "$(VERSION)" ] || { \
		echo "debian/changelog is at $$v, VERSION at $(VERSION): add an entry" \
			"(dch -v $(VERSION)-1)" >&2; exit 1; }
	rm -rf $(D) && mkdir -p $(D)/$(DIST)
	{ if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files --cached --others --exclude-standard; \
	  else find . \( -name build -o -name .cache \) -prune -o ! -type d -print; fi; \
	  ls kernel/lua/dl/*; } | while read -r f; do [ ! -e "$$f" ] || echo "$$f"; done | \
		tar -cf - -T - | tar -x -C $(D)/$(DIST)
	cd $(D)/$(DIST) && dpkg-buildpackage -b -us -uc
	@ls $(D)/*.deb

clean-modules:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/xt clean
	rm -f .modules.log

clean: clean-modules
	$(MAKE) -C usr/bin clean
	$(MAKE) -C nft clean
	$(MAKE) -C docs/man clean
	set -e; for d in $(XT_PLUGINS); do $(MAKE) -C $$d clean; done
	$(MAKE) -C tests/xt clean
