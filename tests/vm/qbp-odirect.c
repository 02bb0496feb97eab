/*
 * qbp-odirect: the test guest's O_DIRECT I/O, built with gcc -static into
 * its initramfs.  busybox dd has oflag=direct, but it quietly drops
 * O_DIRECT and retries when a request is refused with EINVAL, so it cannot
 * prove that the guest's requests bypassed its page cache.  This one never
 * falls back: any refusal is an error.
 *
 *   qbp-odirect write FILE OFFSET          stdin to FILE at OFFSET
 *   qbp-odirect read FILE OFFSET LENGTH    LENGTH bytes of FILE to stdout
 *   qbp-odirect probe FILE                 an unaligned O_DIRECT read of
 *                                          FILE must be refused
 *   qbp-odirect scatter FILE OFFSET THREADS
 *                                          stdin to FILE at OFFSET in pieces
 *                                          of 4-64 KiB in a shuffled order,
 *                                          written by THREADS threads spread
 *                                          over the CPUs (so over the disk's
 *                                          queues), then read back whole and
 *                                          compared sector by sector
 *   qbp-odirect stream FILE OFFSET COUNT BLOCK PAUSE_MS
 *                                          COUNT writes of BLOCK bytes one
 *                                          after the other from OFFSET,
 *                                          with O_DSYNC, PAUSE_MS apart;
 *                                          block i holds the 64-bit little
 *                                          endian number i + 1 over and
 *                                          over; prints "QBP acked N" once
 *                                          the Nth write completed
 *
 * Offsets and lengths are bytes, multiples of ALIGN.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest logical block size the guest's disks may have. */
#define ALIGN 4096
#define CHUNK (1024 * 1024)

static void die(const char *what, const char *file)
{
    fprintf(stderr, "qbp-odirect: %s %s: %s\n", what, file, strerror(errno));
    exit(1);
}

static uint64_t parse_u64(const char *s)
{
    char *end;
    uint64_t v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v % ALIGN) {
        fprintf(stderr, "qbp-odirect: '%s' is not a multiple of %d\n", s,
                ALIGN);
        exit(2);
    }
    return v;
}

/* Open FILE with O_DIRECT and make sure the kernel kept the flag. */
static int open_direct(const char *file, int flags)
{
    int fd = open(file, flags | O_DIRECT, 0644);

    if (fd < 0) {
        die("cannot open", file);
    }
    if (!(fcntl(fd, F_GETFL) & O_DIRECT)) {
        errno = EINVAL;
        die("O_DIRECT is not in effect on", file);
    }
    return fd;
}

/* read() until LEN bytes or end of input; the count read. */
static size_t read_full(int fd, char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            die("cannot read", "standard input");
        }
        if (n == 0) {
            break;
        }
        done += (size_t)n;
    }
    return done;
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            die("cannot write", "standard output");
        }
        buf += n;
        len -= (size_t)n;
    }
}

static int do_write(const char *file, uint64_t offset, char *buf)
{
    int fd = open_direct(file, O_WRONLY | O_CREAT);
    size_t n;

    while ((n = read_full(STDIN_FILENO, buf, CHUNK)) > 0) {
        if (n % ALIGN) {
            fprintf(stderr, "qbp-odirect: input is not a multiple of %d "
                    "bytes\n", ALIGN);
            return 1;
        }
        if (pwrite(fd, buf, n, (off_t)offset) != (ssize_t)n) {
            die("O_DIRECT write failed on", file);
        }
        offset += n;
    }
    if (fsync(fd) < 0) {
        die("fsync failed on", file);
    }
    close(fd);
    return 0;
}

static int do_read(const char *file, uint64_t offset, uint64_t length,
                   char *buf)
{
    int fd = open_direct(file, O_RDONLY);

    while (length > 0) {
        size_t n = length < CHUNK ? (size_t)length : CHUNK;
        if (pread(fd, buf, n, (off_t)offset) != (ssize_t)n) {
            die("O_DIRECT read failed on", file);
        }
        write_all(STDOUT_FILENO, buf, n);
        offset += n;
        length -= n;
    }
    close(fd);
    return 0;
}

