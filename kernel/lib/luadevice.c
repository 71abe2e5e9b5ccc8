// SPDX-License-Identifier: GPL-2.0
/*
 * require("device"): character devices whose file operations are Lua
 * callbacks. device.new(driver) creates /dev/<driver.name>; open, read,
 * write and release of that file call driver:open(), driver:read(len, off),
 * driver:write(buf, off) and driver:release() in the process that uses the
 * file, with the runtime locked (lunatik_run), so only sleepable runtimes
 * may create devices.
 *
 * Lifetimes: the runtime keeps the driver table and the device's handle in
 * its registry until dev:stop() or until the runtime closes, which removes
 * the device. An open file holds a reference on the device object (which
 * holds the runtime object), and the file operations hold this module: a
 * file that outlives its device or runtime only gets -ENXIO, and rmmod
 * waits for it to be closed. A callback blocked in the runtime (a read
 * waiting for data) is interrupted when the runtime is stopped: while any
 * callback runs, the runtime has an attachment (kernel/lunatik.h) whose
 * stop() makes signal_pending() true in the callers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/sched/signal.h>
#include <linux/version.h>

#include "lunatik.h"

#define LUADEVICE_NAME_MAX	64
/* A write hands Lua at most this much at a time; the caller writes the rest. */
#define LUADEVICE_WRITE_MAX	(64 << 10)

struct luadevice {
	struct list_head node;		/* in luadevice_list while registered */
	lunatik_object_t *object;	/* ours; no reference */
	lunatik_object_t *runtime;	/* a reference */
	lunatik_object_t **handle;	/* the userdata the registry keeps */
	struct cdev *cdev;
	dev_t devt;
	umode_t mode;
	bool registered;		/* under luadevice_mutex */
	char name[LUADEVICE_NAME_MAX];
};

static struct class *luadevice_class_dev;
static DEFINE_MUTEX(luadevice_mutex);	/* luadevice_list, registered, the watches */
static LIST_HEAD(luadevice_list);
static const lunatik_class_t luadevice_class;

/*
 * The callers running in one runtime, and the attachment that lets
 * lunatik_close() interrupt them before it waits for the runtime's lock.
 */
struct luadevice_watch {
	struct list_head node;		/* in luadevice_watches */
	struct list_head callers;
	struct lunatik_attachment attachment;
	struct completion stopped;	/* stop() has run */
	bool attached;			/* false if a thread had the runtime's slot */
	bool stopping;
};

struct luadevice_caller {
	struct list_head node;
	struct task_struct *task;
	struct luadevice_watch *watch;
};

static LIST_HEAD(luadevice_watches);

static void luadevice_interrupt(struct task_struct *task)
{
	/* As set_notify_signal(): signal_pending() is true until the return to user mode. */
	set_tsk_thread_flag(task, TIF_NOTIFY_SIGNAL);
	wake_up_process(task);
}

static void luadevice_stopwatch(struct lunatik_attachment *attachment)
{
	struct luadevice_watch *w = container_of(attachment, struct luadevice_watch, attachment);
	struct luadevice_caller *c;

	mutex_lock(&luadevice_mutex);
	w->stopping = true;
	list_for_each_entry(c, &w->callers, node)
		luadevice_interrupt(c->task);
	mutex_unlock(&luadevice_mutex);
	complete_all(&w->stopped);
}

/* Registers current as running a callback of runtime; -ENXIO if it is being stopped. */
static int luadevice_enter(lunatik_object_t *runtime, struct luadevice_caller *c)
{
	struct luadevice_watch *w;
	int ret = 0;

	mutex_lock(&luadevice_mutex);
	list_for_each_entry(w, &luadevice_watches, node)
		if (w->attachment.runtime == runtime)
			goto found;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w) {
		ret = -ENOMEM;
		goto out;
	}
	INIT_LIST_HEAD(&w->callers);
	INIT_LIST_HEAD(&w->attachment.list);
	init_completion(&w->stopped);
	w->attachment.stop = luadevice_stopwatch;
	w->attachment.owner = THIS_MODULE;
	w->attachment.runtime = runtime;
	/* Under our mutex: lunatik_close() may call stop() only after we drop it. */
	w->attached = !lunatik_attach(runtime, &w->attachment);
	list_add(&w->node, &luadevice_watches);
