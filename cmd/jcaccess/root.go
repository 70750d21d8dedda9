package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// Factory carries what commands need from the outside world, so tests can
// run them in-process with fake streams, environment and trust roots.
type Factory struct {
	IO     *IOStreams
	Getenv func(string) string
	// HTTPClient reaches Cloudflare, the team domain, metadata URLs and the
	// SCIM endpoint. Its transport decides which roots are trusted.
	HTTPClient *http.Client
	Now        func() time.Time
	// closers run when the command ends (e.g. stopping an in-process sandbox).
	closers []func() error
	// sandboxCheck judges each request to the in-process sandbox's
	// Cloudflare API. Tests set it to the OpenAPI validation, which the
	// binary does not link (its package init alone costs milliseconds).
	sandboxCheck func(r *http.Request, body []byte) error
}

// Run executes the command line and maps the outcome to an exit code: the
// one place where errors become exit codes.
func Run(ctx context.Context, io *IOStreams, getenv func(string) string, args []string) int {
	f := &Factory{IO: io, Getenv: getenv, HTTPClient: &http.Client{Timeout: 60 * time.Second}, Now: time.Now}
	return f.Run(ctx, args)
}

// Run executes args with this factory.
func (f *Factory) Run(ctx context.Context, args []string) int {
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	err := cmd.ExecuteContext(ctx)
	for i := len(f.closers) - 1; i >= 0; i-- {
		if cerr := f.closers[i](); cerr != nil && err == nil {
			err = cerr
		}
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errCancelled) || errors.Is(err, context.Canceled) || ctx.Err() != nil:
		fmt.Fprintln(f.IO.ErrOut, "jcaccess: interrupted; progress so far is saved")
		return exitCancelled
	case errors.As(err, &ue):
		fmt.Fprintln(f.IO.ErrOut, "jcaccess:", shownErr(err))
		return exitUsage
	case errors.Is(err, errFailed):
		return exitFailed
	case isCobraUsage(err):
		fmt.Fprintln(f.IO.ErrOut, "jcaccess:", shownErr(err))
		fmt.Fprintln(f.IO.ErrOut, "Run 'jcaccess --help' for usage.")
		return exitUsage
	default:
		fmt.Fprintln(f.IO.ErrOut, "jcaccess:", shownErr(err))
		return exitFailed
	}
}

// flagError marks errors cobra raises while parsing.
type flagError struct{ error }

func isCobraUsage(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "jcaccess",
		Short: "Set up JumpCloud as the SAML login of Cloudflare Zero Trust, with SCIM, and prove it works",
		Long: `jcaccess sets up JumpCloud as the SAML identity provider of a Cloudflare Zero Trust
(Access) organization, with SCIM provisioning, and checks that it works.

  jcaccess setup                   the interactive wizard (also: jcaccess with no arguments)
  jcaccess metadata inspect FILE   check a JumpCloud metadata export
  jcaccess plan --config FILE      show what apply would change (changes nothing)
  jcaccess apply --config FILE     make the changes, then verify them
  jcaccess check --team TEAM       re-run every live check (for cron)
  jcaccess jumpcloud inspect       read JumpCloud's side through its API (JUMPCLOUD_API_KEY)

Without a terminal, use plan and apply.
Exit codes: 0 done, 1 a check or API call failed, 2 bad usage, 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// A bare "jcaccess" runs the wizard.
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSetup(cmd.Context(), f, &wizardOptions{})
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	root.AddCommand(newSetupCmd(f), newMetadataCmd(f), newPlanCmd(f), newApplyCmd(f), newCheckCmd(f), newSessionsCmd(f), newSandboxCmd(f), newJumpCloudCmd(f))
	return root
}

// exactArgs is cobra.ExactArgs with our usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("expected %s, got %d argument(s)", what, len(args))
		}
		return nil
	}
}
