-- SPDX-License-Identifier: GPL-2.0
--
-- The runtime of one /dev/lunatik session (kernel/lunatik_dev.c): the REPL's
-- chunks run here with these globals, and what they make stops when the
-- session ends. runner (also require("lunatik.runner")) is set by the
-- kernel: it calls the driver's runner, whose runtimes outlive sessions.

lunatik = require("lunatik")
