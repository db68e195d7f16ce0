/*
 * runtime.h - the part of every `mmsim oracle` guest program that does not depend on the
 * test. The generated program (oracle/README.md) defines the statement table and includes
 * this file; the statements run in the order `mmsim run` runs them (init, T0, T1, ...,
 * finally), each in the process the test says.
 *
 * Processes: the first process is the conductor. It forks one server per process of the
 * test (main, each `process NAME`); a `fork` statement forks the server that runs it, and
 * the child serves the fork's variable. The conductor sends each statement's number to the
 * server of its process and waits for the answer, so the order is exactly the test's.
 * Variables live in a MAP_SHARED page every process sees.
 *
 * Output: one JSON object per statement on stdout:
 *   {"scope":"T0","index":3,"line":12,"op":"observe", ...result...}
 * results: "ret":N | "errno":"EFAULT" | "signal":"SIGBUS" | "value":"N" (load) |
 * the observe fields (see o_observe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#define PG 4096UL
#define PMD (2UL << 20)
#define MAXSLOTS 32
#define MAXVARS 512

/* Shared state: variables (value + set flag) and the pid of each process slot. */
struct shared {
	int64_t v[MAXVARS];
	unsigned char set[MAXVARS];
	pid_t pid[MAXSLOTS];
};
static struct shared *S;
static int cmd_pipe[MAXSLOTS][2];
static int ack_pipe[2];

/* ------------------------------------------------------------------ JSON line */
static char line_buf[16384];
static size_t line_len;

static void put(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line_buf + line_len, sizeof line_buf - line_len, fmt, ap);
	va_end(ap);
	if (n > 0) line_len += (size_t)n;
	if (line_len >= sizeof line_buf) line_len = sizeof line_buf - 1;
}
static void put_str(const char *key, const char *s)
{
	put(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') put("\\%c", *s);
		else if ((unsigned char)*s >= 0x20) put("%c", *s);
	}
	put("\"");
}
static void begin(const char *scope, int index, int line, const char *op)
{
	line_len = 0;
	put("{\"scope\":\"%s\",\"index\":%d,\"line\":%d,\"op\":\"%s\"", scope, index, line, op);
}
static void finish(void)
{
	put("}\n");
	if (write(1, line_buf, line_len) < 0) _exit(3);
}
static const char *errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "EUNKNOWN";
}
/* A syscall's result: the number, or the errno's name. */
static void put_ret(long r, int err)
{
	if (r < 0) put_str("errno", errname(err));
	else put(",\"ret\":%ld", r);
}

/* ------------------------------------------------------------ guarded accesses */
static sigjmp_buf access_jmp;
static volatile sig_atomic_t access_armed;

static void on_fault(int sig)
{
	if (access_armed) {
		access_armed = 0;
		siglongjmp(access_jmp, sig);
	}
	_exit(128 + sig);
}
static const char *signame(int sig) { return sig == SIGBUS ? "SIGBUS" : sig == SIGSEGV ? "SIGSEGV" : "SIG?"; }

/* A locked add of 0: one write access (a write fault on a missing page, no read fault
 * first), and the data is unchanged. */
static inline void write_touch(volatile unsigned char *p)
{
	__asm__ volatile("lock; addb $0, %0" : "+m"(*p) : : "memory");
}

/* load ADDR: 0 and *out, or the signal. */
static int o_load(uint64_t addr, uint64_t *out)
{
	int sig = sigsetjmp(access_jmp, 1);
	if (sig) return sig;
	access_armed = 1;
	*out = *(volatile uint64_t *)addr;
	access_armed = 0;
	return 0;
}
/* store ADDR value=V: 0 or the signal. */
static int o_store(uint64_t addr, uint64_t value)
{
	int sig = sigsetjmp(access_jmp, 1);
	if (sig) return sig;
	access_armed = 1;
	*(volatile uint64_t *)addr = value;
	access_armed = 0;
	return 0;
}
/* touch ADDR len=S [write]: one access per page, as the model does. */
static int o_touch(uint64_t addr, uint64_t len, int write)
{
	static volatile uint64_t a;
	a = addr & ~(PG - 1);
	int sig = sigsetjmp(access_jmp, 1);
	if (sig) return sig;
	access_armed = 1;
	for (; a < addr + len; a += PG) {
		if (write) write_touch((volatile unsigned char *)a);
		else (void)*(volatile unsigned char *)a;
	}
	access_armed = 0;
	return 0;
}

