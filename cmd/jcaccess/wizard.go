package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"jcaccess/model"
	"jcaccess/steps"
	"jcaccess/steps/cloudflare"
	"jcaccess/steps/jumpcloud"
	"jcaccess/ui"
)

// wizardOptions are the flags of setup (the interactive wizard), plus what
// an embedded sandbox injects.
//
// --sandbox starts the embedded sandbox (Factory.startSandbox) and hands it
// to the wizard as Control. Another world can be injected the same way: a
// Factory whose HTTPClient trusts its CA and whose Getenv answers
// CLOUDFLARE_BASE_URL and CLOUDFLARE_API_TOKEN, and Control set.
type wizardOptions struct {
	setupOptions
	DryRun     bool
	Accessible bool
	// Control lets the wizard press JumpCloud's buttons (Identity Management
	// "Activate") and sign a test user in; nil against the real services.
	Control steps.SandboxControl
	// ConsoleURL is what o opens as "the JumpCloud console".
	ConsoleURL string
	// jumpCloudHost is the sandbox JumpCloud's host, accepted as JumpCloud's.
	jumpCloudHost string
	// programOptions are extra bubbletea options (tests: input, output,
	// window size, colour profile).
	programOptions []tea.ProgramOption
}

func newSetupCmd(f *Factory) *cobra.Command {
	o := &wizardOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "The interactive wizard: set up JumpCloud SSO and SCIM step by step, and prove it works",
		Long: `setup walks through the eight steps of the Cloudflare guide on a terminal: your team, the
API token, the JumpCloud app, its metadata, the Cloudflare login method, SCIM, JumpCloud's
Identity Management and a connection test. Each step runs its live checks as soon as its
answers are complete; every change is shown first and sent only when you confirm it.

Progress is saved after every step (never a secret): run setup again for the same team to
resume. q or ctrl+c saves and quits. --dry-run changes nothing: each change is shown, not sent.
--accessible (or ACCESSIBLE=1, or TERM=dumb) asks plain line-by-line questions instead.

Without a terminal, use jcaccess plan and jcaccess apply.`,
		Example: "  jcaccess setup --team acme\n  jcaccess setup --team acme --metadata JumpCloud-saml2-metadata.xml --dry-run",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSetup(cmd.Context(), f, o)
		},
	}
	o.addInputFlags(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&o.DryRun, "dry-run", false, "read-only: run every check, show every change, send none")
	fl.BoolVar(&o.Accessible, "accessible", false, "plain line-by-line prompts for screen readers (also ACCESSIBLE=1 or TERM=dumb)")
	return cmd
}

// runSetup runs the wizard; it is also what a bare "jcaccess" runs.
func runSetup(ctx context.Context, f *Factory, o *wizardOptions) error {
	if !f.IO.CanPrompt() {
		return usagef("setup is an interactive wizard and needs a terminal; without one, use jcaccess plan (read-only) and jcaccess apply --yes, with the same flags or a --config file")
	}
	uo, err := o.uiOptions(f)
	if err != nil {
		return err
	}
	var res ui.Result
	if o.Accessible || f.Getenv("ACCESSIBLE") != "" || f.Getenv("TERM") == "dumb" {
		stop := exitOnStuckRead(ctx, f)
		res, err = ui.RunAccessible(ctx, uo, f.IO.In, f.IO.Out)
		stop()
	} else {
		opts := append([]tea.ProgramOption{tea.WithInput(f.IO.In), tea.WithOutput(f.IO.Out)}, o.programOptions...)
		res, err = ui.Run(ctx, uo, opts...)
	}
	if err != nil {
		return err
	}
	return o.finish(f, res)
}

// uiOptions builds what the wizard runs over: the sessions, the API client
// (read-only in a dry run) and, with --sandbox, the sandbox.
func (o *wizardOptions) uiOptions(f *Factory) (ui.Options, error) {
	if o.setupOptions.Sandbox {
		sb, err := f.startSandbox(&o.setupOptions)
		if err != nil {
			return ui.Options{}, err
		}
		o.Control, o.ConsoleURL, o.jumpCloudHost = sb, sb.AdminURL(), sb.JumpCloudHost()
	}
	store, err := f.store()
	if err != nil {
		return ui.Options{}, err
	}
	fresh, saved, err := o.sessions(f, store)
	if err != nil {
		return ui.Options{}, err
	}
	// With the team known up front, no other jcaccess may work on it
	// meanwhile. (A team typed into the wizard is not locked: see README.)
	if team := fresh.Inputs.Team; team != "" {
		release, err := store.Lock(team)
		if err != nil {
			return ui.Options{}, err
		}
		f.closers = append(f.closers, func() error { release(); return nil })
	}
	base, err := f.baseURL()
	if err != nil {
		return ui.Options{}, err
	}
	newClient := func(tok model.Secret) *cloudflare.Client {
		return cloudflare.New(cloudflare.Config{Token: tok, BaseURL: base, HTTPClient: f.HTTPClient, ReadOnly: o.DryRun, Retries: 2})
	}
	var client *cloudflare.Client
	tok := strings.TrimSpace(f.Getenv("CLOUDFLARE_API_TOKEN"))
	if tok != "" {
		client = newClient(model.NewSecret(tok))
	}
	newJumpCloud, jcBase, err := f.jumpCloudFactory(&o.JumpCloud, o.DryRun)
	if err != nil {
		return ui.Options{}, err
	}
	jc, err := wizardJumpCloud(f, newJumpCloud)
	if err != nil {
		return ui.Options{}, err
	}
	uo := ui.Options{
		Env: &steps.Env{Session: fresh, Deps: steps.Deps{CF: client, HTTP: f.HTTPClient, Now: f.Now, LockAccount: f.accountLocks(store),
			// Changes in JumpCloud are planned, shown and sent only
			// through the wizard's confirmation (a, then y), as
			// Cloudflare's are; a dry run only reads.
			JumpCloud: jc, JumpCloudChanges: jc != nil}},
		Saved:        saved,
		Store:        store,
		NewClient:    newClient,
		APIBase:      base,
		TokenFromEnv: tok != "",
		DryRun:       o.DryRun,
		Getenv:       f.Getenv,
		NoColor:      f.Getenv("NO_COLOR") != "",
		ConsoleURL:   o.ConsoleURL,
		// A key typed into the jumpcloud-app step builds its client the
		// same way (read-only in a dry run).
		NewJumpCloud:        newJumpCloud,
		JumpCloudAPIBase:    jcBase,
		JumpCloudKeyFromEnv: jc != nil,
	}
	uo.Env.JumpCloudHost = o.jumpCloudHost
	if o.Control != nil {
		uo.Env.Sandbox = o.Control
	}
	return uo, nil
}

