package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// clientTimeout bounds every step of a request, as pool-testkit's http_client does.
const clientTimeout = 10 * time.Second

// Response is a parsed reply: status code and body.
type Response struct {
	Status int
	Body   []byte
}

// httpGet sends one HTTP/1.1 GET over a fresh connection (Connection: close), like
// pool-testkit's blocking client, so both languages open one connection per request.
func httpGet(addr, path string) (Response, error) {
	conn, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		return Response{}, err
	}
	return httpExchange(conn, addr, path)
}

// httpExchange sends one GET over conn, already connected to addr, reads the whole
// reply and closes conn (the harness's fixtures::http_exchange): held-conn connects first and
// asks later.
func httpExchange(conn net.Conn, addr, path string) (Response, error) {
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(clientTimeout)); err != nil {
		return Response{}, err
	}
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	if _, err := io.WriteString(conn, req); err != nil {
		return Response{}, err
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		return Response{}, err
	}
	return parseResponse(raw)
}

// parseResponse parses a complete Connection: close response: the status line, and a
// Content-Length that must match the body.
func parseResponse(raw []byte) (Response, error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return Response{}, errors.New("no end of headers")
	}
	lines := strings.Split(string(raw[:end]), "\r\n")
	parts := strings.SplitN(lines[0], " ", 3)
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "HTTP/1.") {
		return Response{}, errors.New("not an HTTP/1.x status line")
	}
	status, err := strconv.Atoi(parts[1])
	if err != nil {
		return Response{}, errors.New("bad status code")
	}
	length := -1
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "content-length") {
			if length, err = strconv.Atoi(strings.TrimSpace(value)); err != nil {
				return Response{}, errors.New("bad Content-Length")
			}
		}
	}
	if length < 0 {
		return Response{}, errors.New("missing Content-Length")
	}
	body := raw[end+4:]
	if len(body) != length {
		return Response{}, errors.New("body length differs from Content-Length")
	}
	return Response{Status: status, Body: body}, nil
}

// isPattern reports whether body is the server's /bytes/<n> answer: n bytes of a..z.
func isPattern(body []byte, n int) bool {
	if len(body) != n {
		return false
	}
	for i, b := range body {
		if b != byte('a'+i%26) {
			return false
		}
	}
	return true
}

// parseLinks parses a page body: one /page/<id> per line, blank lines ignored.
func parseLinks(body string) ([]uint32, error) {
	var links []uint32
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, err := strconv.ParseUint(strings.TrimPrefix(line, "/page/"), 10, 32)
		if err != nil || !strings.HasPrefix(line, "/page/") {
			return nil, fmt.Errorf("malformed link %q", line)
		}
		links = append(links, uint32(id))
	}
	return links, nil
}

// fetchLinks GETs page p and parses its links.
func fetchLinks(addr string, p uint32) ([]uint32, error) {
	r, err := httpGet(addr, fmt.Sprintf("/page/%d", p))
	if err != nil {
		return nil, err
	}
	if r.Status != 200 {
		return nil, fmt.Errorf("page %d: status %d", p, r.Status)
	}
	return parseLinks(string(r.Body))
}
