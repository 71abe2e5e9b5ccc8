// SPDX-License-Identifier: GPL-2.0
/*
 * require("thread"): kernel threads that run a runtime's task.
 *
 * thread.run(runtime, name) starts a kthread that calls the function the
 * runtime's script returned, inside the runtime: it holds the runtime's
 * lock for as long as the task runs, as any call into a runtime does, so
 * the task sleeps with linux.schedule() and ends when thread.shouldstop()
 * says so. A Lua error ends the task with one log line.
 *
 * The thread is attached to its runtime (lunatik_attach): stopping the
 * runtime stops the thread first, since the runtime's lock is the
 * thread's until then. kthread_stop() also makes signal_pending() true in
 * the thread, so interruptible sleeps return at once and a task that never
 * asks thread.shouldstop() is interrupted at the runtime's next check.
 * The attachment holds this module and the thread object while the
 * kthread may run, so neither goes away under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/completion.h>
#include <linux/err.h>

#include "lunatik.h"

struct luathread {
	struct task_struct *task;		/* a reference */
	lunatik_object_t *object;		/* the object of this thread */
	lunatik_object_t *runtime;		/* a reference; NULL if thread.run did not start it */
	struct lunatik_attachment attachment;
	struct completion stopped;		/* kthread_stop() has returned */
};

static const lunatik_class_t luathread_class;

/* In the runtime, with its lock held: the task, protected. */
static int luathread_runtask(lua_State *L, struct luathread *thread)
{
	const char *msg;

	if (lunatik_pushentry(L) != LUA_TFUNCTION)
		return -ENOEXEC;	/* thread.run checked it: not reached */
	/* No budget: it runs until it returns or kthread_stop() interrupts it. */
	if (lunatik_pcall_interruptible(L, 0, 0) == LUA_OK)
		return 0;
	/* Asked to stop, the task may end as interrupted: that is no failure. */
	if (!kthread_should_stop()) {
		msg = lua_tostring(L, -1);
		pr_err_ratelimited("thread %s: %s\n", current->comm,
				   msg ? msg : "error object is not a string");
	}
	return -ECANCELED;
}

static int luathread_func(void *data)
{
	struct luathread *thread = data;
	int ret;

	lunatik_run(thread->runtime, luathread_runtask, ret, thread);
	/*
	 * Ended on its own, not stopped: nobody will kthread_stop() it, so it
	 * lets go of the thread object (and through it of the runtime, as in
	 * Lunatik: a runtime only its thread held is released now) and of
	 * this module, from code outside the module.
	 */
	if (lunatik_detach(&thread->attachment)) {
		complete_all(&thread->stopped);
		lunatik_putobject(thread->object);	/* the attachment's reference */
		module_put_and_kthread_exit(ret);
	}
	return ret;
}

/* Run once, by whoever detached the thread from its runtime first. */
static void luathread_stopattached(struct lunatik_attachment *attachment)
{
	struct luathread *thread = container_of(attachment, struct luathread, attachment);
	lunatik_object_t *object = thread->object;

	/* Also right when it never ran or has ended: we hold the task. */
	kthread_stop(thread->task);
	complete_all(&thread->stopped);
	lunatik_putobject(object);	/* the attachment's reference */
}

/* May run in atomic context (last reference put by a packet runtime). */
static void luathread_release(void *private)
{
	struct luathread *thread = private;

	if (thread->task)
		put_task_struct(thread->task);
	if (thread->runtime)
		lunatik_putobject(thread->runtime);
}

static struct luathread *luathread_new(lua_State *L)
{
	lunatik_object_t *object = lunatik_newobject(L, &luathread_class, sizeof(struct luathread));
	struct luathread *thread = object->private;

	thread->object = object;
	init_completion(&thread->stopped);
	INIT_LIST_HEAD(&thread->attachment.list);
	thread->attachment.stop = luathread_stopattached;
	thread->attachment.owner = THIS_MODULE;
	return thread;
}

static int luathread_getentry(lua_State *L)
{
	return lunatik_pushentry(L);
}

