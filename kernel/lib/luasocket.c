// SPDX-License-Identifier: GPL-2.0
/*
 * require("socket"): kernel sockets for sleepable runtimes.
 *
 * socket.new(family, type [, protocol]) creates a socket in the network
 * namespace of the task that required the library in this runtime (the
 * process that ran the script, for `lunatik run` and `spawn`); the socket
 * holds that namespace. Errors of the kernel are raised as their errno,
 * a positive integer that scripts compare with linux.errno (EAGAIN of a
 * non-blocking accept, for example).
 *
 * Every call may sleep (the socket lock, allocation, waiting for data), so
 * a non-sleepable runtime refuses them all. Blocking calls wait
 * interruptibly: a signal, or kthread_stop() of the thread that runs the
 * script (lunatik stop, thrd:stop()), ends them with EINTR.
 *
 * A socket object may be shared between runtimes (runtime:resume passes a
 * session to a worker). Calls in flight are counted: close() shuts the
 * socket down, which wakes a call blocked in another runtime, and the last
 * of them releases it. The last reference releases it too, from a worker
 * when that reference goes in atomic context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/file.h>
#include <linux/in.h>
#include <linux/if_packet.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/un.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "lunatik.h"

struct luasocket {
	struct socket *sock;		/* NULL once released */
	int family;
	bool nonblock;			/* created with sock.NONBLOCK */
	spinlock_t lock;		/* users, closed, sock */
	unsigned int users;		/* calls in flight, close() included */
	bool closed;
	struct work_struct release_work;
};

static struct workqueue_struct *luasocket_wq;
static const lunatik_class_t luasocket_class;

static struct luasocket *luasocket_alloc(int family, bool nonblock)
{
	struct luasocket *ls = kzalloc(sizeof(*ls), GFP_KERNEL);

	if (!ls)
		return NULL;
	ls->family = family;
	ls->nonblock = nonblock;
	spin_lock_init(&ls->lock);
	return ls;
}

/* A socket with a file (netlink, see luasocket_new) goes with its file. */
static void luasocket_free(struct socket *sock)
{
	if (sock->file)
		fput(sock->file);
	else
		sock_release(sock);
}

static void luasocket_releasework(struct work_struct *work)
{
	struct luasocket *ls = container_of(work, struct luasocket, release_work);

	if (ls->sock)
		luasocket_free(ls->sock);
	kfree(ls);
}

/* The last reference: nobody can be calling. sock_release() sleeps. */
static void luasocket_release(void *private)
{
	struct luasocket *ls = private;

	if (in_task() && !in_atomic() && !irqs_disabled()) {
		luasocket_releasework(&ls->release_work);
		return;
	}
	INIT_WORK(&ls->release_work, luasocket_releasework);
	queue_work(luasocket_wq, &ls->release_work);
}

/* The socket of the object at 1; its arguments are parsed before luasocket_enter. */
static struct luasocket *luasocket_check(lua_State *L, const char *op)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luasocket_class);

	if (!lunatik_sleepable(L))
		luaL_error(L, "socket.%s: needs a sleepable runtime (sockets sleep)", op);
	if (!object->private)
		luaL_error(L, "socket.%s: the socket has been released", op);
	return object->private;
}

/*
 * Counts a call in flight. Nothing between luasocket_enter and
 * luasocket_leave may raise a Lua error (it would skip the leave).
 */
static bool luasocket_enter(struct luasocket *ls)
{
	bool open;

	spin_lock(&ls->lock);
	open = !ls->closed;
	if (open)
		ls->users++;
	spin_unlock(&ls->lock);
	return open;
}

static void luasocket_leave(struct luasocket *ls)
{
	struct socket *sock = NULL;

	spin_lock(&ls->lock);
	if (--ls->users == 0 && ls->closed) {
		sock = ls->sock;
		ls->sock = NULL;
	}
	spin_unlock(&ls->lock);
	if (sock)
		luasocket_free(sock);
}

/* Raises the errno of a failed call (restarts are interruptions for scripts). */
static int luasocket_error(lua_State *L, int ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		ret = -EINTR;
		break;
	}
	lua_pushinteger(L, -ret);
	return lua_error(L);
}

static void luasocket_enterorfail(lua_State *L, struct luasocket *ls, const char *op)
{
	if (!luasocket_enter(ls))
		luaL_error(L, "socket.%s: the socket is closed", op);
}

