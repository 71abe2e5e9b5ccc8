// SPDX-License-Identifier: GPL-2.0
/*
 * lunatik_run.ko: /dev/lunatik, through which the lunatik command runs Lua
 * chunks in the kernel. The protocol is in lunatik_uapi.h. Each open file
 * is a session with a runtime of its own (script lunatik/session.lua), so
 * its globals, its reply and what its chunks make (devices, sockets, hooks,
 * runtimes) are its own and go when the file is closed. The runtimes that
 * lunatik run/spawn start live in one sleepable "driver" runtime (script
 * lunatik/driver.lua, its runner table), until lunatik stop or unload: a
 * session reaches it through lunatik.runner, a proxy.
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
	lunatik_object_t *runtime;
	char *reply;
	size_t len;
	loff_t off;		/* a stream: read() gets no file position */
};

struct lunatik_request {
	struct lunatik_session *session;
	const char *chunk;
	size_t len;
};

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

/*
 * lunatik.runner in a session: each field is a function that calls the
 * driver's runner function of that name with the same arguments (nil,
 * booleans, integers, strings) and returns its result as a string (or
 * nothing), or raises its error. The session's lock is held meanwhile;
 * the driver never calls into a session, so the two locks cannot cross.
 */
#define LUNATIK_FORWARD_ARGS	8
#define LUNATIK_REPLYBOX	"lunatik.reply"

struct lunatik_forward {
	lua_State *from;	/* the session's state: the arguments are on its stack */
	const char *name;
	int nargs;
	char *text;		/* the result or the error, kmalloc'ed; NULL: no result */
	size_t len;
	bool failed;
};

/* Protected, in the driver: runner[name](arguments). */
static int lunatik_forwardcall(lua_State *L)
{
	struct lunatik_forward *f = lua_touserdata(L, 1);
	int i;

	lua_getglobal(L, "runner");
	lua_getfield(L, -1, f->name);
	for (i = 1; i <= f->nargs; i++) {
		size_t len;
		const char *str;

		switch (lua_type(f->from, i)) {
		case LUA_TBOOLEAN:
			lua_pushboolean(L, lua_toboolean(f->from, i));
			break;
		case LUA_TNUMBER:
			lua_pushinteger(L, lua_tointeger(f->from, i));
			break;
		case LUA_TSTRING:
			str = lua_tolstring(f->from, i, &len);
			lua_pushlstring(L, str, len);
			break;
		default:
			lua_pushnil(L);
		}
	}
	lua_call(L, f->nargs, 1);
	if (!lua_isnil(L, -1))
		luaL_tolstring(L, -1, NULL);
	return 1;
}

static int lunatik_forwardrun(lua_State *L, struct lunatik_forward *f)
{
	const char *text;
	size_t len;

	lua_pushcfunction(L, lunatik_forwardcall);
	lua_pushlightuserdata(L, f);
	f->failed = lunatik_pcall_interruptible(L, 1, 1) != LUA_OK;
	if (lua_type(L, -1) == LUA_TSTRING) {
		text = lua_tolstring(L, -1, &len);
	} else if (f->failed) {
		text = "error object is not a string";
		len = strlen(text);
	} else {
		return 0;
	}
	f->text = kmemdup_nul(text, len, GFP_KERNEL);
	f->len = len;
	return f->text ? 0 : -ENOMEM;
}

static int lunatik_freereply(lua_State *L)
{
	char **box = luaL_checkudata(L, 1, LUNATIK_REPLYBOX);

	kfree(*box);
	*box = NULL;
	return 0;
}

static int lunatik_runnercall(lua_State *L)
{
	struct lunatik_forward f = {
		.from = L,
		.name = lua_tostring(L, lua_upvalueindex(1)),
		.nargs = lua_gettop(L),
	};
	char **box;
	int ret, i;

	if (f.nargs > LUNATIK_FORWARD_ARGS)
		return luaL_error(L, "runner.%s: too many arguments", f.name);
	for (i = 1; i <= f.nargs; i++) {
		int type = lua_type(L, i);

		if (type != LUA_TNIL && type != LUA_TBOOLEAN && type != LUA_TSTRING &&
		    !lua_isinteger(L, i))
			return luaL_argerror(L, i, "nil, boolean, integer or string expected");
	}
	/* Frees the text even if pushing it raises. */
	box = lua_newuserdatauv(L, sizeof(*box), 0);
	*box = NULL;
	luaL_setmetatable(L, LUNATIK_REPLYBOX);
	lunatik_run(lunatik_driver, lunatik_forwardrun, ret, &f);
	*box = f.text;
	if (ret)
		return luaL_error(L, "runner.%s: %s", f.name,
				  ret == -ENXIO ? "the driver runtime has stopped" : "not enough memory");
	if (!f.text)
		return 0;
	lua_pushlstring(L, f.text, f.len);
	kfree(f.text);
	*box = NULL;
	return f.failed ? lua_error(L) : 1;
}

static int lunatik_runnerindex(lua_State *L)
{
	luaL_checkstring(L, 2);
	lua_settop(L, 2);
	lua_pushcclosure(L, lunatik_runnercall, 1);
	return 1;
}

/* Protected, in a new session: package.loaded["lunatik.runner"] and the global runner. */
static int lunatik_setupsession(lua_State *L)
{
	luaL_newmetatable(L, LUNATIK_REPLYBOX);
	lua_pushcfunction(L, lunatik_freereply);
	lua_setfield(L, -2, "__gc");
	lua_newtable(L);
	lua_newtable(L);
	lua_pushcfunction(L, lunatik_runnerindex);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "lunatik.runner");
	lua_pop(L, 1);
	lua_setglobal(L, "runner");
	return 0;
}

static int lunatik_setup(lua_State *L)
{
	lua_pushcfunction(L, lunatik_setupsession);
	return lunatik_pcall(L, 0, 0) == LUA_OK ? 0 : -ENOMEM;
}

static int lunatik_open(struct inode *inode, struct file *file)
{
	struct lunatik_session *session;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	session = kzalloc(sizeof(*session), GFP_KERNEL);
	if (!session)
		return -ENOMEM;
	ret = lunatik_runtime(&session->runtime, "lunatik/session", true);
	if (!ret) {
		lunatik_run(session->runtime, lunatik_setup, ret);
		if (ret)
			lunatik_stop(session->runtime);
	}
	if (ret) {
		kfree(session);
		return ret;
	}
	mutex_init(&session->lock);
	file->private_data = session;
	return stream_open(inode, file);
}

static int lunatik_release(struct inode *inode, struct file *file)
{
	struct lunatik_session *session = file->private_data;

	/* What the session made goes with it; finalizers run on a budget. */
	lunatik_stop(session->runtime);
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
	lunatik_run(session->runtime, lunatik_request, ret, &req);
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
