/*
 * race.h - the runtime of a concurrent `mmsim oracle` program (a test with threads).
 * The generated program (OracleRaceProgram.swift) defines init_block, one function per
 * thread, finally_block and the condition's variables, then calls race_main.
 *
 * One iteration: main restores the test's files (when a thread changes them), runs init,
 * starts one pthread per test thread, each pinned to its own CPU (the guest has a vCPU
 * per thread; QEMU runs them on host threads, -accel tcg,thread=multi). The threads meet
 * at a barrier, then each waits a random delay before every statement. Main joins them
 * (with a time limit: a statement still blocked then is "blocked"), runs finally, reads
 * the kernel log since the iteration began, and counts the outcome: the values of the
 * condition's variables, written as the model writes its States, plus the classes of
 * kernel log lines (WARN, BUG, oops, Bad page, hung task). Iterations repeat until
 * MMSIM_ORACLE_RACE_ITERS (default 1000) or MMSIM_ORACLE_RACE_SECONDS (default 60),
 * whichever comes first; a test that unbinds a device runs once (the device is gone),
 * with delays on the scale of the removal (MMSIM_ORACLE_RACE_UNBIND_DELAY_US).
 *
 * Output (JSON lines, stdout):
 *   {"race":"outcome","state":"T0:n=8192 T1:r=0","log":"oops","count":N}
 *   {"race":"klog","line":"..."}          (the first distinct kernel log lines of note)
 *   {"race":"runs","runs":N,"seconds":S,"cpus":C}
 * gup/put run as vmsplice(2) of the pages into a pipe (get_user_pages_fast, a page
 * reference held by the pipe buffer) and the pipe's close (the references dropped).
 *
 * Processes (`process NAME`, threads `on NAME`): before the first iteration the program
 * forks one server per named process (r_serve). The variables, outcome values, barrier
 * and flags live in a MAP_SHARED region, so a server writes them where main reads them.
 * main asks a server, over its command pipe, to run one init/finally statement (the
 * generated remote function), to run a thread (the same r_thread as a pthread in main:
 * pinned to the thread's vCPU, then the process-shared barrier), or to unmap what it mapped
 * at the end of an iteration. `fork` is not supported.
 */
#include "runtime.h"
#include <pthread.h>
#include <sched.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>

#define R_MAXVARS 64
#define R_MAXOUT 256
#define R_MAXMAPS 64

#define R_MAXTIMES 64
#define R_MAXPROCS 8

/* A variable's value: unset (the thread died before it), a number, or a signal. */
struct r_value { int set; int sig; int64_t v; };

/* What every process of the test reads and writes: MAP_SHARED, set up before the servers
 * are forked (the names below are the fields). */
struct r_shared_state {
	struct r_value R[R_MAXVARS];
	volatile int finished[16];
	volatile pid_t tid[16];
	uint64_t t0, began[R_MAXTIMES], ended[R_MAXTIMES];
	const char *tname[R_MAXTIMES];
	int ntimes;
	pthread_barrier_t barrier;
};
static struct r_shared_state *r_sh;
#define R (r_sh->R)
#define r_finished (r_sh->finished)
#define r_tid (r_sh->tid)
#define r_t0 (r_sh->t0)
#define r_began (r_sh->began)
#define r_ended (r_sh->ended)
#define r_tname (r_sh->tname)
#define r_ntimes (r_sh->ntimes)
#define r_barrier (r_sh->barrier)

/* Zeroed memory that forked servers share with main (the generated variables V, r_sh). */
static void *r_shared(size_t n)
{
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) { perror("race: shared memory"); _exit(3); }
	return p;
}

/* Errno names as the model spells them (generated table). */
struct r_errno { int code; const char *name; };
static const struct r_errno *r_errnos;
static int r_nerrnos;

/* ------------------------------------------------------------ per-thread faults */
static __thread sigjmp_buf r_jmp;
static __thread volatile sig_atomic_t r_armed;

static void r_on_fault(int sig)
{
	if (r_armed) {
		r_armed = 0;
		siglongjmp(r_jmp, sig);
	}
	_exit(128 + sig);
}

