package saml

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// spKey is one loaded SP key pair.
type spKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// load reads and checks the key pair: an RSA key (XML encryption's key
// transport needs RSA) whose public half is the certificate's.
func (k KeyPair) load() (spKey, error) {
	keyPEM, err := os.ReadFile(k.KeyFile)
	if err != nil {
		return spKey{}, fmt.Errorf("key_file: %w", err)
	}
	certPEM, err := os.ReadFile(k.CertFile)
	if err != nil {
		return spKey{}, fmt.Errorf("cert_file: %w", err)
	}
	return parseKeyPair(keyPEM, certPEM)
}

// Load reads and checks the key pair, as Open does (for a caller that
// makes its own, such as the demo).
func (k KeyPair) Load() (*rsa.PrivateKey, *x509.Certificate, error) {
	sk, err := k.load()
	return sk.key, sk.cert, err
}

// loadCert reads a PEM certificate file.
func loadCert(file string) (*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return x509.ParseCertificate(b.Bytes)
}

func parseKeyPair(keyPEM, certPEM []byte) (spKey, error) {
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return spKey{}, errors.New("key_file: no PEM block")
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(kb.Bytes); err == nil {
		key = k
	} else if k8, err8 := x509.ParsePKCS8PrivateKey(kb.Bytes); err8 == nil {
		rk, ok := k8.(*rsa.PrivateKey)
		if !ok {
			return spKey{}, errors.New("key_file: not an RSA key")
		}
		key = rk
	} else {
		return spKey{}, errors.New("key_file: not a PKCS#1 or PKCS#8 private key")
	}
	if key.N.BitLen() < 2048 {
		return spKey{}, fmt.Errorf("key_file: RSA key of %d bits, at least 2048 needed", key.N.BitLen())
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil {
		return spKey{}, errors.New("cert_file: no PEM block")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return spKey{}, fmt.Errorf("cert_file: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return spKey{}, errors.New("cert_file: the certificate is not the key's")
	}
	return spKey{key: key, cert: cert}, nil
}