/* thread.run(runtime, name): starts a kthread running the runtime's task. */
static int luathread_run(lua_State *L)
{
	lunatik_object_t *runtime = lunatik_checkruntime(L, 1);
	const char *name = luaL_checkstring(L, 2);
	struct task_struct *task;
	struct luathread *thread;
	int ret;

	if (!runtime->sleep)
		return luaL_error(L, "thread.run: the runtime is not sleepable "
				  "(create it with lunatik.runtime(script) or lunatik run <script>)");
	if (runtime == lunatik_toruntime(L))
		return luaL_error(L, "thread.run: a runtime cannot run itself in a thread");

	thread = luathread_new(L);	/* the userdata owns it from here */
	lunatik_getobject(runtime);
	thread->runtime = runtime;
	task = kthread_create(luathread_func, thread, "%s", name);
	if (IS_ERR(task))
		return luaL_error(L, "thread.run: cannot create the thread (error %d)",
				  (int)PTR_ERR(task));
	get_task_struct(task);
	thread->task = task;

	lunatik_getobject(thread->object);	/* the attachment's reference */
	ret = lunatik_attach(runtime, &thread->attachment);
	if (ret) {
		kthread_stop(task);	/* never woken: it ends without running */
		lunatik_putobject(thread->object);
		return luaL_error(L, ret == -EBUSY ? "thread.run: the runtime already runs a thread" :
				  "thread.run: the thread library is being unloaded");
	}
	/* Attached first: a thread of the runtime would hold its lock forever. */
	lunatik_run(runtime, luathread_getentry, ret);
	if (ret != LUA_TFUNCTION) {
		lunatik_stopattached(&thread->attachment);
		return luaL_error(L, ret == -ENXIO ? "thread.run: the runtime has been stopped" :
				  "thread.run: the runtime's script returned no function to run");
	}
	wake_up_process(task);
	return 1;
}

/* thread.shouldstop(): true once the thread has been asked to stop. */
static int luathread_shouldstop(lua_State *L)
{
	/* kthread_should_stop() warns on tasks that are not kthreads. */
	lua_pushboolean(L, kthread_func(current) && kthread_should_stop());
	return 1;
}

/* thread.current(): the thread object of the task running this code. */
static int luathread_current(lua_State *L)
{
	struct luathread *thread;

	if (kthread_func(current) == luathread_func) {
		thread = kthread_data(current);
		lunatik_pushobject(L, thread->object);
		return 1;
	}
	/* Another task (the lunatik command's, a worker): it can be looked at, not stopped. */
	thread = luathread_new(L);
	get_task_struct(current);
	thread->task = current;
	return 1;
}

static struct luathread *luathread_check(lua_State *L)
{
	return lunatik_checkprivate(L, 1, &luathread_class);
}

static const char *luathread_stop(lua_State *L, struct luathread *thread)
{
	if (!thread->runtime)
		return "thread: only threads that thread.run started can be stopped";
	if (thread->task == current)
		return "thread: a thread cannot stop itself (return from its function)";
	if (!lunatik_sleepable(L))
		return "thread: stop needs a sleepable runtime";
	if (!lunatik_stopattached(&thread->attachment))
		wait_for_completion(&thread->stopped);
	return NULL;
}

/* thrd:stop(): makes thread.shouldstop() true there, wakes it and waits for it to end. */
static int luathread_stopmethod(lua_State *L)
{
	const char *why = luathread_stop(L, luathread_check(L));

	return why ? luaL_error(L, "%s", why) : 0;
}

/* A to-be-closed thread variable stops the thread it holds, if it may. */
static int luathread_close(lua_State *L)
{
	lunatik_object_t *object = lunatik_testobject(L, 1);

	if (object && object->class == &luathread_class && object->private)
		luathread_stop(L, object->private);
	return 0;
}

/* thrd:task(): {cpu, command, pid, tgid} of the thread's task. */
static int luathread_task(lua_State *L)
{
	struct task_struct *task = luathread_check(L)->task;
	char comm[TASK_COMM_LEN];

	lua_createtable(L, 0, 4);
	lua_pushinteger(L, task_cpu(task));
	lua_setfield(L, -2, "cpu");
	get_task_comm(comm, task);
	lua_pushstring(L, comm);
	lua_setfield(L, -2, "command");
	lua_pushinteger(L, task_pid_nr(task));
	lua_setfield(L, -2, "pid");
	lua_pushinteger(L, task_tgid_nr(task));
	lua_setfield(L, -2, "tgid");
	return 1;
}

static const luaL_Reg luathread_methods[] = {
	{"stop", luathread_stopmethod},
	{"task", luathread_task},
	{"__close", luathread_close},
	{NULL, NULL}
};

static const lunatik_class_t luathread_class = {
	.name = "thread",
	.methods = luathread_methods,
	.release = luathread_release,
	.sleep = true,
};

static const luaL_Reg luathread_lib[] = {
	{"run", luathread_run},
	{"shouldstop", luathread_shouldstop},
	{"current", luathread_current},
	{NULL, NULL}
};

static int luaopen_thread(lua_State *L)
{
	luaL_newlib(L, luathread_lib);
	lunatik_newclass(L, &luathread_class);
	return 1;
}

LUNATIK_LIB_MODULE(thread, luaopen_thread, true);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Lunatik library: thread (kernel threads running a runtime's task)");
