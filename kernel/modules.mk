# SPDX-License-Identifier: GPL-2.0
# Prints the objects a Kbuild file adds to obj-m, as kbuild would see them:
#   make -s -f kernel/modules.mk KBUILD=kernel/Kbuild src=$PWD/kernel
# The top Makefile's list-modules (which dkms.conf reads) turns them into
# the .ko paths, so that no list of modules is kept by hand.
include $(KBUILD)

.PHONY: print
print:
	@echo $(obj-m)
.DEFAULT_GOAL := print
