// What Glibc does not import into Swift: epoll, accept4 (needs _GNU_SOURCE), eventfd and signalfd.
#ifndef CSAIGA_SHIMS_H
#define CSAIGA_SHIMS_H

#include <stdint.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

int csaiga_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
int csaiga_epoll_create(void);
int csaiga_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits for events; fills parallel arrays of event masks and data words. Returns the count, or -1 (errno set).
int csaiga_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max, int timeout_ms);
int csaiga_eventfd(void);
/// A signalfd for SIGINT, SIGTERM and SIGHUP, which are blocked in the calling thread (call before other threads
/// start so they inherit the mask).
int csaiga_signalfd_for_shutdown_and_reload(void);
/// Reads one signal from a signalfd; returns the signal number, 0 if none is pending, -1 on error.
int csaiga_read_signal(int fd);

extern const uint32_t CSAIGA_EPOLLIN;
extern const uint32_t CSAIGA_EPOLLOUT;
extern const uint32_t CSAIGA_EPOLLERR;
extern const uint32_t CSAIGA_EPOLLHUP;
extern const uint32_t CSAIGA_EPOLLRDHUP;
extern const int CSAIGA_EPOLL_CTL_ADD;
extern const int CSAIGA_EPOLL_CTL_MOD;
extern const int CSAIGA_EPOLL_CTL_DEL;
extern const int CSAIGA_SOCK_NONBLOCK;
extern const int CSAIGA_SOCK_CLOEXEC;

#endif
