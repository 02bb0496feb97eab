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
 *
 * Offsets and lengths are bytes, multiples of ALIGN.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
    fputs("usage: qbp-odirect write FILE OFFSET | read FILE OFFSET LENGTH | "
          "probe FILE\n", stderr);
    return 2;
}
