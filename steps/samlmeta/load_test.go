package samlmeta

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFile(t *testing.T) {
	const name = "jumpcloud/ssoready_ssoready_assertions-jumpcloud-metadata.xml"
	data, err := Load(context.Background(), nil, filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, readTestdata(t, name)) {
		t.Error("file content differs")
	}

	big := filepath.Join(t.TempDir(), "big.xml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), MaxSize+500), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err = Load(context.Background(), nil, big)
	if err != nil || len(data) != MaxSize+1 {
		t.Fatalf("read %d bytes, err %v; want MaxSize+1", len(data), err)
	}
	assertCodes(t, Inspect(data, Options{}), "too_large")
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]string{
		filepath.Join(dir, "JumpCloud-cloudflare-metadata.xml"): {"JumpCloud-cloudflare-metadata.xml", "not found", "SSO tab, Export Metadata", "give its path"},
		dir: {"is a directory", "Export Metadata"},
		"":  {"no metadata given", "Export Metadata"},
		" ": {"no metadata given"},
	}
	for src, want := range cases {
		_, err := Load(context.Background(), nil, src)
		if err == nil {
			t.Errorf("%q: no error", src)
			continue
		}
		assertContains(t, err.Error(), want...)
	}
}

func TestLoadHTTPS(t *testing.T) {
	meta := readTestdata(t, "jumpcloud/majidsalehighamsari_react-samlify_JumpCloud-saml2-metadata.xml")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(meta) }))
	defer plain.Close()

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metadata":
			w.Write(meta)
		case "/moved":
			http.Redirect(w, r, "/metadata", http.StatusFound)
		case "/to-http":
			http.Redirect(w, r, plain.URL+"/metadata", http.StatusFound)
		case "/huge":
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for i := 0; i < 20; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	// The untrusted-client case below makes the server log a handshake error.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	for _, path := range []string{"/metadata", "/moved"} {
		data, err := Load(ctx, client, srv.URL+path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(data, meta) {
			t.Errorf("%s: body differs", path)
		}
	}
	if client.CheckRedirect != nil {
		t.Error("Load changed the caller's client")
	}

	data, err := Load(ctx, client, srv.URL+"/huge")
	if err != nil || len(data) != MaxSize+1 {
		t.Errorf("huge body: read %d bytes, err %v; want MaxSize+1", len(data), err)
	}

	_, err = Load(ctx, client, srv.URL+"/to-http")
	if err == nil {
		t.Fatal("redirect to http was followed")
	}
	assertContains(t, err.Error(), "refusing to follow a redirect", plain.URL)

	_, err = Load(ctx, client, srv.URL+"/nope")
	if err == nil {
		t.Fatal("404 accepted")
	}
	assertContains(t, err.Error(), "404 Not Found", "Export Metadata")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Load(cancelled, client, srv.URL+"/metadata"); err == nil {
		t.Error("cancelled context ignored")
	}

	// Without the test server's roots the default client must refuse it.
	if _, err := Load(ctx, nil, srv.URL+"/metadata"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted TLS accepted or unclear: %v", err)
	}
}

func TestLoadPlainHTTP(t *testing.T) {
	meta := []byte("<x/>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(meta) }))
	defer srv.Close()

	// Loopback is a local test server, so plain http is allowed there.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		data, err := Load(context.Background(), nil, u)
		if err != nil || !bytes.Equal(data, meta) {
			t.Errorf("%s: %q %v", u, data, err)
		}
	}

	for _, u := range []string{"http://sso.jumpcloud.com/saml2/metadata/abc", "HTTP://example.com/x", "http://10.0.0.1/x"} {
		_, err := Load(context.Background(), nil, u)
		if err == nil {
			t.Errorf("%s: plain http accepted", u)
			continue
		}
		assertContains(t, err.Error(), "plain http", "https")
	}

	_, err := Load(context.Background(), nil, "ftp://example.com/metadata.xml")
	if err == nil {
		t.Fatal("ftp accepted")
	}
	assertContains(t, err.Error(), "ftp://", "https://")
}
