package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// Received is one message a Server accepted.
type Received struct {
	From string
	To   []string
	Data string
	TLS  bool // the message came over a connection upgraded by STARTTLS
}

// Server is a minimal SMTP server (RFC 5321) on loopback for tests:
// EHLO, STARTTLS (RFC 3207) when it has a certificate, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT. It accepts every message and sends it to Got.
type Server struct {
	ln      net.Listener
	tls     *tls.Config // nil: STARTTLS is not offered
	deliver func(Received)
	// Got receives every accepted message (servers made by Start).
	Got chan Received
}

// Start runs a server on 127.0.0.1 until the test ends; with tlsConf it
// offers STARTTLS.
func Start(t testing.TB, tlsConf *tls.Config) *Server {
	t.Helper()
	got := make(chan Received, 100)
	s := StartWith(t, tlsConf, func(m Received) { got <- m })
	s.Got = got
	return s
}

// StartWith is Start with deliver called for every accepted message
// before the server answers the DATA command: a sender that has its
// "250" knows the message is delivered, so a test reads it without
// waiting.
func StartWith(t testing.TB, tlsConf *tls.Config, deliver func(Received)) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, tls: tlsConf, deliver: deliver}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

// Port is the server's TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			if err := tp.PrintfLine("%s", l); err != nil {
				return false
			}
		}
		return true
	}
	if !reply("220 localhost ESMTP test") {
		return
	}
	var msg Received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250-localhost"}
			if s.tls != nil && !msg.TLS {
				lines = append(lines, "250-STARTTLS")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "HELO":
			reply("250 localhost")
		case "STARTTLS":
			if s.tls == nil || msg.TLS {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c = tc
			tp = textproto.NewConn(tc)
			msg = Received{TLS: true} // RFC 3207 §4.2: forget everything
		case "MAIL":
			msg.From = arg
			reply("250 ok")
		case "RCPT":
			msg.To = append(msg.To, arg)
			reply("250 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.Data = string(b)
			s.deliver(msg)
			msg = Received{TLS: msg.TLS}
			reply("250 queued")
		case "RSET":
			msg = Received{TLS: msg.TLS}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

// testCert returns a server TLS configuration with a fresh self-signed
// certificate for 127.0.0.1, and a pool that trusts it.
// Cert makes a self-signed certificate for 127.0.0.1 and localhost: the
// server's TLS configuration and the pool a client must trust.
func Cert(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "passerelle test relay"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	conf := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return conf, pool
}
