package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"jcaccess/model"
	"jcaccess/sandbox"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/samlmeta"
)

// setupOptions are the flags plan, apply and check share.
type setupOptions struct {
	ConfigPath string
	Team       string
	TeamDomain string
	AccountID  string
	Metadata   string
	IdPName    string
	JSON       bool
	Sandbox    bool
	Fresh      bool
	JumpCloud  jumpCloudOptions
}

// addFlags adds the flags of the headless commands: the answers, and --json.
func (o *setupOptions) addFlags(cmd *cobra.Command) {
	o.addInputFlags(cmd)
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print one JSON document on stdout; progress goes to stderr")
}

// addInputFlags adds the answers' flags, which the wizard shares.
func (o *setupOptions) addInputFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&o.ConfigPath, "config", "c", "", "YAML config file (see README: Config reference)")
	fl.StringVar(&o.Team, "team", "", "Zero Trust team name or team domain (overrides the config's team)")
	fl.StringVar(&o.TeamDomain, "team-domain", "", "team domain when it is not <team>.cloudflareaccess.com")
	fl.StringVar(&o.AccountID, "account-id", "", "Cloudflare account ID (default $CLOUDFLARE_ACCOUNT_ID, else discovered)")
	fl.StringVar(&o.Metadata, "metadata", "", "JumpCloud metadata XML: file path or https URL")
	fl.StringVar(&o.IdPName, "idp-name", "", "login method name (default JumpCloud)")
	fl.BoolVar(&o.Sandbox, "sandbox", false, "run against the embedded offline sandbox (no account, no network)")
	fl.BoolVar(&o.Fresh, "fresh", false, "with --sandbox: start a new sandbox world")
	o.JumpCloud.addFlags(cmd)
}

// inputs merges, in rising precedence: the defaults (or, with no config
// file, the inputs saved in the team's session), the config file, the
// environment and the flags; then validates what can be checked offline.
func (o *setupOptions) inputs(f *Factory, store model.Store) (*model.Session, error) {
	in := model.DefaultInputs()
	if o.ConfigPath != "" {
		var err error
		if in, err = loadConfig(o.ConfigPath); err != nil {
			return nil, err
		}
	}
	if o.Team != "" {
		in.Team = o.Team
	}
	if in.Team == "" {
		return nil, usagef("team: no team given; pass --team or set team in the config (Zero Trust > Settings > Team name and domain)")
	}
	team, err := steps.NormalizeTeam(in.Team)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	in.Team = team
	sess, err := store.Load(team)
	switch {
	case errors.Is(err, model.ErrNoSession):
		sess = nil
	case err != nil:
		return nil, err
	case o.ConfigPath == "":
		in = sess.Inputs // resume with what was saved
	case in.AccountID == "":
		in.AccountID = sess.Inputs.AccountID
	}
	if in, err = o.overlay(f, in); err != nil {
		return nil, err
	}
	if sess == nil {
		return model.NewSession(in, f.Now()), nil
	}
	sess.Inputs = in
	return sess, nil
}

// overlay lays the environment and the flags over inputs and validates
// what can be checked offline; every command that takes answers uses it.
func (o *setupOptions) overlay(f *Factory, in model.Inputs) (model.Inputs, error) {
	if v := f.Getenv("CLOUDFLARE_ACCOUNT_ID"); v != "" {
		in.AccountID = v
	}
	for _, ov := range []struct {
		flag string
		dst  *string
	}{{o.TeamDomain, &in.TeamDomain}, {o.AccountID, &in.AccountID}, {o.Metadata, &in.IdP.Metadata}, {o.IdPName, &in.IdP.Name}} {
		if ov.flag != "" {
			*ov.dst = ov.flag
		}
	}
	in = o.JumpCloud.overlay(in)
	if err := steps.CheckTeamDomain(in.TeamDomain); err != nil {
		return in, usageError{err.Error()}
	}
	if err := steps.CheckAccountID(in.AccountID); err != nil {
		return in, usageError{err.Error()}
	}
	return in, checkMetadataSource(in.IdP.Metadata)
}

func (f *Factory) store() (model.Store, error) {
	dir := f.Getenv("JCACCESS_STATE_DIR")
	if dir == "" {
		var err error
		if dir, err = model.DefaultStateDir(); err != nil {
			return model.Store{}, err
		}
	}
	st := model.Store{Dir: dir}
	if err := st.CheckDir(); errors.Is(err, model.ErrUnusableStateDir) {
		return st, usageError{err.Error()}
	} else if err != nil {
		return st, err
	}
	return st, nil
}

