package jumpcloud_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"jcaccess/sandbox/jumpcloud"
)

func TestSnapshotRestore(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.idp.ActivateSCIM(ctx, w.hc, w.scimBase, w.scimSecret); err != nil {
		t.Fatal(err)
	}
	w.idp.SetClockSkew(90 * time.Second)
	if st, _ := w.login("alice@example.com"); st != http.StatusOK {
		t.Fatal("login failed")
	}
	snap, err := w.idp.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r, err := jumpcloud.RestoreIdP(jumpcloud.IdPOptions{BaseURL: w.idp.BaseURL(), Now: w.clock.Now, Users: nil}, snap)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Certificate().Equal(w.idp.Certificate()) || string(r.MetadataXML()) != string(w.idp.MetadataXML()) {
		t.Fatal("certificate or metadata changed")
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"app", r.App(), w.idp.App()},
		{"users", r.Users(), w.idp.Users()},
		{"SCIM", r.SCIM(), w.idp.SCIM()},
		{"skew", r.ClockSkew(), w.idp.ClockSkew()},
		{"events", r.Events(), w.idp.Events()},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.what, c.got, c.want)
		}
	}
	// A world resumed on another port: the restored IdP serves logins (the
	// admin uploads its metadata, whose SSO URL moved, again).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := jumpcloud.RestoreIdP(jumpcloud.IdPOptions{BaseURL: "https://" + ln.Addr().String(), Now: w.clock.Now}, snap)
	if err != nil {
		t.Fatal(err)
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: r2.Handler()}}
	ts.StartTLS()
	defer ts.Close()
	w.idp = r2
	w.reuploadMetadata()
	if st, text := w.login("carol@example.com"); st != http.StatusOK || !strings.Contains(text, "Your connection works!") {
		t.Fatalf("login with the restored IdP: %d %q", st, text)
	}
	// And its SCIM client resumes: a sync writes nothing new.
	before := len(w.cfIdP().Log)
	if err := r.SyncSCIM(ctx, w.hc); err != nil {
		t.Fatal(err)
	}
	if after := len(w.cfIdP().Log); after != before {
		t.Fatalf("sync after restore wrote %d entries", after-before)
	}

	if _, err := jumpcloud.RestoreIdP(jumpcloud.IdPOptions{BaseURL: w.idp.BaseURL()}, []byte(`{"version":99}`)); err == nil {
		t.Fatal("restored an unknown version")
	}
}