/* ---- scatter: many writers at once, each on its own CPU ---- */

/* Input up to this size is held in memory whole. */
#define SCATTER_MAX (64 * 1024 * 1024)
#define SECTOR 512

typedef struct Piece {
    uint64_t at;        /* offset in the input */
    uint32_t len;
} Piece;

typedef struct Scatter {
    const char *file;
    int fd;
    uint64_t offset;
    const char *data;
    Piece *pieces;
    size_t npieces;
    atomic_size_t next;
    int ncpus;
} Scatter;

typedef struct Writer {
    Scatter *sc;
    int index;
} Writer;

/* A fixed sequence, so a failing run can be repeated exactly. */
static uint64_t xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static void *scatter_writer(void *opaque)
{
    Writer *w = opaque;
    Scatter *sc = w->sc;
    cpu_set_t cpus;
    size_t i;

    CPU_ZERO(&cpus);
    CPU_SET(w->index % sc->ncpus, &cpus);
    sched_setaffinity(0, sizeof(cpus), &cpus);
    while ((i = atomic_fetch_add(&sc->next, 1)) < sc->npieces) {
        const Piece *p = &sc->pieces[i];
        if (pwrite(sc->fd, sc->data + p->at, p->len,
                   (off_t)(sc->offset + p->at)) != (ssize_t)p->len) {
            die("O_DIRECT write failed on", sc->file);
        }
    }
    return NULL;
}

static int do_scatter(const char *file, uint64_t offset, int nthreads)
{
    Scatter sc = { .file = file, .offset = offset };
    pthread_t threads[16];
    Writer writers[16];
    char *data, *back;
    uint64_t len, at, state = 0x9e3779b97f4a7c15ULL;
    size_t bad = 0;

    if (nthreads < 1 || nthreads > 16) {
        fputs("qbp-odirect: THREADS must be 1 to 16\n", stderr);
        return 2;
    }
    if (posix_memalign((void **)&data, ALIGN, SCATTER_MAX) != 0 ||
        posix_memalign((void **)&back, ALIGN, SCATTER_MAX) != 0) {
        fputs("qbp-odirect: out of memory\n", stderr);
        return 1;
    }
    len = read_full(STDIN_FILENO, data, SCATTER_MAX);
    if (len == 0 || len % ALIGN) {
        fprintf(stderr, "qbp-odirect: input must be 1 to %d bytes, a multiple "
                "of %d\n", SCATTER_MAX, ALIGN);
        return 1;
    }
    sc.data = data;
    sc.pieces = calloc(len / ALIGN, sizeof(*sc.pieces));
    if (!sc.pieces) {
        fputs("qbp-odirect: out of memory\n", stderr);
        return 1;
    }
    for (at = 0; at < len; ) {
        uint32_t n = (uint32_t)(1 + xorshift(&state) % 16) * ALIGN;
        if (n > len - at) {
            n = (uint32_t)(len - at);
        }
        sc.pieces[sc.npieces].at = at;
        sc.pieces[sc.npieces].len = n;
        sc.npieces++;
        at += n;
    }
    for (size_t i = sc.npieces - 1; i > 0; i--) {
        size_t j = xorshift(&state) % (i + 1);
        Piece t = sc.pieces[i];
        sc.pieces[i] = sc.pieces[j];
        sc.pieces[j] = t;
    }
    sc.ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (sc.ncpus < 1) {
        sc.ncpus = 1;
    }
    atomic_init(&sc.next, 0);
    sc.fd = open_direct(file, O_RDWR);
    for (int t = 0; t < nthreads; t++) {
        writers[t].sc = &sc;
        writers[t].index = t;
        errno = pthread_create(&threads[t], NULL, scatter_writer, &writers[t]);
        if (errno) {
            die("cannot start a writer thread for", file);
        }
    }
    for (int t = 0; t < nthreads; t++) {
        pthread_join(threads[t], NULL);
    }
    if (fsync(sc.fd) < 0) {
        die("fsync failed on", file);
    }
    for (at = 0; at < len; at += CHUNK) {
        size_t n = len - at < CHUNK ? (size_t)(len - at) : CHUNK;
        if (pread(sc.fd, back + at, n, (off_t)(offset + at)) != (ssize_t)n) {
            die("O_DIRECT read failed on", file);
        }
    }
    close(sc.fd);
    for (at = 0; at < len; at += SECTOR) {
        if (memcmp(data + at, back + at, SECTOR)) {
            if (!bad) {
                fprintf(stderr, "qbp-odirect: sector at byte %" PRIu64
                        " reads back other bytes than were written\n",
                        offset + at);
            }
            bad++;
        }
    }
    printf("%zu-pieces-%d-threads-%d-cpus-%zu-bad-sectors\n", sc.npieces,
           nthreads, sc.ncpus, bad);
    free(sc.pieces);
    free(data);
    free(back);
    return bad ? 1 : 0;
}

