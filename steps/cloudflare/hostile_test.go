package cloudflare

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jcaccess/model"
)

// hostile starts a TLS server running h and a client of it.
func hostile(t *testing.T, h http.HandlerFunc, cfg Config) (*httptest.Server, *Client) {
	t.Helper()
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	cfg.Token = model.NewSecret(token)
	cfg.BaseURL = ts.URL + "/client/v4"
	cfg.HTTPClient = ts.Client()
	return ts, New(cfg)
}

// within fails the test if fn does not return in d.
func within(t *testing.T, d time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("no answer within %v", d)
		return nil
	}
}

func TestAnEndlessAnswerStopsNearTheCap(t *testing.T) {
	var sent atomic.Int64
	_, c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":["`))
		chunk := []byte(strings.Repeat("A", 32<<10))
		for r.Context().Err() == nil {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}, Config{Timeout: 20 * time.Second, Retries: 2})
	start := time.Now()
	err := within(t, 30*time.Second, func() error { _, err := c.ListIdPs(context.Background(), acct); return err })
	if err == nil || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), "list identity providers") {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %v", took)
	}
	// The server gets ahead of the reader by what the socket buffers hold
	// (a few MiB on loopback); without a cap it never stops.
	if n := sent.Load(); n > 16<<20 || maxAnswer > 8<<20 {
		t.Fatalf("the server sent %d MiB before the client stopped reading; the cap is %d MiB", n>>20, maxAnswer>>20)
	}
}

func TestATricklingAnswerEndsAtTheDeadline(t *testing.T) {
	_, c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for r.Context().Err() == nil {
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}, Config{Timeout: 500 * time.Millisecond, Retries: 2})
	err := within(t, 10*time.Second, func() error { _, err := c.ListIdPs(context.Background(), acct); return err })
	if err == nil || !strings.Contains(err.Error(), "no answer in time") {
		t.Fatalf("got %v", err)
	}
}

// A server that asks to be retried in an hour must not hold the command.
func TestRetriesStayWithinTheOverallDeadline(t *testing.T) {
	var calls atomic.Int32
	_, c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, Config{Timeout: time.Second, Retries: 5, Deadline: 3 * time.Second})
	start := time.Now()
	err := within(t, 10*time.Second, func() error { _, err := c.ListIdPs(context.Background(), acct); return err })
	if StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Fatalf("took %v", took)
	}
}

func TestAnEchoedTokenIsRedactedFromErrors(t *testing.T) {
	_, c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg := "bad header Authorization: " + r.Header.Get("Authorization") + " see https://admin:hunter2@proxy.example/"
		w.Write([]byte(`{"success":false,"errors":[{"code":6003,"message":"` + msg + `"}]}`))
	}, Config{})
	_, err := c.ListIdPs(context.Background(), acct)
	if err == nil || !strings.Contains(err.Error(), "6003") {
		t.Fatalf("got %v", err)
	}
	for _, leak := range []string{token, "hunter2"} {
		if strings.Contains(err.Error(), leak) {
			t.Fatalf("the error shows %q: %v", leak, err)
		}
	}
}

// redirectTarget records whatever reaches it.
type redirectTarget struct {
	mu   sync.Mutex
	auth []string
}

func (rt *redirectTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.mu.Lock()
	rt.auth = append(rt.auth, r.Header.Get("Authorization"))
	rt.mu.Unlock()
	w.Write([]byte(`{"result":[]}`))
}

func TestRedirectsNeverCarryTheToken(t *testing.T) {
	plain := &redirectTarget{}
	plainTS := httptest.NewServer(plain)
	t.Cleanup(plainTS.Close)
	other := &redirectTarget{}
	otherTS := httptest.NewTLSServer(other)
	t.Cleanup(otherTS.Close)
	for _, to := range []string{plainTS.URL, otherTS.URL, strings.Replace(otherTS.URL, "https", "http", 1)} {
		t.Run(to, func(t *testing.T) {
			_, c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, to+r.URL.Path, http.StatusTemporaryRedirect)
			}, Config{Retries: 1})
			// The other TLS server's certificate must verify, so the only
			// thing that can stop the token is the client's policy.
			c.hc.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(otherTS.Certificate())
			_, err := c.ListIdPs(context.Background(), acct)
			if err == nil || !strings.Contains(err.Error(), "redirect") {
				t.Fatalf("got %v", err)
			}
		})
	}
	for _, rt := range []*redirectTarget{plain, other} {
		for _, a := range rt.auth {
			if strings.Contains(a, token) {
				t.Fatal("a redirect carried the token")
			}
		}
	}
}

func TestNoTokenOverPlainHTTPOffLoopback(t *testing.T) {
	var dialed atomic.Bool
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Store(true)
		return nil, errors.New("no network in tests")
	}}
	c := New(Config{Token: model.NewSecret(token), BaseURL: "http://api.example.com/client/v4", HTTPClient: &http.Client{Transport: tr}})
	_, err := c.ListIdPs(context.Background(), acct)
	if err == nil || !strings.Contains(err.Error(), "https") || dialed.Load() {
		t.Fatalf("dialed %v, got %v", dialed.Load(), err)
	}
}

func TestTransientIsOnlyWhatMaySucceedAgain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{wrap("x", newStatusError(http.StatusBadGateway, nil)), true},
		{wrap("x", newStatusError(http.StatusTooManyRequests, nil)), true},
		{wrap("x", newStatusError(http.StatusBadRequest, nil)), false},
		{wrap("x", newStatusError(http.StatusTemporaryRedirect, nil)), false},
		{wrap("x", context.Canceled), false},
		{wrap("x", context.DeadlineExceeded), true},
		{wrap("x", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{wrap("x", ErrReadOnly), false},
		{wrap("x", checkScheme(&url.URL{Scheme: "http", Host: "api.example.com"})), false},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v", tc.err, got)
		}
	}
}
