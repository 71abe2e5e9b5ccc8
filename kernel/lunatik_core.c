// SPDX-License-Identifier: GPL-2.0
/*
 * lunatik.ko: Lua 5.4 for the kernel, runtimes and the "lunatik" library.
 * Other modules add libraries (lunatik_register_lib) and run scripts
 * (lunatik_runtime, lunatik_run); lunatik_run.ko provides /dev/lunatik.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "lunatik_runtime.h"

static struct lunatik_lib lunatik_corelib = {
	.name = "lunatik",
	.open = lunatik_openlib,
	.owner = THIS_MODULE,
};

/* Closes runtimes whose last reference went away in atomic context. */
struct workqueue_struct *lunatik_wq;

static int __init lunatik_init(void)
{
	int ret;

	lunatik_wq = alloc_workqueue("lunatik", 0, 0);
	if (!lunatik_wq)
		return -ENOMEM;
	ret = lunatik_budgetinit();
	if (ret)
		goto nobudget;
	ret = lunatik_register_lib(&lunatik_corelib);
	if (ret)
		goto nolib;
	return 0;
nolib:
	lunatik_budgetexit();
nobudget:
	destroy_workqueue(lunatik_wq);
	return ret;
}

static void __exit lunatik_exit(void)
{
	lunatik_unregister_lib(&lunatik_corelib);
	lunatik_budgetexit();
	destroy_workqueue(lunatik_wq);
}

module_init(lunatik_init);
module_exit(lunatik_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lua 5.4 in the kernel: runtimes, objects and libraries");
