// SPDX-License-Identifier: GPL-2.0
/*
 * require("syscall"): system call numbers and addresses (x86_64).
 *
 * syscall.numbers is a table name -> number of this kernel's 64-bit
 * system calls (generated at build time from its uapi unistd_64.h);
 * syscall.number(name) looks one up (nil when there is no such call);
 * syscall.address(number) is the address (a light userdata) of the
 * function that runs it, as the kernel's sys_call_table holds it
 * (__x64_sys_<name>; sys_ni_syscall's for numbers without a call). That is
 * what probe.new() takes. On 6.12 the kernel dispatches through a switch
 * (x64_sys_call) instead of the table, but it calls the same functions,
 * so the address is still where a probe sees every call.
 *
 * sys_call_table is not exported: its address comes from a kprobe asked
 * for that symbol, which resolves it and then refuses to probe data.
 */
#define pr_fmt(fmt) "luasyscall: " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/kallsyms.h>
#include <linux/string.h>
#include <asm/unistd.h>
#include <asm/syscall.h>

#include "lunatik.h"

struct luasyscall_name {
	const char *name;
	int nr;
};

static const struct luasyscall_name luasyscall_names[] = {
#include "luasyscall_names.h"
	{NULL, 0}
};

static const sys_call_ptr_t *luasyscall_table;

/* syscall.address(number) */
static int luasyscall_address(lua_State *L)
{
	lua_Integer nr = lunatik_checkrange(L, 1, 0, NR_syscalls - 1);

	lua_pushlightuserdata(L, (void *)luasyscall_table[nr]);
	return 1;
}

/* syscall.number(name): the number, or nil. */
static int luasyscall_number(lua_State *L)
{
	luaL_checkstring(L, 1);
	lua_getfield(L, lua_upvalueindex(1), lua_tostring(L, 1));
	return 1;
}

static int luaopen_syscall(lua_State *L)
{
	const struct luasyscall_name *n;

	lua_newtable(L);
	lua_pushcfunction(L, luasyscall_address);
	lua_setfield(L, -2, "address");
	lua_newtable(L);
	for (n = luasyscall_names; n->name; n++) {
		lua_pushinteger(L, n->nr);
		lua_setfield(L, -2, n->name);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "numbers");
	lua_pushcclosure(L, luasyscall_number, 1);
	lua_setfield(L, -2, "number");
	return 1;
}

static struct lunatik_lib luasyscall_lib = {
	.name = "syscall",
	.open = luaopen_syscall,
	.owner = THIS_MODULE,
	.sleep = false,
};

/* The table's address, checked: its read entry must be the read call. */
static int __init luasyscall_findtable(void)
{
	struct kprobe kp = { .symbol_name = "sys_call_table" };
	char name[KSYM_SYMBOL_LEN];
	int ret;

	ret = register_kprobe(&kp);
	if (!ret) {
		unregister_kprobe(&kp);
		pr_err("sys_call_table is not data here\n");
		return -ENXIO;
	}
	if (!kp.addr) {
		pr_err("sys_call_table not found (error %d)\n", ret);
		return -ENXIO;
	}
	luasyscall_table = (const sys_call_ptr_t *)kp.addr;
	sprint_symbol_no_offset(name, (unsigned long)luasyscall_table[__NR_read]);
	if (!strstr(name, "sys_read")) {
		pr_err("sys_call_table[%d] is %s, not read\n", __NR_read, name);
		return -ENXIO;
	}
	return 0;
}

static int __init luasyscall_init(void)
{
	int ret = luasyscall_findtable();

	return ret ? ret : lunatik_register_lib(&luasyscall_lib);
}

static void __exit luasyscall_exit(void)
{
	lunatik_unregister_lib(&luasyscall_lib);
}

module_init(luasyscall_init);
module_exit(luasyscall_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: syscall (system call numbers and addresses)");
