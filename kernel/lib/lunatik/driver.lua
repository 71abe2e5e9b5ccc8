-- SPDX-License-Identifier: GPL-2.0
--
-- The driver runtime of /dev/lunatik (kernel/lunatik_dev.c): it keeps the
-- runtimes that lunatik run/spawn start (runner), which sessions reach
-- through their lunatik.runner proxy.

lunatik = require("lunatik")
runner = require("lunatik.runner")
