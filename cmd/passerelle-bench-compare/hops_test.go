package main

import (
	"io"
	"net"
	"testing"
)

func TestRequestLine(t *testing.T) {
	for in, want := range map[string]string{
		"GET /authorize?client_id=bench&state=s HTTP/1.1\r\nHost: x\r\n": "GET /authorize",
		"POST /login/0123456789abcdef0123/mfa/use/totp HTTP/1.1\r\n":     "POST /login/{id}/mfa/use/totp",
		"POST /oauth/token HTTP/1.1\r\n":                                 "POST /oauth/token",
		"garbage":                                                        "?",
	} {
		if got := requestLine([]byte(in)); got != want {
			t.Errorf("requestLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// A request written in two parts (headers, then body) and its answer
// read in two make one hop; nothing is recorded once stopped.
func TestTimedConnOneHopPerRequest(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	h := newHops(map[string]string{"srv:1": "Passerelle"})
	c := h.conn(client, "srv:1")
	go func() {
		buf := make([]byte, 512)
		for i := 0; i < 3; i++ {
			if _, err := server.Read(buf); err != nil {
				return
			}
			if i != 0 {
				server.Write([]byte("HTTP/1.1 200 OK\r\n"))
				server.Write([]byte("\r\n"))
			}
		}
	}()
	h.start()
	c.Write([]byte("POST /oauth/token HTTP/1.1\r\n\r\n"))
	c.Write([]byte("grant_type=x"))
	buf := make([]byte, 17)
	io.ReadFull(c, buf)
	c.Read(buf)
	got := h.stop()
	if n := len(got.lat["Passerelle POST /oauth/token"]); n != 1 || len(got.lat) != 1 {
		t.Fatalf("recorded %v, want one hop", got.lat)
	}
	c.Write([]byte("GET /authorize HTTP/1.1\r\n\r\n"))
	io.ReadFull(c, buf)
	if got := h.stop(); len(got.lat["Passerelle GET /authorize"]) != 0 {
		t.Fatalf("recorded %v after stop", got.lat)
	}
}