// token reads the API token from the environment, or asks for it on a
// terminal without echo. It is never read from a file or a flag, where it
// would land in shell history or on disk.
func (f *Factory) token(ctx context.Context) (model.Secret, error) {
	if v := strings.TrimSpace(f.Getenv("CLOUDFLARE_API_TOKEN")); v != "" {
		return model.NewSecret(v), nil
	}
	fh, ok := f.terminalIn()
	if !ok {
		return model.Secret{}, usagef("CLOUDFLARE_API_TOKEN is not set, and there is no terminal to ask for it; set it to a token with %s", cloudflare.PermAccessWrite)
	}
	v, err := readHidden(fh, f.IO.ErrOut, fmt.Sprintf("Cloudflare API token (needs %s; input hidden): ", cloudflare.PermAccessWrite))
	if err != nil {
		return model.Secret{}, err
	}
	if ctx.Err() != nil {
		return model.Secret{}, errCancelled
	}
	return model.NewSecret(v), nil
}

// terminalIn is the terminal to ask a secret on, if there is one.
func (f *Factory) terminalIn() (*os.File, bool) {
	if !f.IO.CanPrompt() {
		return nil, false
	}
	fh, ok := f.IO.In.(*os.File)
	return fh, ok
}

// readHidden asks on the terminal for one line without echoing it: the API
// token, a SCIM secret.
func readHidden(fh *os.File, errOut io.Writer, prompt string) (string, error) {
	fmt.Fprint(errOut, prompt)
	b, err := term.ReadPassword(int(fh.Fd()))
	fmt.Fprintln(errOut)
	return strings.TrimSpace(string(b)), err
}

// baseURL is CLOUDFLARE_BASE_URL (the SDK's own name) or production. Plain
// http is accepted only on loopback, for a local sandbox.
func (f *Factory) baseURL() (string, error) {
	v := f.Getenv("CLOUDFLARE_BASE_URL")
	if v == "" {
		return cloudflare.DefaultBaseURL, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return "", usagef("CLOUDFLARE_BASE_URL %q is not a URL; unset it to use %s", v, cloudflare.DefaultBaseURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && model.LoopbackHost(u.Hostname())) {
		return "", usagef("CLOUDFLARE_BASE_URL %q: only https is allowed (plain http only on loopback, for a local sandbox)", v)
	}
	return v, nil
}

// env builds everything a run needs. readOnly makes the API client refuse
// every write, which is what plan and check promise.
func (f *Factory) env(ctx context.Context, o *setupOptions, readOnly bool) (*steps.Env, model.Store, error) {
	var sb *sandbox.Sandbox
	if o.Sandbox {
		var err error
		if sb, err = f.startSandbox(o); err != nil {
			return nil, model.Store{}, err
		}
	}
	store, err := f.store()
	if err != nil {
		return nil, store, err
	}
	sess, err := o.inputs(f, store)
	if err != nil {
		return nil, store, err
	}
	release, err := store.Lock(sess.Inputs.Team)
	if err != nil {
		return nil, store, err
	}
	f.closers = append(f.closers, func() error { release(); return nil })
	base, err := f.baseURL()
	if err != nil {
		return nil, store, err
	}
	tok, err := f.token(ctx)
	if err != nil {
		return nil, store, err
	}
	accounts := f.accountLocks(store)
	if acct := sess.Inputs.AccountID; acct != "" && !readOnly {
		// The account is known: no other jcaccess may work on it meanwhile,
		// whatever team name it uses.
		if _, err := accounts(acct); err != nil {
			return nil, store, err
		}
	}
	cf := cloudflare.New(cloudflare.Config{Token: tok, BaseURL: base, HTTPClient: f.HTTPClient, ReadOnly: readOnly, Retries: 2})
	env := &steps.Env{Session: sess, Deps: steps.Deps{CF: cf, HTTP: f.HTTPClient, Now: f.Now, LockAccount: accounts}}
	if sb != nil {
		env.Sandbox = sb
		env.JumpCloudHost = sb.JumpCloudHost()
	}
	if env.JumpCloud, err = f.jumpCloudClient(&o.JumpCloud, sess.Inputs, readOnly, false); err != nil {
		return nil, store, err
	}
	env.JumpCloudChanges = env.JumpCloud != nil && sess.Inputs.JumpCloud.Changes
	return env, store, nil
}

// accountLocks returns the engine's LockAccount: it takes a Cloudflare
// account's lock once and holds it until the command ends, so asking again
// (the engine does before each create) is free and never waits on itself.
func (f *Factory) accountLocks(store model.Store) func(string) (func(), error) {
	var mu sync.Mutex
	held := map[string]func(){}
	f.closers = append(f.closers, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, release := range held {
			release()
		}
		clear(held)
		return nil
	})
	return func(acct string) (func(), error) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := held[acct]; !ok {
			release, err := store.LockAccount(acct)
			if err != nil {
				return nil, err
			}
			held[acct] = release
		}
		return func() {}, nil
	}
}

// checkMetadataSource refuses, as bad input, a metadata URL samlmeta would
// refuse to fetch (a password in it, plain http off loopback, no host).
func checkMetadataSource(src string) error {
	if !isURL(src) {
		return nil
	}
	if err := samlmeta.CheckSource(src); err != nil {
		return usagef("idp.metadata: %v", err)
	}
	return nil
}