/*
 * An address of the socket's family from the arguments at ix: AF_INET takes
 * an integer IPv4 address (host order) and a port; AF_PACKET an interface
 * index or, as every other family, a string packed as the family's
 * sockaddr after its family field (AF_UNIX: the path). Returns the number
 * of arguments read.
 */
static int luasocket_checkaddr(lua_State *L, struct luasocket *ls, int ix,
			       struct sockaddr_storage *addr, int *len)
{
	memset(addr, 0, sizeof(*addr));
	addr->ss_family = ls->family;
	if (ls->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;

		in->sin_addr.s_addr = htonl((u32)lunatik_checkrange(L, ix, 0, U32_MAX));
		in->sin_port = htons((u16)lunatik_checkrange(L, ix + 1, 0, U16_MAX));
		*len = sizeof(*in);
		return 2;
	}
	if (ls->family == AF_PACKET && lua_type(L, ix) == LUA_TNUMBER) {
		struct sockaddr_ll *ll = (struct sockaddr_ll *)addr;

		ll->sll_ifindex = (int)lunatik_checkrange(L, ix, 0, INT_MAX);
		*len = sizeof(*ll);
		return 1;
	} else {
		size_t off = offsetof(struct sockaddr, sa_data), n;
		const char *s = luaL_checklstring(L, ix, &n);
		int min;

		/* AF_UNIX: room for the NUL that unix_mkname() writes after the path. */
		if (n > sizeof(struct sockaddr_un) - off)
			luaL_argerror(L, ix, "address too long");
		memcpy((char *)addr + off, s, n);
		*len = off + n;
		switch (ls->family) {
		case AF_UNIX:
			min = *len;
			break;
		case AF_PACKET:
			min = sizeof(struct sockaddr_ll);
			break;
		default:
			min = sizeof(struct sockaddr);
			break;
		}
		*len = max(*len, min);
		return 1;
	}
}

/* Pushes an address as luasocket_checkaddr takes it; returns how many values. */
static int luasocket_pushaddr(lua_State *L, struct luasocket *ls,
			      struct sockaddr_storage *addr, int len)
{
	size_t off = offsetof(struct sockaddr, sa_data);
	const char *data = (const char *)addr + off;

	if (ls->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;

		if (len < (int)sizeof(*in) || addr->ss_family != AF_INET) {
			lua_pushnil(L);
			lua_pushnil(L);
		} else {
			lua_pushinteger(L, ntohl(in->sin_addr.s_addr));
			lua_pushinteger(L, ntohs(in->sin_port));
		}
		return 2;
	}
	if (len <= (int)off) {
		lua_pushliteral(L, "");
		return 1;
	}
	len -= off;
	/* A path is shown without its NUL; an abstract name (leading NUL) as it is. */
	if (ls->family == AF_UNIX && data[0])
		len = strnlen(data, len);
	lua_pushlstring(L, data, len);
	return 1;
}

/* socket.new(family, type [, protocol]) */
static int luasocket_new(lua_State *L)
{
	struct net **pnet = lua_touserdata(L, lua_upvalueindex(1));
	int family = (int)lunatik_checkrange(L, 1, 0, AF_MAX - 1);
	int type = (int)luaL_checkinteger(L, 2);
	int protocol = (int)luaL_optinteger(L, 3, 0);
	bool nonblock = type & SOCK_NONBLOCK;
	lunatik_object_t *object;
	struct luasocket *ls;
	int ret;

	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	object = lunatik_newobject(L, &luasocket_class, 0);
	ls = luasocket_alloc(family, nonblock);
	if (!ls)
		return luaL_error(L, "socket.new: not enough memory");
	/* kern = 0: the socket holds its namespace, as a process's socket does. */
	ret = __sock_create(*pnet, family, type, protocol, &ls->sock, 0);
	if (ret < 0) {
		kfree(ls);
		return luasocket_error(L, ret);
	}
	/*
	 * Netlink checks a sender's privilege on its socket's file
	 * (__netlink_ns_capable: file_ns_capable(sk->sk_socket->file)), so a
	 * request that needs CAP_NET_ADMIN from a socket without one would
	 * dereference NULL. Give it a file, with the credentials of the task
	 * that made it, as a process's socket has.
	 */
	if (family == AF_NETLINK) {
		struct file *file = sock_alloc_file(ls->sock, 0, NULL);

		if (IS_ERR(file)) {	/* it released the socket */
			kfree(ls);
			return luasocket_error(L, PTR_ERR(file));
		}
	}
	/*
	 * As servers do (SO_REUSEADDR): a script run again binds its port while
	 * connections of its last run are in TIME_WAIT. Two listeners still clash.
	 */
	if ((family == AF_INET || family == AF_INET6) && type == SOCK_STREAM)
		sock_set_reuseaddr(ls->sock->sk);
	object->private = ls;
	return 1;
}

