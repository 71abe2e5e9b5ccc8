// SPDX-License-Identifier: GPL-2.0
/*
 * lunatik_run.ko: /dev/lunatik, through which the lunatik command runs Lua
 * chunks in the kernel. The protocol is in lunatik_uapi.h. Chunks run in
 * one sleepable "driver" runtime (script lunatik/driver.lua), one at a time;
 * each open file is a session with its own globals and its own reply, so
 * concurrent commands never see each other's answers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "lunatik.h"
#include "lunatik_uapi.h"

static lunatik_object_t *lunatik_driver;

struct lunatik_session {
	struct mutex lock;	/* one request at a time on a file */
	char *reply;
	size_t len;
	loff_t off;		/* a stream: read() gets no file position */
};

struct lunatik_request {
	struct lunatik_session *session;
	const char *chunk;
	size_t len;
};

/* The session's globals, created on first use; registry[session] = env. */
static void lunatik_pushenv(lua_State *L, struct lunatik_session *session)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, session) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_newtable(L);
	lua_pushglobaltable(L);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, session);
}

/* Protected: compiles and runs the chunk; leaves the reply text on the stack. */
static int lunatik_exec(lua_State *L)
{
	struct lunatik_request *req = lua_touserdata(L, 1);
	int base, n, i;
	luaL_Buffer b;

	/* As lua.c does: an expression shows its value. */
	lua_pushliteral(L, "return ");
	lua_pushlstring(L, req->chunk, req->len);
	lua_concat(L, 2);
	if (luaL_loadbufferx(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=lunatik", "t") != LUA_OK) {
		lua_pop(L, 2);
		if (luaL_loadbufferx(L, req->chunk, req->len, "=lunatik", "t") != LUA_OK)
			return lua_error(L);
	} else {
		lua_remove(L, -2);
	}
	lunatik_pushenv(L, req->session);
	lua_setupvalue(L, -2, 1);	/* the main chunk's only upvalue is _ENV */

	base = lua_gettop(L) - 1;
	lua_call(L, 0, LUA_MULTRET);
	n = lua_gettop(L) - base;
	luaL_buffinit(L, &b);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, base + i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	return 1;
}

static int lunatik_setreply(struct lunatik_session *session, char status, const char *text,
			    size_t len)
{
	char *reply = kvmalloc(len + 1, GFP_KERNEL);

	if (!reply)
		return -ENOMEM;
	reply[0] = status;
	memcpy(reply + 1, text, len);
	session->reply = reply;
	session->len = len + 1;
	session->off = 0;
	return 0;
}

static int lunatik_request(lua_State *L, struct lunatik_request *req)
{
	const char *text;
	size_t len;
	int status;

	lua_pushcfunction(L, lunatik_exec);
	lua_pushlightuserdata(L, req);
	/* Until it returns or the lunatik command gets a signal (Ctrl-C, SIGTERM). */
	status = lunatik_pcall_interruptible(L, 1, 1);
	text = lua_tolstring(L, -1, &len);
	if (!text) {
		text = "error object is not a string";
		len = strlen(text);
	}
	return lunatik_setreply(req->session,
				status == LUA_OK ? LUNATIK_REPLY_OK : LUNATIK_REPLY_ERR, text, len);
}

static int lunatik_collect(lua_State *L)
{
	lua_gc(L, LUA_GCCOLLECT);
	return 0;
}

/*
 * The session's globals go with it, now rather than at some later
 * collection: runtimes it created and still held stop when it ends. Its
 * finalizers run on a budget: the file may close in an exiting task.
 */
static int lunatik_forget(lua_State *L, struct lunatik_session *session)
{
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, session);
	lua_pushcfunction(L, lunatik_collect);
	if (lunatik_pcall(L, 0, 0) != LUA_OK)
		pr_notice("closing a session: %s\n", lua_tostring(L, -1) ?: "error");
	return 0;
}

static int lunatik_open(struct inode *inode, struct file *file)
{
	struct lunatik_session *session;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	session = kzalloc(sizeof(*session), GFP_KERNEL);
	if (!session)
		return -ENOMEM;
	mutex_init(&session->lock);
	file->private_data = session;
	return stream_open(inode, file);
}

static int lunatik_release(struct inode *inode, struct file *file)
{
	struct lunatik_session *session = file->private_data;
	int ret;

	lunatik_run(lunatik_driver, lunatik_forget, ret, session);
	kvfree(session->reply);
	mutex_destroy(&session->lock);
	kfree(session);
	return 0;
}

static ssize_t lunatik_write(struct file *file, const char __user *buf, size_t count,
			     loff_t *pos)
{
	struct lunatik_session *session = file->private_data;
	struct lunatik_request req = { .session = session, .len = count };
	char *chunk;
	int ret;

	if (count > LUNATIK_CHUNK_MAX)
		return -EFBIG;
	chunk = vmemdup_user(buf, count);
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);
	req.chunk = chunk;

	if (mutex_lock_interruptible(&session->lock)) {
		kvfree(chunk);
		return -EINTR;
	}
	kvfree(session->reply);
	session->reply = NULL;
	session->len = 0;
	lunatik_run(lunatik_driver, lunatik_request, ret, &req);
	mutex_unlock(&session->lock);
	kvfree(chunk);
	return ret ? ret : count;
}

static ssize_t lunatik_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	struct lunatik_session *session = file->private_data;
	ssize_t ret;

	if (mutex_lock_interruptible(&session->lock))
		return -EINTR;
	ret = simple_read_from_buffer(buf, count, &session->off, session->reply, session->len);
	mutex_unlock(&session->lock);
	return ret;
}

static const struct file_operations lunatik_fops = {
	.owner = THIS_MODULE,
	.open = lunatik_open,
	.release = lunatik_release,
	.read = lunatik_read,
	.write = lunatik_write,
};

static struct miscdevice lunatik_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "lunatik",
	.fops = &lunatik_fops,
	.mode = 0600,
};

static int __init lunatik_dev_init(void)
{
	int ret = lunatik_runtime(&lunatik_driver, "lunatik/driver", true);

	if (ret)
		return ret;
	ret = misc_register(&lunatik_dev);
	if (ret)
		lunatik_stop(lunatik_driver);
	return ret;
}

static void __exit lunatik_dev_exit(void)
{
	misc_deregister(&lunatik_dev);
	/* Stopping the driver drops the runtimes it started: they stop too. */
	lunatik_stop(lunatik_driver);
}

module_init(lunatik_dev_init);
module_exit(lunatik_dev_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("/dev/lunatik: run Lua chunks in the kernel from userspace");
