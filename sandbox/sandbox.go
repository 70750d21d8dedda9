// Package sandbox is the offline world jcaccess runs against when there is
// no Cloudflare or JumpCloud account: a fake Cloudflare (API, team domain,
// Access callback, SCIM server) and a fake JumpCloud (SAML IdP, metadata
// export, SCIM client), on loopback TLS listeners signed by the sandbox's own
// CA. Its world is kept in a folder between runs, so a setup resumed tomorrow
// finds what it created today.
package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"jcaccess/model"
	"jcaccess/sandbox/cfapi"
	"jcaccess/sandbox/jumpcloud"
)

// Team is the sandbox's Zero Trust team name.
const Team = "sandbox"

// Options configures Start.
type Options struct {
	// Dir keeps the world between runs (tests give a temporary folder).
	Dir string
	// Fresh discards a saved world and starts a new one.
	Fresh bool
	// Now is the clock of both fake services; nil means time.Now.
	Now func() time.Time
	// KeyBits of JumpCloud's signing key; 0 means 4096, as JumpCloud uses.
	KeyBits int
	// CheckRequest judges each request to the fake Cloudflare API (see
	// cfapi.Options.CheckRequest); tests set it to openapicheck.New().
	CheckRequest func(r *http.Request, body []byte) error
	// JumpCloudAPI are the JumpCloud admin API's knobs (a read-only role,
	// a multi-tenant admin, a rate limit); none by default.
	JumpCloudAPI jumpcloud.APIKnobs
}

// Sandbox is a running world.
type Sandbox struct {
	Cloudflare *cfapi.Server
	JumpCloud  *jumpcloud.IdP

	Team          string
	TeamDomain    string // host:port of the fake team domain (and API)
	AccountID     string
	Token         string // Access Write, SCIM Logs Read and Audit Logs Read
	ReadOnlyToken string // Access Read only, for trying the permission errors
	APIBaseURL    string
	CAFile        string // the CA certificate, for SSL_CERT_FILE
	MetadataPath  string // JumpCloud's metadata export
	// HTTPClient trusts the sandbox CA only.
	HTTPClient *http.Client

	opts    Options
	ca      *authority
	servers []*http.Server
	mu      sync.Mutex // serializes Save
	// consoleToken is in the console's URL and required by every console
	// request: random for each run, never saved.
	consoleToken string
	// jcAPIKey is the JumpCloud admin API key: random for each run (an
	// admin's key is shown once, jumpcloud-api.md §1), never saved.
	jcAPIKey model.Secret
	unlock   func() // releases the folder's lock
	closed   bool
}

// Start brings the world up (restoring it from Dir when there is one).
func Start(opts Options) (*Sandbox, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	unlock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			unlock()
		}
	}()
	w, err := loadWorld(opts)
	if err != nil {
		return nil, err
	}
	sb := &Sandbox{opts: opts, Team: Team, consoleToken: randomHex(24)}
	if sb.ca, err = w.authority(opts.Now()); err != nil {
		return nil, err
	}
	cfLn, err := listen(w.CloudflareAddr)
	if err != nil {
		return nil, err
	}
	jcLn, err := listen(w.JumpCloudAddr)
	if err != nil {
		cfLn.Close()
		return nil, err
	}
	sb.TeamDomain = cfLn.Addr().String()
	sb.APIBaseURL = "https://" + sb.TeamDomain + "/client/v4/"
	jcBase := "https://" + jcLn.Addr().String()
	if err := sb.build(w, jcBase); err != nil {
		cfLn.Close()
		jcLn.Close()
		return nil, err
	}
	sb.jcAPIKey = model.NewSecret(jumpcloud.APIKeyPrefix + randomHex(20))
	sb.JumpCloud.SetAPIKey(sb.jcAPIKey.Reveal())
	sb.JumpCloud.SetAPIKnobs(opts.JumpCloudAPI)
	sb.HTTPClient = sb.client()
	for _, srv := range []struct {
		ln net.Listener
		h  http.Handler
	}{{cfLn, sb.Cloudflare.Handler()}, {jcLn, sb.withAdmin(sb.JumpCloud.Handler())}} {
		tlsConf, err := sb.ca.serverConfig(opts.Now())
		if err != nil {
			sb.Close()
			return nil, err
		}
		hs := &http.Server{Handler: srv.h, TLSConfig: tlsConf, ErrorLog: log.New(io.Discard, "", 0), ReadHeaderTimeout: 10 * time.Second}
		sb.servers = append(sb.servers, hs)
		go hs.Serve(tls.NewListener(srv.ln, tlsConf))
	}
	if err := sb.writeFiles(); err != nil {
		sb.Close()
		return nil, err
	}
	started, sb.unlock = true, unlock
	return sb, sb.Save()
}

