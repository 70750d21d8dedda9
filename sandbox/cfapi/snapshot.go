package cfapi

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Persistence: Snapshot captures everything needed to resume the fake
// tomorrow; Restore rebuilds a Server from it. Not captured: the request
// log, OpenAPI violations and queued faults (they describe a session, not
// the world).

const snapshotVersion = 1

type serverSnapshot struct {
	Version       int                     `json:"version"`
	AccountID     string                  `json:"account_id"`
	AccountName   string                  `json:"account_name"`
	AuthDomain    string                  `json:"auth_domain"`
	CreatedOn     time.Time               `json:"created_on"`
	Tokens        []tokenSnapshot         `json:"tokens"`
	IdPs          []idpSnapshot           `json:"idps"`
	LogSeq        int                     `json:"log_seq"`
	Logins        []Login                 `json:"logins"`
	AuthnRequests map[string]authnRequest `json:"authn_requests,omitempty"`
	SigningKey    []byte                  `json:"signing_key,omitempty"`  // PKCS #8 DER of the team domain's key
	SigningCert   []byte                  `json:"signing_cert,omitempty"` // DER
}

type tokenSnapshot struct {
	Value  string       `json:"value"`
	ID     string       `json:"id"`
	Owner  TokenOwner   `json:"owner"`
	Perms  []Permission `json:"perms"`
	Status tokenStatus  `json:"status"`
}

type idpSnapshot struct {
	ID       string             `json:"id"`
	Doc      map[string]any     `json:"doc"`
	Secret   string             `json:"secret,omitempty"`
	SCIMHost string             `json:"scim_host,omitempty"`
	Users    []resourceSnapshot `json:"users,omitempty"`
	Groups   []resourceSnapshot `json:"groups,omitempty"`
	Log      []logSnapshot      `json:"log,omitempty"`
}

