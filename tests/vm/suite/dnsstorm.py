# DNS traffic for test 72 (python3 in the guest), on the loopback:
#   dnsstorm.py query N SEED     N malformed queries to 127.0.0.1:53
#   dnsstorm.py answer N SEED    N malformed answers from 127.0.0.1:53 to 10.1.1.2:40000
#   dnsstorm.py ask NAME         one query for NAME: "blocked" (EPERM) or "passed"
#   dnsstorm.py rewrite [N]      N (1) answers "lunatik.com A 192.168.10.1" to
#                                10.1.1.2: the address the last one arrives with
#   dnsstorm.py traffic          queries (blocked, allowed, malformed) until
#                                SIGTERM, then "sent N"
# storms print "sent N refused N" (refused: dropped at OUTPUT, EPERM).
import random
import signal
import socket
import struct
import sys
import time

NAMES = ["github.com", "api.GitHub.com", "gitlab.com", "lunatik.com", "www.lunatik.com",
	 "notgithub.com", "example.org", "a.b.c.d.e.f.g"]
CLIENT = ("10.1.1.2", 40000)


def qname(name):
	return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def header(r, answer):
	flags = (0x8180 if answer else 0x0100) if r.random() < 0.8 else r.getrandbits(16)
	qd = 1 if r.random() < 0.7 else r.choice([0, 2, 255, 65535])
	an = (1 if answer else 0) if r.random() < 0.7 else r.choice([0, 3, 200, 65535])
	return struct.pack(">HHHHHH", r.getrandbits(16), flags, qd, an, 0, 0)


def record(r, name=b"\xc0\x0c"):
	rdlen = 4 if r.random() < 0.8 else r.choice([0, 3, 5, 60000])
	return name + struct.pack(">HHIH", 1, 1, 60, rdlen) + bytes([192, 168, 10, 1])


def badname(r):
	k = r.randrange(8)
	if k == 0:	# a label length of 64 to 255 (reserved types, pointers)
		return bytes([r.randrange(64, 256)]) + r.randbytes(r.randrange(0, 80))
	if k == 1:	# a pointer to itself
		return b"\xc0\x0c"
	if k == 2:	# a label, then a pointer back to it: a loop
		return b"\x03abc\xc0\x0c"
	if k == 3:	# a pointer anywhere, past the end too
		return bytes([0xc0 | r.randrange(64), r.randrange(256)])
	if k == 4:	# a name longer than 255 bytes
		return (b"\x3f" + b"a" * 63) * r.randrange(4, 6) + b"\0"
	if k == 5:	# a label past the end
		return bytes([r.randrange(3, 64)]) + b"ab"
	if k == 6:	# no terminating zero
		return b"\x06github\x03com"
	return b"\x01a" * r.randrange(100, 140) + b"\0"	# too many labels


def packet(r, answer):
	k = r.randrange(7)
	if k == 0:	# random bytes of a random length
		return r.randbytes(r.randrange(0, 600))
	h = header(r, answer)
	if k == 1:	# truncated header
		return h[:r.randrange(0, 12)]
	q = (badname(r) if k == 2 else qname(r.choice(NAMES))) + struct.pack(">HH", 1, 1)
	body = h + q
	if answer:
		body += b"".join(record(r) for _ in range(r.randrange(1, 4)))
	if k == 3:	# truncated anywhere
		return body[:r.randrange(0, len(body) + 1)]
	if k == 4:	# bits flipped
		b = bytearray(body)
		for _ in range(r.randrange(1, 6)):
			i = r.randrange(len(b))
			b[i] ^= 1 << r.randrange(8)
		return bytes(b)
	if k == 5:	# compression loops in the records' names
		loop = bytes([0xc0, len(h) + len(q)])
		return h + q + record(r, loop) + record(r, badname(r))
	return body	# well formed (k == 6) or with a bad name (k == 2)


def storm(kind, n, seed):
	r = random.Random(seed)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	dst = ("127.0.0.1", 53)
	if kind == "answer":
		s.bind(("127.0.0.1", 53))
		dst = CLIENT
	sent = refused = 0
	for _ in range(n):
		try:
			s.sendto(packet(r, kind == "answer"), dst)
			sent += 1
		except PermissionError:
			refused += 1
	print("sent %d refused %d" % (sent, refused))


def query(name):
	return struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + qname(name) + struct.pack(">HH", 1, 1)


def ask(name):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	try:
		s.sendto(query(name), ("127.0.0.1", 53))
		print("passed")
	except PermissionError:
		print("blocked")


def rewrite(n):
	rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	rx.bind(("10.1.1.2", 40053))
	rx.settimeout(5)
	tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	tx.bind(("127.0.0.1", 53))
	msg = struct.pack(">HHHHHH", 0x4343, 0x8180, 1, 1, 0, 0) + qname("lunatik.com") + \
		struct.pack(">HH", 1, 1) + b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + \
		bytes([192, 168, 10, 1])
	got = None
	for _ in range(n):
		tx.sendto(msg, ("10.1.1.2", 40053))
		try:
			got = rx.recv(512)
		except socket.timeout:
			got = None
	print(socket.inet_ntoa(got[-4:]) if got else "lost")


def traffic():
	r = random.Random(7)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	sent = 0

	def stop(*_):
		print("sent %d" % sent)
		sys.exit(0)
	signal.signal(signal.SIGTERM, stop)
	qs = [query(n) for n in NAMES]
	while True:
		for _ in range(10):
			p = r.choice(qs) if r.random() < 0.5 else packet(r, False)
			try:
				s.sendto(p, ("127.0.0.1", 53))
			except OSError:
				pass
			sent += 1
		time.sleep(0.01)


cmd = sys.argv[1]
if cmd in ("query", "answer"):
	storm(cmd, int(sys.argv[2]), int(sys.argv[3]))
elif cmd == "ask":
	ask(sys.argv[2])
elif cmd == "rewrite":
	rewrite(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
elif cmd == "traffic":
	traffic()
else:
	sys.exit("usage: see the head of dnsstorm.py")