/*
 * One write at a time, each acknowledged by the disk (O_DSYNC) before it is
 * reported: the host may then count every reported write as durable.
 */
static int do_stream(const char *file, uint64_t offset, uint64_t count,
                     uint64_t block, int pause_ms, char *buf)
{
    int fd = open_direct(file, O_WRONLY | O_DSYNC);

    if (block == 0 || block > CHUNK) {
        fprintf(stderr, "qbp-odirect: a stream block is 4 KiB to 1 MiB\n");
        return 2;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t v = i + 1;

        for (uint64_t at = 0; at < block; at += 8) {
            for (int b = 0; b < 8; b++) {
                buf[at + b] = (char)(v >> (8 * b));
            }
        }
        if (pwrite(fd, buf, block, (off_t)(offset + i * block)) !=
            (ssize_t)block) {
            die("O_DIRECT write failed on", file);
        }
        printf("QBP acked %" PRIu64 "\n", v);
        fflush(stdout);
        usleep((useconds_t)pause_ms * 1000);
    }
    close(fd);
    return 0;
}

/* A page cache read would take 1000 bytes; O_DIRECT must refuse them. */
static int do_probe(const char *file, char *buf)
{
    int fd = open_direct(file, O_RDONLY);
    ssize_t n = pread(fd, buf, 1000, 0);

    if (n >= 0 || errno != EINVAL) {
        fprintf(stderr, "qbp-odirect: an unaligned O_DIRECT read of %s "
                "returned %zd (%s), not EINVAL\n", file, n,
                n < 0 ? strerror(errno) : "success");
        return 1;
    }
    close(fd);
    puts("refuses-unaligned");
    return 0;
}

int main(int argc, char **argv)
{
    char *buf;

    if (posix_memalign((void **)&buf, ALIGN, CHUNK) != 0) {
        fputs("qbp-odirect: out of memory\n", stderr);
        return 1;
    }
    if (argc == 4 && !strcmp(argv[1], "write")) {
        return do_write(argv[2], parse_u64(argv[3]), buf);
    }
    if (argc == 5 && !strcmp(argv[1], "read")) {
        return do_read(argv[2], parse_u64(argv[3]), parse_u64(argv[4]), buf);
    }
    if (argc == 3 && !strcmp(argv[1], "probe")) {
        return do_probe(argv[2], buf);
    }
    if (argc == 5 && !strcmp(argv[1], "scatter")) {
        return do_scatter(argv[2], parse_u64(argv[3]), atoi(argv[4]));
    }
    if (argc == 7 && !strcmp(argv[1], "stream")) {
        return do_stream(argv[2], parse_u64(argv[3]), strtoull(argv[4], NULL, 0),
                         parse_u64(argv[5]), atoi(argv[6]), buf);
    }
    fputs("usage: qbp-odirect write FILE OFFSET | read FILE OFFSET LENGTH | "
          "probe FILE | scatter FILE OFFSET THREADS | "
          "stream FILE OFFSET COUNT BLOCK PAUSE_MS\n", stderr);
    return 2;
}