type resourceSnapshot struct {
	ID       string         `json:"id"`
	Attrs    map[string]any `json:"attrs"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
}

type logSnapshot struct {
	Entry SCIMLogEntry `json:"entry"`
	Seq   int          `json:"seq"`
}

func snapshotResources(list []*scimResource) []resourceSnapshot {
	out := make([]resourceSnapshot, len(list))
	for i, r := range list {
		out[i] = resourceSnapshot{ID: r.id, Attrs: deepCopy(r.attrs).(map[string]any), Created: r.created, Modified: r.modified}
	}
	return out
}

func restoreResources(list []resourceSnapshot) []*scimResource {
	var out []*scimResource
	for _, r := range list {
		attrs := r.Attrs
		if attrs == nil {
			attrs = map[string]any{}
		}
		out = append(out, &scimResource{id: r.ID, attrs: attrs, created: r.Created, modified: r.Modified})
	}
	return out
}

// Snapshot returns the Server's state as JSON: the account, the
// organization's auth domain, the API tokens, the identity providers (with
// their SCIM secrets, SCIM users and groups, and SCIM logs), the logins, the
// pending SAML requests and the team domain's signing key. It holds
// secrets: keep it private.
func (s *Server) Snapshot() ([]byte, error) {
	// The team domain's signing key is kept so /cdn-cgi/access/certs stays
	// the same across a restore (this generates it if nothing asked yet).
	var signingKey, signingCert []byte
	if key, cert, err := s.signingCert(); err == nil {
		k, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("cfapi: snapshot: %w", err)
		}
		signingKey, signingCert = k, cert.Raw
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	snap := serverSnapshot{
		Version:       snapshotVersion,
		AccountID:     s.accountID,
		AccountName:   s.accountName,
		AuthDomain:    s.authDomain,
		CreatedOn:     s.createdOn,
		LogSeq:        s.logSeq,
		AuthnRequests: maps.Clone(s.authnRequests),
		SigningKey:    signingKey,
		SigningCert:   signingCert,
	}
	for _, value := range slices.Sorted(maps.Keys(s.tokens)) {
		t := s.tokens[value]
		ts := tokenSnapshot{Value: value, ID: t.id, Owner: t.owner, Status: t.status, Perms: []Permission{}}
		for p, on := range t.perms {
			if on {
				ts.Perms = append(ts.Perms, p)
			}
		}
		slices.Sort(ts.Perms)
		snap.Tokens = append(snap.Tokens, ts)
	}
	for _, rec := range s.idps {
		is := idpSnapshot{
			ID:       rec.id,
			Doc:      deepCopy(rec.doc).(map[string]any),
			Secret:   rec.secret,
			SCIMHost: rec.scimHost,
			Users:    snapshotResources(rec.users),
			Groups:   snapshotResources(rec.groups),
		}
		for _, l := range rec.log {
			is.Log = append(is.Log, logSnapshot{Entry: l.SCIMLogEntry, Seq: l.seq})
		}
		snap.IdPs = append(snap.IdPs, is)
	}
	for _, l := range s.logins {
		snap.Logins = append(snap.Logins, l.clone())
	}
	return json.Marshal(snap)
}

// Restore returns a Server in the state snapshot describes. opts supplies
// the clock (Now); a non-empty opts.AuthDomain replaces the saved auth
// domain (a resumed world may listen on another address; SetAuthDomain does
// the same later). opts.AccountID and opts.AccountName are ignored in favour
// of the snapshot's.
func Restore(opts Options, snapshot []byte) (*Server, error) {
	var snap serverSnapshot
	if err := json.Unmarshal(snapshot, &snap); err != nil {
		return nil, fmt.Errorf("cfapi: restore: %w", err)
	}
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("cfapi: restore: unsupported snapshot version %d", snap.Version)
	}
	if !isAccountID(snap.AccountID) {
		return nil, fmt.Errorf("cfapi: restore: invalid account ID %q", snap.AccountID)
	}
	authDomain := opts.AuthDomain
	if authDomain == "" {
		authDomain = snap.AuthDomain
	}
	opts.AccountID, opts.AccountName, opts.AuthDomain = snap.AccountID, snap.AccountName, authDomain
	s := New(opts)
	s.createdOn = snap.CreatedOn
	s.logSeq = snap.LogSeq

	for _, ts := range snap.Tokens {
		t := &token{id: ts.ID, owner: ts.Owner, status: ts.Status, perms: map[Permission]bool{}}
		for _, p := range ts.Perms {
			t.perms[p] = true
		}
		s.tokens[ts.Value] = t
	}
	for _, is := range snap.IdPs {
		if is.ID == "" || is.Doc == nil {
			return nil, errors.New("cfapi: restore: an identity provider has no id or document")
		}
		rec := &idpRecord{
			id:       is.ID,
			doc:      is.Doc,
			secret:   is.Secret,
			scimHost: is.SCIMHost,
			users:    restoreResources(is.Users),
			groups:   restoreResources(is.Groups),
		}
		for _, l := range is.Log {
			rec.log = append(rec.log, scimLogRecord{SCIMLogEntry: l.Entry, seq: l.Seq})
		}
		s.idps = append(s.idps, rec)
	}
	s.logins = snap.Logins
	if snap.AuthnRequests != nil {
		s.authnRequests = snap.AuthnRequests
	}

	if len(snap.SigningKey) > 0 {
		k, err := x509.ParsePKCS8PrivateKey(snap.SigningKey)
		if err != nil {
			return nil, fmt.Errorf("cfapi: restore: signing key: %w", err)
		}
		key, isRSA := k.(*rsa.PrivateKey)
		if !isRSA {
			return nil, errors.New("cfapi: restore: the signing key is not an RSA key")
		}
		if _, err := x509.ParseCertificate(snap.SigningCert); err != nil {
			return nil, fmt.Errorf("cfapi: restore: signing certificate: %w", err)
		}
		s.certsOnce.Do(func() { s.certKey, s.certDER = key, snap.SigningCert })
	}
	return s, nil
}