// lockDir takes the sandbox folder's lock: two sandboxes on one folder
// would each save their own world over the other's, and hand out tokens
// and SCIM secrets the other does not know.
func lockDir(dir string) (func(), error) {
	if dir == "" {
		return nil, errors.New("sandbox: no folder for the world (set JCACCESS_SANDBOX_DIR)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	release, err := model.LockFile(filepath.Join(dir, "sandbox.lock"))
	var held *model.HeldError
	if errors.As(err, &held) {
		who := "another sandbox"
		if held.PID > 0 {
			who = fmt.Sprintf("another sandbox (pid %d)", held.PID)
		}
		return nil, fmt.Errorf("sandbox: %w: %s is running on %s; stop it (Ctrl+C where it runs) or give this one another folder with JCACCESS_SANDBOX_DIR", model.ErrLocked, who, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return release, nil
}

// build makes (or restores) both services for the current addresses.
func (sb *Sandbox) build(w *world, jcBase string) error {
	now := sb.opts.Now
	var err error
	if w.Cloudflare != nil {
		if sb.Cloudflare, err = cfapi.Restore(cfapi.Options{Now: now, CheckRequest: sb.opts.CheckRequest}, w.Cloudflare); err != nil {
			return fmt.Errorf("sandbox: restoring Cloudflare from %s: %w; start a new world with --fresh", sb.opts.Dir, err)
		}
	} else {
		sb.Cloudflare = cfapi.New(cfapi.Options{AccountName: "Sandbox Inc", Now: now, CheckRequest: sb.opts.CheckRequest})
		w.Token = "sandbox-" + randomHex(20)
		w.ReadOnlyToken = "sandbox-readonly-" + randomHex(12)
		sb.Cloudflare.AddToken(w.Token, cfapi.TokenAccount, cfapi.PermAccessWrite, cfapi.PermSCIMLogsRead, cfapi.PermAuditLogsRead)
		sb.Cloudflare.AddToken(w.ReadOnlyToken, cfapi.TokenUser, cfapi.PermAccessRead)
	}
	// A world saved before jcaccess read who signed in lacks the permission.
	sb.Cloudflare.Grant(w.Token, cfapi.PermAuditLogsRead)
	oldDomain := sb.Cloudflare.AuthDomain()
	sb.Cloudflare.SetAuthDomain(sb.TeamDomain)
	sb.AccountID, sb.Token, sb.ReadOnlyToken = sb.Cloudflare.AccountID(), w.Token, w.ReadOnlyToken

	jo := jumpcloud.IdPOptions{BaseURL: jcBase, Org: "Sandbox Inc", Now: now, KeyBits: sb.opts.KeyBits, Users: defaultUsers(), App: sb.defaultApp()}
	if w.JumpCloud != nil {
		if sb.JumpCloud, err = jumpcloud.RestoreIdP(jo, w.JumpCloud); err != nil {
			return fmt.Errorf("sandbox: restoring JumpCloud from %s: %w; start a new world with --fresh", sb.opts.Dir, err)
		}
		if oldDomain != "" && oldDomain != sb.TeamDomain {
			// The port moved: the admin's app settings follow the team domain.
			sb.JumpCloud.SetApp(retarget(sb.JumpCloud.App(), oldDomain, sb.TeamDomain))
		}
	} else if sb.JumpCloud, err = jumpcloud.NewIdP(jo); err != nil {
		return err
	}
	return nil
}

// defaultUsers are the organization's people: alice and bob may sign in
// (their groups are bound to the app), carol may not.
func defaultUsers() []jumpcloud.User {
	return []jumpcloud.User{
		{Email: "alice@example.com", FirstName: "Alice", LastName: "Admin", Groups: []string{"engineering"}},
		{Email: "bob@example.com", FirstName: "Bob", LastName: "Builder", Groups: []string{"engineering", "finance"}},
		{Email: "carol@example.com", FirstName: "Carol", LastName: "Contractor", Groups: []string{"contractors"}},
	}
}

// groupsAttribute is the name Cloudflare's JumpCloud guide asks for: "tick
// Include group attribute with the exact name groups" (cloudflare-api.md §3.1;
// Cloudflare docs integrations/identity-providers/jumpcloud-saml.mdx).
const groupsAttribute = "groups"

// defaultApp is the Cloudflare Access app as an admin following the
// jumpcloud-app step would have set it, and no more: NameID the email in
// format emailAddress, one attribute mapping row carrying the email under
// the name the default login method reads it from, the group attribute.
func (sb *Sandbox) defaultApp() jumpcloud.App {
	in := model.DefaultInputs()
	in.Team, in.TeamDomain = Team, sb.TeamDomain
	return jumpcloud.App{
		Label:               jumpcloud.DefaultLabel,
		IdPEntityID:         in.IdPEntityID(),
		SPEntityID:          in.CallbackURL(),
		ACSURL:              in.CallbackURL(),
		NameIDField:         jumpcloud.FieldEmail,
		NameIDFormat:        jumpcloud.EmailNameIDFormat,
		Attributes:          []jumpcloud.AttributeMapping{{Name: in.IdP.EmailAttribute(), UserField: jumpcloud.FieldEmail}},
		IncludeGroups:       true,
		GroupsAttributeName: groupsAttribute,
		BoundGroups:         []string{"engineering", "finance"},
	}
}

func retarget(a jumpcloud.App, from, to string) jumpcloud.App {
	swap := func(s string) string {
		if s == "" {
			return s
		}
		return replaceHost(s, from, to)
	}
	a.IdPEntityID, a.SPEntityID, a.ACSURL = swap(a.IdPEntityID), swap(a.SPEntityID), swap(a.ACSURL)
	return a
}

func listen(addr string) (net.Listener, error) {
	if addr != "" {
		if ln, err := net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sandbox: cannot listen on loopback: %w", err)
	}
	return ln, nil
}

func (sb *Sandbox) client() *http.Client {
	// Only the sandbox CA: the sandbox client talks to nothing else, and
	// loading the system roots is a noticeable part of start-up.
	roots := sb.ca.pool()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	tr.Proxy = nil // loopback only, whatever the environment's proxy says
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Env is what another shell needs to use this sandbox (jcaccess sandbox
// prints it): the SDK's own variables, the CA for SSL_CERT_FILE, where the
// JumpCloud metadata export is, and the JumpCloud admin API's host and key.
func (sb *Sandbox) Env() []string {
	return []string{
		"CLOUDFLARE_BASE_URL=" + sb.APIBaseURL,
		"CLOUDFLARE_API_TOKEN=" + sb.Token,
		"CLOUDFLARE_ACCOUNT_ID=" + sb.AccountID,
		"SSL_CERT_FILE=" + sb.CAFile,
		"JCACCESS_SANDBOX_TEAM=" + sb.Team,
		"JCACCESS_SANDBOX_TEAM_DOMAIN=" + sb.TeamDomain,
		"JCACCESS_SANDBOX_METADATA=" + sb.MetadataPath,
		"JUMPCLOUD_BASE_URL=" + sb.JumpCloud.BaseURL(),
		"JUMPCLOUD_API_KEY=" + sb.jcAPIKey.Reveal(),
	}
}

// JumpCloudAPI is where the sandbox's JumpCloud admin API is and the key
// it accepts: the base URL is the console host (jcaccess appends /api and
// /api/v2, jumpcloud-api.md §2), as JUMPCLOUD_BASE_URL names it.
func (sb *Sandbox) JumpCloudAPI() (baseURL string, key model.Secret) {
	return sb.JumpCloud.BaseURL(), sb.jcAPIKey
}

// JumpCloudHost is the host of the sandbox's JumpCloud SSO URL, which the
// metadata checks accept as JumpCloud's (as they do sso.jumpcloud.com).
func (sb *Sandbox) JumpCloudHost() string {
	u, err := url.Parse(sb.JumpCloud.SSOURL())
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// Inputs are the setup answers that fit this sandbox.
func (sb *Sandbox) Inputs() model.Inputs {
	in := model.DefaultInputs()
	in.Team, in.TeamDomain, in.AccountID, in.IdP.Metadata = sb.Team, sb.TeamDomain, sb.AccountID, sb.MetadataPath
	return in
}

// errForeignSCIM is an Activate aimed anywhere but this sandbox's own SCIM
// endpoint.
var errForeignSCIM = errors.New("the sandbox's JumpCloud activates only this sandbox's own Cloudflare SCIM endpoint")

// ActivateSCIM presses Activate in JumpCloud's Identity Management tab. The
// sandbox's JumpCloud sends the Token Key only to this sandbox's own SCIM
// endpoint: a Base URL naming anything else is refused unsent.
func (sb *Sandbox) ActivateSCIM(ctx context.Context, baseURL string, token model.Secret) error {
	if sb.JumpCloud.App().Missing {
		// Identity Management is a tab of the app (jumpcloud.md §3).
		return errors.New("JumpCloud has no Cloudflare Access app to activate Identity Management in; create the app first (admin API POST /api/applications)")
	}
	if err := sb.ownSCIM(baseURL); err != nil {
		return err
	}
	err := sb.JumpCloud.ActivateSCIM(ctx, sb.HTTPClient, baseURL, token.Reveal())
	if serr := sb.Save(); err == nil {
		err = serr
	}
	return err
}

// ownSCIM refuses a Base URL that is not the SCIM base URL of one of this
// sandbox's login methods.
func (sb *Sandbox) ownSCIM(baseURL string) error {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	var own []string
	for _, idp := range sb.Cloudflare.IdPs() {
		if idp.SCIMBaseURL == "" {
			continue
		}
		if strings.TrimRight(idp.SCIMBaseURL, "/") == base {
			return nil
		}
		own = append(own, idp.SCIMBaseURL)
	}
	if len(own) == 0 {
		return fmt.Errorf("%w, and it has none yet: turn SCIM on for the login method first (jcaccess apply)", errForeignSCIM)
	}
	return fmt.Errorf("%w (%s), not %q", errForeignSCIM, strings.Join(own, ", "), baseURL)
}

// LoginUser is the person SignIn plays: a JumpCloud user bound to the app.
const LoginUser = "alice@example.com"

// SignIn is LoginUser at a browser: it opens the App Launcher on the team
// domain, chooses the login method named loginMethod on Access's login
// page, signs in to JumpCloud and follows the SAML response back through the
// Access callback. It returns the page the browser ended on, text made
// printable; what Access recorded is for the Cloudflare API to tell.
func (sb *Sandbox) SignIn(ctx context.Context, loginMethod string) (model.BrowserPage, error) {
	p, err := jumpcloud.BrowserSignIn(ctx, sb.HTTPClient, "https://"+sb.TeamDomain+"/", LoginUser, loginMethod)
	if err != nil {
		return model.BrowserPage{Person: LoginUser}, fmt.Errorf("sandbox: the browser could not finish the sign-in: %w", err)
	}
	_ = sb.Save()
	page := model.BrowserPage{Person: LoginUser, Text: model.Printable(p.Text)}
	if p.URL != nil {
		page.URL = model.Printable(p.URL.String())
		// Signed in: the browser is back on the App Launcher itself.
		page.SignedIn = p.Status == http.StatusOK && p.URL.Host == sb.TeamDomain && p.URL.Path == "/"
	}
	return page, nil
}

// Close stops the servers, saves the world and frees the folder for the
// next sandbox. Closing again does nothing: the folder may be another
// sandbox's by then.
func (sb *Sandbox) Close() error {
	if sb.closed {
		return nil
	}
	sb.closed = true
	if sb.unlock != nil {
		defer sb.unlock()
	}
	if sb.HTTPClient != nil {
		sb.HTTPClient.CloseIdleConnections()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var errs []error
	for _, s := range sb.servers {
		// A connection accepted but never used counts as busy for a while;
		// after a grace period, close whatever is left.
		if s.Shutdown(ctx) != nil {
			if err := s.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	sb.servers = nil
	errs = append(errs, sb.Save())
	return errors.Join(errs...)
}

// writeFiles writes the CA certificate and the metadata export.
func (sb *Sandbox) writeFiles() error {
	dir := sb.opts.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	sb.CAFile = filepath.Join(dir, "ca.pem")
	sb.MetadataPath = filepath.Join(dir, "JumpCloud-saml2-metadata.xml")
	if err := os.WriteFile(sb.CAFile, sb.ca.certPEM, 0o600); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return sb.ExportMetadata()
}

// ExportMetadata is JumpCloud's "Export Metadata": it writes the current
// export (it changes with the knobs) to MetadataPath.
func (sb *Sandbox) ExportMetadata() error {
	if sb.JumpCloud.App().Missing {
		// No application, nothing to export: an old export would describe
		// an app that does not exist.
		if err := os.Remove(sb.MetadataPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sandbox: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(sb.MetadataPath, sb.JumpCloud.MetadataXML(), 0o600); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}
