/* vsock_peer's streams and addresses (vsock_peer_io.c). */
#ifndef APPVM_TESTS_VSOCK_PEER_IO_H
#define APPVM_TESTS_VSOCK_PEER_IO_H

#include <stddef.h>
#include <stdint.h>

#define FNV_INIT 0xcbf29ce484222325ull

/* Seeded byte stream: byte i of stream s depends only on (s, i). */
struct gen {
	uint64_t state;
	uint64_t word;
	unsigned left;
};

/* When a --stall reader stops next, and for how long: seeded per stream. */
struct stall {
	struct gen g;
	uint64_t seed;	  /* --stall S: 0 = never */
	uint64_t next_at; /* bytes read */
};

/* Seconds on the monotonic clock. */
double now_s(void);

void gen_init(struct gen *g, uint64_t seed);
uint8_t gen_byte(struct gen *g);
void gen_fill(struct gen *g, uint8_t *buf, size_t n);
uint32_t gen_u32(struct gen *g);

void stall_init(struct stall *st, uint64_t seed, uint64_t stream);
/* Returns how many ms to stop reading now that total bytes were read (0:
 * go on), and picks the next stop. */
unsigned stall_check(struct stall *st, uint64_t total);

uint64_t fnv(uint64_t h, const uint8_t *p, size_t n);
/* Writes all of buf; -1 on an error or a closed peer. */
int write_all(int fd, const void *buf, size_t len);
/* A connected stream to ADDR, or -1 with errno. */
int connect_addr(const char *addr);
/* A listening socket (or an open file:PATH) for ADDR, or -1 with errno. */
int listen_addr(const char *addr);

#endif
