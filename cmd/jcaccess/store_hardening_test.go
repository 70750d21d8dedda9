//go:build unix

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestSharedStateFolderIsRefusedAndKeepsItsMode(t *testing.T) {
	w := newWorld(t)
	const shared = 0o777 | os.ModeSticky
	if err := os.Mkdir(w.stateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(w.stateDir, shared); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan", "--config", w.config}, {"apply", "--config", w.config, "--yes"}, {"sessions", "list"}} {
		r := w.run(nil, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "writable by") || !strings.Contains(r.stderr, ".local/state/jcaccess") {
			t.Fatalf("%v: want exit 2 saying why and what to use instead:\n%s", args, r)
		}
	}
	fi, _ := os.Stat(w.stateDir)
	if got := fi.Mode() & (os.ModePerm | os.ModeSticky); got != shared {
		t.Fatalf("state folder mode became %v, want %v untouched", got, shared)
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("the refused apply changed something")
	}
}

func TestFIFOSessionDoesNotHangSessions(t *testing.T) {
	state := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(state, "acme.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"JCACCESS_STATE_DIR": state}
	for _, args := range [][]string{{"sessions", "list"}, {"sessions", "show", "acme"}} {
		r := runBare(t, vars, args...)
		if r.code == 0 || !strings.Contains(r.stderr, "not a regular file") {
			t.Fatalf("%v: want a failure naming the FIFO:\n%s", args, r)
		}
	}
}

func TestSessionsListOnAnUnreadableFolderFails(t *testing.T) {
	state := t.TempDir()
	notDir := filepath.Join(state, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runBare(t, map[string]string{"JCACCESS_STATE_DIR": notDir}, "sessions", "list"); r.code == 0 {
		t.Fatalf("a state folder that is a file: want a failure:\n%s", r)
	}
	if os.Geteuid() == 0 {
		t.Log("root reads a mode 000 folder; only the not-a-folder case runs")
		return
	}
	locked := filepath.Join(state, "locked")
	if err := os.Mkdir(locked, 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o700)
	if r := runBare(t, map[string]string{"JCACCESS_STATE_DIR": locked}, "sessions", "list"); r.code != 1 {
		t.Fatalf("unreadable folder: want exit 1:\n%s", r)
	}
}

func TestMetadataInspectOfAnUnreachableURLIsAFailedCheck(t *testing.T) {
	r := runBare(t, map[string]string{}, "metadata", "inspect", "https://127.0.0.1:1/saml2/metadata.xml")
	if r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Fatalf("want exit 1 naming the URL:\n%s", r)
	}
	// Bad input is still bad input.
	if r := runBare(t, map[string]string{}, "metadata", "inspect", "http://example.com/metadata.xml"); r.code != 2 {
		t.Fatalf("plain http: want exit 2:\n%s", r)
	}
	if r := runBare(t, map[string]string{}, "metadata", "inspect", filepath.Join(t.TempDir(), "missing.xml")); r.code != 2 {
		t.Fatalf("missing file: want exit 2:\n%s", r)
	}
	// A password in the URL is bad input, refused before any request and
	// never repeated.
	r = runBare(t, map[string]string{}, "metadata", "inspect", "https://admin:pw-hunter2@127.0.0.1:1/m.xml")
	if r.code != 2 || strings.Contains(r.stderr+r.stdout, "pw-hunter2") || !strings.Contains(r.stderr, "idp.metadata") {
		t.Fatalf("URL with a password: want exit 2 naming the field, without the password:\n%s", r)
	}
}

// A value the environment or a flag overrides is still checked as the file
// says it: the next run without that variable would use it.
func TestConfigValuesAreCheckedAsWritten(t *testing.T) {
	w := newWorld(t)
	goodAccount := w.account
	cases := []struct {
		name, config string
		env          map[string]string
		args         []string
		want         string
	}{
		{"account_id under CLOUDFLARE_ACCOUNT_ID", "team: acme\nteam_domain: " + w.domain + "\naccount_id: xyz\n", map[string]string{"CLOUDFLARE_ACCOUNT_ID": goodAccount}, nil, "account_id"},
		{"account_id under --account-id", "team: acme\nteam_domain: " + w.domain + "\naccount_id: xyz\n", nil, []string{"--account-id", goodAccount}, "account_id"},
		{"team_domain under --team-domain", "team: acme\nteam_domain: https://x/y\n", nil, []string{"--team-domain", w.domain}, "team_domain"},
		{"team under --team", "team: acme_corp\nteam_domain: " + w.domain + "\n", nil, []string{"--team", "acme"}, "team"},
		{"metadata under --metadata", "team: acme\nteam_domain: " + w.domain + "\nidp:\n  metadata: http://example.com/m.xml\n", nil, []string{"--metadata", filepath.Join(w.configDir, "JumpCloud-saml2-metadata.xml")}, "idp.metadata"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"plan", "--config", w.writeConfig(c.config)}, c.args...)
			r := w.run(c.env, args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "jcaccess.yaml") {
				t.Fatalf("want exit 2 naming %s in the config file:\n%s", c.want, r)
			}
		})
	}
}

