/* feeds_int.h - private helpers shared by the feeds sources. */
#ifndef OSPREY_FEEDS_INT_H
#define OSPREY_FEEDS_INT_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf into a caller's error buffer; tolerates err == NULL or errlen == 0. */
void feeds__errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
