/* Guest memory as the vhost-user front-end describes it: a small table of
 * regions, each known by its guest-physical address, the front-end's
 * virtual address and where this process mapped it. Pure: the table holds
 * pointers, the caller does the mapping. */
#ifndef APPVM_VSOCK_MEM_H
#define APPVM_VSOCK_MEM_H

#include <stdint.h>

/* qemu's pc machines present a handful of regions; 32 is what qemu asks
 * of back-ends that take regions one by one. */
#define VHOST_MEM_MAX_REGIONS 32

struct vhost_mem_region {
	uint64_t gpa;  /* guest-physical start */
	uint64_t size; /* bytes */
	uint64_t uva;  /* front-end (qemu) virtual start */
	uint8_t *host; /* where gpa is mapped in this process */
	/* the caller's bookkeeping for unmapping; not used here */
	void *map_addr;
	uint64_t map_len;
};

struct vhost_mem {
	unsigned n;
	struct vhost_mem_region r[VHOST_MEM_MAX_REGIONS];
};

/* Adds a region after checking it: non-empty, no wrap-around of gpa+size or
 * uva+size, no guest-physical overlap with a region already present.
 * Returns 0, -E2BIG when the table is full, or -EINVAL. */
int vhost_mem_add(struct vhost_mem *m, uint64_t gpa, uint64_t size, uint64_t uva, uint8_t *host);

/* Removes the region with exactly this gpa, size and uva, copying it to
 * *ret_region. Returns 0 or -ENOENT. */
int vhost_mem_remove(struct vhost_mem *m, uint64_t gpa, uint64_t size, uint64_t uva,
		     struct vhost_mem_region *ret_region);

/* Returns the host address of guest-physical [gpa, gpa+len) when the whole
 * range lies inside one region, else NULL. len 0 is a valid range. */
uint8_t *vhost_mem_gpa(const struct vhost_mem *m, uint64_t gpa, uint64_t len);

/* The same for a front-end virtual address (the ring addresses of
 * SET_VRING_ADDR are given that way). */
uint8_t *vhost_mem_uva(const struct vhost_mem *m, uint64_t uva, uint64_t len);

#endif
