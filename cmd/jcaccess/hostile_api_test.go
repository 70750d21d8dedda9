package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"jcaccess/model"
)

// runAgainst runs jcaccess with CLOUDFLARE_BASE_URL on a hostile API (no
// account ID: the command discovers it there).
func (w *world) runAgainst(ts *httptest.Server, args ...string) result {
	w.t.Helper()
	return w.runWith(ts.Client(), "", map[string]string{"CLOUDFLARE_BASE_URL": ts.URL + "/client/v4/", "CLOUDFLARE_ACCOUNT_ID": ""}, args...)
}

func TestAnEndlessAPIAnswerEndsTheCommand(t *testing.T) {
	w := newWorld(t)
	var sent atomic.Int64
	ts := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Write([]byte(`{"result":{"id":"`))
		chunk := bytes.Repeat([]byte("A"), 64<<10)
		for r.Context().Err() == nil {
			n, err := rw.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(ts.Close)
	start := time.Now()
	r := w.runAgainst(ts, "plan", "--config", w.config)
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the command took %v", took)
	}
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "larger than 4 MiB") {
		t.Fatalf("want a failure naming the cap:\n%s", r)
	}
	// A handful of concurrent reads, each stopped at the cap (plus what
	// the socket buffers held).
	if n := sent.Load(); n > 100<<20 {
		t.Fatalf("the API sent %d MiB before jcaccess stopped reading", n>>20)
	}
}

func TestAnEchoedTokenIsInNoOutputOrFile(t *testing.T) {
	w := newWorld(t)
	ts := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(rw).Encode(map[string]any{"success": false, "errors": []map[string]any{
			{"code": 10000, "message": "Authorization header was: " + r.Header.Get("Authorization")},
		}})
	}))
	t.Cleanup(ts.Close)
	var seen strings.Builder
	for _, args := range [][]string{
		{"plan", "--config", w.config},
		{"plan", "--config", w.config, "--json"},
		{"apply", "--config", w.config, "--yes", "--json"},
		{"check", "--team", "acme", "--json"},
	} {
		r := w.runAgainst(ts, args...)
		seen.WriteString(r.stdout + r.stderr)
		if strings.Contains(r.stdout+r.stderr, w.sb.Token) {
			t.Fatalf("%v shows the token:\n%s", args, r)
		}
	}
	if !strings.Contains(seen.String(), "10000") {
		t.Fatalf("the API's error was not reported at all:\n%s", seen.String())
	}
	filepath.WalkDir(w.stateDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(w.sb.Token)) {
				t.Errorf("%s holds the token", p)
			}
		}
		return nil
	})
}

func TestAnotherTeamOnTheSameAccountIsRefused(t *testing.T) {
	w := newWorld(t)
	release, err := model.Store{Dir: w.stateDir}.LockAccount(w.account)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	r := w.run(map[string]string{"CLOUDFLARE_ACCOUNT_ID": w.account}, "apply", "--config", w.config, "--team", "acme-two", "--yes")
	if r.code == 0 || !strings.Contains(r.stderr, "working on Cloudflare account "+w.account) {
		t.Fatalf("want a refusal naming the account:\n%s", r)
	}
	if len(w.api.MutatingRequests()) != 0 {
		t.Fatal("the refused apply changed something")
	}
}