/* load/store/touch: 0 or the signal, on whichever thread runs them. */
static int r_load(uint64_t addr, uint64_t *out)
{
	int sig = sigsetjmp(r_jmp, 1);
	if (sig) return sig;
	r_armed = 1;
	*out = *(volatile uint64_t *)addr;
	r_armed = 0;
	return 0;
}
static int r_store(uint64_t addr, uint64_t value)
{
	int sig = sigsetjmp(r_jmp, 1);
	if (sig) return sig;
	r_armed = 1;
	*(volatile uint64_t *)addr = value;
	r_armed = 0;
	return 0;
}
static int r_touch(uint64_t addr, uint64_t len, int write)
{
	static __thread volatile uint64_t a;
	a = addr & ~(PG - 1);
	int sig = sigsetjmp(r_jmp, 1);
	if (sig) return sig;
	r_armed = 1;
	for (; a < addr + len; a += PG) {
		if (write) write_touch((volatile unsigned char *)a);
		else (void)*(volatile unsigned char *)a;
	}
	r_armed = 0;
	return 0;
}

/* ------------------------------------------------------------------ delays */
static __thread uint64_t r_rng;
static uint64_t r_delay_ns = 50000;

static uint64_t r_next(void)
{
	r_rng ^= r_rng << 13;
	r_rng ^= r_rng >> 7;
	r_rng ^= r_rng << 17;
	return r_rng;
}
static uint64_t r_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}
static int r_once;            /* a run that removes a device: runs once */
/* A run that removes a device keeps when each thread statement began and returned (ns
 * since the threads started; 0: it never returned) and prints them: the order of the
 * removal and the release shows whether the removal waited. */
static void r_begin(int k, const char *name) { if (k < R_MAXTIMES) { r_tname[k] = name; r_began[k] = r_now_ns(); if (k >= r_ntimes) r_ntimes = k + 1; } }
static void r_end(int k) { if (k < R_MAXTIMES) r_ended[k] = r_now_ns(); }
static __thread int r_stmt;   /* statements this thread has started */
static __thread int r_index;  /* the thread's number: T0 is 0 */
/* A random wait of 0..MMSIM_ORACLE_RACE_DELAY_US, spinning (no sleep: the vCPU stays busy).
 * In a run that removes a device, thread Tn starts its first statement n x 20 ms after
 * the barrier (T0 first: the tests take their references in T0 and remove in T1) and
 * waits a random delay only between statements. */
static void r_delay(void)
{
	if (r_once && r_stmt++ == 0) {
		uint64_t until = r_now_ns() + (uint64_t)r_index * 20000000ULL;
		while (r_now_ns() < until) __asm__ volatile("pause");
		return;
	}
	if (!r_delay_ns) return;
	uint64_t until = r_now_ns() + r_next() % r_delay_ns;
	while (r_now_ns() < until) __asm__ volatile("pause");
}

/* ------------------------------------------------------------ gup and put */
static __thread int r_pipe[2] = {-1, -1};
static __thread long r_held;

/* gup ADDR pages=N: vmsplice the pages into this thread's pipe; the pages spliced or -1. */
static long r_gup(uint64_t addr, uint64_t pages, int *err)
{
	if (r_pipe[0] < 0 && pipe(r_pipe)) { *err = errno; return -1; }
	fcntl(r_pipe[1], F_SETPIPE_SZ, (int)(pages * PG > 65536 ? pages * PG : 65536));
	struct iovec iov = {(void *)addr, pages * PG};
	long n = vmsplice(r_pipe[1], &iov, 1, SPLICE_F_NONBLOCK);
	if (n < 0) { *err = errno; return -1; }
	r_held += n / (long)PG;
	return n / (long)PG;
}
/* put: close the pipe (its buffers drop their page references); how many were held. */
static long r_put(void)
{
	long n = r_held;
	if (r_pipe[0] >= 0) { close(r_pipe[0]); close(r_pipe[1]); }
	r_pipe[0] = r_pipe[1] = -1;
	r_held = 0;
	return n;
}