// wizardJumpCloud is the JumpCloud client built from JUMPCLOUD_API_KEY,
// or nil: unlike plan and apply, the wizard never prompts for the key
// before it starts (its jumpcloud-app step has a hidden field for it).
func wizardJumpCloud(f *Factory, newClient func(model.Secret) (*jumpcloud.Client, error)) (*jumpcloud.Client, error) {
	key := strings.TrimSpace(f.Getenv("JUMPCLOUD_API_KEY"))
	if key == "" {
		return nil, nil
	}
	c, err := newClient(model.NewSecret(key))
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return c, nil
}

// finish prints what the admin needs once the screen is gone.
func (o *wizardOptions) finish(f *Factory, res ui.Result) error {
	if res.SaveErr != nil {
		fmt.Fprintf(f.IO.ErrOut, "jcaccess: %s\n", shownErr(res.SaveErr))
	}
	if res.Outcome == ui.Finished {
		if res.Summary != "" {
			fmt.Fprint(f.IO.Out, res.Summary)
		}
		if res.SaveErr != nil {
			return errFailed
		}
		return nil
	}
	resume := "jcaccess setup"
	if res.Team != "" {
		resume += " --team " + shown(res.Team)
	}
	if o.setupOptions.Sandbox {
		resume += " --sandbox"
	}
	if o.DryRun {
		resume += " --dry-run"
	}
	if res.SaveErr != nil {
		fmt.Fprintf(f.IO.ErrOut, "The session was NOT saved. Start again with: %s\n", resume)
		return errFailed
	}
	if !res.Saved {
		fmt.Fprintf(f.IO.ErrOut, "Nothing was checked or changed, so nothing new was saved. Start again with: %s\n", resume)
		return errCancelled
	}
	fmt.Fprintf(f.IO.ErrOut, "Progress saved (no secrets). Resume with: %s\n", resume)
	return errCancelled
}

// sessions returns the fresh session (defaults, config, environment and
// flags) and, when the team has a saved one, that session with the same
// config, environment and flags laid over it, to offer for resuming.
func (o *wizardOptions) sessions(f *Factory, store model.Store) (fresh, saved *model.Session, err error) {
	in, err := o.freshInputs(f)
	if err != nil {
		return nil, nil, err
	}
	fresh = model.NewSession(in, f.Now())
	if in.Team == "" {
		return fresh, nil, nil
	}
	if _, err := store.Load(in.Team); errors.Is(err, model.ErrNoSession) {
		return fresh, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	o.Team = in.Team
	saved, err = o.setupOptions.inputs(f, store)
	return fresh, saved, err
}

// freshInputs is setupOptions.inputs without a saved session, and with the
// team optional: the wizard asks for it.
func (o *wizardOptions) freshInputs(f *Factory) (model.Inputs, error) {
	in := model.DefaultInputs()
	if o.ConfigPath != "" {
		var err error
		if in, err = loadConfig(o.ConfigPath); err != nil {
			return in, err
		}
	}
	if o.Team != "" {
		in.Team = o.Team
	}
	if in.Team != "" {
		team, err := steps.NormalizeTeam(in.Team)
		if err != nil {
			return in, usageError{err.Error()}
		}
		in.Team = team
	}
	return o.setupOptions.overlay(f, in)
}

// exitOnStuckRead covers the accessible mode's one blind spot: a line read
// from the terminal cannot be interrupted, so on ctrl+c (the context ends)
// it gives the wizard a moment, then exits. Every finished step is already
// saved by then.
func exitOnStuckRead(ctx context.Context, f *Factory) (stop func()) {
	if _, ok := f.IO.In.(*os.File); !ok {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				fmt.Fprintln(f.IO.ErrOut, "\njcaccess: interrupted; the steps checked so far are saved: run jcaccess setup again to resume")
				os.Exit(exitCancelled)
			}
		}
	}()
	return func() { close(done) }
}
