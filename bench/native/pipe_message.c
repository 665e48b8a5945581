/*
 * GreenProc bench: message-sized pipe transfer in C, the anchor for gipc's large messages.
 *
 * ../shared/bench/native/pipe_throughput.c reads every chunk into the start of one buffer, so a 64 MiB "message"
 * never exists in the reader: whatever the write size, the reader touches only the first pipe-full of its buffer,
 * which stays in cache. A message receiver has to hold the whole message. Here the reader fills its message buffer
 * from the start to the end, once per message (the same buffer each time, as a pooled receiver would), so the
 * destination of every copy is as large as the message. Otherwise the same method: writer = parent, reader = forked
 * child, blocking fds, a handshake before the clock starts, and the clock stops when the child reports the last byte.
 *
 * Build:  gcc -O2 -o pipe_message pipe_message.c
 * Usage:  pipe_message -w MESSAGE_BYTES [-t MiB] [-p PIPE_SIZE] [-r REPS] [-c same]
 * Output: one line with the MiB/s of each repetition and their median.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void put(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            perror("write");
            exit(1);
        }
        p += k;
        n -= (size_t)k;
    }
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t message = 65536, mib = 1024;
    int pipe_size = 0, reps = 3, opt, same_cpu = 0;
    while ((opt = getopt(argc, argv, "w:t:p:r:c:")) != -1) {
        if (opt == 'w') message = strtoul(optarg, NULL, 0);
        else if (opt == 't') mib = strtoul(optarg, NULL, 0);
        else if (opt == 'p') pipe_size = atoi(optarg);
        else if (opt == 'r') reps = atoi(optarg);
        else if (opt == 'c') same_cpu = strcmp(optarg, "same") == 0;
        else return 2;
    }
    if (same_cpu) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(0, &cpus);
        sched_setaffinity(0, sizeof cpus, &cpus);
    }

    size_t total = mib << 20, messages = total / message;
    char *out = malloc(message), *in = malloc(message);
    memset(out, 'm', message);
    memset(in, 0, message);
    double *rates = calloc((size_t)reps, sizeof *rates);
    for (int rep = 0; rep < reps; rep++) {
        int data[2], back[2];
        if (pipe(data) != 0 || pipe(back) != 0) {
            perror("pipe");
            return 1;
        }
        if (pipe_size > 0 && fcntl(data[1], F_SETPIPE_SZ, pipe_size) < 0) {
            perror("F_SETPIPE_SZ");
            return 1;
        }
        pid_t child = fork();
        if (child == 0) {
            close(data[1]);
            close(back[0]);
            put(back[1], "r", 1);
            for (size_t m = 0; m < messages; m++) {
                size_t have = 0;
                while (have < message) {
                    ssize_t k = read(data[0], in + have, message - have);
                    if (k < 0 && errno == EINTR)
                        continue;
                    if (k <= 0) {
                        fprintf(stderr, "reader: %s\n", k == 0 ? "early end of stream" : strerror(errno));
                        _exit(1);
                    }
                    have += (size_t)k;
                }
            }
            put(back[1], "d", 1);
            _exit(0);
        }
        close(data[0]);
        close(back[1]);
        char c;
        if (read(back[0], &c, 1) != 1)
            return 1;
        double t0 = seconds();
        for (size_t m = 0; m < messages; m++)
            put(data[1], out, message);
        if (read(back[0], &c, 1) != 1)
            return 1;
        rates[rep] = (double)(messages * message) / (1 << 20) / (seconds() - t0);
        waitpid(child, NULL, 0);
        close(data[1]);
        close(back[0]);
    }
    printf("message=%zu pipe_size=%d cpu=%s MiB/s:", message, pipe_size, same_cpu ? "same" : "default");
    for (int i = 0; i < reps; i++)
        printf(" %.0f", rates[i]);
    qsort(rates, (size_t)reps, sizeof *rates, by_value);
    printf("  median=%.0f MiB/s\n", reps % 2 ? rates[reps / 2] : (rates[reps / 2 - 1] + rates[reps / 2]) / 2);
    return 0;
}