found:
	if (w->stopping) {
		ret = -ENXIO;
		goto out;
	}
	c->task = current;
	c->watch = w;
	list_add(&c->node, &w->callers);
out:
	mutex_unlock(&luadevice_mutex);
	return ret;
}

/* True if the runtime was being stopped while c ran. */
static bool luadevice_leave(struct luadevice_caller *c)
{
	struct luadevice_watch *w = c->watch;
	bool stopping, last;

	mutex_lock(&luadevice_mutex);
	list_del(&c->node);
	stopping = w->stopping;
	last = list_empty(&w->callers);
	if (last)
		list_del(&w->node);
	mutex_unlock(&luadevice_mutex);
	if (last) {
		/* Detach; if lunatik_close() took it first, let its stop() finish. */
		if (w->attached && !lunatik_stopattached(&w->attachment))
			wait_for_completion(&w->stopped);
		kfree(w);
	}
	return stopping;
}

/* What a file operation asks of the driver, run protected in the runtime. */
struct luadevice_op {
	struct luadevice *dev;
	const char *name;		/* the callback */
	char __user *ubuf;
	size_t len;
	loff_t *off;
	ssize_t ret;
};

/* Pushes the driver table and its callback op->name; false if there is none. */
static bool luadevice_getcallback(lua_State *L, struct luadevice_op *op)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, op->dev) != LUA_TTABLE)
		return false;
	if (lua_getfield(L, -1, op->name) != LUA_TFUNCTION)
		return false;
	lua_insert(L, -2);	/* callback, driver */
	return true;
}

/* The integer at ix, or dflt if it is nil; raises for anything else. */
static lua_Integer luadevice_optinteger(lua_State *L, int ix, lua_Integer dflt, const char *what)
{
	int isnum;
	lua_Integer v;

	if (lua_isnoneornil(L, ix))
		return dflt;
	v = lua_tointegerx(L, ix, &isnum);
	if (!isnum)
		luaL_error(L, "%s must be an integer (got %s)", what, luaL_typename(L, ix));
	return v;
}

static void luadevice_doread(lua_State *L, struct luadevice_op *op)
{
	const char *s = NULL;
	size_t n = 0;

	lua_pushinteger(L, op->len);
	lua_pushinteger(L, *op->off);
	lua_call(L, 3, 2);
	if (!lua_isnil(L, -2)) {	/* nil: end of file */
		s = lua_tolstring(L, -2, &n);
		if (!s)
			luaL_error(L, "read must return a string (got %s)", luaL_typename(L, -2));
	}
	n = min(n, op->len);	/* a longer string is cut to the length asked for */
	*op->off = luadevice_optinteger(L, -1, *op->off + n, "the offset read returns");
	op->ret = n && copy_to_user(op->ubuf, s, n) ? -EFAULT : (ssize_t)n;
}

static void luadevice_dowrite(lua_State *L, struct luadevice_op *op)
{
	size_t len = min_t(size_t, op->len, LUADEVICE_WRITE_MAX);
	lua_Integer n;
	luaL_Buffer b;
	char *p;

	p = luaL_buffinitsize(L, &b, len);
	if (copy_from_user(p, op->ubuf, len)) {
		op->ret = -EFAULT;
		return;
	}
	luaL_pushresultsize(&b, len);
	lua_pushinteger(L, *op->off);
	lua_call(L, 3, 2);
	n = luadevice_optinteger(L, -2, len, "the length write returns");
	if (n < 0)
		luaL_error(L, "write returned a negative length");
	n = min_t(lua_Integer, n, len);	/* never more than was written */
	*op->off = luadevice_optinteger(L, -1, *op->off + n, "the offset write returns");
	op->ret = n;
}

