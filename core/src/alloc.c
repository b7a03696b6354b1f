/* alloc.c - the one allocation hook libraries use (setup paths only), and the
 * one error formatter. */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void *core_alloc(size_t size, size_t align)
{
	void *p = NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	size = (size + align - 1) / align * align;
	if (size == 0 || posix_memalign(&p, align, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

void core_free(void *p)
{
	free(p);
}

void core_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
