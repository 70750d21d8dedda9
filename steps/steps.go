// Package steps is the setup as code: one file per step, and the engine that
// runs their live checks and applies their changes. The wizard and the
// headless commands (plan, apply, check) drive the same steps.
package steps

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"jcaccess/model"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/jumpcloud"
	"jcaccess/steps/samlmeta"
)

// ID names a step. IDs are stable: they appear in session files, flags and JSON.
type ID string

const (
	Team          ID = "team"
	Credentials   ID = "credentials"
	JumpCloudApp  ID = "jumpcloud-app"
	Metadata      ID = "metadata"
	CloudflareIdP ID = "cloudflare-idp"
	SCIM          ID = "scim"
	JumpCloudSCIM ID = "jumpcloud-scim"
	Test          ID = "test"
)

// Step is one part of the setup.
type Step interface {
	ID() ID
	Title() string
	// Validate checks the inputs without any I/O.
	Validate(env *Env) model.Findings
	// Prepare does the reads the checks depend on (loading the metadata,
	// finding the account), in order, before the checks run.
	Prepare(ctx context.Context, env *Env) model.Findings
	// Checks are read-only live checks; the engine runs them concurrently.
	Checks(env *Env) []Check
	// Plan proposes the changes this step would make. Read-only.
	Plan(ctx context.Context, env *Env) ([]model.Change, error)
	// Applied records what the API answered to one of this step's changes.
	Applied(env *Env, ch model.Change, got cloudflare.IdP)
	// Values are what the admin copies into JumpCloud or opens.
	Values(env *Env) []Value
}

// Check is one live, read-only check.
type Check struct {
	Name string
	Run  func(ctx context.Context) model.Findings
}

// Value is something to show the admin: a field to paste into JumpCloud, a
// URL to open. Secret values are masked unless the caller reveals them.
type Value struct {
	Label  string       `json:"label"`
	Value  string       `json:"value,omitempty"`
	Secret model.Secret `json:"secret,omitzero"`
	Note   string       `json:"note,omitempty"`
}

// All returns every step in setup order.
func All() []Step {
	return []Step{teamStep{}, credentialsStep{}, jumpCloudAppStep{}, metadataStep{}, idpStep{}, scimStep{}, jumpCloudSCIMStep{}, testStep{}}
}

// ByID finds a step.
func ByID(id ID) (Step, bool) {
	for _, s := range All() {
		if s.ID() == id {
			return s, true
		}
	}
	return nil, false
}

// Deps are what a run is given: set by the caller before the first run and
// never written by the engine (a front end may swap CF for a client built
// from a newly typed token, between runs).
type Deps struct {
	CF *cloudflare.Client
	// HTTP reaches the team domain, the metadata URL, the SSO URL and the
	// SCIM endpoint. It carries the trust roots; TLS is always verified.
	HTTP *http.Client
	Now  func() time.Time
	// CheckTimeout bounds each live check.
	CheckTimeout time.Duration
	// Sandbox is set only against the embedded sandbox, where jcaccess can
	// press JumpCloud's buttons and play a person signing in.
	Sandbox SandboxControl
	// JumpCloudHost is accepted as JumpCloud's SSO host besides
	// sso.jumpcloud.com (the sandbox's JumpCloud).
	JumpCloudHost string
	// LockAccount takes the lock of a Cloudflare account (model.Store's
	// LockAccount) around a create, so two runs under different team names
	// never create in one account at once. Nil takes no lock.
	LockAccount func(accountID string) (release func(), err error)
	// JumpCloud, when set, lets the jumpcloud-app step read the SSO
	// application through JumpCloud's admin API instead of taking the
	// admin's word for it. A read-only client suits plan and check.
	JumpCloud *jumpcloud.Client
	// JumpCloudChanges lets plan propose, and apply make, changes in
	// JumpCloud (create the application, fix its values, bind groups).
	// Off, drift is an error the admin fixes in the console.
	JumpCloudChanges bool
	// CreateBackoff replaces the waits before a create that failed for a
	// transient reason is sent again (nil: 2 s, then 5 s).
	CreateBackoff []time.Duration
}

