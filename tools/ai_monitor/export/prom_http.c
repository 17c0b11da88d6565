// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest HTTP/1.0 server that Prometheus can scrape: one request per
 * connection, answered and closed from the agent's own loop. Reads and
 * writes time out quickly so that a stuck client delays the agent's next
 * push by a fraction of a second at most, never blocks it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "prom.h"

#define REQ_TIMEOUT_MS	100
#define SEND_TIMEOUT_MS	500

int prom_listen(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char host[64] = "127.0.0.1";
	const char *port_s = spec, *colon;
	socklen_t sl;
	long port;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	colon = strrchr(spec, ':');
	if (colon) {
		size_t hl = colon - spec;

		if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
			spec++;
			hl -= 2;
		}
		if (hl >= sizeof(host)) {
			snprintf(err, errlen, "bad address '%s'", spec);
			return -EINVAL;
		}
		memcpy(host, spec, hl);
		host[hl] = '\0';
		port_s = colon + 1;
	}
	if (parse_int(port_s, 1, 65535, &port)) {
		snprintf(err, errlen, "bad port in '%s'", spec);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		snprintf(err, errlen, "bad address '%s' (want IPv4 or [IPv6])", host);
		return -EINVAL;
	}

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		int e = errno;

		close(fd);
		errno = e;
		goto err;
	}
	return fd;
err:
	snprintf(err, errlen, "%s: %s", spec, strerror(errno));
	return -errno;
}

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

static void send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		p += n;
		len -= n;
	}
}

static void answer(int fd, const char *body, size_t len)
{
	static const char not_found[] = "not found: try /metrics\n";
	char req[2048], hdr[256];
	const char *path;
	size_t got = 0;
	int n, metrics;

	set_timeout(fd, SO_RCVTIMEO, REQ_TIMEOUT_MS);
	set_timeout(fd, SO_SNDTIMEO, SEND_TIMEOUT_MS);
	/* The request line is all we need; the headers may follow or not. */
	while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
		ssize_t r = recv(fd, req + got, sizeof(req) - 1 - got, 0);

		if (r <= 0)
			break;
		got += r;
	}
	req[got] = '\0';
	if (strncmp(req, "GET ", 4) && strncmp(req, "HEAD ", 5)) {
		n = snprintf(hdr, sizeof(hdr),
			     "HTTP/1.0 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"
			     "Content-Length: 0\r\nConnection: close\r\n\r\n");
		send_all(fd, hdr, n);
		return;
	}
	path = strchr(req, ' ') + 1;
	metrics = !strncmp(path, "/metrics", 8) && strchr(" ?\r\n", path[8]);
	if (!metrics) {
		body = not_found;
		len = sizeof(not_found) - 1;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     metrics ? "200 OK" : "404 Not Found",
		     metrics ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
		     len);
	send_all(fd, hdr, n);
	if (strncmp(req, "HEAD ", 5))
		send_all(fd, body, len);
}

void prom_serve(int lfd, const char *body, size_t len)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		answer(fd, body, len);
		close(fd);
	}
}