/* ------------------------------------------------------------------ mmap */
/* kind: 0 anon, 1 a path. align: 0 or the alignment; at: nonzero for at=ADDR. */
/*
 * `mmap packet_ring len=S`: an AF_PACKET socket with a TPACKET_V2 RX ring of S/4K blocks of
 * one page each. packet_mmap() maps the ring with vm_insert_page(), so the vma is
 * VM_MIXEDMAP over ordinary kernel pages. Protocol 0 binds no protocol: the socket receives
 * nothing and the ring stays as packet_set_ring() allocated it (zeroed).
 */
#define O_PACKET_RING ((const char *)1)

static int o_packet_ring(uint64_t len, int *err)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) { *err = errno; return -1; }
	int version = TPACKET_V2;
	struct tpacket_req req = {
		.tp_block_size = PG,
		.tp_block_nr = (unsigned)((len + PG - 1) / PG),
		.tp_frame_size = PG / 2,
		.tp_frame_nr = (unsigned)((len + PG - 1) / PG) * 2,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req)) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static long o_mmap(const char *path, uint64_t len, int prot, int shared, int populate, int sync,
		   uint64_t align, int has_at, uint64_t at, uint64_t off, int *err)
{
	int flags = shared ? MAP_SHARED : MAP_PRIVATE;
	if (sync) flags = MAP_SHARED_VALIDATE | MAP_SYNC;
	if (populate) flags |= MAP_POPULATE;
	int fd = -1;
	if (path == O_PACKET_RING) {
		fd = o_packet_ring(len, err);
		if (fd < 0) return -1;
	} else if (path) {
		fd = open(path, O_RDWR);
		if (fd < 0) { *err = errno; return -1; }
	} else {
		flags |= MAP_ANONYMOUS;
	}
	void *hint = NULL;
	void *reserve = MAP_FAILED;
	uint64_t rlen = 0;
	if (has_at) {
		hint = (void *)at;
		flags |= MAP_FIXED_NOREPLACE;
	} else if (align > PG) {
		/* over-allocate, then map at the aligned address inside and trim */
		rlen = len + align;
		reserve = mmap(NULL, rlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (reserve == MAP_FAILED) { *err = errno; if (fd >= 0) close(fd); return -1; }
		hint = (void *)(((uint64_t)reserve + align - 1) & ~(align - 1));
		flags |= MAP_FIXED;
	}
	void *p = mmap(hint, len, prot, flags, fd, (off_t)off);
	*err = errno;
	if (fd >= 0) close(fd);
	if (reserve != MAP_FAILED) {
		uint64_t r0 = (uint64_t)reserve, a = (uint64_t)hint, e = a + ((len + PG - 1) & ~(PG - 1));
		if (p == MAP_FAILED) munmap(reserve, rlen);
		else {
			if (a > r0) munmap(reserve, a - r0);
			if (r0 + rlen > e) munmap((void *)e, r0 + rlen - e);
		}
	}
	return p == MAP_FAILED ? -1 : (long)(uint64_t)p;
}

/* ------------------------------------------------------------------ observe */
struct smaps_entry {
	int found;
	long rss, anon, anon_huge, shmem_pmd, file_pmd;
	char flags[256];
};
static void read_smaps(uint64_t addr, struct smaps_entry *s)
{
	memset(s, 0, sizeof *s);
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f) return;
	char line[512];
	int in = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char dash;
		if (sscanf(line, "%lx%c%lx ", &lo, &dash, &hi) == 3 && dash == '-' && strchr(line, ' ')) {
			if (in) break;
			in = addr >= lo && addr < hi;
			s->found |= in;
			continue;
		}
		if (!in) continue;
		long v;
		char key[64];
		if (!strncmp(line, "VmFlags:", 8)) {
			char *p = line + 8;
			while (*p == ' ') p++;
			p[strcspn(p, "\n")] = 0;
			size_t n = strlen(p);
			while (n && p[n - 1] == ' ') p[--n] = 0;
			snprintf(s->flags, sizeof s->flags, "%s", p);
		} else if (sscanf(line, "%63[^:]: %ld", key, &v) == 2) {
			if (!strcmp(key, "Rss")) s->rss = v;
			if (!strcmp(key, "Anonymous")) s->anon = v;
			if (!strcmp(key, "AnonHugePages")) s->anon_huge = v;
			if (!strcmp(key, "ShmemPmdMapped")) s->shmem_pmd = v;
			if (!strcmp(key, "FilePmdMapped")) s->file_pmd = v;
		}
	}
	fclose(f);
}
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_PFN ((1ULL << 55) - 1)
#define KPF_COMPOUND_HEAD (1ULL << 15)
#define KPF_COMPOUND_TAIL (1ULL << 16)
#define KPF_HUGE (1ULL << 17)
#define KPF_NOPAGE (1ULL << 20)
#define KPF_THP (1ULL << 22)
#define KPF_ZERO_PAGE (1ULL << 24)

