# SPDX-License-Identifier: GPL-2.0
# Lunatik: Lua 5.4 in the kernel, scriptable netfilter.
#
#   make                  build the kernel modules and the userspace parts
#   sudo make install     install them on this host (modules, scripts, command)
#   make check            set up, build and run every test (host and VM, 6.1 and 6.12)
#   make demo             set up, build and show Lua running in a test VM
#
# KERNEL_RELEASE/KDIR select the kernel to build for; by default the one of
# Debian's linux-headers-amd64 (what `make deps` installs).

KERNEL_RELEASE ?= $(shell apt-cache depends linux-headers-amd64 2>/dev/null | \
	sed -n 's/.*Depends: linux-headers-//p' | head -1)
KDIR ?= /lib/modules/$(KERNEL_RELEASE)/build
DESTDIR ?=
PREFIX ?= /usr/local
SHELL := /bin/bash
MODULES_DIR := $(DESTDIR)/lib/modules/$(KERNEL_RELEASE)/extra/lunatik
SCRIPTS_DIR := $(DESTDIR)/lib/modules/lua

# The iptables plugins of the examples, generated from their Lua descriptions.
XT_PLUGINS := examples/dnsblock examples/dnsdoctor

.PHONY: all modules lua-src userspace install modules_install scripts_install \
	examples_install uninstall deps check demo clean

all: modules userspace

lua-src:
	kernel/lua/fetch.sh

# xt/ links against the core's symbols: a second kbuild pass with its
# Module.symvers. objtool warnings fail the build: on 6.12 they flag indirect
# jumps that indirect branch tracking would fault on, which QEMU cannot catch.
modules: lua-src
	set -o pipefail; { \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel modules && \
		if [ -f xt/Kbuild ]; then $(MAKE) -C $(KDIR) M=$(CURDIR)/xt \
			KBUILD_EXTRA_SYMBOLS=$(CURDIR)/kernel/Module.symvers modules; fi; \
	} 2>&1 | tee .modules.log
	@! grep 'objtool: ' .modules.log || { echo "objtool warnings are errors here" >&2; exit 1; }

userspace:
	$(MAKE) -C usr/bin
	$(MAKE) -C nft
	set -e; for d in $(XT_PLUGINS); do $(MAKE) -C $$d; done
	$(MAKE) -C tests/xt	# test plugins of the VM tests, never installed

install: modules_install scripts_install examples_install
	$(MAKE) -C usr/bin install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C nft install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	set -e; for d in $(XT_PLUGINS); do $(MAKE) -C $$d install DESTDIR=$(DESTDIR); done
	[ -n "$(DESTDIR)" ] || depmod -a $(KERNEL_RELEASE)

modules_install:
	install -d $(MODULES_DIR)
	install -m 0644 $(wildcard kernel/*.ko kernel/lib/*.ko xt/*.ko) $(MODULES_DIR)/

scripts_install:
	install -d $(SCRIPTS_DIR)/lunatik
	install -m 0644 kernel/lib/lunatik/*.lua $(SCRIPTS_DIR)/lunatik/
	install -d $(SCRIPTS_DIR)/socket
	install -m 0644 kernel/lib/socket/*.lua $(SCRIPTS_DIR)/socket/
	install -d $(SCRIPTS_DIR)/syscall
	install -m 0644 kernel/lib/syscall/*.lua $(SCRIPTS_DIR)/syscall/

# The examples' kernel scripts, under /lib/modules/lua/examples.
examples_install:
	$(MAKE) -C examples install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -rf $(MODULES_DIR) $(SCRIPTS_DIR)/lunatik $(SCRIPTS_DIR)/socket $(SCRIPTS_DIR)/syscall
	$(MAKE) -C usr/bin uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C nft uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	$(MAKE) -C examples uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	set -e; for d in $(XT_PLUGINS); do $(MAKE) -C $$d uninstall DESTDIR=$(DESTDIR); done
	[ -n "$(DESTDIR)" ] || depmod -a $(KERNEL_RELEASE)

deps:
	tests/setup-host.sh

check: deps
	tests/check

demo: deps
	tests/vm/run --kernel 6.1 --tests tests/vm/demo -v

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/xt clean
	$(MAKE) -C usr/bin clean
	$(MAKE) -C nft clean
	set -e; for d in $(XT_PLUGINS); do $(MAKE) -C $$d clean; done
	$(MAKE) -C tests/xt clean
