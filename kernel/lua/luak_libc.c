// SPDX-License-Identifier: GPL-2.0
/*
 * The few libc services Lua needs, on kernel APIs. Lua's own files never
 * include kernel headers (they clash with Lua's names), so everything that
 * needs one lives here.
 */
#define pr_fmt(fmt) "lunatik: " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/random.h>
#include <linux/preempt.h>
#include <linux/irqflags.h>
#include <linux/sched.h>

#include "luak_libc.h"

/* Only lauxlib's unused luaL_newstate reaches these: states use lunatik_alloc. */
void *luak_realloc(void *ptr, size_t size)
{
	if (!size) {
		kfree(ptr);
		return NULL;
	}
	return krealloc(ptr, size, GFP_KERNEL | __GFP_NOWARN);
}

void luak_free(void *ptr)
{
	kfree(ptr);
}

/* Reached only if a panic handler returns; runtimes never run Lua unprotected. */
void luak_abort(void)
{
	panic("lunatik: unprotected Lua error");
}

long long luak_ipow(void *L, long long a, long long b)
{
	long long r = 1;

	if (b < 0)	/* floor of a fraction, except for 1 and -1 */
		return a == 1 ? 1 : a == -1 ? (b & 1 ? -1 : 1) : 0;
	while (b) {
		if (b & 1)
			r *= a;
		a *= a;
		b >>= 1;
	}
	return r;
}

unsigned int luak_random(void)
{
	return get_random_u32();
}

void luak_writestring(const char *s, unsigned long l)
{
	printk(KERN_CONT "%.*s", (int)l, s);
}

void luak_writeline(void)
{
	printk(KERN_CONT "\n");
}

void luak_writestringerror(const char *fmt, const char *p)
{
	char buf[160];

	/* fmt is one of lauxlib's literal formats with one %s */
	snprintf(buf, sizeof(buf), fmt, p);
	pr_notice("%s", buf);
}

/* A read-only FILE over a kernel file, enough for luaL_loadfilex. */
struct luak_file {
	struct file *filp;
	loff_t pos;
	size_t len;
	size_t off;
	bool eof;
	bool err;
	char buf[256];
};

/* Reading files sleeps: refuse where we may not. */
static bool luak_maysleep(void)
{
	return in_task() && !in_atomic() && !irqs_disabled();
}

FILE *luak_fopen(const char *path, const char *mode)
{
	struct luak_file *f;
	struct file *filp;

	if (!path || !mode || mode[0] != 'r' || !luak_maysleep())
		return NULL;
	filp = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(filp))
		return NULL;
	if (!S_ISREG(file_inode(filp)->i_mode)) {
		filp_close(filp, NULL);
		return NULL;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		filp_close(filp, NULL);
		return NULL;
	}
	f->filp = filp;
	return f;
}

FILE *luak_freopen(const char *path, const char *mode, FILE *f)
{
	if (f)
		luak_fclose(f);
	return luak_fopen(path, mode);
}

int luak_fclose(FILE *f)
{
	if (!f)
		return EOF;
	filp_close(f->filp, NULL);
	kfree(f);
	return 0;
}

static bool luak_fill(FILE *f)
{
	ssize_t n;

	if (f->eof || f->err)
		return false;
	n = kernel_read(f->filp, f->buf, sizeof(f->buf), &f->pos);
	if (n <= 0) {
		f->eof = n == 0;
		f->err = n < 0;
		return false;
	}
	f->len = n;
	f->off = 0;
	return true;
}

int luak_getc(FILE *f)
{
	if (!f)
		return EOF;
	if (f->off == f->len && !luak_fill(f))
		return EOF;
	return (unsigned char)f->buf[f->off++];
}

size_t luak_fread(void *buf, size_t size, size_t n, FILE *f)
{
	size_t want = size * n, got = 0;

	if (!f || !size)
		return 0;
	while (got < want) {
		size_t k;

		if (f->off == f->len && !luak_fill(f))
			break;
		k = min(want - got, f->len - f->off);
		memcpy((char *)buf + got, f->buf + f->off, k);
		f->off += k;
		got += k;
	}
	return got / size;
}

int luak_feof(FILE *f)
{
	return !f || f->eof;
}

int luak_ferror(FILE *f)
{
	return f && f->err;
}