/* Protected: runs the callback that op names. */
static int luadevice_callback(lua_State *L)
{
	struct luadevice_op *op = lua_touserdata(L, 1);
	bool rw = op->ubuf != NULL;

	if (!luadevice_getcallback(L, op)) {
		/* A missing read or write is an error for the caller; open and release succeed. */
		op->ret = rw ? -ENXIO : 0;
		return 0;
	}
	if (!rw) {
		lua_call(L, 1, 0);
		op->ret = 0;
		return 0;
	}
	if (op->name[0] == 'r')
		luadevice_doread(L, op);
	else
		luadevice_dowrite(L, op);
	return 0;
}

/* The one place where a file operation calls into Lua. */
static int luadevice_pcall(lua_State *L, struct luadevice_op *op)
{
	lua_pushcfunction(L, luadevice_callback);
	lua_pushlightuserdata(L, op);
	return lunatik_pcall(L, 1, 0);
}

/* In the runtime, locked. */
static ssize_t luadevice_handler(lua_State *L, struct luadevice_op *op)
{
	const char *msg;

	if (!READ_ONCE(op->dev->registered))
		return -ENXIO;		/* stopped */
	op->ret = -EIO;
	if (luadevice_pcall(L, op) == LUA_OK)
		return op->ret;
	if (!signal_pending(current) && !fatal_signal_pending(current)) {
		msg = lua_tostring(L, -1);
		pr_err_ratelimited("/dev/%s: %s: %s\n", op->dev->name, op->name,
				   msg ? msg : "error object is not a string");
	}
	return signal_pending(current) ? -EINTR : -EIO;
}

static ssize_t luadevice_run(struct file *f, struct luadevice_op *op)
{
	lunatik_object_t *object = f->private_data;
	struct luadevice_caller c;
	ssize_t ret;

	op->dev = object->private;
	ret = luadevice_enter(op->dev->runtime, &c);
	if (ret)
		return ret;
	lunatik_run(op->dev->runtime, luadevice_handler, ret, op);
	if (luadevice_leave(&c))
		ret = -ENXIO;	/* interrupted because the runtime was stopped */
	return ret;
}

static int luadevice_open(struct inode *inode, struct file *f)
{
	struct luadevice_op op = {.name = "open"};
	lunatik_object_t *object = NULL;
	struct luadevice *dev;
	ssize_t ret;

	mutex_lock(&luadevice_mutex);
	list_for_each_entry(dev, &luadevice_list, node)
		if (dev->devt == inode->i_rdev) {
			object = dev->object;
			lunatik_getobject(object);
			break;
		}
	mutex_unlock(&luadevice_mutex);
	if (!object)
		return -ENXIO;
	f->private_data = object;
	ret = luadevice_run(f, &op);
	if (ret) {
		lunatik_putobject(object);
		return ret;
	}
	return 0;
}

static int luadevice_release(struct inode *inode, struct file *f)
{
	struct luadevice_op op = {.name = "release"};
	lunatik_object_t *object = f->private_data;

	luadevice_run(f, &op);
	lunatik_putobject(object);
	return 0;
}

static ssize_t luadevice_read(struct file *f, char __user *buf, size_t len, loff_t *off)
{
	struct luadevice_op op = {.name = "read", .ubuf = buf, .len = len, .off = off};

	if (!len)
		return 0;
	return luadevice_run(f, &op);
}

static ssize_t luadevice_write(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	struct luadevice_op op = {.name = "write", .ubuf = (char __user *)buf, .len = len, .off = off};

	if (!len)
		return 0;
	return luadevice_run(f, &op);
}

static const struct file_operations luadevice_fops = {
	.owner = THIS_MODULE,
	.open = luadevice_open,
	.release = luadevice_release,
	.read = luadevice_read,
	.write = luadevice_write,
	.llseek = default_llseek,	/* SEEK_SET and SEEK_CUR: the callbacks get the offset */
};

