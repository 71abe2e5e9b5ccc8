// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for the bench's --profile: counts how often every
 * guest kernel instruction runs in two windows, the baseline's
 * measurement (0) and the profiled case's (1), and writes "ADDRESS COUNT0
 * COUNT1" lines (hex, decimal) at exit to the file named by out=FILE.
 *
 * The guest opens and closes a window by running qprof-mark (qprof-mark.c),
 * whose code loads one of four magic constants: the plugin finds them in
 * the user-space code it translates and snapshots the counters when that
 * code runs. Everything else (the boot, module loading, other cases)
 * stays out of the counts.
 *
 * Debian ships QEMU with plugin support but not its header, so the few
 * functions of the plugin API (version 1, QEMU 7.2) used here are declared
 * below. Each translated block gets an inline counter of its executions
 * (no callback per instruction); a block that an interrupt or a fault
 * leaves early counts its remaining instructions too, which is noise of
 * one or two instructions in thousands of runs.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, void *data), void *data);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t i);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
	void (*cb)(unsigned int vcpu, void *data), enum qemu_plugin_cb_flags flags, void *data);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* Kernel text only: x86_64's kernel and modules live in the top 2 GiB. */
#define KERNEL_START	0xffffffff80000000ull
/* qprof-mark's constants: "QPROF" and window 0 or 1, opened (0) or closed (1). */
#define MARK_MAGIC	0x5150524f46000000ull
#define MARK(window, close)	(MARK_MAGIC | (window) << 8 | (close))

struct block {
	struct block *next;
	uint64_t count;		/* executions, added to inline by the translated code */
	uint64_t open;		/* count when the current window opened */
	uint64_t in[2];		/* executions inside each window */
	size_t n;
	uint64_t pc[];
};

static struct block *blocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *out = "qprof.out";

static uint64_t marks[4] = { MARK(0, 0), MARK(0, 1), MARK(1, 0), MARK(1, 1) };

/* qprof-mark ran: a window opens or closes. */
static void marked(unsigned int vcpu, void *data)
{
	uint64_t mark = *(uint64_t *)data;
	int window = (mark >> 8) & 1;
	struct block *b;

	pthread_mutex_lock(&lock);
	for (b = blocks; b; b = b->next)
		if (!(mark & 1))
			b->open = b->count;
		else
			b->in[window] += b->count - b->open;
	pthread_mutex_unlock(&lock);
}

/* A user-space block: is it qprof-mark's "movabs $MARK, %rax"? */
static void usercode(struct qemu_plugin_tb *tb, size_t n)
{
	size_t i, m;

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *code = qemu_plugin_insn_data(insn);
		uint64_t imm;

		if (qemu_plugin_insn_size(insn) != 10 || code[0] != 0x48 || code[1] != 0xb8)
			continue;
		memcpy(&imm, code + 2, sizeof(imm));
		for (m = 0; m < 4; m++)
			if (imm == marks[m])
				qemu_plugin_register_vcpu_tb_exec_cb(tb, marked, QEMU_PLUGIN_CB_NO_REGS,
								     &marks[m]);
	}
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	struct block *b;

	if (!n)
		return;
	if (qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, 0)) < KERNEL_START) {
		usercode(tb, n);
		return;
	}
	b = calloc(1, sizeof(*b) + n * sizeof(b->pc[0]));
	if (!b)
		abort();
	b->n = n;
	for (i = 0; i < n; i++)
		b->pc[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
	pthread_mutex_lock(&lock);
	b->next = blocks;
	blocks = b;
	pthread_mutex_unlock(&lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
}

static void finished(qemu_plugin_id_t id, void *data)
{
	FILE *f = fopen(out, "w");
	struct block *b;
	size_t i;

	if (!f) {
		perror(out);
		return;
	}
	for (b = blocks; b; b = b->next)
		for (i = 0; (b->in[0] || b->in[1]) && i < b->n; i++)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->pc[i],
				(unsigned long long)b->in[0], (unsigned long long)b->in[1]);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = strdup(argv[i] + 4);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, NULL);
	return 0;
}