// Env is one setup's dependencies and what its runs learn. Secrets live
// here, in memory, and nowhere else.
//
// Concurrency: the engine runs the steps of a stage, and a step's checks,
// at once. What they share is guarded by mu (the inputs, through inputs and
// setAccountID, and every cached read below). The rest of Session is written
// only by the cloudflare-idp step's Prepare (alone in its stage), by Applied
// and by Record, which run while no check does. Callers run one engine call
// at a time on an Env (Flow serialises the interactive ones).
type Env struct {
	Deps
	Session *model.Session
	// SCIMSecret is known only right after Cloudflare issued it, or when
	// the admin gave it (GiveSCIMSecret).
	SCIMSecret model.Secret
	// SCIMSecretGiven says SCIMSecret came from the admin (regenerated in
	// the dashboard), not from Cloudflare's answer: it is verified, not
	// handed back.
	SCIMSecretGiven bool
	// RegenerateSCIMSecret asks the scim step to plan a secret refresh.
	RegenerateSCIMSecret bool

	// pending counts the changes planned in this run and not sent: the
	// test step's read-back expects differences that apply would remove.
	pending int

	mu       sync.Mutex
	idps     []cloudflare.IdP
	idpsAt   time.Time
	meta     *samlmeta.Report
	existing *cloudflare.IdP
	// jc is the last read of JumpCloud (jumpcloud-app step's check), and
	// jcAppID the application it found or this apply created.
	jc      *jumpcloud.Inspection
	jcAppID string
	// refused is the page a sandbox sign-in (Flow.SignIn) ended on when it
	// did not end signed in; the test step reports it until a sign-in works.
	refused *model.BrowserPage
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// inputs reads the inputs under the lock: a stage's steps run concurrently
// and account discovery writes one of them.
func (e *Env) inputs() model.Inputs {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.Session.Inputs
}

func (e *Env) setAccountID(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Session.Inputs.AccountID = id
}

// idpListFresh is how long a listing of the IdPs is reused: within one run,
// the credentials check's listing serves the cloudflare-idp step, saving a
// round trip; a wizard session that lingers lists again.
const idpListFresh = 30 * time.Second

func (e *Env) setIdPList(l []cloudflare.IdP) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.idps, e.idpsAt = l, e.now()
}

// forgetIdPList drops the cached listing once this run has changed an IdP.
func (e *Env) forgetIdPList() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.idps, e.idpsAt = nil, time.Time{}
}

func (e *Env) idpList() ([]cloudflare.IdP, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.idpsAt.IsZero() || e.now().Sub(e.idpsAt) > idpListFresh {
		return nil, false
	}
	return e.idps, true
}

// MetadataReport is the parsed metadata, once the metadata step has run.
func (e *Env) MetadataReport() *samlmeta.Report {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.meta
}

func (e *Env) setMeta(r *samlmeta.Report) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.meta = r
}

// ExistingIdP is the Cloudflare login method this setup manages, if found.
func (e *Env) ExistingIdP() *cloudflare.IdP {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.existing
}

func (e *Env) setExisting(p *cloudflare.IdP) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.existing = p
}

// SandboxControl is what the sandbox lets jcaccess do on the JumpCloud side,
// which against the real services only the admin (and a browser) can do.
type SandboxControl interface {
	// ActivateSCIM is JumpCloud's Identity Management "Activate": JumpCloud
	// connects to the SCIM endpoint with the token and pushes its users and
	// groups.
	ActivateSCIM(ctx context.Context, baseURL string, token model.Secret) error
	// SignIn is a person at a browser: the sandbox's JumpCloud user (one
	// bound to the app) opens the team domain's App Launcher, chooses the
	// login method named loginMethod on Access's login page, signs in to
	// JumpCloud and comes back through the Access callback. It returns the
	// page the browser ended on, never what Access recorded: the test step
	// reads that from the Cloudflare API, as it does against Cloudflare.
	SignIn(ctx context.Context, loginMethod string) (model.BrowserPage, error)
}

// base gives steps the methods they have nothing to do in.
type base struct{}

func (base) Validate(*Env) model.Findings                       { return nil }
func (base) Prepare(context.Context, *Env) model.Findings       { return nil }
func (base) Checks(*Env) []Check                                { return nil }
func (base) Plan(context.Context, *Env) ([]model.Change, error) { return nil, nil }
func (base) Applied(*Env, model.Change, cloudflare.IdP)         {}
func (base) Values(*Env) []Value                                { return nil }

func finding(sev model.Severity, code, format string, args ...any) model.Finding {
	// Messages quote errors and answers from elsewhere: scrub them of
	// secrets before anyone sees or stores them.
	return model.Finding{Severity: sev, Code: code, Message: model.Scrub(fmt.Sprintf(format, args...))}
}

func errorf(code, format string, args ...any) model.Findings {
	return model.Findings{finding(model.SeverityError, code, format, args...)}
}

func warnf(code, format string, args ...any) model.Findings {
	return model.Findings{finding(model.SeverityWarning, code, format, args...)}
}

func infof(code, format string, args ...any) model.Findings {
	return model.Findings{finding(model.SeverityInfo, code, format, args...)}
}