/* sock:close(): shuts it down (waking calls blocked in other runtimes) and releases it. */
static int luasocket_close(lua_State *L)
{
	lunatik_object_t *object = lunatik_checkobject(L, 1, &luasocket_class);
	struct luasocket *ls = object->private;
	struct sock *sk;
	bool first;

	if (!ls)
		return 0;
	if (!lunatik_sleepable(L))
		return luaL_error(L, "socket.close: needs a sleepable runtime (sockets sleep)");
	spin_lock(&ls->lock);
	first = !ls->closed;
	if (first) {
		ls->closed = true;
		ls->users++;
	}
	spin_unlock(&ls->lock);
	if (!first)
		return 0;
	sk = ls->sock->sk;
	if (kernel_sock_shutdown(ls->sock, SHUT_RDWR) == -EOPNOTSUPP && sk) {
		/* Families without shutdown (packet): make readers see the end. */
		lock_sock(sk);
		WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
		release_sock(sk);
		sk->sk_state_change(sk);
	}
	luasocket_leave(ls);
	return 0;
}

/* sock:send(message [, addr [, port]]): the number of bytes sent. */
static int luasocket_send(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "send");
	struct sockaddr_storage addr;
	struct msghdr msg = {};
	struct kvec vec;
	size_t len;
	int ret;

	vec.iov_base = (void *)luaL_checklstring(L, 2, &len);
	vec.iov_len = len;
	if (!lua_isnoneornil(L, 3)) {
		int namelen;

		luasocket_checkaddr(L, ls, 3, &addr, &namelen);
		msg.msg_name = &addr;
		msg.msg_namelen = namelen;
	}
	/* No SIGPIPE for the task that runs the script. */
	msg.msg_flags = MSG_NOSIGNAL | (ls->nonblock ? MSG_DONTWAIT : 0);
	luasocket_enterorfail(L, ls, "send");
	ret = kernel_sendmsg(ls->sock, &msg, &vec, 1, len);
	luasocket_leave(ls);
	if (ret < 0)
		return luasocket_error(L, ret);
	lua_pushinteger(L, ret);
	return 1;
}

/* sock:receive(length [, flags [, from]]): the message ("" at the end), then the sender if from. */
static int luasocket_receive(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "receive");
	size_t len = (size_t)lunatik_checkrange(L, 2, 0, INT_MAX);
	int flags = (int)luaL_optinteger(L, 3, 0);
	bool from = lua_toboolean(L, 4);
	struct sockaddr_storage addr;
	struct msghdr msg = {};
	struct kvec vec;
	luaL_Buffer B;
	int ret;

	vec.iov_base = luaL_buffinitsize(L, &B, len);
	vec.iov_len = len;
	/* With MSG_TRUNC a stream socket discards data without copying it. */
	if (flags & MSG_TRUNC)
		memset(vec.iov_base, 0, len);
	if (from) {
		memset(&addr, 0, sizeof(addr));
		msg.msg_name = &addr;
		msg.msg_namelen = sizeof(addr);
	}
	if (ls->nonblock)
		flags |= MSG_DONTWAIT;
	luasocket_enterorfail(L, ls, "receive");
	ret = kernel_recvmsg(ls->sock, &msg, &vec, 1, len, flags);
	luasocket_leave(ls);
	if (ret < 0)
		return luasocket_error(L, ret);
	/* MSG_TRUNC reports the datagram's length, which may exceed the buffer. */
	luaL_pushresultsize(&B, min_t(size_t, ret, len));
	if (!from)
		return 1;
	return 1 + luasocket_pushaddr(L, ls, &addr, msg.msg_namelen);
}

