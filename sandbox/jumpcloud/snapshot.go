package jumpcloud

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// snapshotVersion is the format of IdP snapshots.
const snapshotVersion = 1

type idpSnapshot struct {
	Version   int           `json:"version"`
	Org       string        `json:"org"`
	KeyBits   int           `json:"key_bits"`
	Key       []byte        `json:"key"`  // PKCS #8 DER
	Cert      []byte        `json:"cert"` // DER
	App       App           `json:"app"`
	Users     []User        `json:"users"`
	ClockSkew time.Duration `json:"clock_skew"`
	SCIM      scimState     `json:"scim"`
	Events    []Event       `json:"events,omitempty"`
}

// Snapshot returns the IdP's state: signing key and certificate, the
// application, the users, the clock skew, the SCIM client's state (Base URL,
// Token Key, what it pushed) and the events. RestoreIdP resumes from it.
// The snapshot holds the private key and the SCIM token: keep it private.
func (p *IdP) Snapshot() ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key, err := x509.MarshalPKCS8PrivateKey(p.key)
	if err != nil {
		return nil, fmt.Errorf("jumpcloud: snapshot: %w", err)
	}
	return json.Marshal(idpSnapshot{
		Version:   snapshotVersion,
		Org:       p.org,
		KeyBits:   p.keyBits,
		Key:       key,
		Cert:      p.cert.Raw,
		App:       p.app,
		Users:     p.users,
		ClockSkew: p.skew,
		SCIM:      p.scim,
		Events:    p.events,
	})
}

// RestoreIdP returns an IdP in the state snapshot describes. o supplies
// BaseURL and Now; its Org, KeyBits, Users and App are ignored in favour of
// the snapshot's.
func RestoreIdP(o IdPOptions, snapshot []byte) (*IdP, error) {
	var snap idpSnapshot
	if err := json.Unmarshal(snapshot, &snap); err != nil {
		return nil, fmt.Errorf("jumpcloud: restore: %w", err)
	}
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("jumpcloud: restore: unsupported snapshot version %d", snap.Version)
	}
	if snap.App.NameIDFormat == "" {
		// Saved before the app had a NameID format: its assertions and
		// export carried emailAddress, so it keeps doing so.
		snap.App.NameIDFormat = EmailNameIDFormat
	}
	o.Org, o.KeyBits, o.Users, o.App = snap.Org, snap.KeyBits, snap.Users, snap.App
	p, err := newIdP(o)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(snap.Key)
	if err != nil {
		return nil, fmt.Errorf("jumpcloud: restore: key: %w", err)
	}
	key, isRSA := k.(*rsa.PrivateKey)
	if !isRSA {
		return nil, errors.New("jumpcloud: restore: the key is not an RSA key")
	}
	cert, err := x509.ParseCertificate(snap.Cert)
	if err != nil {
		return nil, fmt.Errorf("jumpcloud: restore: certificate: %w", err)
	}
	p.key, p.cert = key, cert
	p.skew = snap.ClockSkew
	p.scim = snap.SCIM.clone()
	p.events = snap.Events
	return p, nil
}
