/* reader.c - any capture, item by item, through the same sources as the stage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

struct feeds_reader {
	struct feeds_capture cap;
	struct feeds_src *src; /* NULL: ITCH day file */
	enum feeds_format fmt;
	int failed;
	char err[512];
	struct feeds_stats st;
};

int feeds_reader_open(const char *path, struct feeds_reader **ret, char *err, size_t errlen)
{
	struct feeds_reader *r = core_alloc(sizeof(*r), CORE_CACHE_LINE);
	if (!r) {
		core_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	int rc = feeds_capture_open(&r->cap, path, err, errlen);
	if (rc < 0)
		goto fail_free;
	if (r->cap.len == 0) {
		core_errf(err, errlen, "%s: empty file: no market data in it", path);
		rc = -EINVAL;
		goto fail_close;
	}
	r->fmt = feeds_format_detect(r->cap.data, r->cap.len);
	rc = feeds__src_open(&r->cap, &r->src, err, errlen);
	if (rc < 0)
		goto fail_close;
	if (r->src && r->fmt == FEEDS_FMT_ITCH)
		r->fmt = FEEDS_FMT_OTHER;
	*ret = r;
	return 0;
fail_close:
	feeds_capture_close(&r->cap);
fail_free:
	core_free(r);
	return rc;
}

int feeds_reader_next(struct feeds_reader *r, struct feeds_itch_msg *ret_msg,
		      struct md_event *ret_ev, uint8_t *ret_flags, char *err, size_t errlen)
{
	if (r->failed) {
		core_errf(err, errlen, "%s", r->err);
		return r->failed;
	}
	int rc;
	if (ret_flags)
		*ret_flags = 0;
	if (!r->src) {
		rc = feeds_capture_next(&r->cap, ret_msg, r->err, sizeof(r->err));
		if (rc == 0) {
			r->st.total++;
			r->st.by_type[ret_msg->type & 127]++;
			r->st.bytes += 2u + ret_msg->len;
			return FEEDS_READ_ITCH;
		}
	} else {
		struct feeds_item it;
		do
			rc = r->src->ops->next(r->src, &it, r->err, sizeof(r->err));
		while (rc == FEEDS_SRC_AGAIN);
		if (rc == 0 && it.kind == FEEDS_ITEM_ITCH) {
			*ret_msg = it.msg;
			if (ret_flags)
				*ret_flags = it.flags;
			r->st.total++;
			r->st.by_type[it.msg.type & 127]++;
			r->st.bytes += it.msg.len;
			return FEEDS_READ_ITCH;
		}
		if (rc == 0) {
			*ret_ev = it.ev;
			r->st.events++;
			return FEEDS_READ_EVENT;
		}
	}
	if (rc == CORE_EOF)
		return CORE_EOF;
	r->failed = rc;
	core_errf(err, errlen, "%s", r->err);
	return rc;
}

enum feeds_format feeds_reader_format(const struct feeds_reader *r)
{
	return r->fmt;
}

void feeds_reader_stats(const struct feeds_reader *r, struct feeds_stats *ret)
{
	*ret = r->st;
	if (r->src && r->src->ops->stats)
		r->src->ops->stats(r->src, ret);
}

size_t feeds_reader_bytes(const struct feeds_reader *r)
{
	return r->cap.len;
}

struct feeds_reader *feeds_reader_close(struct feeds_reader *r)
{
	if (!r)
		return NULL;
	if (r->src)
		r->src->ops->close(r->src);
	feeds_capture_close(&r->cap);
	core_free(r);
	return NULL;
}

int feeds_reader_dayfile(const char *path, unsigned char **ret, size_t *ret_len,
			 uint64_t *ret_events, char *err, size_t errlen)
{
	struct feeds_reader *rd;
	int r = feeds_reader_open(path, &rd, err, errlen);
	if (r < 0)
		return r;
	size_t cap = feeds_reader_bytes(rd) + 64, len = 0;
	uint64_t events = 0;
	unsigned char *buf = malloc(cap);
	struct feeds_itch_msg m;
	struct md_event ev;
	while (buf && (r = feeds_reader_next(rd, &m, &ev, NULL, err, errlen)) > 0 &&
	       r != CORE_EOF) {
		if (r != FEEDS_READ_ITCH) {
			events++;
			continue;
		}
		if (cap - len < 2u + m.len) {
			unsigned char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		core_put_be16(buf + len, m.len);
		memcpy(buf + len + 2, m.raw, m.len);
		len += 2u + m.len;
	}
	feeds_reader_close(rd);
	if (!buf) {
		core_errf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	if (ret_events)
		*ret_events = events;
	return 0;
}
