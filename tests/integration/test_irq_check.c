/*
 * test_irq_check - the device interrupts on hot cpus (tools/irq_check.h),
 * from two /proc/interrupts texts written here: only numbered lines count,
 * only on the cpus given (unpinned and repeated ones skipped), most first;
 * a file without the CPU header is refused; and the live file parses.
 */
#undef NDEBUG
#include "irq_check.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

int main(void)
{
	char a[] = "/tmp/osprey-irq-a.XXXXXX", b[] = "/tmp/osprey-irq-b.XXXXXX";
	assert(mkstemp(a) >= 0 && mkstemp(b) >= 0);
	put(a, "           CPU0       CPU1       CPU2\n"
	       " 26:          0         16          0  IO-APIC   4-edge      ttyS0\n"
	       " 36:          0    1000000          5  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	       " 41:      15286          0          0  PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	       "LOC:   85461281   74634296        100   Local timer interrupts\n"
	       "CAL:    2543938    3608959        100   Function call interrupts\n");
	put(b, "           CPU0       CPU1       CPU2\n"
	       " 26:          0         17          0  IO-APIC   4-edge      ttyS0\n"
	       " 36:          0    1001452          5  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	       " 41:      15300          0          0  PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	       " 50:          0          3          9  PCI-MSIX-0000:00:06.0   0-edge      new-device\n"
	       "LOC:   85461999   74639999        999   Local timer interrupts\n"
	       "CAL:    2549999    3609999        999   Function call interrupts\n");
	static struct irq_snap sa, sb;
	assert(irq_snapshot(a, &sa) == 0 && irq_snapshot(b, &sb) == 0);
	assert(sa.ncpu == 3 && sa.n == 3 && sb.n == 4);
	assert(!strcmp(sb.line[1].irq, "36") && !strcmp(sb.line[1].name, "virtio1-req.0"));
	assert(sb.line[1].count[1] == 1001452);

	struct irq_hit h[4];
	int cpus[] = { 1, -1, 1 }; /* cpu 1 twice, one unpinned */
	unsigned n = irq_hot(&sa, &sb, cpus, 3, h, 4);
	assert(n == 3); /* 36, 26 and the new 50 on cpu 1; timers and IPIs are not devices */
	assert(h[0].cpu == 1 && !strcmp(h[0].irq, "36") && h[0].count == 1452);
	assert(!strcmp(h[1].irq, "50") && h[1].count == 3); /* a line new since a: all of it */
	assert(!strcmp(h[2].irq, "26") && h[2].count == 1);
	int zero[] = { 0 };
	n = irq_hot(&sa, &sb, zero, 1, h, 4);
	assert(n == 1 && !strcmp(h[0].name, "virtio3-rx") && h[0].count == 14);
	assert(irq_hot(&sa, &sb, cpus + 1, 1, h, 4) == 0); /* unpinned: nothing to say */
	assert(irq_hot(&sa, &sb, cpus, 3, h, 1) == 3 && !strcmp(h[0].irq, "36")); /* cap */

	put(a, "no header here\n 36: 1 2 x\n");
	assert(irq_snapshot(a, &sa) == -EINVAL);
	assert(irq_snapshot("/nonexistent/interrupts", &sa) == -ENOENT);
	if (irq_snapshot("/proc/interrupts", &sa) == 0)
		assert(sa.ncpu >= 1);
	unlink(a);
	unlink(b);
	puts("irq_check: device interrupts on hot cpus counted, named and ordered");
	return 0;
}