/* sock:bind(addr [, port]) */
static int luasocket_bind(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "bind");
	struct sockaddr_storage addr;
	int len, ret;

	luasocket_checkaddr(L, ls, 2, &addr, &len);
	luasocket_enterorfail(L, ls, "bind");
	ret = kernel_bind(ls->sock, (struct sockaddr *)&addr, len);
	luasocket_leave(ls);
	return ret < 0 ? luasocket_error(L, ret) : 0;
}

/* sock:listen([backlog]) */
static int luasocket_listen(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "listen");
	int backlog = lua_isnoneornil(L, 2) ? SOMAXCONN : (int)lunatik_checkrange(L, 2, 0, INT_MAX);
	int ret;

	luasocket_enterorfail(L, ls, "listen");
	ret = kernel_listen(ls->sock, backlog);
	luasocket_leave(ls);
	return ret < 0 ? luasocket_error(L, ret) : 0;
}

/* sock:accept([flags]): a new socket; sock.NONBLOCK makes this call fail with EAGAIN instead of waiting. */
static int luasocket_accept(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "accept");
	int flags = (int)luaL_optinteger(L, 2, 0);
	lunatik_object_t *object = lunatik_newobject(L, &luasocket_class, 0);
	struct luasocket *session = luasocket_alloc(ls->family, false);
	int ret;

	if (!session)
		return luaL_error(L, "socket.accept: not enough memory");
	if (ls->nonblock)
		flags |= O_NONBLOCK;
	if (!luasocket_enter(ls)) {
		kfree(session);
		return luaL_error(L, "socket.accept: the socket is closed");
	}
	ret = kernel_accept(ls->sock, &session->sock, flags);
	luasocket_leave(ls);
	if (ret < 0) {
		kfree(session);
		return luasocket_error(L, ret);
	}
	object->private = session;
	return 1;
}

/* sock:connect(addr [, port] [, flags]) */
static int luasocket_connect(lua_State *L)
{
	struct luasocket *ls = luasocket_check(L, "connect");
	struct sockaddr_storage addr;
	int len, n, flags, ret;

	n = luasocket_checkaddr(L, ls, 2, &addr, &len);
	flags = (int)luaL_optinteger(L, 2 + n, 0);
	if (ls->nonblock)
		flags |= O_NONBLOCK;
	luasocket_enterorfail(L, ls, "connect");
	ret = kernel_connect(ls->sock, (struct sockaddr *)&addr, len, flags);
	luasocket_leave(ls);
	return ret < 0 ? luasocket_error(L, ret) : 0;
}

static int luasocket_getname(lua_State *L, const char *op, bool peer)
{
	struct luasocket *ls = luasocket_check(L, op);
	struct sockaddr_storage addr;
	int ret;

	memset(&addr, 0, sizeof(addr));
	luasocket_enterorfail(L, ls, op);
	ret = peer ? kernel_getpeername(ls->sock, (struct sockaddr *)&addr) :
		     kernel_getsockname(ls->sock, (struct sockaddr *)&addr);
	luasocket_leave(ls);
	if (ret < 0)
		return luasocket_error(L, ret);
	return luasocket_pushaddr(L, ls, &addr, ret);
}

/* sock:getsockname(), sock:getpeername(): the address, as bind takes it. */
static int luasocket_getsockname(lua_State *L)
{
	return luasocket_getname(L, "getsockname", false);
}

static int luasocket_getpeername(lua_State *L)
{
	return luasocket_getname(L, "getpeername", true);
}

static const luaL_Reg luasocket_methods[] = {
	{"close", luasocket_close},
	{"__close", luasocket_close},
	{"send", luasocket_send},
	{"receive", luasocket_receive},
	{"bind", luasocket_bind},
	{"listen", luasocket_listen},
	{"accept", luasocket_accept},
	{"connect", luasocket_connect},
	{"getsockname", luasocket_getsockname},
	{"getpeername", luasocket_getpeername},
	{NULL, NULL}
};

static const lunatik_class_t luasocket_class = {
	.name = "socket",
	.methods = luasocket_methods,
	.release = luasocket_release,
	.sleep = true,
};

#define LUASOCKET_REG(prefix, name)	{#name, prefix##name}

