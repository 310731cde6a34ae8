/* metrics_http.c - the /metrics and /healthz responder (see metrics_http.h).
 * Each connection: read until the blank line ending the request head (or
 * the cap), build the whole response in a buffer, write it as the socket
 * accepts, close.  Every connection ends in conn_close(), exactly once. */
#include "metrics_http.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "metrics.h"

#define REQ_MAX 8192
#define CONN_MAX 32
#define CONN_TIMEOUT 5.0
#define RESP_MAX ((size_t)4 << 20)

typedef struct conn {
    struct mhttp *m;
    int fd;
    ev_io io;
    ev_timer timer;
    char req[REQ_MAX + 1];
    size_t rlen;
    buf_t resp;
    size_t sent;
} conn;

struct mhttp {
    struct ev_loop *loop;
    int fd, port, nconn;
    ev_io accept_io;
    char worker[72], version[32];
    void (*collect)(void *);
    void *ud;
    conn *conns[CONN_MAX];
};

static void conn_close(conn *c)
{
    mhttp *m = c->m;
    ev_io_stop(m->loop, &c->io);
    ev_timer_stop(m->loop, &c->timer);
    close(c->fd);
    buf_free(&c->resp);
    for (int i = 0; i < CONN_MAX; i++)
        if (m->conns[i] == c) m->conns[i] = NULL;
    m->nconn--;
    free(c);
}

static void respond(conn *c, int code, const char *reason, const char *ctype, const char *body, size_t len)
{
    buf_init(&c->resp, RESP_MAX + 1024);
    buf_printf(&c->resp, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
               code, reason, ctype, len);
    buf_append(&c->resp, body, len);
}

static void route(conn *c)
{
    char method[8] = "", path[256] = "";
    if (sscanf(c->req, "%7s %255s", method, path) != 2) {
        respond(c, 400, "Bad Request", "text/plain", "bad request\n", 12);
        return;
    }
    char *q = strchr(path, '?');
    if (q) *q = '\0';
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (get && !strcmp(path, "/metrics")) {
        mhttp *m = c->m;
        if (m->collect) m->collect(m->ud);
        buf_t body;
        buf_init(&body, RESP_MAX);
        if (mx_render(&body, m->worker, m->version)) {
            buf_free(&body);
            respond(c, 500, "Internal Server Error", "text/plain", "render failed\n", 14);
            return;
        }
        respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body.p, body.len);
        buf_free(&body);
    } else if (get && !strcmp(path, "/healthz")) {
        respond(c, 200, "OK", "text/plain", "ok\n", 3);
    } else if (!get) {
        respond(c, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
    } else {
        respond(c, 404, "Not Found", "text/plain", "try /metrics\n", 13);
    }
    if (!strcmp(method, "HEAD")) { /* headers only */
        char *end = strstr(c->resp.p, "\r\n\r\n");
        if (end) c->resp.len = (size_t)(end + 4 - c->resp.p);
    }
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    conn *c = w->data;
    while (c->sent < c->resp.len) {
        ssize_t n = send(c->fd, c->resp.p + c->sent, c->resp.len - c->sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) break;
        c->sent += (size_t)n;
    }
    conn_close(c);
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    conn *c = w->data;
    ssize_t n = recv(c->fd, c->req + c->rlen, REQ_MAX - c->rlen, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    c->rlen += (size_t)n;
    c->req[c->rlen] = '\0';
    if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n")) {
        if (c->rlen < REQ_MAX) return;
        respond(c, 431, "Request Header Fields Too Large", "text/plain", "too large\n", 10);
    } else {
        route(c);
    }
    ev_io_stop(loop, &c->io);
    ev_io_set(&c->io, c->fd, EV_WRITE);
    ev_set_cb(&c->io, on_write);
    ev_io_start(loop, &c->io);
}

static void on_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    conn_close(t->data);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    mhttp *m = w->data;
    for (;;) {
        int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int slot = -1;
        for (int i = 0; i < CONN_MAX && slot < 0; i++)
            if (!m->conns[i]) slot = i;
        conn *c = slot >= 0 ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            close(fd);
            continue;
        }
        c->m = m, c->fd = fd;
        m->conns[slot] = c;
        m->nconn++;
        ev_io_init(&c->io, on_read, fd, EV_READ);
        ev_timer_init(&c->timer, on_timeout, CONN_TIMEOUT, 0.);
        c->io.data = c->timer.data = c;
        ev_io_start(loop, &c->io);
        ev_timer_start(loop, &c->timer);
    }
}

static int open_listener(const char *addr, int *port, char *err, int errlen)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1] || (size_t)(colon - addr) >= sizeof host) {
        snprintf(err, (size_t)errlen, "--metrics-listen wants HOST:PORT, got '%s'", addr);
        return -1;
    }
    size_t hl = (size_t)(colon - addr);
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') memmove(host, host + 1, hl - 2), host[hl - 2] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int g = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (g) {
        snprintf(err, (size_t)errlen, "--metrics-listen %s: %s", addr, gai_strerror(g));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
        snprintf(err, (size_t)errlen, "--metrics-listen %s: %s", addr, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char serv[16] = "0";
    if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
        getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, serv, sizeof serv, NI_NUMERICSERV);
    *port = atoi(serv);
    return fd;
}

mhttp *mhttp_start(struct ev_loop *loop, const char *addr, const char *worker_id, const char *version,
                   void (*collect)(void *), void *ud, char *err, int errlen)
{
    mhttp *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, (size_t)errlen, "out of memory");
        return NULL;
    }
    if ((m->fd = open_listener(addr, &m->port, err, errlen)) < 0) {
        free(m);
        return NULL;
    }
    m->loop = loop, m->collect = collect, m->ud = ud;
    snprintf(m->worker, sizeof m->worker, "%s", worker_id);
    snprintf(m->version, sizeof m->version, "%s", version);
    ev_io_init(&m->accept_io, on_accept, m->fd, EV_READ);
    m->accept_io.data = m;
    ev_io_start(loop, &m->accept_io);
    log_kv("info", "metrics_listening", "worker=%s addr=%s port=%d", worker_id, addr, m->port);
    return m;
}

int mhttp_port(const mhttp *m) { return m ? m->port : 0; }

void mhttp_stop(mhttp *m)
{
    if (!m) return;
    for (int i = 0; i < CONN_MAX; i++)
        if (m->conns[i]) conn_close(m->conns[i]);
    ev_io_stop(m->loop, &m->accept_io);
    close(m->fd);
    free(m);
}
