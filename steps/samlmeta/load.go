package samlmeta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"jcaccess/model"
)

const exportHint = "export the metadata from JumpCloud (Cloudflare Access app, SSO tab, Export Metadata) and give its path"

// FetchTimeout bounds a metadata download from start to last byte, whatever
// the caller's client and context allow: a JumpCloud export is about 3 KB,
// so a server still sending after this is broken or hostile (one that
// trickles a byte at a time would otherwise hold the command for ever).
const FetchTimeout = 10 * time.Second

// ErrURLUserinfo means a metadata URL carries a user name or password
// (https://user:pass@host/...). It is refused rather than used, so that the
// password is never stored in a session, a config echo or a message.
var ErrURLUserinfo = errors.New("metadata URL contains a user name or password")

var errFetchTooSlow = errors.New("metadata download took too long")

// Load reads metadata from src, a file path or an https:// URL. It reads at
// most MaxSize+1 bytes so that Inspect can report a too-large input rather
// than Load failing on it. client carries the caller's timeout and TLS
// roots; nil means a client with a 15 s timeout.
func Load(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	src = strings.TrimSpace(src)
	if src == "" {
		return nil, errors.New("no metadata given: " + exportHint + ", or give its https:// metadata URL")
	}
	if isURLSource(src) {
		return loadURL(ctx, client, src)
	}
	return loadFile(ctx, src)
}

// CheckSource checks a metadata source without reading it: a URL must
// parse, carry no user name or password (ErrURLUserinfo) and be https
// (plain http only on loopback). Callers use it to refuse bad input (exit 2)
// before anything is stored; a file path is left to Load.
func CheckSource(src string) error {
	src = strings.TrimSpace(src)
	if !isURLSource(src) {
		return nil
	}
	_, err := checkURL(src)
	return err
}

// checkURL is the one rule for a metadata URL, before any request.
func checkURL(src string) (*url.URL, error) {
	u, err := parseURL(src)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Host == "":
		return nil, fmt.Errorf("metadata URL %q has no host; give the https:// metadata URL (JumpCloud SSO tab, Copy Metadata URL) or %s", u.Redacted(), exportHint)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u):
		// A local test server: nothing crosses the network.
	case u.Scheme == "http":
		return nil, fmt.Errorf("refusing to fetch metadata over plain http (%s): plain http is refused because it carries the certificate Cloudflare will trust, so it must come over https; use the https:// metadata URL (JumpCloud SSO tab, Copy Metadata URL) or %s", u.Redacted(), exportHint)
	default:
		return nil, fmt.Errorf("cannot fetch metadata from a %s:// URL (%s); give an https:// URL or %s", u.Scheme, u.Redacted(), exportHint)
	}
	return u, nil
}

func isURLSource(src string) bool {
	i := strings.Index(src, "://")
	return i > 0 && !strings.ContainsAny(src[:i], `/\`)
}

// parseURL parses a metadata URL and refuses userinfo. No message repeats
// the userinfo: it may be a password.
func parseURL(src string) (*url.URL, error) {
	safe := stripUserinfo(src)
	u, err := url.Parse(src)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), src, safe)
		if safe != src {
			// url.Parse may quote a part of the authority: drop it all.
			msg = "it does not parse"
		}
		return nil, fmt.Errorf("metadata URL %q is not valid (%s); copy it again from JumpCloud (SSO tab, Copy Metadata URL) or %s", safe, msg, exportHint)
	}
	if u.User != nil || safe != src {
		u.User = nil
		return nil, fmt.Errorf("%w before the @ (idp.metadata or --metadata; without it the URL is %s): jcaccess refuses it so that a password is never saved in a session or shown; JumpCloud's metadata URL needs none: copy it again from JumpCloud (Cloudflare Access app, SSO tab, Copy Metadata URL) and give it without the user:password@ part, or %s",
			ErrURLUserinfo, u.String(), exportHint)
	}
	return u, nil
}

// stripUserinfo removes anything between "://" and the last "@" of the
// authority, working on the raw text so that it also holds when the URL
// does not parse.
func stripUserinfo(src string) string {
	i := strings.Index(src, "://")
	if i < 0 {
		return src
	}
	rest := src[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return src
	}
	return src[:i+3] + rest[at+1:]
}

func loadURL(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	u, err := checkURL(src)
	if err != nil {
		return nil, err
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

	ctx, cancel := context.WithTimeoutCause(ctx, FetchTimeout, errFetchTooSlow)
	defer cancel()
	tooSlow := func(err error) error {
		if errors.Is(context.Cause(ctx), errFetchTooSlow) {
			return fmt.Errorf("fetching metadata from %s: stopped after %d s without the whole document (a JumpCloud export is about 3 KB and comes at once), so the server is too slow or not a metadata server; check the URL (JumpCloud SSO tab, Copy Metadata URL) and your network, or %s",
				u.Redacted(), int(FetchTimeout/time.Second), exportHint)
		}
		return err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetching metadata from %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
	resp, err := c.Do(req)
	if err != nil {
		return nil, tooSlow(fmt.Errorf("fetching metadata: %w; check the URL and your network, or %s", err, exportHint))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("fetching metadata from %s: the server answered %s; check the URL (JumpCloud SSO tab, Copy Metadata URL) or %s", u.Redacted(), resp.Status, exportHint)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err == nil {
		// A body cut short by the deadline can end like a complete one.
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, tooSlow(fmt.Errorf("reading metadata from %s: %w; try again, or %s", u.Redacted(), err, exportHint))
	}
	return data, nil
}

// loadFile reads a metadata file of at most MaxSize bytes. Only a regular
// file is read: a FIFO could block for ever and a device (/dev/zero) never
// end. The read stops when ctx ends (Ctrl+C).
func loadFile(ctx context.Context, path string) ([]byte, error) {
	data, err := model.ReadRegularFile(ctx, path, MaxSize)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, model.ErrTooLarge):
		// Inspect reports any input over MaxSize as too_large; the content
		// is never used, so the file is not read to say so.
		return make([]byte, MaxSize+1), nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("metadata file %s not found: %s", path, exportHint)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("cannot read metadata file %s: permission denied; make it readable by your user or copy it somewhere you can read", path)
	case errors.Is(err, model.ErrNotRegular):
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a metadata file: give the path of the XML file exported from JumpCloud (SSO tab, Export Metadata): %w", path, err)
		}
		return nil, fmt.Errorf("metadata file %w; jcaccess reads metadata only from a saved file, since a pipe or device could block or never end: %s", err, exportHint)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("reading metadata file %s: %w", path, err)
	default:
		return nil, fmt.Errorf("cannot read metadata file %s: %w", path, err)
	}
}

func isLoopback(u *url.URL) bool { return model.LoopbackHost(u.Hostname()) }
