#!/bin/bash
# The socket library and socket.inet: TCP, UDP, AF_UNIX; errors as errno;
# network namespaces; blocking calls interrupted by stop, thrd:stop() and
# signals; non-sleepable runtimes refused; run/stop cycles leave no socket.
# vm-timeout: 480
set -euo pipefail
. ./testlib.bash

# chunk LUA: a multi-line chunk as one REPL line (no -- comments in it).
chunk() {
	lua "$(tr '\n' ' ' <<<"$1")"
}

lunatik load

expect "constants" "2 1 2 6 17 64 2048 1 17" "$(lua 'local s = require("socket") return string.format("%d %d %d %d %d %d %d %d %d", s.af.INET, s.sock.STREAM, s.sock.DGRAM, s.ipproto.TCP, s.ipproto.UDP, s.msg.DONTWAIT, s.sock.NONBLOCK, s.af.UNIX, s.af.PACKET)')"

# UDP between two kernel sockets, dotted addresses, receivefrom.
expect "udp loopback" "$(printf 'hello\t127.0.0.1\ttrue\t5')" "$(chunk '
local inet = require("socket.inet")
local a <close> = inet.udp()
local b <close> = inet.udp()
a:bind(inet.localhost, 0)
local _, port = a:getsockname()
b:bind("*", 0)
local _, bport = b:getsockname()
local n = b:sendto("hello", "127.0.0.1", port)
local msg, ip, from = a:receivefrom(64)
return msg, ip, from == bport, n')"

# Errors carry the errno.
expect "errors are errno values" "$(printf 'true\ttrue\ttrue\tnumber')" "$(chunk '
local inet = require("socket.inet")
local errno = require("linux").errno
local s <close> = inet.tcp()
local ok, e1 = pcall(s.connect, s, "127.0.0.1", 9)
local l <close> = inet.tcp()
l:bind(inet.localhost, 0)
l:listen()
local ok2, e2 = pcall(l.accept, l, require("socket").sock.NONBLOCK)
local u <close> = inet.udp()
u:bind(inet.localhost, 0)
local ok3, e3 = pcall(u.receive, u, 10, require("socket").msg.DONTWAIT)
return tostring(e1 == 111), tostring(e2 == errno.AGAIN), tostring(e3 == errno.AGAIN), type(e1)')"
expect "a NONBLOCK socket never waits" "11" "$(chunk '
local socket = require("socket")
local s <close> = socket.new(socket.af.INET, socket.sock.DGRAM | socket.sock.NONBLOCK, 0)
s:bind(0x7F000001, 0)
local ok, e = pcall(s.receive, s, 10)
return e')"
expect "address in use" "98" "$(chunk '
local inet = require("socket.inet")
local a <close> = inet.tcp()
a:bind(inet.localhost, 6001)
a:listen()
local b <close> = inet.tcp()
local ok, e = pcall(b.bind, b, inet.localhost, 6001)
return e')"
expect_fail "bad dotted address" "invalid IPv4 address '300.1.1.1'" lua 'local inet = require("socket.inet") inet.tcp():connect("300.1.1.1", 80)'
expect_fail "port out of range" "out of range" lua 'local inet = require("socket.inet") inet.udp():bind("*", 70000)'
expect "a family the kernel lacks" "true" "$(lua 'local s = require("socket") local ok, e = pcall(s.new, s.af.DECnet, s.sock.STREAM, 0) return e == 97')"

# <close> and close(): the port is free again, a closed socket says so.
expect "to-be-closed variables close" "ok" "$(chunk '
local inet = require("socket.inet")
do
	local s <close> = inet.tcp()
	s:bind(inet.localhost, 6002)
	s:listen()
end
local t = inet.tcp()
t:bind(inet.localhost, 6002)
t:close()
t:close()
local ok, e = pcall(t.listen, t)
assert(not ok and e:find("the socket is closed", 1, true), e)
return "ok"')"

# TCP with userspace peers: kernel client to nc, nc client to kernel server.
nc -l -p 6003 >/tmp/nc.out &
ncpid=$!
for _ in $(seq 50); do ss -ltn | grep -q ':6003 ' && break; sleep 0.1; done
expect "kernel client" "6" "$(chunk '
local inet = require("socket.inet")
local c <close> = inet.tcp()
c:connect("127.0.0.1", 6003)
local ip, port = c:getpeername()
assert(ip == "127.0.0.1" and port == 6003)
return c:send("hello\n")')"
wait $ncpid || true
expect "nc got it" "hello" "$(cat /tmp/nc.out)"
rm -f /tmp/nc.out

put_script sockserver <<'EOT'
local inet = require("socket.inet")
local server = inet.tcp()
server:bind(inet.localhost, 6004)
server:listen()
return function ()
	local session = server:accept()
	local ip = session:getpeername()
	local line = session:receive(100)
	session:send(inet.ntoa(ip) .. " said " .. line)
	session:close()
end
EOT
lunatik spawn sockserver
expect "listening" "1" "$(ss -ltn | grep -c '127.0.0.1:6004 ')"
expect "kernel server" "127.0.0.1 said ping" "$(echo ping | timeout 10 nc -q 5 127.0.0.1 6004)"
lunatik stop sockserver
expect "stop closes the listener" "0" "$(ss -ltn | grep -c ':6004 ' || true)"