static const lunatik_reg_t luasocket_af[] = {
	LUASOCKET_REG(AF_, UNSPEC), LUASOCKET_REG(AF_, UNIX), LUASOCKET_REG(AF_, LOCAL),
	LUASOCKET_REG(AF_, INET), LUASOCKET_REG(AF_, AX25), LUASOCKET_REG(AF_, IPX),
	LUASOCKET_REG(AF_, APPLETALK), LUASOCKET_REG(AF_, NETROM), LUASOCKET_REG(AF_, BRIDGE),
	LUASOCKET_REG(AF_, ATMPVC), LUASOCKET_REG(AF_, X25), LUASOCKET_REG(AF_, INET6),
	LUASOCKET_REG(AF_, ROSE), LUASOCKET_REG(AF_, DECnet), {"DEC", AF_DECnet},
	LUASOCKET_REG(AF_, NETBEUI), LUASOCKET_REG(AF_, SECURITY), LUASOCKET_REG(AF_, KEY),
	LUASOCKET_REG(AF_, NETLINK), LUASOCKET_REG(AF_, ROUTE), LUASOCKET_REG(AF_, PACKET),
	LUASOCKET_REG(AF_, ASH), LUASOCKET_REG(AF_, ECONET), LUASOCKET_REG(AF_, ATMSVC),
	LUASOCKET_REG(AF_, RDS), LUASOCKET_REG(AF_, SNA), LUASOCKET_REG(AF_, IRDA),
	LUASOCKET_REG(AF_, PPPOX), LUASOCKET_REG(AF_, WANPIPE), LUASOCKET_REG(AF_, LLC),
	LUASOCKET_REG(AF_, IB), LUASOCKET_REG(AF_, MPLS), LUASOCKET_REG(AF_, CAN),
	LUASOCKET_REG(AF_, TIPC), LUASOCKET_REG(AF_, BLUETOOTH), LUASOCKET_REG(AF_, IUCV),
	LUASOCKET_REG(AF_, RXRPC), LUASOCKET_REG(AF_, ISDN), LUASOCKET_REG(AF_, PHONET),
	LUASOCKET_REG(AF_, IEEE802154), LUASOCKET_REG(AF_, CAIF), LUASOCKET_REG(AF_, ALG),
	LUASOCKET_REG(AF_, NFC), LUASOCKET_REG(AF_, VSOCK), LUASOCKET_REG(AF_, KCM),
	LUASOCKET_REG(AF_, QIPCRTR), LUASOCKET_REG(AF_, SMC), LUASOCKET_REG(AF_, XDP),
	LUASOCKET_REG(AF_, MCTP), LUASOCKET_REG(AF_, MAX),
	{NULL, 0}
};

static const lunatik_reg_t luasocket_sock[] = {
	LUASOCKET_REG(SOCK_, STREAM), LUASOCKET_REG(SOCK_, DGRAM), LUASOCKET_REG(SOCK_, RAW),
	LUASOCKET_REG(SOCK_, RDM), LUASOCKET_REG(SOCK_, SEQPACKET), LUASOCKET_REG(SOCK_, DCCP),
	LUASOCKET_REG(SOCK_, PACKET), LUASOCKET_REG(SOCK_, CLOEXEC), LUASOCKET_REG(SOCK_, NONBLOCK),
	{NULL, 0}
};

static const lunatik_reg_t luasocket_ipproto[] = {
	LUASOCKET_REG(IPPROTO_, IP), LUASOCKET_REG(IPPROTO_, ICMP), LUASOCKET_REG(IPPROTO_, IGMP),
	LUASOCKET_REG(IPPROTO_, IPIP), LUASOCKET_REG(IPPROTO_, TCP), LUASOCKET_REG(IPPROTO_, EGP),
	LUASOCKET_REG(IPPROTO_, PUP), LUASOCKET_REG(IPPROTO_, UDP), LUASOCKET_REG(IPPROTO_, IDP),
	LUASOCKET_REG(IPPROTO_, TP), LUASOCKET_REG(IPPROTO_, DCCP), LUASOCKET_REG(IPPROTO_, IPV6),
	LUASOCKET_REG(IPPROTO_, RSVP), LUASOCKET_REG(IPPROTO_, GRE), LUASOCKET_REG(IPPROTO_, ESP),
	LUASOCKET_REG(IPPROTO_, AH), LUASOCKET_REG(IPPROTO_, MTP), LUASOCKET_REG(IPPROTO_, BEETPH),
	LUASOCKET_REG(IPPROTO_, ENCAP), LUASOCKET_REG(IPPROTO_, PIM), LUASOCKET_REG(IPPROTO_, COMP),
	LUASOCKET_REG(IPPROTO_, L2TP), LUASOCKET_REG(IPPROTO_, SCTP),
	LUASOCKET_REG(IPPROTO_, UDPLITE), LUASOCKET_REG(IPPROTO_, MPLS),
	LUASOCKET_REG(IPPROTO_, ETHERNET), LUASOCKET_REG(IPPROTO_, RAW),
	LUASOCKET_REG(IPPROTO_, MPTCP),
	{NULL, 0}
};

