#define _GNU_SOURCE
#include "CSaigaShims.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

const uint32_t CSAIGA_EPOLLIN = EPOLLIN;
const uint32_t CSAIGA_EPOLLOUT = EPOLLOUT;
const uint32_t CSAIGA_EPOLLERR = EPOLLERR;
const uint32_t CSAIGA_EPOLLHUP = EPOLLHUP;
const uint32_t CSAIGA_EPOLLRDHUP = EPOLLRDHUP;
const int CSAIGA_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int CSAIGA_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int CSAIGA_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const int CSAIGA_SOCK_NONBLOCK = SOCK_NONBLOCK;
const int CSAIGA_SOCK_CLOEXEC = SOCK_CLOEXEC;

int csaiga_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int csaiga_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int csaiga_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int csaiga_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        events[i] = evs[i].events;
        data[i] = evs[i].data.u64;
    }
    return n;
}

int csaiga_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int csaiga_signalfd_for_shutdown_and_reload(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0) return -1;
    return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int csaiga_read_signal(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}