/* --------------------------------------------------------------- unbind */
/* unbind NAME: write the device to its driver's unbind file; the setup script wrote
 * "DRIVER-UNBIND-PATH DEVICE" to /tmp/oracle-dev-NAME (guest-lib.sh, o_pmem). */
static int r_unbound;
static long r_unbind(const char *name, int *err)
{
	char path[512], unb[400], dev[80];
	snprintf(path, sizeof path, "/tmp/oracle-dev-%s", name);
	FILE *f = fopen(path, "r");
	if (!f) { *err = ENODEV; return -1; }
	int ok = fscanf(f, "%399s %79s", unb, dev) == 2;
	fclose(f);
	if (!ok) { *err = ENODEV; return -1; }
	int fd = open(unb, O_WRONLY);
	if (fd < 0) { *err = errno; return -1; }
	r_unbound = 1;
	close(open("/tmp/oracle-unbound", O_WRONLY | O_CREAT, 0644));  /* the teardown leaves it mounted */
	long r = write(fd, dev, strlen(dev));
	*err = errno;
	close(fd);
	return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ file restore */
/* The file as the setup made it (contiguous: allocated and zeroed; hole: allocated only;
 * fragmented: written 4K at a time from the end; 3, a file on hugetlbfs: its size only,
 * no huge page allocated until a fault). */
static void r_file_reset(const char *path, uint64_t size, int layout)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) return;
	static char zero[1 << 16];
	if (layout == 3) {
		if (ftruncate(fd, (off_t)size)) {}
	} else if (layout == 2) {
		for (uint64_t off = size; off > 0; off -= PG) {
			if (pwrite(fd, zero, PG, (off_t)(off - PG)) < 0) break;
			fsync(fd);
		}
	} else {
		if (fallocate(fd, 0, 0, (off_t)size)) {}
		if (layout == 0)
			for (uint64_t off = 0; off < size; off += sizeof zero)
				if (pwrite(fd, zero, size - off < sizeof zero ? size - off : sizeof zero, (off_t)off) < 0) break;
	}
	fsync(fd);
	close(fd);
}

/* ------------------------------------------------------------ mappings made */
static uint64_t r_maps[R_MAXMAPS][2];
static int r_nmaps;
static void r_note_map(long addr, uint64_t len)
{
	if (addr > 0 && r_nmaps < R_MAXMAPS) { r_maps[r_nmaps][0] = (uint64_t)addr; r_maps[r_nmaps][1] = len; r_nmaps++; }
}
static void r_unmap_all(void)
{
	for (int i = 0; i < r_nmaps; i++) munmap((void *)r_maps[i][0], r_maps[i][1]);
	r_nmaps = 0;
}

/* ------------------------------------------------------------ values, outcome */
static void r_set(int slot, int64_t v) { R[slot].set = 1; R[slot].sig = 0; R[slot].v = v; }
static void r_set_sig(int slot, int sig) { R[slot].set = 1; R[slot].sig = sig; R[slot].v = 0; }
static int64_t r_ret(long r, int err) { return r >= 0 ? r : -(int64_t)err; }

/* A value as the model prints it (Value.description). */
static void r_show(char *out, size_t n, const struct r_value *x)
{
	if (!x->set) { snprintf(out, n, "?"); return; }
	if (x->sig) { snprintf(out, n, "%s", signame(x->sig)); return; }
	if (x->v < 0)
		for (int i = 0; i < r_nerrnos; i++)
			if (r_errnos[i].code == -x->v) { snprintf(out, n, "-%s", r_errnos[i].name); return; }
	if (x->v >= 0x10000) snprintf(out, n, "0x%llx", (unsigned long long)x->v);
	else snprintf(out, n, "%lld", (long long)x->v);
}

struct r_outcome { char state[512]; char log[96]; long count; };
static struct r_outcome r_out[R_MAXOUT];
static int r_nout;
static char r_klines[40][240];
static int r_nklines;

