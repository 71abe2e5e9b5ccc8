// SPDX-License-Identifier: GPL-2.0
/*
 * udpblast: the packet source and sink of the packet-path bench
 * (tests/vm/bench). Built static on the host: the guest has no compiler.
 *
 *   udpblast [-c CPU] recv PORT COUNT [IDLE_MS]
 *   udpblast [-c CPU] send ADDR PORT COUNT [SIZE | dns:NAME]
 *
 * recv prints "ready" once bound, then takes packets until it has COUNT or
 * none came for IDLE_MS (default 2000; before the first packet it waits
 * 10 s), and prints "received=N usecs=T pps=P" where T runs from the first
 * packet to the last: the rate the receiver saw, without the start-up.
 * It exits 0 when it got all COUNT, 2 otherwise.
 *
 * send sends COUNT datagrams of SIZE (default 64) payload bytes, or DNS
 * queries for NAME (type A, class IN, recursion desired: what dig sends
 * without EDNS), and prints "sent=N usecs=T pps=P". A send refused for lack
 * of buffers (ENOBUFS, EAGAIN) is retried, so exactly COUNT leave: a loss
 * is then the path's. A send that an OUTPUT rule or hook dropped (EPERM)
 * counts as sent, and "dropped=N" says how many were.
 *
 * -c pins the process to a CPU, so that two runs of a case schedule alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BATCH	64	/* datagrams per recvmmsg: keeps the sink cheaper than the path */

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static int usage(void)
{
	fprintf(stderr, "usage: udpblast [-c CPU] recv PORT COUNT [IDLE_MS]\n"
			"       udpblast [-c CPU] send ADDR PORT COUNT [SIZE | dns:NAME]\n");
	return 1;
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "udpblast: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(1);
	}
	return v;
}

static void report(const char *what, long n, long long first, long long last)
{
	long long us = last - first;

	/* n packets span n - 1 gaps between first and last */
	printf("%s=%ld usecs=%lld pps=%.0f\n", what, n, us,
	       n > 1 && us > 0 ? (n - 1) * 1e6 / us : 0.0);
}

static int do_recv(int argc, char **argv)
{
	static char bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in a = { .sin_family = AF_INET };
	long want, n = 0;
	long long first = 0, last = 0;
	int idle, s, size = 64 << 20, i;

	if (argc < 2 || argc > 3)
		return usage();
	a.sin_port = htons(number(argv[0], 1, 65535));
	want = number(argv[1], 1, 1L << 40);
	idle = argc > 2 ? number(argv[2], 1, 600000) : 2000;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	/* FORCE (root) passes rmem_max: a burst must not overflow the socket */
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("bind");
		return 1;
	}
	for (i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	printf("ready\n");
	fflush(stdout);
	while (n < want) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		int got;

		if (poll(&p, 1, n ? idle : 10000) <= 0)
			break;
		got = recvmmsg(s, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("recvmmsg");
			break;
		}
		if (got == 0)
			continue;
		last = now_us();
		if (!n)
			first = last;
		n += got;
	}
	report("received", n, first, last);
	return n >= want ? 0 : 2;
}

/* A DNS query for name (dotted) in buf; returns its size, or -1 if name is not one. */
static int dns_query(char *buf, const char *name)
{
	static const unsigned char header[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
	int n = sizeof(header);

	memcpy(buf, header, n);
	while (*name) {
		const char *dot = strchr(name, '.');
		int len = dot ? dot - name : (int)strlen(name);

		if (len < 1 || len > 63 || n + 1 + len > 255)
			return -1;
		buf[n++] = (char)len;
		memcpy(buf + n, name, len);
		n += len;
		name += len + (dot != NULL);
	}
	buf[n++] = 0;
	memcpy(buf + n, "\0\1\0\1", 4);	/* QTYPE A, QCLASS IN */
	return n + 4;
}

static int do_send(int argc, char **argv)
{
	static char buf[65507];
	struct sockaddr_in a = { .sin_family = AF_INET };
	long count, i, retries = 0, dropped = 0;
	long long t0;
	int size, s;

	if (argc < 3 || argc > 4)
		return usage();
	if (inet_pton(AF_INET, argv[0], &a.sin_addr) != 1) {
		fprintf(stderr, "udpblast: bad IPv4 address '%s'\n", argv[0]);
		return 1;
	}
	a.sin_port = htons(number(argv[1], 1, 65535));
	count = number(argv[2], 1, 1L << 40);
	memset(buf, 'x', sizeof(buf));
	if (argc > 3 && !strncmp(argv[3], "dns:", 4)) {
		size = dns_query(buf, argv[3] + 4);
		if (size < 0) {
			fprintf(stderr, "udpblast: bad DNS name '%s'\n", argv[3] + 4);
			return 1;
		}
	} else {
		size = argc > 3 ? number(argv[3], 0, sizeof(buf)) : 64;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		perror("udpblast: socket/connect");
		return 1;
	}
	t0 = now_us();
	for (i = 0; i < count; i++) {
		if (send(s, buf, size, 0) == size)
			continue;
		if (errno == EPERM) {	/* dropped at OUTPUT: sent as far as we can tell */
			dropped++;
			continue;
		}
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) {
			perror("udpblast: send");
			return 1;
		}
		retries++;
		i--;
		if (retries > 1000000) {
			fprintf(stderr, "udpblast: too many refused sends\n");
			return 1;
		}
		usleep(20);	/* let the path drain */
	}
	report("sent", count, t0, now_us());
	if (dropped)
		printf("dropped=%ld\n", dropped);
	if (retries)
		printf("retried=%ld\n", retries);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "-c")) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(number(argv[2], 0, CPU_SETSIZE - 1), &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("udpblast: sched_setaffinity (running unpinned)");
		argc -= 2;
		argv += 2;
	}
	if (argc >= 2 && !strcmp(argv[1], "recv"))
		return do_recv(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return do_send(argc - 2, argv + 2);
	return usage();
}
