/* The floor for an in-process echo benchmark (docs/BENCHMARKS.md, "Echo server (issue 14)", interpretation): the shape
 * of GreenProc's `echo` mode and gevent's bench_echo.py (the server and its clients in one process, on one thread, one
 * epoll set, level-triggered), in C: CONNS loopback connections, each ROUNDS round trips of 1 byte, one in flight.
 * Per round trip: the client's write, an epoll_wait, the server's read and write, an epoll_wait, the client's read.
 * With "try", each side also tries a read right after its write and gets EAGAIN, as a green socket's receive does
 * (try the call first, wait for readiness only when it would block): the cost of those two syscalls alone.
 * Not run by bench/run.sh. gcc -O2 -o bench/out/echo_inproc bench/native/echo_inproc.c
 *   taskset -c 0 bench/out/echo_inproc 1 100000 [try]      Prints one JSON line like echo_epoll.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVER 0x80000000u

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void nb(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }
static void die(const char *what) { perror(what); exit(1); }

/* The read a green receive tries right after a send: nothing can have come back yet. */
static void try_read(int fd, char *buf) {
    if (read(fd, buf, 65536) >= 0 || errno != EAGAIN) die("try read: expected EAGAIN");
}

int main(int argc, char **argv) {
    int conns = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 100000;
    int try_first = argc > 3 && strcmp(argv[3], "try") == 0, one = 1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(ls, (void *)&a, sizeof a) || listen(ls, 4096) || getsockname(ls, (void *)&a, &al)) die("listen");
    int *c = calloc(conns, sizeof(int)), *s = calloc(conns, sizeof(int)), *left = calloc(conns, sizeof(int));
    int ep = epoll_create1(0);
    for (int i = 0; i < conns; i++) {
        c[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c[i], (void *)&a, sizeof a)) die("connect");
        if ((s[i] = accept(ls, NULL, NULL)) < 0) die("accept");
        setsockopt(c[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        nb(c[i]); nb(s[i]);
        struct epoll_event ce = { .events = EPOLLIN, .data.u32 = i }, se = { .events = EPOLLIN, .data.u32 = i | SERVER };
        epoll_ctl(ep, EPOLL_CTL_ADD, c[i], &ce); epoll_ctl(ep, EPOLL_CTL_ADD, s[i], &se);
    }
    char buf[65536] = "x";
    double t0 = now();
    int active = conns;
    for (int i = 0; i < conns; i++) {
        left[i] = rounds;
        if (write(c[i], buf, 1) != 1) die("write");
        if (try_first) try_read(c[i], buf);
    }
    struct epoll_event ev[256];
    while (active > 0) {
        int n = epoll_wait(ep, ev, 256, -1);
        for (int k = 0; k < n; k++) {
            unsigned id = ev[k].data.u32, i = id & ~SERVER;
            if (id & SERVER) { /* echo it back */
                ssize_t r = read(s[i], buf, sizeof buf);
                if (r <= 0) die("server read");
                if (write(s[i], buf, r) != r) die("server write");
                if (try_first) try_read(s[i], buf);
                continue;
            }
            if (read(c[i], buf, sizeof buf) != 1) die("client read");
            if (--left[i] == 0) { active--; continue; }
            if (write(c[i], buf, 1) != 1) die("write");
            if (try_first) try_read(c[i], buf);
        }
    }
    double dt = now() - t0;
    long total = (long)conns * rounds;
    printf("{\"bench\": \"echo_inproc\", \"conns\": %d, \"rounds\": %d, \"size\": 1, \"try_first\": %d, \"seconds\": %.4f, \"round_trips_per_s\": %.0f, \"us_per_round_trip\": %.2f}\n",
           conns, rounds, try_first, dt, total / dt, dt / total * 1e6);
    return 0;
}
