-- SPDX-License-Identifier: GPL-2.0
--
-- What dnsblock blocks: edit /lib/modules/lua/examples/dnsblock/config.lua
-- and run the script again. A domain blocks itself and every name under it
-- (label by label, any case): "github.com" blocks "api.GitHub.com", not
-- "notgithub.com".
return {
	domains = {"github.com", "gitlab.com"},
}