static int has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);
	for (const char *p = flags; (p = strstr(p, f)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
	return 0;
}

/*
 * observe ADDR. User space cannot read the page tables, so the level is inferred:
 *  - pagemap not present: "none"; in a VM_PFNMAP vma pagemap does not walk at all: "?"
 *    (not observable);
 *  - present, and the 2M-aligned window around ADDR lies in the vma with all 512 entries
 *    present, their pfns contiguous from a 2M-aligned pfn: a PMD candidate. It is "pmd"
 *    when the page is a THP / hugetlb / huge zero page (kpageflags) and the vma counts a
 *    PMD mapping in smaps (AnonHugePages, ShmemPmdMapped or FilePmdMapped) or it is the
 *    huge zero page; for pages kpageflags cannot describe (ZONE_DEVICE: NOPAGE or beyond
 *    max_pfn) when pagemap sets PM_FILE, which it does at PMD level (pmd_page()) but not
 *    for a devmap PTE (vm_normal_page() is NULL there);
 *  - otherwise "pte".
 * "how" says which rule decided.
 */
static void o_observe(uint64_t addr)
{
	struct smaps_entry s;
	read_smaps(addr, &s);
	uint64_t win[512];
	memset(win, 0, sizeof win);
	uint64_t base = addr & ~(PMD - 1), e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, win, sizeof win, (off_t)(base / PG) * 8) != (ssize_t)sizeof win)
			memset(win, 0, sizeof win);
		close(fd);
	}
	e = win[(addr - base) / PG];
	uint64_t pfn = (e & PM_PRESENT) ? (e & PM_PFN) : 0;
	uint64_t kpf = 0;
	int kpf_ok = 0;
	if (pfn) {
		int kf = open("/proc/kpageflags", O_RDONLY);
		if (kf >= 0) {
			kpf_ok = pread(kf, &kpf, 8, (off_t)pfn * 8) == 8;
			close(kf);
		}
	}
	const char *level = "none", *how = "pagemap not present";
	if (!s.found) {
		how = "no vma";
	} else if (!(e & PM_PRESENT)) {
		if (has_flag(s.flags, "pf")) { level = "?"; how = "VM_PFNMAP: pagemap does not walk it"; }
	} else {
		int candidate = 1;
		uint64_t p0 = win[0] & PM_PFN;
		for (int i = 0; i < 512 && candidate; i++)
			if (!(win[i] & PM_PRESENT) || (win[i] & PM_PFN) != p0 + (uint64_t)i) candidate = 0;
		if (p0 % 512) candidate = 0;
		/* the window must be inside the vma: its smaps range is re-read cheaply */
		if (candidate) {
			struct smaps_entry lo, hi;
			read_smaps(base, &lo);
			read_smaps(base + PMD - 1, &hi);
			candidate = lo.found && hi.found;
		}
		level = "pte";
		how = "not a 2M-aligned run of 512 contiguous pfns";
		if (candidate) {
			int described = kpf_ok && !(kpf & KPF_NOPAGE);
			if (described) {
				int huge = (kpf & (KPF_THP | KPF_HUGE)) != 0;
				int zero = (kpf & KPF_ZERO_PAGE) != 0;
				int counted = s.anon_huge + s.shmem_pmd + s.file_pmd > 0;
				if (huge && (zero || counted)) { level = "pmd"; how = "THP/huge zero page, counted"; }
				else how = "run of 512 pfns but no PMD mapping counted";
			} else if (e & PM_FILE) {
				level = "pmd"; how = "device page with PM_FILE (pmd_page)";
			} else {
				how = "device page without PM_FILE (devmap pte)";
			}
		}
	}
	put_str("level", level);
	put(",\"Rss\":%ld,\"AnonHugePages\":%ld,\"FilePmdMapped\":%ld,\"Anonymous\":%ld", s.rss,
	    s.anon_huge, s.file_pmd, s.anon);
	put(",\"ShmemPmdMapped\":%ld", s.shmem_pmd);
	put_str("VmFlags", s.flags);
	put(",\"present\":%d,\"file\":%d,\"pfn\":%llu", (e & PM_PRESENT) ? 1 : 0, (e & PM_FILE) ? 1 : 0,
	    (unsigned long long)pfn);
	if (kpf_ok) put(",\"kpageflags\":\"0x%llx\"", (unsigned long long)kpf);
	put_str("how", how);
}

