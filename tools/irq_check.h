/*
 * irq_check.h - which device interrupts land on the hot threads' cpus.
 *
 * A hot thread pinned to a cpu that also services a device's interrupts
 * (on these VMs the disk's completions land on cpu 1) stops for each one:
 * with a database, the AMZN day's tick-to-order p99 is 25 us on cpu 1 and
 * 3 us on cpu 0 (BENCHMARKS.md). The engine counts /proc/interrupts before
 * and after a run and reports the device lines (numbered IRQs; not the
 * per-cpu timer and IPI lines) that fired on a hot cpu, so an operator can
 * move the IRQ (/proc/irq/N/smp_affinity_list) or the thread ([threads] cpus).
 *
 * Memory: the caller owns every struct. Threads: any. Library-style: never
 * prints. Results: 0 or -errno (the file cannot be read: no counts, not an
 * error of the run).
 */
#ifndef OSPREY_IRQ_CHECK_H
#define OSPREY_IRQ_CHECK_H

#include <stdint.h>

#define IRQ_MAX_CPUS 64
#define IRQ_MAX_LINES 256

struct irq_snap {
	unsigned ncpu, n;
	struct {
		char irq[12];   /* "36" */
		char name[40];  /* the last field: "virtio1-req.0" */
		uint64_t count[IRQ_MAX_CPUS];
	} line[IRQ_MAX_LINES];
};

/* One device interrupt that fired on a hot cpu between two snapshots. */
struct irq_hit {
	int cpu;
	char irq[12];
	char name[40];
	uint64_t count;
};

/* irq_snapshot - read path (/proc/interrupts). 0 or -errno (-EINVAL: no
 * "CPU0 ..." header line). Lines past IRQ_MAX_LINES and cpus past
 * IRQ_MAX_CPUS are not kept. */
int irq_snapshot(const char *path, struct irq_snap *ret);

/* irq_hot - device interrupts counted on cpus[0..ncpus) (negative entries:
 * unpinned, skipped) between a and b, into hits (at most cap, largest first).
 * Returns how many were found (can exceed cap). */
unsigned irq_hot(const struct irq_snap *a, const struct irq_snap *b, const int *cpus,
		 unsigned ncpus, struct irq_hit *hits, unsigned cap);

#endif /* OSPREY_IRQ_CHECK_H */
