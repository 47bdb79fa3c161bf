/*
 * Holds a write lease on a file: any other process that opens it blocks in open(2) until the
 * lease is released or the kernel breaks it (/proc/sys/fs/lease-break-time, 45 s by default).
 * This is how the tests make a store read that hangs, as on a stuck network mount.
 * Prints "leased" once the lease is held, then waits to be killed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: hold_write_lease FILE\n");
        return 2;
    }
    signal(SIGIO, SIG_IGN); /* the kernel's lease-break notice must not end us */
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) {
        perror("open");
        return 3;
    }
    if (fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
        perror("F_SETLEASE");
        return 4;
    }
    printf("leased\n");
    fflush(stdout);
    for (;;) {
        pause();
    }
}