/* Kernel log classes of the lines since the last read (SYSLOG_ACTION_READ_CLEAR). */
static void r_klog(char *classes, size_t n)
{
	static char buf[1 << 18];
	int len = klogctl(4, buf, sizeof buf - 1);
	classes[0] = 0;
	if (len <= 0) return;
	buf[len] = 0;
	static const char *const pat[][2] = {
		{"WARNING:", "WARN"}, {"BUG:", "BUG"}, {"Oops", "oops"}, {"general protection", "oops"},
		{"Bad page", "Bad page"}, {"blocked for more than", "hung task"},
	};
	int seen[6] = {0};
	for (char *s = buf, *e; s && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, '\n');
		if (e) *e = 0;
		int note = 0;
		for (int i = 0; i < 6; i++)
			if (strstr(s, pat[i][0])) { seen[i] = 1; note = 1; }
		if (note || strstr(s, "RIP:") || strstr(s, "page:"))
			if (r_nklines < 40) {
				int dup = 0;
				const char *body = strchr(s, ']') ? strchr(s, ']') + 2 : s;
				for (int i = 0; i < r_nklines; i++) if (!strcmp(r_klines[i], body)) dup = 1;
				if (!dup) snprintf(r_klines[r_nklines++], sizeof r_klines[0], "%s", body);
			}
	}
	for (int i = 0; i < 6; i++) {
		int first = 1;
		for (int j = 0; j < i; j++) if (seen[j] && !strcmp(pat[j][1], pat[i][1])) first = 0;
		if (seen[i] && first) {
			if (classes[0]) strncat(classes, ",", n - strlen(classes) - 1);
			strncat(classes, pat[i][1], n - strlen(classes) - 1);
		}
	}
}

static void r_count(const char *state, const char *log)
{
	for (int i = 0; i < r_nout; i++)
		if (!strcmp(r_out[i].state, state) && !strcmp(r_out[i].log, log)) { r_out[i].count++; return; }
	if (r_nout == R_MAXOUT) return;
	snprintf(r_out[r_nout].state, sizeof r_out[0].state, "%s", state);
	snprintf(r_out[r_nout].log, sizeof r_out[0].log, "%s", log);
	r_out[r_nout++].count = 1;
}

static void r_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') putchar('\\');
		if ((unsigned char)*s >= 0x20) putchar(*s);
	}
	putchar('"');
}

/* ------------------------------------------------------------ the iterations */
typedef void (*r_block)(void);
static r_block *r_threads;
static int r_nthreads;

/* A thread still in the kernel after the limit: its kernel stack (/proc/.../stack), kept
 * with the kernel log lines. */
static void r_stack(int i)
{
	char path[96], line[200];
	snprintf(path, sizeof path, "/proc/%d/stack", (int)r_tid[i]);  /* main's or a server's */
	FILE *f = fopen(path, "r");
	if (!f) return;
	for (int n = 0; n < 12 && fgets(line, sizeof line, f) && r_nklines < 40; n++) {
		line[strcspn(line, "\n")] = 0;
		snprintf(r_klines[r_nklines++], sizeof r_klines[0], "blocked T%d: %s", i, line);
	}
	fclose(f);
}

static void *r_thread(void *arg)
{
	long i = (long)arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)(i % sysconf(_SC_NPROCESSORS_ONLN)), &set);
	sched_setaffinity(0, sizeof set, &set);
	/* the guest's clock is nearly the same from boot to boot: seed from the kernel's RNG */
	if (getrandom((void *)&r_rng, sizeof r_rng, GRND_NONBLOCK) != sizeof r_rng) r_rng = r_now_ns();
	r_rng ^= (uint64_t)i * 977 + 1;
	r_index = (int)i;
	r_tid[i] = gettid();
	pthread_barrier_wait(&r_barrier);
	if (i == 0) r_t0 = r_now_ns();
	r_threads[i]();
	r_put();
	r_finished[i] = 1;
	return NULL;
}

/* ------------------------------------------------------------ processes */
/* Commands on a server's pipe: a statement index (>= 0), or these. */
#define R_QUIT (-1)
#define R_UNMAP (-2)
#define R_THREAD0 (-100)     /* R_THREAD0 - i: run thread i */
static int r_cmd[R_MAXPROCS][2], r_ack[R_MAXPROCS][2];
static pid_t r_pid[R_MAXPROCS];
static int r_nprocs = 1;
static int (*r_remote_fn)(int k);