/* Removes /dev/<name>; open files stay, and see -ENXIO. Sleeps. */
static void luadevice_unregister(struct luadevice *dev)
{
	bool mine;

	mutex_lock(&luadevice_mutex);
	mine = dev->registered;
	if (mine) {
		WRITE_ONCE(dev->registered, false);
		list_del(&dev->node);
	}
	mutex_unlock(&luadevice_mutex);
	if (!mine)
		return;
	device_destroy(luadevice_class_dev, dev->devt);
	cdev_del(dev->cdev);
	unregister_chrdev_region(dev->devt, 1);
}

/* The last reference: no file, handle or registry entry is left. */
static void luadevice_releaseprivate(void *private)
{
	struct luadevice *dev = private;

	luadevice_unregister(dev);	/* a device.new() that failed half-way */
	if (dev->runtime)
		lunatik_putobject(dev->runtime);
}

static struct luadevice *luadevice_check(lua_State *L, int ix)
{
	return lunatik_checkprivate(L, ix, &luadevice_class);
}

/* Forgets the driver and the handle in the owner runtime's registry. */
static void luadevice_forget(lua_State *L, struct luadevice *dev)
{
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, dev);
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, dev->name);
}

/* device.stop(dev), dev:stop(): removes the device; stopping twice does nothing. */
static int luadevice_stop(lua_State *L)
{
	struct luadevice *dev = luadevice_check(L, 1);

	luadevice_unregister(dev);
	if (dev->runtime == lunatik_toruntime(L))
		luadevice_forget(L, dev);
	return 0;
}

/* The owner's handle goes with its runtime (or after stop): so does the device. */
static int luadevice_gc(lua_State *L)
{
	lunatik_object_t **pobject = lua_touserdata(L, 1);
	lunatik_object_t *object = *pobject;
	struct luadevice *dev;

	if (!object)
		return 0;
	*pobject = NULL;
	dev = object->private;
	if (dev && dev->handle == pobject)
		luadevice_unregister(dev);
	lunatik_putobject(object);
	return 0;
}

static int luadevice_close(lua_State *L)
{
	return 0;	/* to-be-closed handles: stop() says when the device goes */
}

static int luadevice_checkname(lua_State *L, char *name)
{
	size_t len;
	const char *s;

	if (lua_getfield(L, 1, "name") != LUA_TSTRING)
		return luaL_argerror(L, 1, "driver.name must be a string");
	s = lua_tolstring(L, -1, &len);
	if (!len || len >= LUADEVICE_NAME_MAX || strlen(s) != len || strchr(s, '/') ||
	    !strcmp(s, ".") || !strcmp(s, ".."))
		return luaL_argerror(L, 1, "driver.name must be a file name of 1 to 63 characters");
	strscpy(name, s, LUADEVICE_NAME_MAX);
	lua_pop(L, 1);
	return 0;
}

static umode_t luadevice_checkmode(lua_State *L)
{
	int type = lua_getfield(L, 1, "mode");
	lua_Integer mode;

	lua_pop(L, 1);
	if (type == LUA_TNIL)
		return 0600;
	if (type != LUA_TNUMBER)
		luaL_argerror(L, 1, "driver.mode must be an integer");
	lua_getfield(L, 1, "mode");
	mode = lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (mode < 0 || mode > 07777)
		luaL_argerror(L, 1, "driver.mode must be a permission mode (0 to 07777)");
	return mode;
}

static bool luadevice_exists(const char *name)
{
	struct luadevice *dev;

	list_for_each_entry(dev, &luadevice_list, node)
		if (!strcmp(dev->name, name))
			return true;
	return false;
}

