package model

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestSession(team string) *Session {
	in := DefaultInputs()
	in.Team = team
	return NewSession(in, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
}

func TestStoreRoundTripIsPrivateAndAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	st := Store{Dir: dir}
	s := newTestSession("acme")
	s.IdPID = "idp-1"
	s.Record("team", Findings{{Severity: SeverityWarning, Code: "x", Message: "m"}}, s.CreatedAt)
	if err := st.Save(s); err != nil {
		t.Fatal(err)
	}
	got, err := st.Load("acme")
	if err != nil {
		t.Fatal(err)
	}
	if got.IdPID != "idp-1" || got.Step("team").Status != StatusWarning || got.Step("metadata").Status != StatusTodo {
		t.Fatalf("loaded %+v", got)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(st.Path("acme")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
}

func TestStoreKeepsDamagedFilesAside(t *testing.T) {
	for name, damaged := range map[string]string{
		"truncated":     `{"schema_version": 1, "inputs": {`,
		"not JSON":      "\x00\x01garbage",
		"no version":    `{"inputs": {"team": "acme"}}`,
		"wrong types":   `{"schema_version": 1, "inputs": {"team": 7}}`,
		"team mismatch": `{"schema_version": 1, "inputs": {"team": "../etc"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			st := Store{Dir: t.TempDir()}
			path := st.Path("acme")
			if err := os.WriteFile(path, []byte(damaged), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := st.Load("acme")
			if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "kept as") {
				t.Fatalf("want a damaged-file error saying where the copy is, got %v", err)
			}
			backups, _ := filepath.Glob(path + ".damaged-*")
			if len(backups) != 1 {
				t.Fatalf("backups %v", backups)
			}
			if b, _ := os.ReadFile(backups[0]); string(b) != damaged {
				t.Fatal("the backup differs from the damaged file")
			}
			if _, err := st.Load("acme"); !errors.Is(err, ErrNoSession) {
				t.Fatalf("after keeping it aside: %v", err)
			}
		})
	}
}

func TestStoreRefusesNewerSchema(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	if err := os.WriteFile(st.Path("acme"), []byte(`{"schema_version": 99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load("acme"); err == nil || !strings.Contains(err.Error(), "newer jcaccess") {
		t.Fatalf("got %v", err)
	}
}

func TestStoreMissingAndBadNames(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	if _, err := st.Load("acme"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("got %v", err)
	}
	for _, bad := range []string{"", "../x", "a/b", "a.b"} {
		if _, err := st.Load(bad); err == nil || errors.Is(err, ErrNoSession) {
			t.Errorf("Load(%q) = %v, want a name error", bad, err)
		}
	}
	if err := st.Remove("acme"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("remove missing: %v", err)
	}
}

func TestStoreListReportsDamagedNextToGood(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	for _, team := range []string{"zeta", "acme"} {
		if err := st.Save(newTestSession(team)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(st.Path("broken"), []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, errs := st.List()
	if len(got) != 2 || got[0].Inputs.Team != "acme" || got[1].Inputs.Team != "zeta" || len(errs) != 1 {
		t.Fatalf("list = %d sessions, %v", len(got), errs)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2-very-secret")
	type holder struct {
		Token Secret `json:"token"`
	}
	b, _ := json.Marshal(holder{s})
	for _, out := range []string{s.String(), s.GoString(), string(b)} {
		if strings.Contains(out, "hunter2") {
			t.Fatalf("secret leaked: %s", out)
		}
	}
	var back holder
	if err := json.Unmarshal([]byte(`{"token":"raw-value"}`), &back); err != nil || back.Token.Reveal() != "raw-value" {
		t.Fatalf("unmarshal: %v %q", err, back.Token.Reveal())
	}
	if !strings.Contains(string(b), Redacted) {
		t.Fatalf("want %s in %s", Redacted, b)
	}
}

func TestLockRefusesASecondHolder(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	release, err := st.Lock("acme")
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to open files, so a second open in this process
	// stands in for a second process.
	if _, err := st.Lock("acme"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second lock: %v", err)
	}
	if other, err := st.Lock("other"); err != nil {
		t.Fatalf("another team is independent: %v", err)
	} else {
		other()
	}
	release()
	again, err := st.Lock("acme")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
