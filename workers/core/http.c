/* A minimal HTTP/1.0 responder for the three operations endpoints. It reads
 * the request line, ignores headers, answers and closes. One thread waits
 * on every client at once (up to RDR_HTTP_CLIENTS, the oldest giving way
 * to a new one), each for a second at most (RDR_HTTP_CLIENT_MS): clients
 * that connect and send nothing (a port scan, a TCP health check, a
 * stuck scraper) do not hold the probes back. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "log.h"

struct rdr_http_s {
        int fd;
        int port;
        int stop_pipe[2];
        pthread_t thread;
        rdr_metrics_t *m;
        rdr_http_probe_t *health, *ready;
        void *opaque;
};

static void write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                p += w;
                n -= (size_t)w;
        }
}

static void respond(int fd, int status, const char *ctype, const char *body) {
        char head[256];
        size_t blen = strlen(body);
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
                         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                         status,
                         status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                                         : "Service Unavailable",
                         ctype, blen);
        write_all(fd, head, (size_t)n);
        write_all(fd, body, blen);
}

/* A client has this long to send its request line, and again to read
 * the answer (a slow one must not starve the probes); this many wait at
 * once. */
#define RDR_HTTP_CLIENT_MS 1000
#define RDR_HTTP_CLIENTS 16

typedef struct client_s {
        int fd;
        size_t got;
        int64_t until;
        char req[1024];
} client_t;

/* Answer the request line req on cfd. */
static void answer(rdr_http_t *h, int cfd, const char *req) {
        char why[512], body[600];
        if (strncmp(req, "GET ", 4)) {
                respond(cfd, 405, "text/plain", "only GET\n");
                return;
        }
        if (!strncmp(req + 4, "/metrics", 8) &&
            (req[12] == ' ' || req[12] == '?')) {
                char *text = rdr_metrics_render(h->m);
                respond(cfd, text ? 200 : 503,
                        "text/plain; version=0.0.4; charset=utf-8",
                        text ? text : "render failed\n");
                free(text);
        } else if (!strncmp(req + 4, "/healthz ", 9) ||
                   !strncmp(req + 4, "/readyz ", 8)) {
                int is_ready = req[5] == 'r';
                rdr_http_probe_t *probe = is_ready ? h->ready : h->health;
                int ok;
                why[0] = '\0';
                ok = probe ? probe(h->opaque, why, sizeof(why)) : 1;
                snprintf(body, sizeof(body), "%s%s%s\n", ok ? "ok" : "not ok",
                         why[0] ? ": " : "", why);
                respond(cfd, ok ? 200 : 503, "text/plain", body);
        } else {
                respond(cfd, 404, "text/plain",
                        "try /metrics, /healthz or /readyz\n");
        }
}

/* Read what client c sent: 1 when it is done with (answered, gone or
 * out of time), 0 while its request line is still coming. */
static int client_read(rdr_http_t *h, client_t *c, int readable, int64_t now) {
        if (readable) {
                ssize_t r =
                    read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
                if (r <= 0)
                        return 1;
                c->got += (size_t)r;
                if (memchr(c->req, '\n', c->got) ||
                    c->got == sizeof(c->req) - 1) {
                        c->req[c->got] = '\0';
                        answer(h, c->fd, c->req);
                        return 1;
                }
        }
        return now >= c->until;
}

static void *http_main(void *arg) {
        rdr_http_t *h = arg;
        static const struct timeval tv = {RDR_HTTP_CLIENT_MS / 1000,
                                          (RDR_HTTP_CLIENT_MS % 1000) * 1000};
        client_t *cl = calloc(RDR_HTTP_CLIENTS, sizeof(*cl));
        size_t n = 0, i;
        if (!cl)
                return NULL;
        for (;;) {
                struct pollfd pfds[2 + RDR_HTTP_CLIENTS];
                int64_t now = rdr_mono_ms();
                int wait = -1;
                pfds[0] = (struct pollfd){h->fd, POLLIN, 0};
                pfds[1] = (struct pollfd){h->stop_pipe[0], POLLIN, 0};
                for (i = 0; i < n; i++) {
                        int64_t left = cl[i].until - now;
                        pfds[2 + i] = (struct pollfd){cl[i].fd, POLLIN, 0};
                        if (left < 0)
                                left = 0;
                        if (wait < 0 || left < wait)
                                wait = (int)left;
                }
                if (poll(pfds, 2 + n, wait) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfds[1].revents)
                        break;
                now = rdr_mono_ms();
                /* Backwards: the last client takes a finished one's
                 * place, and was seen already. */
                for (i = n; i-- > 0;)
                        if (client_read(h, &cl[i], pfds[2 + i].revents != 0,
                                        now)) {
                                close(cl[i].fd);
                                cl[i] = cl[--n];
                        }
                if (pfds[0].revents & POLLIN) {
                        int cfd = accept(h->fd, NULL, NULL);
                        if (cfd < 0)
                                continue;
                        if (n == RDR_HTTP_CLIENTS) {
                                /* The one waiting longest gives way. */
                                size_t old = 0;
                                for (i = 1; i < n; i++)
                                        if (cl[i].until < cl[old].until)
                                                old = i;
                                close(cl[old].fd);
                                cl[old] = cl[--n];
                        }
                        setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv,
                                   sizeof(tv));
                        cl[n].fd = cfd;
                        cl[n].got = 0;
                        cl[n].until = now + RDR_HTTP_CLIENT_MS;
                        n++;
                }
        }
        for (i = 0; i < n; i++)
                close(cl[i].fd);
        free(cl);
        return NULL;
}