# AF_UNIX: datagrams between a path-bound socket and userspace.
rm -f /tmp/lunatik.sock
expect "unix" "$(printf 'from kernel\t/tmp/lunatik.sock')" "$(chunk '
local socket = require("socket")
local s <close> = socket.new(socket.af.UNIX, socket.sock.DGRAM, 0)
s:bind("/tmp/lunatik.sock")
local c <close> = socket.new(socket.af.UNIX, socket.sock.DGRAM, 0)
c:send("from kernel", "/tmp/lunatik.sock")
return s:receive(100), s:getsockname()')"
[ -S /tmp/lunatik.sock ]
echo "ok   the path is a socket"
rm -f /tmp/lunatik.sock

# Non-sleepable runtimes refuse sockets; a socket passed to one refuses calls.
put_script atomic_sock <<'EOT'
local socket = require("socket")
assert(socket.af.INET == 2)
return function (s)
	local ok, e = pcall(s.send, s, "x")
	return e
end
EOT
put_script atomic_new <<'EOT'
local socket = require("socket")
socket.new(socket.af.INET, socket.sock.DGRAM, 0)
EOT
expect_fail "socket.new in a non-sleepable runtime" "socket: cannot be used in a non-sleepable runtime" lunatik run atomic_new false
expect "a socket passed to a non-sleepable runtime" "needs a sleepable runtime" "$(chunk '
local inet = require("socket.inet")
local u <close> = inet.udp()
local rt = lunatik.runtime("atomic_sock", false)
local e = rt:resume(u.socket)
return e:match("needs a sleepable runtime")')"

# Network namespaces: the socket lives where the script was run.
ip netns add sockns
ip -n sockns link set lo up
put_script nslisten <<'EOT'
local inet = require("socket.inet")
server = inet.tcp()
server:bind("*", 6005)
server:listen()
EOT
ip netns exec sockns lunatik run nslisten
expect "listener in the namespace" "1" "$(ip netns exec sockns ss -ltn | grep -c ':6005 ')"
expect "not in the root namespace" "0" "$(ss -ltn | grep -c ':6005 ' || true)"
lunatik stop nslisten
expect "gone with the script" "0" "$(ip netns exec sockns ss -ltn | grep -c ':6005 ' || true)"
ip netns del sockns

# Blocking calls end on lunatik stop, thrd:stop() and signals.
put_script blocker <<'EOT'
local inet = require("socket.inet")
local server = inet.tcp()
server:bind(inet.localhost, 6006)
server:listen()
return function ()
	local ok, e = pcall(server.accept, server)
	print("blocker: accept ended with " .. tostring(e))
end
EOT
put_script recvblocker <<'EOT'
local inet = require("socket.inet")
return function ()
	local u <close> = inet.udp()
	u:bind(inet.localhost, 0)
	local ok, e = pcall(u.receive, u, 10)
	print("recvblocker: receive ended with " .. tostring(e))
end
EOT
lunatik spawn blocker
sleep 0.5
start=${EPOCHREALTIME/./}
timeout 20 lunatik stop blocker
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
[ "$ms" -lt 5000 ] || { echo "FAIL stop took $ms ms"; exit 1; }
echo "ok   lunatik stop ends a blocked accept ($ms ms)"
expect "accept was interrupted (EINTR)" "1" "$(dmesg | grep -c 'blocker: accept ended with 4$')"
expect "thrd:stop() ends a blocked receive" "done" "$(chunk '
local thread = require("thread")
local linux = require("linux")
local rt = lunatik.runtime("recvblocker")
local t = thread.run(rt, "sockblocker")
linux.schedule(300)
t:stop()
return "done"')"
expect "receive was interrupted" "1" "$(dmesg | grep -c 'recvblocker: receive ended with 4$')"
put_script blockrun <<'EOT'
local inet = require("socket.inet")
local u = inet.udp()
u:bind(inet.localhost, 6007)
u:receive(10)
EOT
rc=0
out=$(timeout -s INT 2 lunatik run blockrun 2>&1) || rc=$?
[ $rc -ne 0 ]
expect "Ctrl-C ends a script blocked in receive" "" "$(lunatik list)"
expect "and its socket" "0" "$(ss -lun | grep -c ':6007 ' || true)"

# 100 run/stop cycles leave no socket behind.
put_script cycle <<'EOT'
local inet = require("socket.inet")
server = inet.tcp()
server:bind(inet.localhost, 6008)
server:listen()
client = inet.udp()
client:connect(inet.localhost, 6009)
client:send("x")
EOT
used() { awk '/^sockets:/ {print $3}' /proc/net/sockstat; }
before=$(used)
for i in $(seq 100); do
	lunatik run cycle
	lunatik stop cycle
done
expect "no listener left" "0" "$(ss -atn | grep -c ':6008 ' || true)"
expect "no udp socket left" "0" "$(ss -aun | grep -c ':6009 ' || true)"
# A closed socket is counted until its last reference goes: ss's netlink
# socket after an RCU grace period, a UDP socket after its last skb. Wait for
# the count to settle rather than sample it once; a leak never settles.
for i in $(seq 200); do
	[ "$(used)" != "$before" ] || break
	sleep 0.1
done
expect "sockets in use as before" "$before" "$(used)"
lunatik unload
kernel_clean
