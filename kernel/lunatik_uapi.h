/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol of /dev/lunatik, shared by the kernel and the lunatik
 * command.
 *
 * Only CAP_SYS_ADMIN may open the device. Each open file is a session:
 * one write() carries one whole Lua chunk (text only), which runs in the
 * driver runtime with the session's own global table (falling back to the
 * driver's _G); read() then returns the reply, and 0 (end of file) once it
 * has been read whole. A reply is one status byte followed by text:
 *   LUNATIK_REPLY_OK:  the chunk's results, each through tostring(), joined
 *                      by tabs (empty when it returned nothing);
 *   LUNATIK_REPLY_ERR: the Lua error message.
 * As in lua.c, a chunk is first tried as "return <chunk>" so that an
 * expression typed at the REPL shows its value.
 */
#ifndef LUNATIK_UAPI_H
#define LUNATIK_UAPI_H

#define LUNATIK_DEVICE		"/dev/lunatik"
#define LUNATIK_CHUNK_MAX	(1 << 20)
#define LUNATIK_REPLY_OK	'R'
#define LUNATIK_REPLY_ERR	'E'

#endif