/* ------------------------------------------------------------- other syscalls */
static long o_dio(const char *path, int write_op, uint64_t buf, uint64_t len, uint64_t off, int *err)
{
	int fd = open(path, (write_op ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) { *err = errno; return -1; }
	ssize_t r = write_op ? pwrite(fd, (void *)buf, len, (off_t)off) : pread(fd, (void *)buf, len, (off_t)off);
	*err = errno;
	close(fd);
	return r;
}
static long o_process_vm_readv(int slot, uint64_t addr, uint64_t len, int *err)
{
	void *local = aligned_alloc(PG, (len + PG - 1) & ~(PG - 1));
	struct iovec l = {local, len}, r = {(void *)addr, len};
	long n = process_vm_readv(S->pid[slot], &l, 1, &r, 1, 0);
	*err = errno;
	free(local);
	return n;
}
static long o_punch(const char *path, uint64_t off, uint64_t len, int *err)
{
	int fd = open(path, O_RDWR);
	if (fd < 0) { *err = errno; return -1; }
	long r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
	*err = errno;
	close(fd);
	return r;
}

/* ---------------------------------------------------------- processes, order */
static void set_var(int slot, int64_t v) { S->v[slot] = v; S->set[slot] = 1; }
/* generated: 1 when a signal ended the block, -1 in the child of a fork */
static int run_statement(int k, int *my_slot);

static void serve(int slot)
{
	int my_slot = slot;
	S->pid[slot] = getpid();
	for (;;) {
		int k;
		if (read(cmd_pipe[my_slot][0], &k, sizeof k) != sizeof k || k < 0) _exit(0);
		int died = run_statement(k, &my_slot);
		if (died < 0) continue; /* the child of a fork: its parent answers */
		if (write(ack_pipe[1], &died, sizeof died) != sizeof died) _exit(3);
	}
}
/* fork: the child serves `child_slot`; the parent returns the child's pid. */
static long o_fork(int *my_slot, int child_slot, int *err)
{
	pid_t p = fork();
	if (p == 0) { *my_slot = child_slot; S->pid[child_slot] = getpid(); return 0; }
	*err = errno;
	return p;
}
static void spawn_server(int slot)
{
	pid_t p = fork();
	if (p == 0) serve(slot);
	S->pid[slot] = p;
}

/* Generated tables: statement count, the slot of each statement (-1: the conductor makes
 * process slot `spawns[k]`; -2: nothing to run), the block each belongs to (a signal
 * skips the rest of it). */
static int conduct(int n, const int *slot_of, const int *spawns, const int *block_of, int nslots)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S == MAP_FAILED || pipe(ack_pipe)) return 3;
	for (int i = 0; i < nslots; i++)
		if (pipe(cmd_pipe[i])) return 3;
	spawn_server(0);
	int dead_block = -1;
	for (int k = 0; k < n; k++) {
		if (block_of[k] == dead_block) continue;
		if (slot_of[k] == -2) continue; /* setup (done before) or the model's assert */
		if (slot_of[k] == -1) {
			spawn_server(spawns[k]);
			continue;
		}
		if (write(cmd_pipe[slot_of[k]][1], &k, sizeof k) != sizeof k) return 3;
		int died = 0;
		if (read(ack_pipe[0], &died, sizeof died) != sizeof died) {
			line_len = 0;
			put("{\"lost\":%d}\n", k);
			finish();
			return 4;
		}
		if (died) dead_block = block_of[k];
	}
	/* every server holds every pipe: tell each one to quit instead of waiting for EOF */
	int quit = -1;
	for (int i = 0; i < nslots; i++)
		if (S->pid[i] > 0 && write(cmd_pipe[i][1], &quit, sizeof quit) != sizeof quit) return 3;
	while (wait(NULL) > 0) {}
	return 0;
}
