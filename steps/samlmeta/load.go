package samlmeta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const exportHint = "export the metadata from JumpCloud (Cloudflare Access app, SSO tab, Export Metadata) and give its path"

// Load reads metadata from src, a file path or an https:// URL. It reads at
// most MaxSize+1 bytes so that Inspect can report a too-large input rather
// than Load failing on it. client carries the caller's timeout and TLS
// roots; nil means a client with a 15 s timeout.
func Load(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, errors.New("no metadata given: " + exportHint + ", or give its https:// metadata URL")
	}
	if i := strings.Index(src, "://"); i > 0 && !strings.ContainsAny(src[:i], `/\`) {
		return loadURL(ctx, client, src)
	}
	return loadFile(src)
}

func loadURL(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	u, err := url.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("metadata URL %q is not valid (%v); copy it again from JumpCloud (SSO tab, Copy Metadata URL) or %s", src, err, exportHint)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u):
		// A local test server: nothing crosses the network.
	case u.Scheme == "http":
		return nil, fmt.Errorf("refusing to fetch metadata over plain http (%s): it carries the certificate Cloudflare will trust, so it must come over https; use the https:// metadata URL (JumpCloud SSO tab, Copy Metadata URL) or %s", u.Redacted(), exportHint)
	default:
		return nil, fmt.Errorf("cannot fetch metadata from a %s:// URL (%s); give an https:// URL or %s", u.Scheme, u.Redacted(), exportHint)
	}

	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	// A copy, so the caller's client keeps its own redirect policy.
	c := *client
	prev := client.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// A redirect to plain http would undo the https the admin asked
		// for; only a loopback test server may stay on http.
		if req.URL.Scheme != "https" && !(req.URL.Scheme == "http" && isLoopback(req.URL) && via[0].URL.Scheme == "http") {
			return fmt.Errorf("refusing to follow a redirect to %s: metadata must come over https", req.URL.Redacted())
		}
		if prev != nil {
			return prev(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetching metadata from %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching metadata: %w; check the URL and your network, or %s", err, exportHint)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("fetching metadata from %s: the server answered %s; check the URL (JumpCloud SSO tab, Copy Metadata URL) or %s", u.Redacted(), resp.Status, exportHint)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading metadata from %s: %w; try again, or %s", u.Redacted(), err, exportHint)
	}
	return data, nil
}

func loadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("metadata file %s not found: %s", path, exportHint)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("cannot read metadata file %s: permission denied; make it readable by your user or copy it somewhere you can read", path)
	case err != nil:
		return nil, fmt.Errorf("cannot open metadata file %s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a metadata file: give the path of the XML file exported from JumpCloud (SSO tab, Export Metadata)", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading metadata file %s: %w", path, err)
	}
	return data, nil
}

func isLoopback(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