/* device.new(driver): creates /dev/<driver.name>. */
static int luadevice_new(lua_State *L)
{
	lunatik_object_t *object;
	struct luadevice *dev;
	struct device *device;
	int ret;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	object = lunatik_newobject(L, &luadevice_class, sizeof(struct luadevice));	/* 2 */
	dev = object->private;
	dev->object = object;
	luadevice_checkname(L, dev->name);
	dev->mode = luadevice_checkmode(L);
	dev->runtime = lunatik_toruntime(L);
	lunatik_getobject(dev->runtime);
	dev->handle = lua_touserdata(L, 2);

	ret = alloc_chrdev_region(&dev->devt, 0, 1, dev->name);
	if (ret)
		return luaL_error(L, "device.new: cannot allocate a device number (%d)", ret);
	dev->cdev = cdev_alloc();
	if (!dev->cdev) {
		unregister_chrdev_region(dev->devt, 1);
		return luaL_error(L, "device.new: not enough memory");
	}
	dev->cdev->owner = THIS_MODULE;
	dev->cdev->ops = &luadevice_fops;
	ret = cdev_add(dev->cdev, dev->devt, 1);
	if (ret) {
		kobject_put(&dev->cdev->kobj);
		unregister_chrdev_region(dev->devt, 1);
		return luaL_error(L, "device.new: cannot add the device (%d)", ret);
	}
	mutex_lock(&luadevice_mutex);
	if (luadevice_exists(dev->name)) {
		mutex_unlock(&luadevice_mutex);
		cdev_del(dev->cdev);
		unregister_chrdev_region(dev->devt, 1);
		return luaL_error(L, "device.new: /dev/%s already exists", dev->name);
	}
	dev->registered = true;
	list_add(&dev->node, &luadevice_list);
	mutex_unlock(&luadevice_mutex);
	/* Kept by the runtime until stop: scripts often drop the handle. */
	lua_pushvalue(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, dev);
	lua_pushvalue(L, 2);
	lua_rawsetp(L, LUA_REGISTRYINDEX, dev->name);
	device = device_create(luadevice_class_dev, NULL, dev->devt, dev, "%s", dev->name);
	if (IS_ERR(device)) {
		luadevice_unregister(dev);
		luadevice_forget(L, dev);
		return luaL_error(L, "device.new: cannot create /dev/%s (%d)", dev->name,
				  (int)PTR_ERR(device));
	}
	return 1;
}

static const luaL_Reg luadevice_methods[] = {
	{"stop", luadevice_stop},
	{"__gc", luadevice_gc},
	{"__close", luadevice_close},
	{NULL, NULL}
};

static const lunatik_class_t luadevice_class = {
	.name = "device",
	.methods = luadevice_methods,
	.release = luadevice_releaseprivate,
	.sleep = true,
};

static const luaL_Reg luadevice_lib[] = {
	{"new", luadevice_new},
	{"stop", luadevice_stop},
	{NULL, NULL}
};

static int luaopen_device(lua_State *L)
{
	luaL_newlib(L, luadevice_lib);
	lunatik_newclass(L, &luadevice_class);
	return 1;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *luadevice_devnode(const struct device *device, umode_t *mode)
#else
static char *luadevice_devnode(struct device *device, umode_t *mode)
#endif
{
	struct luadevice *dev = dev_get_drvdata(device);

	if (mode && dev)
		*mode = dev->mode;
	return NULL;
}

static struct lunatik_lib luadevice_lunatik_lib = {
	.name = "device",
	.open = luaopen_device,
	.owner = THIS_MODULE,
	.sleep = true,
};

static int __init luadevice_modinit(void)
{
	int ret;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	luadevice_class_dev = class_create("luadevice");
#else
	luadevice_class_dev = class_create(THIS_MODULE, "luadevice");
#endif
	if (IS_ERR(luadevice_class_dev))
		return PTR_ERR(luadevice_class_dev);
	luadevice_class_dev->devnode = luadevice_devnode;
	ret = lunatik_register_lib(&luadevice_lunatik_lib);
	if (ret)
		class_destroy(luadevice_class_dev);
	return ret;
}

static void __exit luadevice_modexit(void)
{
	lunatik_unregister_lib(&luadevice_lunatik_lib);
	class_destroy(luadevice_class_dev);
}

module_init(luadevice_modinit);
module_exit(luadevice_modexit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: device (character devices driven by Lua callbacks)");