/* A server: the process of slot `slot` runs what main sends until told to quit. */
static void r_serve(int slot)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		int k, died = 0;
		if (read(r_cmd[slot][0], &k, sizeof k) != sizeof k || k == R_QUIT) _exit(0);
		if (k == R_UNMAP) r_unmap_all();
		else if (k <= R_THREAD0) r_thread((void *)(long)(R_THREAD0 - k));
		else died = r_remote_fn(k);
		if (write(r_ack[slot][1], &died, sizeof died) != sizeof died) _exit(3);
	}
}
static void r_send(int slot, int k)
{
	if (write(r_cmd[slot][1], &k, sizeof k) != sizeof k) { perror("race: server"); _exit(3); }
}
static int r_wait_ack(int slot)
{
	int died = 0;
	if (read(r_ack[slot][0], &died, sizeof died) != sizeof died) { perror("race: server"); _exit(3); }
	return died;
}
/* Statement k (init or finally) in process `slot`; 1 when a signal ended it. */
static int r_remote(int slot, int k)
{
	r_send(slot, k);
	return r_wait_ack(slot);
}
static void r_start_servers(int nprocs)
{
	r_nprocs = nprocs;
	for (int p = 1; p < nprocs; p++) {
		if (pipe(r_cmd[p]) || pipe(r_ack[p])) { perror("race: pipe"); _exit(3); }
		pid_t c = fork();
		if (c == 0) r_serve(p);
		r_pid[p] = c;
	}
}
/* The end of an iteration: main and every server unmap what they mapped. */
static void r_unmap_all_procs(void)
{
	r_unmap_all();
	for (int p = 1; p < r_nprocs; p++) r_remote(p, R_UNMAP);
}
static void r_stop_servers(int hard)
{
	for (int p = 1; p < r_nprocs; p++) {
		if (hard) kill(r_pid[p], SIGKILL);
		else r_send(p, R_QUIT);
	}
	if (!hard) while (wait(NULL) > 0) {}
}

/*
 * The generated program's entry: init, threads, finally, the state string of the
 * condition's variables (nvars slots named names[i]), the files to restore.
 */
