// Package ui is jcaccess's terminal wizard: a root model that owns
// navigation, global keys and the engine's concurrency, one component per
// setup step, and a plain line-by-line variant for screen readers and dumb
// terminals. It never calls an API itself: every engine call goes through the
// Runner as a tea.Cmd.
package ui

import (
	"time"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/jumpcloud"
)

// Options is everything the command layer hands the wizard.
type Options struct {
	// Env is the ready engine environment. Env.Session is a fresh session
	// (the answers from flags, config and environment); Env.CF is nil when
	// no API token was given, and the wizard asks for one; Env.Sandbox is set
	// only against the embedded sandbox.
	Env *steps.Env
	// Saved is the team's saved session, already merged with the flags, when
	// one exists: the wizard offers to resume it.
	Saved *model.Session
	// Store keeps the session, and the report is written to its folder.
	Store model.Store
	// NewClient builds the API client from a token typed into the wizard,
	// with the options the commands use (read-only in a dry run).
	NewClient func(token model.Secret) *cloudflare.Client
	// APIBase is the API's base URL, to show planned requests in full.
	APIBase string
	// NewJumpCloud builds the JumpCloud API client from a key typed into
	// the jumpcloud-app step (read-only in a dry run); nil means the step
	// asks for no key, as before the JumpCloud assist. Env.JumpCloud is
	// already set when JUMPCLOUD_API_KEY was.
	NewJumpCloud func(key model.Secret) (*jumpcloud.Client, error)
	// JumpCloudAPIBase is JumpCloud's base URL, to show planned JumpCloud
	// requests in full.
	JumpCloudAPIBase string
	// JumpCloudKeyFromEnv says Env.JumpCloud was built from
	// JUMPCLOUD_API_KEY.
	JumpCloudKeyFromEnv bool
	// TokenFromEnv says Env.CF was built from CLOUDFLARE_API_TOKEN.
	TokenFromEnv bool
	DryRun       bool
	// Getenv reads DISPLAY and friends, to decide whether a browser can open.
	Getenv func(string) string
	// Open opens a URL in a browser; nil uses xdg-open or open.
	Open func(url string) error
	// PollInterval is how often the jumpcloud-scim step asks whether
	// JumpCloud has connected; 0 means the default, negative never.
	PollInterval time.Duration
	// Static draws no animation (tests, accessible mode).
	Static bool
	// NoColor draws without colour (NO_COLOR).
	NoColor bool
	// ConsoleURL is the JumpCloud console o opens; empty means the real one
	// (the sandbox has its own).
	ConsoleURL string
}

// Outcome is how a wizard run ended.
type Outcome int

const (
	// Quit means the admin left before the end; the session is saved.
	Quit Outcome = iota
	// Finished means the admin reached the summary.
	Finished
)

// Result is what the command prints after the wizard.
type Result struct {
	Outcome Outcome
	Team    string
	// ReportPath is where the summary report was written.
	ReportPath string
	// Summary is the plain-text summary to print after the screen closes.
	Summary string
	// Saved says the session was written on the way out; SaveErr why not.
	Saved   bool
	SaveErr error
}

const defaultPoll = 5 * time.Second

func (o *Options) poll() time.Duration {
	switch {
	case o.PollInterval < 0:
		return 0
	case o.PollInterval == 0:
		return defaultPoll
	}
	return o.PollInterval
}

func (o *Options) console() string {
	if o.ConsoleURL != "" {
		return o.ConsoleURL
	}
	return JumpCloudConsole
}

// requestURL is where a planned change is sent, in full.
func (o *Options) requestURL(ch model.Change) string {
	if ch.Service == model.ServiceJumpCloud {
		return requestURL(o.JumpCloudAPIBase, ch.Path)
	}
	return requestURL(o.APIBase, ch.Path)
}

// serviceName is who a change is sent to, as the admin reads it.
func serviceName(ch model.Change) string {
	if ch.Service == model.ServiceJumpCloud {
		return "JumpCloud"
	}
	return "Cloudflare"
}

func (o *Options) now() time.Time {
	if o.Env != nil && o.Env.Now != nil {
		return o.Env.Now()
	}
	return time.Now()
}