/* Flags that a kernel release does not have are left out. */
static const lunatik_reg_t luasocket_msg[] = {
	LUASOCKET_REG(MSG_, OOB), LUASOCKET_REG(MSG_, PEEK), LUASOCKET_REG(MSG_, DONTROUTE),
	LUASOCKET_REG(MSG_, TRYHARD), LUASOCKET_REG(MSG_, CTRUNC), LUASOCKET_REG(MSG_, PROBE),
	LUASOCKET_REG(MSG_, TRUNC), LUASOCKET_REG(MSG_, DONTWAIT), LUASOCKET_REG(MSG_, EOR),
	LUASOCKET_REG(MSG_, WAITALL), LUASOCKET_REG(MSG_, FIN), LUASOCKET_REG(MSG_, SYN),
	LUASOCKET_REG(MSG_, CONFIRM), LUASOCKET_REG(MSG_, RST), LUASOCKET_REG(MSG_, ERRQUEUE),
	LUASOCKET_REG(MSG_, NOSIGNAL), LUASOCKET_REG(MSG_, MORE), LUASOCKET_REG(MSG_, WAITFORONE),
#ifdef MSG_SENDPAGE_NOPOLICY
	LUASOCKET_REG(MSG_, SENDPAGE_NOPOLICY),
#endif
#ifdef MSG_SENDPAGE_NOTLAST
	LUASOCKET_REG(MSG_, SENDPAGE_NOTLAST),
#endif
	LUASOCKET_REG(MSG_, BATCH), LUASOCKET_REG(MSG_, EOF),
#ifdef MSG_NO_SHARED_FRAGS
	LUASOCKET_REG(MSG_, NO_SHARED_FRAGS),
#endif
#ifdef MSG_SENDPAGE_DECRYPTED
	LUASOCKET_REG(MSG_, SENDPAGE_DECRYPTED),
#endif
	LUASOCKET_REG(MSG_, ZEROCOPY), LUASOCKET_REG(MSG_, FASTOPEN),
	LUASOCKET_REG(MSG_, CMSG_CLOEXEC),
	{NULL, 0}
};

static const luaL_Reg luasocket_lib[] = {
	{"new", luasocket_new},
	{NULL, NULL}
};

static int luaopen_socket(lua_State *L)
{
	luaL_newlibtable(L, luasocket_lib);
	/* Sockets are made in the namespace of the task that opened the library. */
	lunatik_pushnet(L, "socket");
	luaL_setfuncs(L, luasocket_lib, 1);
	lunatik_setconsts(L, -1, "af", luasocket_af);
	lunatik_setconsts(L, -1, "sock", luasocket_sock);
	lunatik_setconsts(L, -1, "ipproto", luasocket_ipproto);
	lunatik_setconsts(L, -1, "msg", luasocket_msg);
	lunatik_newclass(L, &luasocket_class);
	return 1;
}

static struct lunatik_lib luasocket_lunatik_lib = {
	.name = "socket",
	.open = luaopen_socket,
	.owner = THIS_MODULE,
	.sleep = false,		/* the constants serve anyone; sockets refuse non-sleepable runtimes */
};

static int __init luasocket_init(void)
{
	int ret;

	luasocket_wq = alloc_workqueue("luasocket", 0, 0);
	if (!luasocket_wq)
		return -ENOMEM;
	ret = lunatik_register_lib(&luasocket_lunatik_lib);
	if (ret)
		destroy_workqueue(luasocket_wq);
	return ret;
}

static void __exit luasocket_exit(void)
{
	lunatik_unregister_lib(&luasocket_lunatik_lib);
	destroy_workqueue(luasocket_wq);	/* waits for releases in flight */
}

module_init(luasocket_init);
module_exit(luasocket_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(LUNATIK_RELEASE);
MODULE_DESCRIPTION("Lunatik library: socket (kernel sockets)");