static int race_main(r_block init, r_block *threads, int nthreads, r_block fin, int nvars,
		     const char *const *names, const struct r_errno *errnos, int nerrnos, int restores,
		     void (*restore)(void), int once, int nprocs, const int *thread_proc,
		     int (*remote)(int k))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = r_on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	r_errnos = errnos;
	r_nerrnos = nerrnos;
	r_threads = threads;
	r_nthreads = nthreads;
	r_remote_fn = remote;
	if (!r_sh) r_sh = r_shared(sizeof *r_sh);
	pthread_barrierattr_t battr;
	pthread_barrierattr_init(&battr);
	pthread_barrierattr_setpshared(&battr, PTHREAD_PROCESS_SHARED);
	r_start_servers(nprocs);
	const char *e;
	long iters = (e = getenv("MMSIM_ORACLE_RACE_ITERS")) ? atol(e) : 1000;
	double budget = (e = getenv("MMSIM_ORACLE_RACE_SECONDS")) ? atof(e) : 60;
	double block_s = (e = getenv("MMSIM_ORACLE_RACE_BLOCK_SECONDS")) ? atof(e) : 20;
	if ((e = getenv("MMSIM_ORACLE_RACE_DELAY_US"))) r_delay_ns = (uint64_t)atol(e) * 1000;
	if (once) {
		/* One run: the removed device cannot be set up again. Delays up to
		 * MMSIM_ORACLE_RACE_UNBIND_DELAY_US (default 2 s), longer than a removal under
		 * TCG (0.1-0.3 s), so a statement after the first usually falls after it. */
		iters = 1;
		r_once = 1;
		r_delay_ns = (uint64_t)((e = getenv("MMSIM_ORACLE_RACE_UNBIND_DELAY_US")) ? atol(e) : 2000000) * 1000;
	}
	uint64_t t0 = r_now_ns();
	char classes[96];
	r_klog(classes, sizeof classes);  /* start clean: earlier tests' lines are theirs */
	r_rng = t0 | 1;
	long runs = 0;
	int blocked = 0;
	while (runs < iters && (r_now_ns() - t0) / 1e9 < budget) {
		memset(R, 0, sizeof R);
		memset((void *)r_finished, 0, sizeof r_finished);
		if (runs > 0 && restores) restore();
		init();
		pthread_barrier_init(&r_barrier, &battr, (unsigned)nthreads);
		pthread_t tid[16];
		for (long i = 0; i < nthreads; i++)
			if (thread_proc[i]) r_send(thread_proc[i], R_THREAD0 - (int)i);
			else pthread_create(&tid[i], NULL, r_thread, (void *)i);
		uint64_t deadline = r_now_ns() + (uint64_t)(block_s * 1e9);
		for (;;) {
			int all = 1;
			for (int i = 0; i < nthreads; i++) all &= r_finished[i];
			if (all || r_now_ns() > deadline) { blocked = !all; break; }
			usleep(200);
		}
		char state[512] = "";
		for (int i = 0; blocked && i < nthreads; i++)
			if (!r_finished[i]) r_stack(i);
		if (!blocked) {
			for (int i = 0; i < nthreads; i++)
				if (thread_proc[i]) r_wait_ack(thread_proc[i]);
				else pthread_join(tid[i], NULL);
			fin();
		}
		for (int i = 0; i < nvars; i++) {
			char v[64];
			r_show(v, sizeof v, &R[i]);
			if (blocked && !R[i].set) snprintf(v, sizeof v, "blocked");
			size_t l = strlen(state);
			snprintf(state + l, sizeof state - l, "%s%s=%s", i ? " " : "", names[i], v);
		}
		if (!blocked && !r_once) r_unmap_all_procs();  /* once: after the results (below) */
		usleep(r_unbound ? 2000000 : 0);  /* a late oops after a device removal */
		r_klog(classes, sizeof classes);
		r_count(state, classes);
		runs++;
		if (blocked) break;
	}
	double secs = (r_now_ns() - t0) / 1e9;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 0; i < r_nout; i++) {
		printf("{\"race\":\"outcome\",\"state\":");
		r_json_str(r_out[i].state);
		printf(",\"log\":");
		r_json_str(r_out[i].log);
		printf(",\"count\":%ld}\n", r_out[i].count);
	}
	for (int i = 0; i < r_nklines; i++) {
		printf("{\"race\":\"klog\",\"line\":");
		r_json_str(r_klines[i]);
		printf("}\n");
	}
	if (r_once) {
		printf("{\"race\":\"timeline\",\"line\":\"");
		for (int k = 0, first = 1; k < r_ntimes; k++) {
			if (!r_tname[k]) continue;
			printf("%s%s %.0f-", first ? "" : ", ", r_tname[k], r_began[k] > r_t0 ? (r_began[k] - r_t0) / 1e6 : 0.0);
			if (r_ended[k]) printf("%.0f ms", (r_ended[k] - r_t0) / 1e6);
			else printf("(no return)");
			first = 0;
		}
		printf("\"}\n");
	}
	printf("{\"race\":\"runs\",\"runs\":%ld,\"seconds\":%.1f,\"cpus\":%ld,\"blocked\":%d}\n", runs, secs,
	       sysconf(_SC_NPROCESSORS_ONLN), blocked);
	fflush(stdout);
	/* The results are out: guest-init stops waiting for a program that hangs from here
	 * on. After a removal, unmapping the test's mappings is not a test statement (7.2
	 * oopses unmapping a fs-dax PMD of a removed namespace): it comes after the results. */
	close(open("/tmp/oracle-prog-done", O_WRONLY | O_CREAT, 0644));
	if (r_once && !blocked) r_unmap_all_procs();
	r_stop_servers(blocked);
	if (blocked) _exit(0);  /* a thread is stuck in the kernel: leave without joining it */
	return 0;
}
