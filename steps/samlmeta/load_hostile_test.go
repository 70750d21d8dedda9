package samlmeta

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A URL that streams forever is cut at MaxSize+1 bytes, which Inspect
// reports as too_large; one that answers slowly is stopped by the caller's
// deadline with a message that says what to do.
func TestLoadHostileURLs(t *testing.T) {
	forever := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("<a>", 4096))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer forever.Close()
	data, err := Load(context.Background(), forever.Client(), forever.URL+"/metadata")
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != MaxSize+1 {
		t.Fatalf("read %d bytes, want the cap %d", len(data), MaxSize+1)
	}
	if r := Inspect(data, Options{Now: pinned}); len(r.Findings) != 1 || r.Findings[0].Code != "too_large" {
		t.Fatalf("findings %v", r.Findings)
	}

	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Load(ctx, slow.Client(), slow.URL+"/metadata")
	if err == nil || !strings.Contains(err.Error(), "check the URL and your network") {
		t.Fatalf("slow URL: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the deadline was not honoured")
	}
}
