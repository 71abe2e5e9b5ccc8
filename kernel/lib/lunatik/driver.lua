-- SPDX-License-Identifier: GPL-2.0
--
-- The driver runtime of /dev/lunatik (kernel/lunatik_dev.c). Chunks sent by
-- the lunatik command run here, each session with its own global table
-- whose missing names fall back to this script's globals.

lunatik = require("lunatik")
runner = require("lunatik.runner")
