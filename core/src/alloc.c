/* alloc.c - the one allocation hook libraries use (setup paths only). */
#include "core.h"

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