func TestSCIMSecretFileIntoAMissingFolderIsRefusedBeforeAnyChange(t *testing.T) {
	w := newWorld(t)
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(t.TempDir(), "missing", "secret"), filepath.Join(aFile, "secret")} {
		r := w.run(nil, "apply", "--config", w.config, "--yes", "--scim-secret-file", p)
		if r.code != 2 || !strings.Contains(r.stderr, "--scim-secret-file") {
			t.Fatalf("%s: want exit 2 naming --scim-secret-file:\n%s", p, r)
		}
		if n := len(w.api.MutatingRequests()); n != 0 {
			t.Fatalf("%s: %d changes were sent before the refusal", p, n)
		}
	}
}

// sabotageAfterCreate makes the next session save fail once the create has
// been answered: the session's path becomes a folder with something in it,
// so the rename that finishes an atomic write fails (as a full disk would
// fail the write). Root ignores read-only folders, so chmod would not do.
type sabotageAfterCreate struct {
	next    http.RoundTripper
	session string
}

func (s sabotageAfterCreate) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/identity_providers") {
		os.Remove(s.session)
		os.MkdirAll(filepath.Join(s.session, "in-the-way"), 0o700)
	}
	return res, err
}

func TestFailedSaveAfterTheCreateStillDeliversTheSecret(t *testing.T) {
	for _, viaFile := range []bool{false, true} {
		name := "stdout"
		if viaFile {
			name = "secret file"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			client := *w.sb.HTTPClient
			next := client.Transport
			if next == nil {
				next = http.DefaultTransport
			}
			client.Transport = sabotageAfterCreate{next: next, session: filepath.Join(w.stateDir, "acme.json")}
			args := []string{"apply", "--config", w.config, "--yes"}
			secretFile := filepath.Join(t.TempDir(), "scim-secret")
			if viaFile {
				args = append(args, "--scim-secret-file", secretFile)
			}
			r := w.runWith(&client, "", nil, args...)
			idps := w.api.IdPs()
			if len(idps) != 1 {
				t.Fatalf("%d IdPs, want 1:\n%s", len(idps), r)
			}
			secret := idps[0].SCIMSecret
			if r.code != 1 {
				t.Fatalf("want exit 1 (the session is not saved):\n%s", r)
			}
			if strings.Contains(r.stderr, "is saved") || !strings.Contains(r.stderr, "could not be saved") {
				t.Fatalf("the message should say the session was not saved:\n%s", r)
			}
			if strings.Contains(r.stderr, secret) {
				t.Fatal("the SCIM secret reached stderr")
			}
			if viaFile {
				b, err := os.ReadFile(secretFile)
				if err != nil || strings.TrimSpace(string(b)) != secret {
					t.Fatalf("secret file: %q %v\n%s", b, err, r)
				}
				if strings.Contains(r.stdout, secret) {
					t.Fatal("with --scim-secret-file the secret must not be on stdout")
				}
			} else if strings.Count(r.stdout, secret) != 1 {
				t.Fatalf("the SCIM secret should be on stdout once:\n%s", r)
			}
			// What the message promises: once the folder is fixed, the next
			// apply finds the login method rather than creating another.
			if err := os.RemoveAll(filepath.Join(w.stateDir, "acme.json")); err != nil {
				t.Fatal(err)
			}
			again := w.run(nil, "apply", "--config", w.config, "--yes")
			if n := len(w.api.IdPs()); again.code != 0 || n != 1 {
				t.Fatalf("re-run after the failed save: %d IdPs, want 1:\n%s", n, again)
			}
		})
	}
}