/* The addresses of listen_addr ("host:port", "[v6]:port", ":port"):
 * 0, or -1 with the reason in errstr. */
static int resolve(const char *listen_addr, struct addrinfo **ai, char *errstr,
                   size_t errstr_size) {
        struct addrinfo hints;
        char host[256];
        const char *colon = strrchr(listen_addr, ':');
        size_t n = colon ? (size_t)(colon - listen_addr) : 0;
        int rc;
        *ai = NULL;
        if (!colon || n >= sizeof(host)) {
                snprintf(errstr, errstr_size, "'%s': expected host:port",
                         listen_addr);
                return -1;
        }
        /* An IPv6 address in brackets, as in a URL. */
        if (n >= 2 && listen_addr[0] == '[' && listen_addr[n - 1] == ']') {
                memcpy(host, listen_addr + 1, n - 2);
                host[n - 2] = '\0';
        } else {
                memcpy(host, listen_addr, n);
                host[n] = '\0';
        }
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, ai);
        if (rc) {
                snprintf(errstr, errstr_size, "'%s': %s", listen_addr,
                         gai_strerror(rc));
                return -1;
        }
        return 0;
}

int rdr_http_check_listen(const char *listen_addr, char *errstr,
                          size_t errstr_size) {
        struct addrinfo *ai;
        if (resolve(listen_addr, &ai, errstr, errstr_size))
                return -1;
        freeaddrinfo(ai);
        return 0;
}

rdr_http_t *rdr_http_start(const char *listen_addr, rdr_metrics_t *m,
                           rdr_http_probe_t *health, rdr_http_probe_t *ready,
                           void *opaque, char *errstr, size_t errstr_size) {
        rdr_http_t *h = calloc(1, sizeof(*h));
        struct addrinfo *ai = NULL;
        char why[512];
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int one = 1;
        if (!h) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        h->fd = -1;
        h->stop_pipe[0] = h->stop_pipe[1] = -1;
        h->m = m;
        h->health = health;
        h->ready = ready;
        h->opaque = opaque;
        if (resolve(listen_addr, &ai, why, sizeof(why))) {
                snprintf(errstr, errstr_size, "metrics.listen %s", why);
                goto err;
        }
        h->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (h->fd < 0)
                goto syserr;
        setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(h->fd, ai->ai_addr, ai->ai_addrlen) || listen(h->fd, 16))
                goto syserr;
        if (getsockname(h->fd, (struct sockaddr *)&ss, &sl))
                goto syserr;
        h->port = ntohs(ss.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&ss)->sin6_port
                            : ((struct sockaddr_in *)&ss)->sin_port);
        freeaddrinfo(ai);
        ai = NULL;
        if (pipe(h->stop_pipe))
                goto syserr;
        if (pthread_create(&h->thread, NULL, http_main, h)) {
                snprintf(errstr, errstr_size, "cannot start HTTP thread");
                goto err;
        }
        return h;
syserr:
        snprintf(errstr, errstr_size, "metrics.listen '%s': %s", listen_addr,
                 strerror(errno));
err:
        if (ai)
                freeaddrinfo(ai);
        if (h->fd >= 0)
                close(h->fd);
        if (h->stop_pipe[0] >= 0) {
                close(h->stop_pipe[0]);
                close(h->stop_pipe[1]);
        }
        free(h);
        return NULL;
}

int rdr_http_port(const rdr_http_t *h) {
        return h->port;
}

void rdr_http_stop(rdr_http_t *h) {
        if (!h)
                return;
        if (write(h->stop_pipe[1], "x", 1) == 1)
                pthread_join(h->thread, NULL);
        close(h->stop_pipe[0]);
        close(h->stop_pipe[1]);
        close(h->fd);
        free(h);
}
