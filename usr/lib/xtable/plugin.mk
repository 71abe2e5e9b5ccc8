# SPDX-License-Identifier: GPL-2.0
# Included by an extension's own Makefile (examples/dnsblock, ...): builds
# libxt_<name>.so from the libxt_<name>.lua beside it, <name> being that
# folder's name:  make; sudo make install
LUAXTABLE_MODULE ?= $(notdir $(CURDIR))
XTABLE := $(dir $(lastword $(MAKEFILE_LIST)))
XT = LUAXTABLE_MODULE=$(LUAXTABLE_MODULE) LUAXTABLE_DIR=$(CURDIR) $(MAKE) -C $(XTABLE)

.PHONY: all install uninstall clean

all:
	+$(XT)

install:
	+$(XT) install

uninstall:
	+$(XT) uninstall

clean:
	+$(XT) clean
