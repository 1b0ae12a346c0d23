#include "vhost_mem.h"

#include <errno.h>
#include <stddef.h>

/* True when [a, a+alen) and [b, b+blen) share a byte; neither wraps. */
static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int vhost_mem_add(struct vhost_mem *m, uint64_t gpa, uint64_t size, uint64_t uva, uint8_t *host)
{
	if (m->n >= VHOST_MEM_MAX_REGIONS)
		return -E2BIG;
	if (size == 0 || host == NULL)
		return -EINVAL;
	if (gpa > UINT64_MAX - size || uva > UINT64_MAX - size)
		return -EINVAL;
	if ((uintptr_t)host > UINTPTR_MAX - size)
		return -EINVAL;
	/* Guest-physical ranges must be distinct. Front-end addresses may
	 * repeat (one RAM block seen at two guest addresses); every lookup is
	 * still bounded by the region it matched. */
	for (unsigned i = 0; i < m->n; i++) {
		if (ranges_overlap(gpa, size, m->r[i].gpa, m->r[i].size))
			return -EINVAL;
	}
	m->r[m->n++] =
	    (struct vhost_mem_region){.gpa = gpa, .size = size, .uva = uva, .host = host};
	return 0;
}

int vhost_mem_remove(struct vhost_mem *m, uint64_t gpa, uint64_t size, uint64_t uva,
		     struct vhost_mem_region *ret_region)
{
	for (unsigned i = 0; i < m->n; i++) {
		if (m->r[i].gpa == gpa && m->r[i].size == size && m->r[i].uva == uva) {
			*ret_region = m->r[i];
			m->r[i] = m->r[--m->n];
			return 0;
		}
	}
	return -ENOENT;
}

/* Offset-based so that no addition can overflow: addr is inside the region
 * when addr - start < size, and the range fits when len <= size - offset. */
static uint8_t *lookup(const struct vhost_mem *m, uint64_t addr, uint64_t len, int by_uva)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vhost_mem_region *r = &m->r[i];
		uint64_t start = by_uva ? r->uva : r->gpa;
		if (addr < start)
			continue;
		uint64_t off = addr - start;
		if (off > r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

uint8_t *vhost_mem_gpa(const struct vhost_mem *m, uint64_t gpa, uint64_t len)
{
	return lookup(m, gpa, len, 0);
}

uint8_t *vhost_mem_uva(const struct vhost_mem *m, uint64_t uva, uint64_t len)
{
	return lookup(m, uva, len, 1);
}
